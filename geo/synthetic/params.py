"""The regency's synthetic layers: lanes, per-kind coefficients, surface parameters and shared constants."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

from geo.synthetic._checks import _check_kind
from geo.validation import GeoInputError
from geo.vocabulary import (
    EAST_MONSOON_FROM_DEG,
    EAST_MONSOON_MONTHS,
    INCIDENT_RISK_KIND,
    WEST_MONSOON_FROM_DEG,
    WEST_MONSOON_MONTHS,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


SYNTHETIC_NAMESPACE: Final = uuid.UUID("5b1f8a52-1c33-5d0e-9a43-70657369736d")
"""UUID namespace for synthetic rows: ``uuid5(SYNTHETIC_NAMESPACE, f"{seed}:incident:{i}")``."""

DEFAULT_START: Final = datetime(2021, 1, 1, tzinfo=UTC)
DEFAULT_END: Final = datetime(2026, 1, 1, tzinfo=UTC)

RISK_KIND_OF: Final[Mapping[str, str]] = INCIDENT_RISK_KIND
"""Which true surface drives each incident kind (every kind in ``INCIDENT_KINDS``)."""

INCIDENT_KIND_SHARES: Final[Mapping[str, float]] = {
    "tppo": 0.12,
    "people_smuggling": 0.10,
    "pmi_nonprocedural": 0.16,
    "illegal_landing": 0.20,
    "drug_smuggling": 0.10,
    "illegal_fishing": 0.14,
    "foreign_vessel": 0.10,
    "other": 0.08,
}
"""Expected share of each incident kind (each kind appears at least once when ``n_incidents >= 8``)."""

OFF_HARBOUR_SHARE: Final = 0.08
"""Share of landing reports made away from any harbour (all flagged ``off_harbour``)."""

SUSPICIOUS_AT_HARBOUR_SHARE: Final = 0.05
"""Share of landing reports at a harbour that carry at least one suspicion flag."""

LAND_BOUNDARY_TOLERANCE_M: Final = 50.0
"""Coast samples this close (metres) to a land boundary are not coast when ``land_boundaries`` is given."""

_WIB_OFFSET_H: Final = 7  # Asia/Jakarta is UTC+7 all year (no daylight saving)
_DAY_S: Final = 86_400


# --------------------------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class Lane:
    """A schematic lane: a named polyline through waypoints ``(harbour_slug | None, lon, lat)``.

    A waypoint naming a harbour slug present in the ``harbours`` frame takes that harbour's point; otherwise
    (or with slug None) its own lon/lat (WGS 84 degrees) is used.
    """

    name: str
    kind: Literal["shipping", "ferry"]
    waypoints: tuple[tuple[str | None, float, float], ...]


LANES: Final[tuple[Lane, ...]] = (
    # Direct track from Surabaya's western channel (Karang Jamuang) towards Makassar (119.41 E, 5.13 S),
    # truncated at 116.5 E: ~40 km north of Madura, between Kangean and Masalembu.
    Lane("Java Sea lane Surabaya-Makassar", "shipping", ((None, 112.65, -6.85), (None, 116.50, -5.89))),
    # Eastbound traffic leaving Surabaya through the Madura Strait into the Bali Sea (to Nusa Tenggara).
    Lane(
        "Madura Strait - Bali Sea lane",
        "shipping",
        (
            (None, 112.80, -7.25),
            (None, 113.50, -7.33),
            (None, 114.30, -7.38),
            (None, 115.50, -7.52),
            (None, 116.40, -7.78),
        ),
    ),
    Lane(
        "Ferry Kalianget-Kangean-Sapeken",
        "ferry",
        (("kalianget", 113.943889, -7.055833), ("kangean", 115.228442, -6.841194), ("sapeken", 115.703981, -7.008575)),
    ),
    Lane(
        "Ferry Kalianget-Masalembu-Keramaian",
        "ferry",
        (
            ("kalianget", 113.943889, -7.055833),
            ("masalembu", 114.414453, -5.572869),
            ("keramaian", 114.605967, -5.044139),
        ),
    ),
    Lane(
        "Ferry Kalianget-Sapudi-Raas",
        "ferry",
        (
            ("kalianget", 113.943889, -7.055833),
            ("gayam", 114.326912, -7.165640),
            ("raas-brakas", 114.612640, -7.144830),
        ),
    ),
)
"""The lanes the default surface is exposed to (schematic; see the module docstring)."""


@dataclass(frozen=True)
class KindWeights:
    """Coefficients of one risk kind's log-intensity (see the module docstring for each term).

    Attributes
    ----------
    remoteness, shipping, ferry, staging, inhabited
        Log-scale coefficients of R, E_s, E_f, S and I (each term lies in [0, 1], so a coefficient is the
        log of the largest multiplier that term can contribute).
    season_amplitude
        A_k, log-scale amplitude of the regency-wide yearly cycle.
    season_peak_doy
        Day of year (1-366) at which the yearly cycle peaks.
    monsoon_shelter
        B_k, log-scale effect of a coast sheltered from (+1) or facing (-1) the active monsoon.
    """

    remoteness: float
    shipping: float
    ferry: float
    staging: float
    inhabited: float
    season_amplitude: float
    season_peak_doy: float
    monsoon_shelter: float


def _landing_weights() -> KindWeights:
    return KindWeights(
        remoteness=2.0,
        shipping=1.0,
        ferry=0.3,
        staging=1.2,
        inhabited=-1.2,
        season_amplitude=0.35,
        season_peak_doy=213.0,  # 1 August, the calmest east-monsoon weeks
        monsoon_shelter=0.6,
    )


def _tppo_weights() -> KindWeights:
    return KindWeights(
        remoteness=2.0,
        shipping=0.3,
        ferry=2.5,
        staging=0.3,
        inhabited=1.5,
        season_amplitude=0.25,
        season_peak_doy=182.0,  # 1 July
        monsoon_shelter=0.4,
    )


@dataclass(frozen=True)
class SurfaceParams:
    """Every parameter of the true risk surface (defaults in the module docstring).

    Attributes
    ----------
    landing, tppo
        Per-kind coefficients (:class:`KindWeights`).
    harbour_scale_km, shipping_scale_km, ferry_scale_km, staging_scale_km
        Decay lengths (km) of remoteness, lane exposure, ferry exposure and staging.
    n_hotspots
        Hidden hot spots per risk kind (0 switches them off).
    hotspot_amplitude
        Mean log-scale height of a hot spot.
    hotspot_bandwidth_km
        Gaussian standard deviation of a hot spot (km).
    noise_sd
        Standard deviation of the smooth log-scale noise field (0 switches it off).
    noise_length_km
        Correlation length of the noise field (km).
    n_noise_features
        Number of random Fourier features approximating the noise field.
    west_monsoon_months, east_monsoon_months
        Calendar months (1-12) in which each monsoon blows.
    west_monsoon_from_deg, east_monsoon_from_deg
        Direction each monsoon blows *from*, degrees clockwise from north.
    coast_spacing_m
        Spacing (m) at which the coastline is sampled for placing events and normalising.
    lanes
        The lanes exposure is measured to (default :data:`LANES`).
    """

    landing: KindWeights = field(default_factory=_landing_weights)
    tppo: KindWeights = field(default_factory=_tppo_weights)
    harbour_scale_km: float = 20.0
    shipping_scale_km: float = 25.0
    ferry_scale_km: float = 4.0
    staging_scale_km: float = 3.0
    n_hotspots: int = 4
    hotspot_amplitude: float = 0.5
    hotspot_bandwidth_km: float = 3.0
    noise_sd: float = 0.15
    noise_length_km: float = 12.0
    n_noise_features: int = 128
    west_monsoon_months: tuple[int, ...] = WEST_MONSOON_MONTHS
    east_monsoon_months: tuple[int, ...] = EAST_MONSOON_MONTHS
    west_monsoon_from_deg: float = WEST_MONSOON_FROM_DEG
    east_monsoon_from_deg: float = EAST_MONSOON_FROM_DEG
    coast_spacing_m: float = 200.0
    lanes: tuple[Lane, ...] = LANES

    def __post_init__(self) -> None:
        for name in ("harbour_scale_km", "shipping_scale_km", "ferry_scale_km", "staging_scale_km"):
            if not getattr(self, name) > 0:
                raise GeoInputError(f"params.{name}: must be > 0, got {getattr(self, name)!r}")
        if not self.hotspot_bandwidth_km > 0:
            raise GeoInputError(f"params.hotspot_bandwidth_km: must be > 0, got {self.hotspot_bandwidth_km!r}")
        if not self.noise_length_km > 0:
            raise GeoInputError(f"params.noise_length_km: must be > 0, got {self.noise_length_km!r}")
        if not 10.0 <= self.coast_spacing_m <= 5_000.0:
            raise GeoInputError(f"params.coast_spacing_m: must be within 10-5000 m, got {self.coast_spacing_m!r}")
        for name in ("n_hotspots", "n_noise_features"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise GeoInputError(f"params.{name}: must be an int >= 0, got {value!r}")
        if self.noise_sd < 0 or self.hotspot_amplitude < 0:
            raise GeoInputError("params.noise_sd and params.hotspot_amplitude: must be >= 0")
        if self.noise_sd > 0 and self.n_noise_features < 1:
            raise GeoInputError("params.n_noise_features: must be >= 1 when noise_sd > 0")
        for name in ("west_monsoon_months", "east_monsoon_months"):
            months = getattr(self, name)
            if any(m not in range(1, 13) for m in months):
                raise GeoInputError(f"params.{name}: months must be within 1-12, got {months!r}")
        if set(self.west_monsoon_months) & set(self.east_monsoon_months):
            raise GeoInputError("params.west_monsoon_months: must not overlap params.east_monsoon_months")
        for lane in self.lanes:
            if lane.kind not in ("shipping", "ferry") or len(lane.waypoints) < 2:
                raise GeoInputError(f"params.lanes: lane {lane.name!r} needs kind shipping|ferry and >= 2 waypoints")

    def weights(self, kind: str) -> KindWeights:
        """The coefficients of risk kind ``kind`` (one of ``RISK_KINDS``)."""
        _check_kind(kind)
        return self.landing if kind == "landing" else self.tppo
