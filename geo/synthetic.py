"""Seeded synthetic incidents and landing reports drawn from a known "true" risk surface.

Pesisir's demos and tests need data whose ground truth is known: the risk model is judged by how
well its segment scores recover the surface that generated the events. This module defines that surface,
:class:`TrueRiskSurface`, and :func:`generate`, which draws incidents and harbourmasters' landing reports from
it. Every row is flagged ``synthetic=True``; the same seed always gives identical frames, UUIDs included.

The true surface
----------------
For a risk kind ``k`` (``landing`` or ``tppo``), a point ``x`` near the coast and a time ``t``, the surface is
a log-linear intensity

.. math::

    \\log \\lambda_k(x, t) = c_k + \\beta^{rem}_k R(x) + \\beta^{ship}_k E_s(x) + \\beta^{ferry}_k E_f(x)
        + \\beta^{stage}_k S(x) + \\beta^{inh}_k I(x) + H_k(x) + \\varepsilon_k(x) + M_k(x, t)

with these terms (all distances in the metric CRS ``geo.crs.METRIC``):

``R(x) = 1 - exp(-d_harbour / harbour_scale_km)``
    Remoteness from surveillance: ``d_harbour`` is the distance to the nearest harbour with
    ``monitored=True``; 0 at a monitored harbour, towards 1 far away (1 everywhere if none is monitored).
``E_s(x) = exp(-d_shipping / shipping_scale_km)``
    Exposure to the shipping lanes (:data:`LANES` of kind ``shipping``): 1 on a lane, decaying offshore.
``E_f(x) = exp(-d_ferry / ferry_scale_km)``
    Exposure to the ferry links (:data:`LANES` of kind ``ferry``), the routes migrants travel along.
``S(x) = exp(-d_uninhabited / staging_scale_km)``
    Staging: ``d_uninhabited`` is the distance to the nearest uninhabited island (0 on its own coast).
``I(x)``
    1 if the nearest coast belongs to an inhabited island, else 0.
``H_k(x) = sum_j a_j exp(-|x - h_j|^2 / (2 hotspot_bandwidth_km^2))``
    ``n_hotspots`` hidden hot spots per kind, centred on coastline points drawn uniformly by length, with
    amplitudes ``a_j = hotspot_amplitude * U(0.5, 1.5)``. No observable factor explains them; a model can
    only learn them from the clustering of past events.
``eps_k(x)``
    A smooth Gaussian random field (random Fourier features: ``n_noise_features`` cosines with wave vectors
    drawn from N(0, 1/noise_length_km^2)), standard deviation ``noise_sd``: unexplainable by design, so that
    no model recovers the surface exactly.
``M_k(x, t) = A_k cos(2 pi (doy(t) - peak_k) / 365.25) + B_k [w_W(t) s_W(x) + w_E(t) s_E(x)]``
    Season. The first part is the regency-wide yearly cycle (amplitude ``season_amplitude``, peak on day of
    year ``season_peak_doy``: small boats cross most in the calm east monsoon). The second is the monsoon
    interacting with the coast's orientation: ``w_W(t)`` is 1 in the west monsoon months (Dec-Mar) and 0
    otherwise, ``w_E(t)`` likewise for the east monsoon (Jun-Sep); ``s_W(x) = -cos(b(x) - west_from)`` is +1
    on a coast whose seaward bearing ``b(x)`` points away from where the west monsoon blows from (sheltered,
    lee shore: boats land there) and -1 on a coast facing into it (exposed); ``s_E`` likewise. ``B_k`` is
    ``monsoon_shelter``. Bearings are taken from the nearest coastline point, smoothed over +-250 m.
``c_k``
    Normalising intercept: the length-weighted mean over the whole coastline of the annual-mean intensity is
    exactly 1.

**Units.** The intensity is *relative*: 1 is the average coastline; 3 means three times as many events per
km of coast per year as the average. With ``N`` events over ``Y`` years on ``L`` km of coast the absolute rate
is ``lambda * N / (L * Y)`` events per km per year. ``intensity(..., when=None)`` gives the annual mean
(``M_k`` averaged over a non-leap year).

Default coefficients (:class:`KindWeights`; remoteness, shipping, ferry, staging, inhabited, season amplitude,
peak day, monsoon shelter):

=========  ====  ====  =====  =====  =====  ====  ====  ====
kind       rem   ship  ferry  stage  inh    A     peak  B
=========  ====  ====  =====  =====  =====  ====  ====  ====
landing    2.0   1.0   0.3    1.2    -1.2   0.35  213   0.6
tppo       2.0   0.3   2.5    0.3    1.5    0.25  182   0.4
=========  ====  ====  =====  =====  =====  ====  ====  ====

Landings favour remote, uninhabited coasts near shipping lanes; trafficking and non-procedural departures
favour remote *inhabited* coasts (people leave from where they live) near the ferry links. Shared defaults
(:class:`SurfaceParams`): ``harbour_scale_km=20``, ``shipping_scale_km=25``, ``ferry_scale_km=4``,
``staging_scale_km=3``, ``n_hotspots=4``, ``hotspot_amplitude=0.5``, ``hotspot_bandwidth_km=3``,
``noise_sd=0.15``, ``noise_length_km=12``, ``n_noise_features=128``, west monsoon from 290 deg (WNW) in
Dec-Mar, east monsoon from 110 deg (ESE) in Jun-Sep, coastline sampled every ``coast_spacing_m=200`` m.

Lanes (:data:`LANES`) are schematic straight lines, good enough for a synthetic world, not for navigation:
the Java Sea trunk lane on the direct track from Surabaya's western channel towards Makassar (truncated at
116.5 E), the Madura Strait - Bali Sea lane south of the islands, and the ferry links Kalianget-Kangean-Sapeken,
Kalianget-Masalembu-Keramaian and Kalianget-Sapudi (Gayam)-Raas. A ferry waypoint names a harbour slug and
takes that harbour's point from the ``harbours`` frame when present, else its coordinates in :data:`LANES`.

Events
------
The coastline is every island polygon's exterior ring (holes are lagoons, not sea coast), sampled every
``coast_spacing_m``. Outline edges that are not shores are taken for coast too unless ``land_boundaries`` is
given: in ``data/sumenep_islands.geojson`` Madura (Sumenep)'s west side is the cut along the Pamekasan
boundary, ~40 km of "coast" with below-average intensity that receives ~2 % of events. With
``land_boundaries=`` (a line layer such as ``data/land_boundaries.geojson``) coast samples within
:data:`LAND_BOUNDARY_TOLERANCE_M` of those lines are dropped, as ``geo.segmentation`` drops them.

Incident kinds map to risk kinds through :data:`RISK_KIND_OF`: ``tppo``, ``people_smuggling`` and
``pmi_nonprocedural`` -> ``tppo``; ``illegal_landing``, ``drug_smuggling``, ``foreign_vessel``,
``illegal_fishing`` and ``other`` -> ``landing``. Each incident's place and day are drawn jointly from its risk
kind's ``lambda_k(x, t) * coastline length`` (exactly, on the coastline samples and UTC days); the position is
then moved uniformly along its 200 m stretch of shore, and jittered by its ``precision_m`` (50 m GPS to
2,000 m "near village X") mostly seaward: the recorded point is always within ``precision_m`` of the coast,
sometimes a little inland. The hour follows a diurnal profile in WIB (mostly at night); the reported window is
exact (start = end), some hours or some days wide.

Landings are mostly routine reports at harbours (harbour chosen by its kind; daytime; vessel details
plausible for the vessel type). A share :data:`OFF_HARBOUR_SHARE` happens off-harbour (``harbour_slug`` None,
flag ``off_harbour``): arrivals placed by the ``landing`` surface, departures by the ``tppo`` surface. A share
:data:`SUSPICIOUS_AT_HARBOUR_SHARE` of harbour reports carry suspicion flags, their harbour chosen in
proportion to the ``landing`` surface there, so suspicious reports nearby are an informative factor.

The seed feeds independent random streams (``numpy.random.default_rng([seed, stream])``): the surface does
not change when ``n_incidents`` or ``n_landings`` does, and incidents do not change with ``n_landings``.
"""

from __future__ import annotations

import math
import uuid
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import Transformer

from geo.crs import METRIC, WGS84
from geo.vocabulary import (
    BOAT_CLASSES,
    CONFIDENCE_LEVELS,
    DIRECTIONS,
    EAST_MONSOON_FROM_DEG,
    EAST_MONSOON_MONTHS,
    INCIDENT_KINDS,
    INCIDENT_RISK_KIND,
    REVIEW_STATES,
    RISK_KINDS,
    ROUTE_SEASON_MONTHS,
    ROUTE_SEASONS,
    SUMENEP_COAST,
    SUSPICION_FLAGS,
    VESSEL_TYPES,
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
                raise ValueError(f"params.{name}: must be > 0, got {getattr(self, name)!r}")
        if not self.hotspot_bandwidth_km > 0:
            raise ValueError(f"params.hotspot_bandwidth_km: must be > 0, got {self.hotspot_bandwidth_km!r}")
        if not self.noise_length_km > 0:
            raise ValueError(f"params.noise_length_km: must be > 0, got {self.noise_length_km!r}")
        if not 10.0 <= self.coast_spacing_m <= 5_000.0:
            raise ValueError(f"params.coast_spacing_m: must be within 10-5000 m, got {self.coast_spacing_m!r}")
        for name in ("n_hotspots", "n_noise_features"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"params.{name}: must be an int >= 0, got {value!r}")
        if self.noise_sd < 0 or self.hotspot_amplitude < 0:
            raise ValueError("params.noise_sd and params.hotspot_amplitude: must be >= 0")
        if self.noise_sd > 0 and self.n_noise_features < 1:
            raise ValueError("params.n_noise_features: must be >= 1 when noise_sd > 0")
        for name in ("west_monsoon_months", "east_monsoon_months"):
            months = getattr(self, name)
            if any(m not in range(1, 13) for m in months):
                raise ValueError(f"params.{name}: months must be within 1-12, got {months!r}")
        if set(self.west_monsoon_months) & set(self.east_monsoon_months):
            raise ValueError("params.west_monsoon_months: must not overlap params.east_monsoon_months")
        for lane in self.lanes:
            if lane.kind not in ("shipping", "ferry") or len(lane.waypoints) < 2:
                raise ValueError(f"params.lanes: lane {lane.name!r} needs kind shipping|ferry and >= 2 waypoints")

    def weights(self, kind: str) -> KindWeights:
        """The coefficients of risk kind ``kind`` (one of ``RISK_KINDS``)."""
        _check_kind(kind)
        return self.landing if kind == "landing" else self.tppo


# ---------------------------------------------------------------------------------------------- validation


def _check_kind(kind: str) -> None:
    if kind not in RISK_KINDS:
        raise ValueError(f"kind: must be one of {', '.join(RISK_KINDS)}, got {kind!r}")


def _check_frame(frame: object, name: str, columns: tuple[str, ...], geom_types: tuple[str, ...]) -> None:
    if not isinstance(frame, gpd.GeoDataFrame):
        raise ValueError(f"{name}: must be a GeoDataFrame, got {type(frame).__name__}")
    if frame.empty:
        raise ValueError(f"{name}: must not be empty")
    if frame.crs is None:
        raise ValueError(f"{name}: CRS is not set; it must be EPSG:4326")
    if frame.crs.to_epsg() != 4326:
        raise ValueError(f"{name}: CRS must be EPSG:4326, got {frame.crs.to_string()}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name}: missing required column(s) {', '.join(missing)}")
    geoms = frame.geometry.array
    if bool((shapely.is_missing(geoms) | shapely.is_empty(geoms)).any()):
        raise ValueError(f"{name}: every row needs a non-empty geometry")
    types = set(shapely.get_type_id(geoms).tolist())
    allowed = {shapely.GeometryType[t.upper()].value for t in geom_types}
    if not types <= allowed:
        raise ValueError(f"{name}: geometries must be {' or '.join(geom_types)}")


def _check_bool_column(frame: gpd.GeoDataFrame, name: str, column: str) -> None:
    values = frame[column]
    if values.isna().any() or not all(isinstance(v, bool | np.bool_) for v in values):
        raise ValueError(f"{name}.{column}: must be boolean on every row (no missing values)")


def _check_islands(islands: object) -> None:
    _check_frame(islands, "islands", ("code", "inhabited"), ("Polygon", "MultiPolygon"))
    assert isinstance(islands, gpd.GeoDataFrame)  # narrowed for mypy; _check_frame raised otherwise
    _check_bool_column(islands, "islands", "inhabited")


def _check_harbours(harbours: object) -> None:
    _check_frame(harbours, "harbours", ("slug", "kind", "monitored"), ("Point",))
    assert isinstance(harbours, gpd.GeoDataFrame)
    _check_bool_column(harbours, "harbours", "monitored")
    if harbours["slug"].isna().any() or harbours["slug"].duplicated().any():
        raise ValueError("harbours.slug: must be set and unique on every row")


def _utc(value: object, name: str) -> pd.Timestamp:
    if not isinstance(value, datetime):
        raise ValueError(f"{name}: must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name}: must be timezone-aware (UTC recommended)")
    return pd.Timestamp(value).tz_convert("UTC")


def _stream(seed: int, tag: str) -> np.random.Generator:
    # crc32 rather than hash(): Python salts str hashes per process, which would break determinism.
    return np.random.default_rng([seed, zlib.crc32(tag.encode())])


# ------------------------------------------------------------------------------------------------ surface


class TrueRiskSurface:
    """The known intensity that synthetic events are drawn from (formula in the module docstring).

    Parameters
    ----------
    islands
        EPSG:4326 GeoDataFrame with ``code`` (str), ``inhabited`` (bool) and (Multi)Polygon geometry. An
        optional ``name`` column is used in narratives.
    harbours
        EPSG:4326 GeoDataFrame with ``slug``, ``kind``, ``monitored`` (bool) and Point geometry.
    seed
        Seeds the hidden hot spots and the noise field.
    params
        Surface parameters; :class:`SurfaceParams` defaults when None.
    land_boundaries
        Optional line layer (any CRS, set) of land borders cut into the outlines: no coast sample lies within
        :data:`LAND_BOUNDARY_TOLERANCE_M` of them.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> isl = gpd.GeoDataFrame({"code": ["A"], "inhabited": [True]},
    ...                        geometry=[shapely.box(114.0, -7.05, 114.1, -6.95)], crs="EPSG:4326")
    >>> hb = gpd.GeoDataFrame({"slug": ["a"], "kind": ["official_port"], "monitored": [True]},
    ...                       geometry=[shapely.Point(114.0, -7.0)], crs="EPSG:4326")
    >>> surface = TrueRiskSurface(isl, hb, seed=1)
    >>> far = gpd.GeoSeries([shapely.Point(114.1, -7.0)], crs="EPSG:4326")
    >>> bool(surface.intensity(far, kind="landing")[0] > 0)
    True
    """

    def __init__(
        self,
        islands: gpd.GeoDataFrame,
        harbours: gpd.GeoDataFrame,
        *,
        seed: int,
        params: SurfaceParams | None = None,
        land_boundaries: gpd.GeoDataFrame | None = None,
    ) -> None:
        _check_islands(islands)
        boundary = _check_boundaries(land_boundaries)
        _check_harbours(harbours)
        _check_seed(seed)
        if params is not None and not isinstance(params, SurfaceParams):
            raise ValueError(f"params: must be a SurfaceParams or None, got {type(params).__name__}")
        self.params: SurfaceParams = params if params is not None else SurfaceParams()
        self.seed: int = seed
        p = self.params
        self._to_metric = Transformer.from_crs(WGS84, METRIC, always_xy=True)

        isl = islands.to_crs(METRIC)
        self._island_codes = isl["code"].astype(str).to_numpy()
        names = isl["name"] if "name" in isl.columns else isl["code"]
        self._island_names = names.fillna(isl["code"]).astype(str).to_numpy()
        self._island_inhabited = isl["inhabited"].to_numpy(dtype=bool)
        self._build_coast(isl, boundary)

        hb = harbours.to_crs(METRIC)
        monitored = hb["monitored"].to_numpy(dtype=bool)
        self._monitored_xy = shapely.get_coordinates(hb.geometry.array[monitored])
        self._harbour_xy = {str(s): (float(g.x), float(g.y)) for s, g in zip(hb["slug"], hb.geometry, strict=True)}
        self._shipping = self._lane_geometry("shipping")
        self._ferry = self._lane_geometry("ferry")
        uninhabited = isl.geometry.array[~self._island_inhabited]
        self._uninhabited_tree = shapely.STRtree(uninhabited) if len(uninhabited) else None

        # Hidden structure: hot spot centres drawn uniformly by coastline length, noise as random features.
        self._hotspots: dict[str, tuple[FloatArray, FloatArray]] = {}
        self._noise: dict[str, tuple[FloatArray, FloatArray]] = {}
        prob = self._coast_len / self._coast_len.sum()
        for kind in RISK_KINDS:
            rng = _stream(seed, f"surface:{kind}")
            k = p.n_hotspots
            centres = self._coast_xy[rng.choice(len(prob), size=k, p=prob)] if k else np.empty((0, 2))
            amps = p.hotspot_amplitude * rng.uniform(0.5, 1.5, size=k)
            self._hotspots[kind] = (centres, amps)
            omega = rng.normal(0.0, 1.0 / p.noise_length_km, size=(p.n_noise_features, 2))
            phase = rng.uniform(0.0, 2 * math.pi, size=p.n_noise_features)
            self._noise[kind] = (omega, phase)

        # Season constants for a reference (non-leap) year, used for when=None annual means.
        ref_days = pd.date_range("2023-01-01", periods=365, freq="D", tz="UTC")
        self._annual = {kind: self._season_classes(kind, ref_days, np.full(365, 1.0 / 365)) for kind in RISK_KINDS}
        # Every term except c_k on the coast samples, then c_k so the mean annual intensity there is 1.
        self._coast_drivers = self._drivers(self._coast_xy, np.arange(len(self._coast_xy)))
        self._intercept: dict[str, float] = {}
        self._coast_log: dict[str, FloatArray] = {}
        for kind in RISK_KINDS:
            self._intercept[kind] = 0.0
            terms = self._terms(self._coast_drivers, kind, None)
            total = np.sum([v for v in terms.values()], axis=0)
            mean = float(np.sum(self._coast_len * np.exp(total)) / self._coast_len.sum())
            self._intercept[kind] = -math.log(mean)
            # Log-intensity without the season term: generation handles time exactly on its own grid.
            self._coast_log[kind] = total - terms["season"] + self._intercept[kind]

    # -- construction helpers

    def _build_coast(self, isl: gpd.GeoDataFrame, boundary: shapely.Geometry | None = None) -> None:
        """Sample every exterior ring (holes are lagoons, not sea coast) every ~coast_spacing_m metres."""
        parts, owner = shapely.get_parts(isl.geometry.array, return_index=True)
        rings = shapely.get_exterior_ring(parts)
        # Orient counter-clockwise so the outward (seaward) normal is to the right of travel.
        rings = np.where(shapely.is_ccw(rings), rings, shapely.reverse(rings))
        coords, ring_of = shapely.get_coordinates(rings, return_index=True)
        seg = np.hypot(*np.diff(coords, axis=0).T)
        same = ring_of[1:] == ring_of[:-1]
        # One global chainage for all rings with a 1 m gap between rings, so np.interp never blends rings.
        step_len = np.where(same, seg, 1.0)
        chain = np.concatenate([[0.0], np.cumsum(step_len)])
        n_rings = len(rings)
        first = np.searchsorted(ring_of, np.arange(n_rings))
        last = np.append(first[1:], len(coords)) - 1
        ring_start = chain[first]
        ring_len = chain[last] - ring_start
        keep = ring_len > 0
        n_per = np.where(keep, np.maximum(1, np.ceil(ring_len / self.params.coast_spacing_m)), 0).astype(np.int64)
        ring_idx = np.repeat(np.arange(n_rings), n_per)
        k = np.arange(len(ring_idx)) - np.repeat(np.cumsum(n_per) - n_per, n_per)
        step = ring_len[ring_idx] / n_per[ring_idx]
        pos = (k + 0.5) * step
        self._chain, self._coords = chain, coords
        self._ring_start, self._ring_len = ring_start, ring_len
        self._coast_ring = ring_idx
        self._coast_pos = pos
        self._coast_len = step
        self._coast_island = owner[ring_idx]
        self._coast_xy = self._ring_point(ring_idx, pos)
        h = np.minimum(250.0, ring_len[ring_idx] / 4)
        tangent = self._ring_point(ring_idx, pos + h) - self._ring_point(ring_idx, pos - h)
        norm = np.hypot(tangent[:, 0], tangent[:, 1])
        norm[norm == 0] = 1.0
        tangent = tangent / norm[:, None]
        self._coast_tangent = tangent
        self._coast_normal = np.column_stack([tangent[:, 1], -tangent[:, 0]])
        self._coast_bearing = np.degrees(np.arctan2(self._coast_normal[:, 0], self._coast_normal[:, 1])) % 360
        if boundary is not None:
            keep = shapely.distance(shapely.points(self._coast_xy), boundary) > LAND_BOUNDARY_TOLERANCE_M
            if not keep.any():
                raise ValueError("land_boundaries: every coast sample lies on a land boundary")
            for name in (
                "_coast_ring", "_coast_pos", "_coast_len", "_coast_island", "_coast_xy",
                "_coast_tangent", "_coast_normal", "_coast_bearing",
            ):  # fmt: skip
                setattr(self, name, getattr(self, name)[keep])
        self._coast_tree = shapely.STRtree(shapely.points(self._coast_xy))

    def _ring_point(self, ring_idx: IntArray, pos: FloatArray) -> FloatArray:
        length = self._ring_len[ring_idx]
        at = self._ring_start[ring_idx] + np.mod(pos, np.where(length > 0, length, 1.0))
        return np.column_stack(
            [np.interp(at, self._chain, self._coords[:, 0]), np.interp(at, self._chain, self._coords[:, 1])]
        )

    def _lane_geometry(self, kind: str) -> shapely.Geometry | None:
        lines = []
        for lane in self.params.lanes:
            if lane.kind != kind:
                continue
            pts = []
            for slug, lon, lat in lane.waypoints:
                if slug is not None and slug in self._harbour_xy:
                    pts.append(self._harbour_xy[slug])
                else:
                    pts.append(self._to_metric.transform(lon, lat))
            lines.append(shapely.LineString(pts))
        return shapely.MultiLineString(lines) if lines else None

    def _season_classes(self, kind: str, days: pd.DatetimeIndex, weight: FloatArray) -> FloatArray:
        """Per-day weight x yearly cycle, split into the three monsoon classes (west, east, neither).

        Returns an array of shape (3, n_days); the monsoon-shelter factor multiplies class 0 and 1 only,
        which is what makes exact joint sampling of place and day cheap.
        """
        w = self.params.weights(kind)
        cycle = np.exp(
            w.season_amplitude * np.cos(2 * math.pi * (days.day_of_year.to_numpy() - w.season_peak_doy) / 365.25)
        )
        base = weight * cycle
        months = days.month.to_numpy()
        west = np.isin(months, self.params.west_monsoon_months)
        east = np.isin(months, self.params.east_monsoon_months)
        return np.stack([base * west, base * east, base * ~(west | east)])

    # -- evaluation

    def _drivers(self, xy: FloatArray, nearest: IntArray) -> dict[str, FloatArray]:
        p = self.params
        pts = shapely.points(xy)
        if len(self._monitored_xy):
            d = np.hypot(
                xy[:, None, 0] - self._monitored_xy[None, :, 0], xy[:, None, 1] - self._monitored_xy[None, :, 1]
            )
            d_harbour = d.min(axis=1) / 1000
        else:
            d_harbour = np.full(len(xy), np.inf)
        d_ship = (
            shapely.distance(pts, self._shipping) / 1000 if self._shipping is not None else np.full(len(xy), np.inf)
        )
        d_ferry = shapely.distance(pts, self._ferry) / 1000 if self._ferry is not None else np.full(len(xy), np.inf)
        if self._uninhabited_tree is not None:
            idx, dist = self._uninhabited_tree.query_nearest(pts, return_distance=True, all_matches=False)
            d_uninh = np.full(len(xy), np.inf)
            d_uninh[idx[0]] = dist / 1000
        else:
            d_uninh = np.full(len(xy), np.inf)
        bearing = self._coast_bearing[nearest]
        return {
            "x_km": xy[:, 0] / 1000,
            "y_km": xy[:, 1] / 1000,
            "dist_monitored_harbour_km": d_harbour,
            "dist_shipping_lane_km": d_ship,
            "dist_ferry_link_km": d_ferry,
            "dist_uninhabited_km": d_uninh,
            "remoteness": 1 - np.exp(-d_harbour / p.harbour_scale_km),
            "shipping_exposure": np.exp(-d_ship / p.shipping_scale_km),
            "ferry_exposure": np.exp(-d_ferry / p.ferry_scale_km),
            "staging": np.exp(-d_uninh / p.staging_scale_km),
            "inhabited": self._island_inhabited[self._coast_island[nearest]].astype(np.float64),
            "bearing_deg": bearing,
            "shelter_west": -np.cos(np.radians(bearing - p.west_monsoon_from_deg)),
            "shelter_east": -np.cos(np.radians(bearing - p.east_monsoon_from_deg)),
        }

    def _terms(self, drv: Mapping[str, FloatArray], kind: str, when: pd.Timestamp | None) -> dict[str, FloatArray]:
        p = self.params
        w = p.weights(kind)
        n = len(drv["x_km"])
        xy = np.column_stack([drv["x_km"], drv["y_km"]])
        centres, amps = self._hotspots[kind]
        if len(amps):
            d2 = (xy[:, None, 0] - centres[None, :, 0] / 1000) ** 2 + (xy[:, None, 1] - centres[None, :, 1] / 1000) ** 2
            hot = (amps[None, :] * np.exp(-d2 / (2 * p.hotspot_bandwidth_km**2))).sum(axis=1)
        else:
            hot = np.zeros(n)
        omega, phase = self._noise[kind]
        if p.noise_sd > 0:
            noise = p.noise_sd * math.sqrt(2 / len(phase)) * np.cos(xy @ omega.T + phase).sum(axis=1)
        else:
            noise = np.zeros(n)
        sw, se = drv["shelter_west"], drv["shelter_east"]
        if when is None:
            classes = self._annual[kind].sum(axis=1)
            season = np.log(
                classes[0] * np.exp(w.monsoon_shelter * sw) + classes[1] * np.exp(w.monsoon_shelter * se) + classes[2]
            )
        else:
            cycle = w.season_amplitude * math.cos(2 * math.pi * (when.day_of_year - w.season_peak_doy) / 365.25)
            west = float(when.month in p.west_monsoon_months)
            east = float(when.month in p.east_monsoon_months)
            season = cycle + w.monsoon_shelter * (west * sw + east * se)
        return {
            "intercept": np.full(n, self._intercept[kind]),
            "remoteness": w.remoteness * drv["remoteness"],
            "shipping": w.shipping * drv["shipping_exposure"],
            "ferry": w.ferry * drv["ferry_exposure"],
            "staging": w.staging * drv["staging"],
            "inhabited": w.inhabited * drv["inhabited"],
            "season": season,
            "hotspots": hot,
            "noise": noise,
        }

    def _prepare(self, points: gpd.GeoSeries) -> dict[str, FloatArray]:
        if not isinstance(points, gpd.GeoSeries):
            raise ValueError(f"points: must be a GeoSeries, got {type(points).__name__}")
        if points.crs is None:
            raise ValueError("points: CRS is not set")
        geoms = points.to_crs(METRIC).array
        if len(geoms) and not bool((shapely.get_type_id(geoms) == shapely.GeometryType.POINT).all()):
            raise ValueError("points: every geometry must be a non-empty Point")
        if len(geoms) and bool(shapely.is_empty(geoms).any()):
            raise ValueError("points: every geometry must be a non-empty Point")
        hits = self._coast_tree.query_nearest(geoms, all_matches=False)
        nearest = np.zeros(len(geoms), dtype=np.int64)
        nearest[hits[0]] = hits[1]
        return self._drivers(shapely.get_coordinates(geoms), nearest)

    @staticmethod
    def _when(when: datetime | None) -> pd.Timestamp | None:
        return None if when is None else _utc(when, "when")

    def features(self, points: gpd.GeoSeries) -> pd.DataFrame:
        """The observable drivers at ``points``: distances (km), the [0, 1] terms R, E_s, E_f, S, I, bearing.

        Orientation and ``inhabited`` are those of the nearest coastline sample. Index follows ``points``.
        """
        drv = self._prepare(points)
        return pd.DataFrame({k: v for k, v in drv.items() if k not in ("x_km", "y_km")}, index=points.index)

    def components(self, points: gpd.GeoSeries, *, kind: str, when: datetime | None = None) -> pd.DataFrame:
        """Log-scale contribution of every term at ``points``; ``exp`` of a row's sum is the intensity.

        Columns: intercept, remoteness, shipping, ferry, staging, inhabited, season, hotspots, noise.
        """
        _check_kind(kind)
        ts = self._when(when)
        return pd.DataFrame(self._terms(self._prepare(points), kind, ts), index=points.index)

    def intensity(self, points: gpd.GeoSeries, *, kind: str, when: datetime | None = None) -> FloatArray:
        """Relative intensity of risk ``kind`` at ``points`` (any CRS), at ``when`` or as an annual mean.

        1 is the coastline's average annual-mean intensity (see the module docstring for the formula and
        units). Points should be near the coast: orientation and island come from the nearest coastline.
        """
        _check_kind(kind)
        ts = self._when(when)
        terms = self._terms(self._prepare(points), kind, ts)
        return np.asarray(np.exp(np.sum(list(terms.values()), axis=0)), dtype=np.float64).reshape(len(points))

    @property
    def coast(self) -> gpd.GeoDataFrame:
        """The coastline samples events are placed on (EPSG:4326 points, one per ~coast_spacing_m).

        Columns: island_code, inhabited, length_m (the stretch each sample stands for), bearing_deg (seaward,
        clockwise from north), intensity_landing and intensity_tppo (annual mean).
        """
        frame = gpd.GeoDataFrame(
            {
                "island_code": self._island_codes[self._coast_island],
                "inhabited": self._island_inhabited[self._coast_island],
                "length_m": self._coast_len,
                "bearing_deg": self._coast_bearing,
            },
            geometry=shapely.points(self._coast_xy),
            crs=METRIC,
        )
        for kind in RISK_KINDS:
            terms = self._terms(self._coast_drivers, kind, None)
            frame[f"intensity_{kind}"] = np.exp(np.sum(list(terms.values()), axis=0))
        return frame.to_crs(WGS84)

    # -- sampling

    def _sample(
        self, rng: np.random.Generator, kind: str, n: int, days: pd.DatetimeIndex, dur: FloatArray
    ) -> tuple[IntArray, IntArray]:
        """Draw ``n`` (coast sample, day) pairs from lambda_k(x, t) x length x day duration, exactly."""
        w = self.params.weights(kind)
        classes = self._season_classes(kind, days, dur)
        totals = classes.sum(axis=1)
        drv = self._coast_drivers
        mix = np.stack(
            [
                totals[0] * np.exp(w.monsoon_shelter * drv["shelter_west"]),
                totals[1] * np.exp(w.monsoon_shelter * drv["shelter_east"]),
                np.full(len(self._coast_len), totals[2]),
            ]
        )
        weight = self._coast_len * np.exp(self._coast_log[kind]) * mix.sum(axis=0)
        where = rng.choice(len(weight), size=n, p=weight / weight.sum())
        cls_p = mix[:, where] / mix[:, where].sum(axis=0)
        u = rng.random(n)
        cls = np.minimum((u[None, :] > np.cumsum(cls_p, axis=0)).sum(axis=0), 2)  # 2 guards float round-off
        day = np.empty(n, dtype=np.int64)
        for c in range(3):
            sel = cls == c
            if sel.any():
                cum = np.cumsum(classes[c])
                day[sel] = np.searchsorted(cum, rng.random(int(sel.sum())) * cum[-1], side="right")
        return where.astype(np.int64), np.minimum(day, len(days) - 1)

    def _place(self, rng: np.random.Generator, where: IntArray, precision: FloatArray) -> FloatArray:
        """A point on the shore stretch of each sample, jittered by its precision, mostly seaward."""
        along = self._coast_pos[where] + rng.uniform(-0.5, 0.5, len(where)) * self._coast_len[where]
        shore = self._ring_point(self._coast_ring[where], along)
        # Seaward-biased offset whose length never exceeds the precision: sqrt(0.9^2 + 0.4^2) < 1.
        off_n = rng.uniform(-0.3, 0.9, len(where)) * precision
        off_t = np.clip(rng.normal(0.0, 0.25, len(where)), -0.4, 0.4) * precision
        return shore + off_n[:, None] * self._coast_normal[where] + off_t[:, None] * self._coast_tangent[where]


def _check_boundaries(land_boundaries: object) -> shapely.Geometry | None:
    if land_boundaries is None:
        return None
    if not isinstance(land_boundaries, gpd.GeoDataFrame):
        raise ValueError(f"land_boundaries: must be a GeoDataFrame or None, got {type(land_boundaries).__name__}")
    if land_boundaries.empty:
        return None
    if land_boundaries.crs is None:
        raise ValueError("land_boundaries: CRS is not set")
    return shapely.union_all(land_boundaries.to_crs(METRIC).geometry.array)


def _check_seed(seed: object) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed: must be an int >= 0, got {seed!r}")


# ------------------------------------------------------------------------------------------------ output


@dataclass(frozen=True)
class SyntheticData:
    """What :func:`generate` returns: two EPSG:4326 frames, the surface that drove them, and the seed."""

    incidents: gpd.GeoDataFrame
    landings: gpd.GeoDataFrame
    surface: TrueRiskSurface
    seed: int


INCIDENT_COLUMNS: Final = (
    "uuid",
    "kind",
    "occurred_start",
    "occurred_end",
    "precision_m",
    "people",
    "vessels",
    "source",
    "confidence",
    "review_state",
    "narrative",
    "synthetic",
    "geometry",
)

LANDING_COLUMNS: Final = (
    "client_uuid",
    "harbour_slug",
    "observed_start",
    "observed_end",
    "precision_m",
    "vessel_name",
    "vessel_registration",
    "vessel_flag",
    "vessel_type",
    "persons_aboard",
    "crew",
    "foreign_nationals",
    "origin",
    "direction",
    "suspicion_flags",
    "review_state",
    "synthetic",
    "geometry",
)

_PRECISIONS: Final = np.array([50.0, 100.0, 250.0, 500.0, 1000.0, 2000.0])
_PRECISION_P: Final = np.array([0.30, 0.20, 0.18, 0.15, 0.11, 0.06])

_NARRATIVES: Final[Mapping[str, tuple[str, str]]] = {
    "tppo": (
        "Dugaan TPPO: {people} calon pekerja migran dijemput perahu di pesisir {place} pada malam hari.",
        "Suspected trafficking: {people} prospective migrant workers were collected by boat on the coast of {place}.",
    ),
    "people_smuggling": (
        "{people} orang tanpa dokumen perjalanan diseberangkan dari {place} dengan perahu motor.",
        "{people} people without travel documents were taken across from {place} by motorboat.",
    ),
    "pmi_nonprocedural": (
        "{people} PMI nonprosedural berangkat lewat laut dari {place} menuju Malaysia.",
        "{people} migrant workers left {place} by sea without placement documents.",
    ),
    "illegal_landing": (
        "Perahu tanpa izin mendarat di pantai {place} dan menurunkan {people} orang.",
        "An unregistered boat landed {people} people on a beach at {place}.",
    ),
    "drug_smuggling": (
        "Paket diduga narkotika diturunkan dari perahu di dekat {place}.",
        "Suspected narcotics were unloaded from a boat near {place}.",
    ),
    "illegal_fishing": (
        "Kapal menangkap ikan dengan alat terlarang di perairan {place}.",
        "A boat was seen fishing with banned gear off {place}.",
    ),
    "foreign_vessel": (
        "Kapal berbendera asing terlihat berlabuh di dekat {place}.",
        "A foreign-flagged vessel was seen anchored near {place}.",
    ),
    "other": (
        "Warga melaporkan aktivitas perahu mencurigakan di sekitar {place}.",
        "Residents reported suspicious boat activity around {place}.",
    ),
}

# (low, high) ranges of people involved per incident kind, and the share reported at night (WIB).
_PEOPLE: Final[Mapping[str, tuple[int, int]]] = {
    "tppo": (2, 25),
    "people_smuggling": (2, 35),
    "pmi_nonprocedural": (2, 30),
    "illegal_landing": (2, 20),
    "drug_smuggling": (1, 6),
    "illegal_fishing": (2, 15),
    "foreign_vessel": (3, 25),
    "other": (0, 6),
}
_NIGHT_SHARE: Final[Mapping[str, float]] = {"tppo": 0.7, "landing": 0.65}


def _days(start: pd.Timestamp, end: pd.Timestamp) -> tuple[pd.DatetimeIndex, FloatArray]:
    """UTC days overlapping [start, end) and the seconds of each inside the range."""
    # ns throughout: pandas 3 keeps a datetime's own unit (us), while Timestamp.value is always ns.
    days = pd.date_range(start.floor("D"), end, freq="D", inclusive="left").as_unit("ns")
    lo = np.maximum(days.asi8, start.value)
    hi = np.minimum(days.asi8 + _DAY_S * 10**9, end.value)
    return days, ((hi - lo) / 1e9).astype(np.float64)


def _times(
    rng: np.random.Generator,
    days: pd.DatetimeIndex,
    day: IntArray,
    night_share: float | FloatArray,
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> IntArray:
    """Event instants (ns since epoch, whole seconds) on the given days, night-biased in WIB hours."""
    n = len(day)
    night = rng.random(n) < night_share
    wib_hour = np.where(night, rng.uniform(18.0, 30.0, n), rng.uniform(6.0, 18.0, n))
    utc_s = np.mod((wib_hour - _WIB_OFFSET_H) * 3600, _DAY_S)
    t = days.asi8[day] + (utc_s * 1e9).astype(np.int64)
    # Partial first/last days: fall back to a uniform instant inside the part of the day in range.
    outside = (t < start.value) | (t >= end.value)
    if outside.any():
        lo = np.maximum(days.asi8[day[outside]], start.value)
        hi = np.minimum(days.asi8[day[outside]] + _DAY_S * 10**9, end.value)
        t[outside] = lo + (rng.random(int(outside.sum())) * (hi - lo)).astype(np.int64)
    return (t // 10**9) * 10**9


def _window(
    rng: np.random.Generator,
    t: IntArray,
    shares: tuple[float, float, float],
    hours: tuple[float, float],
    days_wide: tuple[float, float],
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> tuple[pd.DatetimeIndex, pd.DatetimeIndex]:
    """Reporting windows around instants ``t``: exact, some hours or some days wide, clipped to the range."""
    n = len(t)
    kind = rng.choice(3, size=n, p=np.asarray(shares))
    width_h = np.where(kind == 1, rng.uniform(*hours, n), rng.uniform(24 * days_wide[0], 24 * days_wide[1], n))
    width = np.where(kind == 0, 0, (width_h * 3600).astype(np.int64)) * 10**9
    lo = t - (rng.random(n) * width).astype(np.int64)
    lo = np.maximum((lo // 10**9) * 10**9, start.value)
    hi = np.minimum(lo + width, end.value - 10**9)
    hi = np.maximum(hi, t)
    lo = np.minimum(lo, t)
    return _ns_index(lo), _ns_index(hi)


def _ns_index(ns: IntArray) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(ns, unit="ns", utc=True)).as_unit("ns")


def _to_wgs84(xy: FloatArray) -> gpd.GeoSeries:
    return gpd.GeoSeries(shapely.points(xy), crs=METRIC).to_crs(WGS84).reset_index(drop=True)


def _incidents(surface: TrueRiskSurface, seed: int, n: int, start: pd.Timestamp, end: pd.Timestamp) -> gpd.GeoDataFrame:
    rng = _stream(seed, "incidents")
    days, dur = _days(start, end)
    kinds = list(INCIDENT_KINDS)
    p = np.array([INCIDENT_KIND_SHARES[k] for k in kinds])
    # Every kind at least once (when n allows), the rest by share, in a seeded random order.
    drawn = np.concatenate(
        [np.arange(min(n, len(kinds))), rng.choice(len(kinds), size=max(0, n - len(kinds)), p=p / p.sum())]
    )
    kind_idx = rng.permutation(drawn)
    kind = np.array(kinds, dtype=object)[kind_idx]
    risk = np.array([RISK_KIND_OF[k] for k in kind])

    where = np.empty(n, dtype=np.int64)
    day = np.empty(n, dtype=np.int64)
    for rk in RISK_KINDS:
        sel = risk == rk
        if sel.any():
            where[sel], day[sel] = surface._sample(rng, rk, int(sel.sum()), days, dur)
    night = np.array([_NIGHT_SHARE[r] for r in risk])
    t = _times(rng, days, day, night, start, end)
    lo, hi = _window(rng, t, (0.3, 0.45, 0.25), (1.0, 12.0), (1.0, 7.0), start, end)

    precision = rng.choice(_PRECISIONS, size=n, p=_PRECISION_P)
    xy = surface._place(rng, where, precision)
    people = np.array([rng.integers(_PEOPLE[k][0], _PEOPLE[k][1] + 1) for k in kind], dtype=np.int64)
    vessels = 1 + (rng.random(n) < 0.12) * rng.integers(1, 3, n)
    on_land = np.isin(kind, ("tppo", "pmi_nonprocedural")) & (rng.random(n) < 0.2)  # recruitment ashore
    vessels = np.where(on_land, 0, vessels).astype(np.int64)
    confidence = rng.choice(np.array(CONFIDENCE_LEVELS, dtype=object), size=n, p=[0.25, 0.45, 0.30])
    review = rng.choice(np.array(REVIEW_STATES, dtype=object), size=n, p=[0.22, 0.72, 0.06])
    lang = rng.integers(0, 2, n)
    place = [
        ("pulau kecil tak bernama", "an unnamed islet")[g] if name.startswith("Unnamed") else name
        for name, g in zip(surface._island_names[surface._coast_island[where]], lang, strict=True)
    ]
    narrative = [
        _NARRATIVES[k][g].format(people=pp, place=pl) for k, g, pp, pl in zip(kind, lang, people, place, strict=True)
    ]

    order = np.lexsort((np.arange(n), lo.asi8))  # by start time; stable, so deterministic on ties
    frame = gpd.GeoDataFrame(
        {
            "uuid": [uuid.uuid5(SYNTHETIC_NAMESPACE, f"{seed}:incident:{i}") for i in range(n)],
            "kind": kind[order],
            "occurred_start": lo[order],
            "occurred_end": hi[order],
            "precision_m": precision[order].astype(np.float64),
            "people": people[order],
            "vessels": vessels[order],
            "source": f"synthetic generator, seed {seed}",
            "confidence": confidence[order],
            "review_state": review[order],
            "narrative": np.array(narrative, dtype=object)[order],
            "synthetic": True,
        },
        geometry=_to_wgs84(xy[order]),
        crs=WGS84,
    )
    return frame[list(INCIDENT_COLUMNS)]


# Vessel vocabulary for landings. Prefixes: KM kapal motor, KMP ferry, KLM kapal layar motor, MT tanker.
_ID_NAMES: Final = (
    "Sumber Rejeki", "Sinar Harapan", "Putra Bahari", "Barokah Jaya", "Cahaya Laut", "Mutiara Timur",
    "Bintang Samudra", "Rahmat Ilahi", "Berkah Abadi", "Karya Mandiri", "Harapan Baru", "Mina Jaya",
    "Tunas Muda", "Sinar Madura", "Rizki Bersama", "Usaha Baru", "Dewi Sri", "Nur Hidayah", "Anugerah Laut",
    "Jaya Makmur", "Bahari Sejahtera", "Putri Sapudi", "Lintas Kangean", "Maju Bersama", "Sri Rejeki",
    "Samudra Jaya", "Bina Usaha",
)  # fmt: skip
# Generic names only: names of real ferries (Dharma Kencana, Sabuk Nusantara, ...) stay out of synthetic data.
_FOREIGN_NAMES: Final[Mapping[str, tuple[str, ...]]] = {
    "MY": ("Seri Mutiara", "Bintang Timur", "Sinar Sabah", "Kota Tawau"),
    "PH": ("Lucky Star", "Santa Cruz", "Golden Mindanao"),
    "VN": ("Hai Au", "Binh Minh", "Thanh Dat"),
    "TL": ("Lafaek", "Atauro Star"),
    "SG": ("Pacific Venture", "Straits Pioneer"),
}
_PREFIX: Final[Mapping[str, str]] = {
    "fishing": "KM", "cargo": "KM", "passenger": "KM", "ferry": "KMP", "tanker": "MT", "speedboat": "SB",
    "traditional": "KLM", "other": "KM",
}  # fmt: skip
_REG_AREAS: Final = ("Kn", "Ka", "Sp", "Bb")  # pseudo registration-area suffixes ("GT.12 No.345/Kn")
_GT: Final[Mapping[str, tuple[int, int]]] = {
    "fishing": (3, 30), "cargo": (35, 800), "passenger": (20, 300), "ferry": (300, 1500), "tanker": (100, 3000),
    "speedboat": (1, 6), "traditional": (2, 12), "other": (2, 60),
}  # fmt: skip
_CREW: Final[Mapping[str, tuple[int, int]]] = {
    "fishing": (2, 12), "cargo": (5, 15), "passenger": (4, 12), "ferry": (10, 25), "tanker": (8, 20),
    "speedboat": (1, 3), "traditional": (1, 4), "other": (1, 6),
}  # fmt: skip
_PASSENGERS: Final[Mapping[str, tuple[int, int]]] = {
    "fishing": (0, 0), "cargo": (0, 2), "passenger": (10, 120), "ferry": (20, 300), "tanker": (0, 0),
    "speedboat": (0, 10), "traditional": (0, 4), "other": (0, 5),
}  # fmt: skip
_SMALL_BOATS: Final = ("speedboat", "traditional", "fishing", "other")
_HARBOUR_TYPE_P: Final = np.array([0.40, 0.12, 0.10, 0.10, 0.03, 0.06, 0.15, 0.04])  # order of VESSEL_TYPES
_OFF_TYPE_P: Final = np.array([0.30, 0.0, 0.0, 0.0, 0.0, 0.30, 0.35, 0.05])
_FLAGS: Final = ("ID", "MY", "PH", "VN", "TL", "SG")
_FLAG_P_ROUTINE: Final = np.array([0.965, 0.012, 0.008, 0.008, 0.004, 0.003])
_FLAG_P_SUSPICIOUS: Final = np.array([0.82, 0.07, 0.05, 0.04, 0.02, 0.0])
_EXTERNAL_ORIGINS: Final = (
    "Surabaya", "Gresik", "Pamekasan", "Probolinggo", "Situbondo", "Banyuwangi", "Denpasar", "Lembar", "Bima",
    "Makassar", "Banjarmasin", "Kotabaru", "Batulicin", "Balikpapan", "Tarakan", "Nunukan",
)  # fmt: skip
_FOREIGN_ORIGINS: Final[Mapping[str, tuple[str, ...]]] = {
    "MY": ("Tawau", "Sandakan", "Johor Bahru"),
    "PH": ("General Santos", "Zamboanga"),
    "VN": ("Vung Tau", "Phu Quoc"),
    "TL": ("Dili",),
    "SG": ("Singapore",),
}
_HARBOUR_KIND_WEIGHT: Final[Mapping[str, float]] = {
    "official_port": 5.0,
    "ferry_terminal": 4.0,
    "fishing_port": 3.0,
    "informal_landing": 1.5,
    "special_terminal": 0.5,
}
_HARBOUR_FLAGS: Final = ("no_manifest", "undocumented_foreigners", "transshipment", "ais_off", "evasive", "overcrowded")
_HARBOUR_FLAGS_P: Final = np.array([0.30, 0.20, 0.12, 0.13, 0.13, 0.12])


def _pick(rng: np.random.Generator, options: Sequence[str]) -> str:
    return options[int(rng.integers(len(options)))]


def _landings(
    surface: TrueRiskSurface,
    harbours: gpd.GeoDataFrame,
    seed: int,
    n: int,
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> gpd.GeoDataFrame:
    rng = _stream(seed, "landings")
    days, dur = _days(start, end)
    n_off = round(n * OFF_HARBOUR_SHARE)
    n_sus = round((n - n_off) * SUSPICIOUS_AT_HARBOUR_SHARE)
    n_routine = n - n_off - n_sus
    # Row groups: 0 routine at a harbour, 1 suspicious at a harbour, 2 off-harbour arrival, 3 off-harbour departure.
    n_dep = round(n_off * 0.35)
    group = np.repeat(np.arange(4), [n_routine, n_sus, n_off - n_dep, n_dep])

    slugs = harbours["slug"].astype(str).to_numpy()
    names = (harbours["name"] if "name" in harbours.columns else harbours["slug"]).fillna(harbours["slug"])
    names_arr = names.astype(str).to_numpy()
    hb_metric = harbours.to_crs(METRIC)
    hb_xy = shapely.get_coordinates(hb_metric.geometry.array)
    base_w = np.array([_HARBOUR_KIND_WEIGHT.get(str(k), 1.0) for k in harbours["kind"]])
    risk_at = surface.intensity(harbours.geometry.reset_index(drop=True), kind="landing")
    harbour = np.full(n, -1, dtype=np.int64)
    harbour[group == 0] = rng.choice(len(slugs), size=n_routine, p=base_w / base_w.sum())
    sus_w = base_w * risk_at
    harbour[group == 1] = rng.choice(len(slugs), size=n_sus, p=sus_w / sus_w.sum())

    # Days: routine traffic follows the regency-wide yearly cycle; off-harbour ones the full surface.
    day = np.empty(n, dtype=np.int64)
    at_harbour = group <= 1
    cycle = surface._season_classes("landing", days, dur).sum(axis=0)
    cum = np.cumsum(cycle)
    day[at_harbour] = np.searchsorted(cum, rng.random(int(at_harbour.sum())) * cum[-1], side="right")
    day = np.minimum(day, len(days) - 1)
    where = np.full(n, -1, dtype=np.int64)
    for g, rk in ((2, "landing"), (3, "tppo")):
        sel = group == g
        if sel.any():
            where[sel], day[sel] = surface._sample(rng, rk, int(sel.sum()), days, dur)
    night_share = np.select([group == 0, group == 1], [0.15, 0.5], 0.75)
    t = _times(rng, days, day, night_share, start, end)
    wib_hour = ((t // 10**9 + _WIB_OFFSET_H * 3600) % _DAY_S) / 3600
    is_night = (wib_hour >= 18) | (wib_hour < 6)
    obs_lo, obs_hi = _window(rng, t, (0.4, 0.6, 0.0), (0.1, 2.0), (0.5, 2.0), start, end)
    off = ~at_harbour
    long_lo, long_hi = _window(rng, t, (0.1, 0.7, 0.2), (1.0, 24.0), (1.0, 3.0), start, end)
    obs_lo = _ns_index(np.where(off, long_lo.asi8, obs_lo.asi8))
    obs_hi = _ns_index(np.where(off, long_hi.asi8, obs_hi.asi8))

    # Places: at or near the harbour point (post GPS), or on the coast for off-harbour ones.
    precision = np.where(
        at_harbour,
        rng.choice(np.array([10.0, 25.0, 50.0, 100.0]), size=n),
        rng.choice(np.array([100.0, 250.0, 500.0, 1000.0, 2000.0]), size=n, p=[0.25, 0.3, 0.25, 0.15, 0.05]),
    )
    angle = rng.uniform(0, 2 * math.pi, n)
    radius = 0.8 * precision * np.sqrt(rng.random(n))
    xy = np.zeros((n, 2))
    offset = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    xy[at_harbour] = hb_xy[harbour[at_harbour]] + offset[at_harbour]
    if off.any():
        xy[off] = surface._place(rng, where[off], precision[off])

    suspicious = group >= 1
    vtype = np.where(
        at_harbour & ~suspicious,
        rng.choice(len(VESSEL_TYPES), size=n, p=_HARBOUR_TYPE_P),
        rng.choice(len(VESSEL_TYPES), size=n, p=_OFF_TYPE_P),
    )
    vtype = np.where(group == 1, rng.choice(len(VESSEL_TYPES), size=n, p=_HARBOUR_TYPE_P), vtype)
    flag_idx = np.where(
        suspicious,
        rng.choice(len(_FLAGS), size=n, p=_FLAG_P_SUSPICIOUS),
        rng.choice(len(_FLAGS), size=n, p=_FLAG_P_ROUTINE),
    )
    direction = np.where(group == 2, 0, np.where(group == 3, 1, rng.integers(0, 2, n)))

    rows: dict[str, list[object]] = {c: [] for c in LANDING_COLUMNS if c != "geometry"}
    for i in range(n):
        vt = VESSEL_TYPES[int(vtype[i])]
        flag = _FLAGS[int(flag_idx[i])]
        crew = int(rng.integers(_CREW[vt][0], _CREW[vt][1] + 1))
        passengers = int(rng.integers(_PASSENGERS[vt][0], _PASSENGERS[vt][1] + 1))
        flags: set[str] = set()
        if group[i] >= 2:
            flags.add("off_harbour")
            if group[i] == 3 and vt in _SMALL_BOATS:
                passengers = int(rng.integers(3, 41))  # a departure of would-be migrant workers
            for f, pf in (("no_manifest", 0.3), ("evasive", 0.15), ("transshipment", 0.1)):
                if rng.random() < pf:
                    flags.add(f)
        elif group[i] == 1:
            k = 1 + int(rng.random() < 0.35)
            flags.update(str(f) for f in rng.choice(_HARBOUR_FLAGS, size=k, replace=False, p=_HARBOUR_FLAGS_P))
        if "overcrowded" in flags:
            passengers = max(passengers, int(rng.integers(16, 45)) if vt in _SMALL_BOATS else passengers * 2 + 20)
        if vt in _SMALL_BOATS and passengers > 15 and group[i] >= 1:
            flags.add("overcrowded")
        persons = crew + passengers
        if flag != "ID":
            foreign = crew + int(rng.binomial(passengers, 0.5))
        elif "undocumented_foreigners" in flags or (group[i] >= 2 and rng.random() < 0.15):
            foreign = int(rng.integers(1, persons + 1))
        else:
            foreign = int(rng.binomial(passengers, 0.02)) if vt in ("ferry", "passenger") else 0
        if foreign > 0 and group[i] >= 2 and rng.random() < 0.6:
            flags.add("undocumented_foreigners")
        if suspicious[i] and is_night[i]:
            flags.add("night")

        if flag == "ID":
            name = f"{_PREFIX[vt]} {_pick(rng, _ID_NAMES)}"
            if rng.random() < 0.3:
                name += f" {_pick(rng, ('II', 'III', 'IV', '01', '07', '88'))}"
            lo_gt, hi_gt = _GT[vt]
            no_reg = {"traditional": 0.3, "speedboat": 0.2}.get(vt, 0.03) + (0.3 if group[i] >= 2 else 0.0)
            reg: str | None = None
            if rng.random() >= no_reg:
                gt, number = int(rng.integers(lo_gt, hi_gt + 1)), int(rng.integers(1, 3000))
                reg = f"GT.{gt} No.{number}/{_pick(rng, _REG_AREAS)}"
        else:
            name = f"{'FV' if vt == 'fishing' else 'MV'} {_pick(rng, _FOREIGN_NAMES[flag])}"
            reg = None if rng.random() < 0.3 else f"{flag}-{int(rng.integers(1000, 99999)):05d}"

        h = int(harbour[i])
        if direction[i] == 1:  # departure: the voyage starts here
            origin = names_arr[h] if h >= 0 else str(surface._island_names[surface._coast_island[where[i]]])
        elif flag != "ID":
            origin = _pick(rng, _FOREIGN_ORIGINS[flag])
        elif h >= 0 and len(names_arr) > 1 and rng.random() < 0.6:
            others = [names_arr[j] for j in range(len(names_arr)) if j != h]
            origin = _pick(rng, others)
        else:
            origin = _pick(rng, _EXTERNAL_ORIGINS)

        rows["client_uuid"].append(uuid.uuid5(SYNTHETIC_NAMESPACE, f"{seed}:landing:{i}"))
        rows["harbour_slug"].append(str(slugs[h]) if h >= 0 else None)
        rows["vessel_name"].append(name)
        rows["vessel_registration"].append(reg)
        rows["vessel_flag"].append(flag)
        rows["vessel_type"].append(vt)
        rows["persons_aboard"].append(persons)
        rows["crew"].append(crew)
        rows["foreign_nationals"].append(min(foreign, persons))
        rows["origin"].append(origin)
        rows["direction"].append(DIRECTIONS[int(direction[i])])
        rows["suspicion_flags"].append([f for f in SUSPICION_FLAGS if f in flags])
    rows["review_state"] = list(
        np.where(
            suspicious,
            rng.choice(REVIEW_STATES, size=n, p=[0.45, 0.45, 0.10]),
            rng.choice(REVIEW_STATES, size=n, p=[0.35, 0.62, 0.03]),
        )
    )

    order = np.lexsort((np.arange(n), obs_lo.asi8))
    data: dict[str, object] = {}
    for col, values in rows.items():
        arr = np.empty(n, dtype=object)
        for j, v in enumerate(values):  # element-wise: numpy would try to broadcast the flag lists
            arr[j] = str(v) if col == "review_state" else v
        data[col] = arr[order]
    # UUIDs follow the final row order, so row i of any seed is always uuid5(ns, f"{seed}:landing:{i}").
    data["client_uuid"] = np.array(rows["client_uuid"], dtype=object)
    for col in ("persons_aboard", "crew", "foreign_nationals"):
        data[col] = np.asarray(data[col], dtype=np.int64)
    data["observed_start"] = obs_lo[order]
    data["observed_end"] = obs_hi[order]
    data["precision_m"] = precision[order].astype(np.float64)
    data["synthetic"] = np.ones(n, dtype=bool)
    frame = gpd.GeoDataFrame(data, geometry=_to_wgs84(xy[order]), crs=WGS84)
    # Object dtype keeps a real None (pandas' str dtype would turn it into NaN).
    for col in ("harbour_slug", "vessel_registration"):
        frame[col] = pd.Series(data[col], dtype=object)
    return frame[list(LANDING_COLUMNS)]


# ------------------------------------------------------------------------------------------------ public


def generate(
    islands: gpd.GeoDataFrame,
    harbours: gpd.GeoDataFrame,
    *,
    seed: int,
    start: datetime = DEFAULT_START,
    end: datetime = DEFAULT_END,
    n_incidents: int = 400,
    n_landings: int = 2500,
    params: SurfaceParams | None = None,
    land_boundaries: gpd.GeoDataFrame | None = None,
) -> SyntheticData:
    """Generate synthetic incidents and landing reports from a seeded true risk surface.

    Parameters
    ----------
    islands
        EPSG:4326 GeoDataFrame with ``code`` (str), ``inhabited`` (bool) and (Multi)Polygon geometry; an
        optional ``name`` is used in narratives.
    harbours
        EPSG:4326 GeoDataFrame with ``slug`` (unique), ``kind``, ``monitored`` (bool) and Point geometry; an
        optional ``name`` is used as a landing's origin.
    seed
        Any int >= 0. The same seed (and arguments) gives identical frames, UUIDs included.
    start, end
        Timezone-aware bounds of the period, ``start`` inclusive, ``end`` exclusive; default 2021-01-01 to
        2026-01-01 UTC.
    n_incidents
        Number of incidents (>= 1). With 8 or more, every kind of ``INCIDENT_KINDS`` appears.
    n_landings
        Number of landing reports (>= 1).
    params
        Surface parameters; :class:`SurfaceParams` defaults when None.
    land_boundaries
        Optional line layer of land borders: no event is placed on outline parts along them (see
        :class:`TrueRiskSurface`).

    Returns
    -------
    SyntheticData
        ``incidents`` and ``landings`` (new EPSG:4326 frames with exactly the columns of
        :data:`INCIDENT_COLUMNS` and :data:`LANDING_COLUMNS`, sorted by start time, every row
        ``synthetic=True``), the :class:`TrueRiskSurface` that drove them, and the seed. Times are
        ``datetime64[ns, UTC]`` to the second; counts int64; ``uuid``/``client_uuid`` hold :class:`uuid.UUID`
        (row ``i`` is ``uuid5(SYNTHETIC_NAMESPACE, f"{seed}:incident:{i}")``, or ``:landing:``);
        ``harbour_slug`` and ``vessel_registration`` are object columns holding ``None`` when absent;
        ``suspicion_flags`` holds lists in ``SUSPICION_FLAGS`` order; other text columns use pandas' default
        string dtype.

    Raises
    ------
    ValueError
        Naming the argument and the rule it breaks.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> islands = gpd.GeoDataFrame(
    ...     {"code": ["A", "B"], "inhabited": [True, False]},
    ...     geometry=[shapely.box(114.0, -7.05, 114.1, -6.95), shapely.Point(114.3, -7.0).buffer(0.02)],
    ...     crs="EPSG:4326")
    >>> harbours = gpd.GeoDataFrame(
    ...     {"slug": ["a"], "kind": ["official_port"], "monitored": [True]},
    ...     geometry=[shapely.Point(114.0, -7.0)], crs="EPSG:4326")
    >>> data = generate(islands, harbours, seed=7, n_incidents=50, n_landings=100)
    >>> len(data.incidents), len(data.landings), bool(data.incidents.synthetic.all())
    (50, 100, True)
    """
    _check_islands(islands)
    _check_harbours(harbours)
    _check_seed(seed)
    t0, t1 = _utc(start, "start"), _utc(end, "end")
    if not t0 < t1:
        raise ValueError(f"end: must be after start ({t0.isoformat()} >= {t1.isoformat()})")
    for name, value in (("n_incidents", n_incidents), ("n_landings", n_landings)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{name}: must be an int >= 1, got {value!r}")
    if params is not None and not isinstance(params, SurfaceParams):
        raise ValueError(f"params: must be a SurfaceParams or None, got {type(params).__name__}")
    seed = int(seed)
    surface = TrueRiskSurface(islands, harbours, seed=seed, params=params, land_boundaries=land_boundaries)
    incidents = _incidents(surface, seed, int(n_incidents), t0, t1)
    landings = _landings(surface, harbours, seed, int(n_landings), t0, t1)
    return SyntheticData(incidents=incidents, landings=landings, surface=surface, seed=seed)


# ------------------------------------------------------------------------------------------- routes world

WORLD_SPEED_KN: Final[Mapping[str, float]] = {"perahu": 7.0, "fishing_boat": 9.0, "speedboat": 20.0, "steel_ship": 11.0}
"""The routes world's own cruising speeds (knots): not the boats table's."""

_SMALL_BOATS_WORLD: Final = ("perahu", "fishing_boat")
_INCIDENT_KINDS_OF: Final[Mapping[str, tuple[str, ...]]] = {
    "landing": ("illegal_landing", "drug_smuggling", "foreign_vessel"),
    "tppo": ("tppo", "people_smuggling", "pmi_nonprocedural"),
}


@dataclass(frozen=True)
class RoutesWorldParams:
    """Every parameter of :func:`routes_world` (what each does in its docstring).

    Attributes
    ----------
    grid_m
        Side of the world's square grid cells (m).
    habits
        Route habits per boat group and season group: independent draws of the cost noise; each trip follows one.
    habit_sd, habit_length_km
        Log-scale sd and correlation length (km) of the smooth part of a habit's cost noise.
    edge_sd
        Log-scale sd of the independent per-edge part of a habit's cost noise.
    speeds_kn
        Cruising speed of each boat class (knots).
    offshore_km
        Water farther than this from land is open sea.
    offshore_small, offshore_large
        Extra cost share of open sea for small boats (perahu, fishing boat) and large ones (speedboat, ship).
    west_offshore_factor
        The open-sea extra cost is multiplied by this in the west monsoon.
    choice_tau_h, choice_tau_share
        Landing choice: utility falls by 1 per ``max(choice_tau_h, choice_tau_share * t_min)`` hours of extra
        travel.
    shelter, remoteness, harbour_scale_km
        Landing choice: utility per unit of ``-cos(bearing - wind_from)`` in the monsoon that blows, and per unit
        of ``1 - exp(-d / harbour_scale_km)`` (``d`` to the nearest monitored harbour, km).
    inhabited_landing, inhabited_tppo
        Landing choice: utility of an inhabited island's coast, for landings and for departures.
    drop_share, drop_km
        Share of trips between two places that drop (or pick up) people or goods on Sumenep's coast on the way,
        and the detour scale (km) of where they do.
    place_km
        Trips to or from a place on Sumenep's coast land or leave near it: weight ``exp(-d / place_km)``, times
        shelter, remoteness and island as for a landing anywhere (they avoid the harbour's own quay if watched).
    trips_per_year
        Trips of each risk kind per year, shared among its flows by weight.
    """

    grid_m: float = 3000.0
    habits: int = 4
    habit_sd: float = 0.6
    habit_length_km: float = 10.0
    edge_sd: float = 0.35
    speeds_kn: Mapping[str, float] = field(default_factory=lambda: dict(WORLD_SPEED_KN))
    offshore_km: float = 15.0
    offshore_small: float = 0.8
    offshore_large: float = 0.1
    west_offshore_factor: float = 2.0
    choice_tau_h: float = 0.75
    choice_tau_share: float = 0.15
    shelter: float = 0.8
    remoteness: float = 1.5
    harbour_scale_km: float = 12.0
    inhabited_landing: float = -0.5
    inhabited_tppo: float = 1.0
    drop_share: float = 0.2
    drop_km: float = 4.0
    place_km: float = 4.0
    trips_per_year: float = 500.0

    def __post_init__(self) -> None:
        for name in ("grid_m", "habit_length_km", "offshore_km", "choice_tau_h", "harbour_scale_km", "drop_km"):
            if not getattr(self, name) > 0:
                raise ValueError(f"params.{name}: must be > 0, got {getattr(self, name)!r}")
        if isinstance(self.habits, bool) or not isinstance(self.habits, int) or self.habits < 1:
            raise ValueError(f"params.habits: must be an int >= 1, got {self.habits!r}")
        if not 0.0 <= self.drop_share <= 1.0:
            raise ValueError(f"params.drop_share: must be within 0-1, got {self.drop_share!r}")
        missing = [b for b in BOAT_CLASSES if not self.speeds_kn.get(b, 0) > 0]
        if missing:
            raise ValueError(f"params.speeds_kn: needs a speed > 0 for {', '.join(missing)}")


@dataclass(frozen=True)
class _WorldFlow:
    kind: str
    origin: str
    destination: str
    boats: tuple[str, ...]
    seasons: tuple[str, ...]
    weight: float


def _world_flows(flows: object, slugs: set[str]) -> list[_WorldFlow]:
    if not isinstance(flows, pd.DataFrame):
        raise ValueError(f"flows: must be a DataFrame, got {type(flows).__name__}")
    missing = [c for c in ("origin", "destination", "kind", "boats", "seasons", "weight") if c not in flows.columns]
    if missing:
        raise ValueError(f"flows: missing required column(s) {', '.join(missing)}")

    def items(value: object) -> tuple[str, ...]:
        return tuple(v.strip() for v in value.split("|")) if isinstance(value, str) else tuple(map(str, value))  # type: ignore[call-overload]

    out = []
    for i, r in enumerate(flows.to_dict("records"), start=1):
        for end in ("origin", "destination"):
            if r[end] != SUMENEP_COAST and r[end] not in slugs:
                raise ValueError(f"flows: row {i} ({end}): unknown place {r[end]!r}")
        if r["origin"] == r["destination"]:
            raise ValueError(f"flows: row {i} (destination): must differ from origin")
        if r["kind"] not in RISK_KINDS:
            raise ValueError(f"flows: row {i} (kind): must be one of {', '.join(RISK_KINDS)}, got {r['kind']!r}")
        boats = items(r["boats"])
        seasons = ROUTE_SEASONS if items(r["seasons"]) == ("all",) else items(r["seasons"])
        if not boats or not set(boats) <= set(BOAT_CLASSES):
            raise ValueError(f"flows: row {i} (boats): must be among {', '.join(BOAT_CLASSES)}")
        if not seasons or not set(seasons) <= set(ROUTE_SEASONS):
            raise ValueError(f"flows: row {i} (seasons): must be among {', '.join(ROUTE_SEASONS)} or all")
        if not float(r["weight"]) > 0:
            raise ValueError(f"flows: row {i} (weight): must be > 0, got {r['weight']!r}")
        out.append(
            _WorldFlow(str(r["kind"]), str(r["origin"]), str(r["destination"]), boats, seasons, float(r["weight"]))
        )
    return out


@dataclass(frozen=True)
class _WorldGrid:
    xy: FloatArray  # sea cell centres (metric)
    edges: IntArray
    length: FloatArray
    offshore: npt.NDArray[np.bool_]  # per edge: both ends farther than offshore_km from land


def _world_grid(land: gpd.GeoDataFrame, bounds: tuple[float, float, float, float], p: RoutesWorldParams) -> _WorldGrid:
    """Square cells of ``grid_m`` over ``bounds`` (metric) that touch no land; 8-neighbour edges between them.

    An edge between two land-free cells lies inside their union (side neighbours) or passes through their common
    corner (diagonal ones), a point of both: it never crosses land.
    """
    from scipy import ndimage

    x0, y0, x1, y1 = bounds
    c = p.grid_m
    nx, ny = math.ceil((x1 - x0) / c), math.ceil((y1 - y0) / c)
    ii, jj = np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij")
    bx, by = x0 + ii.ravel() * c, y0 + jj.ravel() * c
    parts = shapely.get_parts(land.to_crs(METRIC).geometry.array)
    hit = shapely.STRtree(parts).query(shapely.box(bx, by, bx + c, by + c), predicate="intersects")
    sea = np.ones(nx * ny, dtype=bool)
    sea[hit[0]] = False
    grid = sea.reshape(nx, ny)
    off = ndimage.distance_transform_edt(grid) * c > p.offshore_km * 1000.0
    idx = np.full((nx, ny), -1, dtype=np.int64)
    idx[grid] = np.arange(int(grid.sum()))
    pairs = []
    for a, b in (
        (idx[:-1, :], idx[1:, :]),
        (idx[:, :-1], idx[:, 1:]),
        (idx[:-1, :-1], idx[1:, 1:]),
        (idx[:-1, 1:], idx[1:, :-1]),
    ):
        ok = (a >= 0) & (b >= 0)
        pairs.append(np.column_stack([a[ok], b[ok]]))
    edges = np.vstack(pairs)
    xy = np.column_stack([bx + c / 2, by + c / 2])[sea]
    offshore = off.ravel()[sea]
    return _WorldGrid(
        xy=xy,
        edges=edges,
        length=np.hypot(*(xy[edges[:, 1]] - xy[edges[:, 0]]).T),
        offshore=offshore[edges[:, 0]] & offshore[edges[:, 1]],
    )


@dataclass(frozen=True)
class RoutesWorld:
    """What :func:`routes_world` returns.

    Attributes
    ----------
    incidents
        EPSG:4326 incidents (the columns of :data:`INCIDENT_COLUMNS`) drawn from the known truth.
    coast
        The coastline samples (EPSG:4326 points, ``length_m``) with the truth: ``<kind>:<route season>``, the
        expected events per year on each sample in that season (``<kind>`` alone: the year's total).
    seed
        The seed.
    """

    incidents: gpd.GeoDataFrame
    coast: gpd.GeoDataFrame
    seed: int

    def expected(self, segments: gpd.GeoDataFrame, *, kind: str, season: str = "annual") -> FloatArray:
        """Expected events per year on each segment (each coastline sample counts on its nearest segment).

        ``season`` is ``annual`` (the whole year) or a route season (the events of its months, per year).
        """
        _check_kind(kind)
        column = kind if season == "annual" else f"{kind}:{season}"
        if column not in self.coast.columns:
            raise ValueError(f"season: must be annual or one of {', '.join(ROUTE_SEASONS)}, got {season!r}")
        if not isinstance(segments, gpd.GeoDataFrame) or segments.crs is None:
            raise ValueError("segments: must be a GeoDataFrame with a CRS")
        from scipy.spatial import cKDTree

        lines = segments.to_crs(METRIC).geometry.array
        xy, owner = shapely.get_coordinates(shapely.segmentize(lines, 100.0), return_index=True)
        pts = shapely.get_coordinates(self.coast.to_crs(METRIC).geometry.array)
        _, near = cKDTree(xy).query(pts, k=1)
        out = np.zeros(len(segments))
        np.add.at(out, owner[near], self.coast[column].to_numpy(dtype=np.float64))
        return out


def routes_world(
    islands: gpd.GeoDataFrame,
    harbours: gpd.GeoDataFrame,
    land: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
    flows: pd.DataFrame,
    *,
    seed: int,
    n_incidents: int = 400,
    start: datetime = DEFAULT_START,
    end: datetime = DEFAULT_END,
    params: RoutesWorldParams | None = None,
    land_boundaries: gpd.GeoDataFrame | None = None,
) -> RoutesWorld:
    """A synthetic world whose landings and departures come from simulated boat trips along the flows.

    Boats leave the flows' origins and sail to their destinations on **the world's own graph**: square cells of
    ``grid_m`` (3 km) over the land mask that touch no land, joined to their 8 neighbours. Not the model's sea
    graph (``geo.seagraph``: a quadtree refined to 100 m) and not its corridor code (``geo.corridors``): other
    speeds (:data:`WORLD_SPEED_KN`), small boats that shun the open sea (more than ``offshore_km`` from land
    costs ``1 + offshore_small`` times as much, doubled in the west monsoon), and heavy noise: each of
    ``habits`` route habits per boat group (small, large) and season group (west monsoon, rest) multiplies every
    edge's cost by a smooth log-normal field (sd ``habit_sd``, correlation ``habit_length_km``) times an
    independent log-normal factor per edge (sd ``edge_sd``); a trip follows one habit.

    Where boats land (a flow to ``sumenep-coast``) or leave from (a flow from it): a logit choice over the
    coastline samples of ``islands``, utility ``log(length) - (t - t_min) / tau + shelter * s_q + remoteness *
    R + inhabited * I``, ``t`` the habit's travel time (hours at the boat's speed, plus the straight way from
    the nearest grid cell), ``tau = max(choice_tau_h, choice_tau_share * t_min)``, ``s_q`` the coast's shelter
    from the monsoon that blows in route season ``q`` (``-cos(bearing - wind_from)``, 0 in the transition
    months), ``R`` remoteness from monitored harbours (scale ``harbour_scale_km``), ``I`` 1 on an inhabited
    island. A trip to or from a place on Sumenep's coast lands near it (weight ``exp(-d / place_km)`` times the
    same shelter, remoteness and island terms); of the trips between two other places a share ``drop_share``
    drops people or goods on Sumenep's coast on the way, near the habit's path (weight ``exp(-d / drop_km)``,
    times the same terms).

    The truth, exact: each risk kind sails ``trips_per_year`` trips a year, shared among its flows by weight,
    evenly over the months of each flow's seasons and over its boat classes and the habits; each coastline
    sample's expected events per year is the sum of its choice probabilities (``RoutesWorld.coast``).
    ``n_incidents`` incidents per risk kind are then drawn from it over ``start``-``end`` (a day by the
    truth's seasonal totals, then a sample; placed on the shore as :func:`generate` places them).

    Parameters
    ----------
    islands, harbours
        As for :func:`generate` (the coast, and which harbours are monitored).
    land
        The land mask (any CRS set): ``data/routes/land.fgb``.
    places
        The gazetteer (``slug``, Points, any CRS): every place the flows name.
    flows
        The flows table (``geo.routedata.load_flows`` or the same columns with ``|``-separated text).
    seed
        Any int >= 0: the habits' noise and the incidents.
    params
        :class:`RoutesWorldParams`.
    land_boundaries
        As for :func:`generate`.

    Raises
    ------
    ValueError
        Naming the argument: bad frames, a flow naming an unknown place, a bad seed or count.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd, shapely
    >>> isl = gpd.GeoDataFrame({"code": ["A"], "inhabited": [True]}, geometry=[shapely.box(114.0, -7.1, 114.1, -7.0)],
    ...                        crs="EPSG:4326")
    >>> hb = gpd.GeoDataFrame({"slug": ["a"], "kind": ["official_port"], "monitored": [True]},
    ...                       geometry=[shapely.Point(114.0, -7.05)], crs="EPSG:4326")
    >>> pl = gpd.GeoDataFrame({"slug": ["far"]}, geometry=[shapely.Point(114.4, -7.05)], crs="EPSG:4326")
    >>> flows = pd.DataFrame({"origin": ["far"], "destination": ["sumenep-coast"], "kind": ["landing"],
    ...                       "boats": ["perahu"], "seasons": ["all"], "weight": [1.0]})
    >>> world = routes_world(isl, hb, isl, pl, flows, seed=1, n_incidents=20)
    >>> len(world.incidents), round(float(world.coast["landing"].sum()))
    (20, 500)
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra
    from scipy.spatial import cKDTree

    _check_islands(islands)
    _check_harbours(harbours)
    _check_seed(seed)
    if isinstance(n_incidents, bool) or not isinstance(n_incidents, int | np.integer) or n_incidents < 0:
        raise ValueError(f"n_incidents: must be an int >= 0, got {n_incidents!r}")
    if not isinstance(land, gpd.GeoDataFrame) or land.crs is None or land.empty:
        raise ValueError("land: must be a non-empty GeoDataFrame with a CRS")
    if not isinstance(places, gpd.GeoDataFrame) or places.crs is None or "slug" not in places.columns:
        raise ValueError("places: must be a GeoDataFrame with a CRS and a slug column")
    p = params if params is not None else RoutesWorldParams()
    if not isinstance(p, RoutesWorldParams):
        raise ValueError(f"params: must be a RoutesWorldParams or None, got {type(p).__name__}")
    t0, t1 = _utc(start, "start"), _utc(end, "end")
    if not t0 < t1:
        raise ValueError(f"end: must be after start ({t0.isoformat()} >= {t1.isoformat()})")
    world_flows = _world_flows(flows, set(places["slug"].astype(str)))

    # The coast: the generator's own coastline samples (200 m), with their bearing, island and remoteness.
    plain = SurfaceParams(n_hotspots=0, noise_sd=0.0, lanes=())
    surface = TrueRiskSurface(islands, harbours, seed=seed, params=plain, land_boundaries=land_boundaries)
    coast_xy, coast_len = surface._coast_xy, surface._coast_len
    inhabited = surface._island_inhabited[surface._coast_island].astype(np.float64)
    if len(surface._monitored_xy):
        d_mon, _ = cKDTree(surface._monitored_xy).query(coast_xy, k=1)
        remote = 1.0 - np.exp(-np.asarray(d_mon) / 1000.0 / p.harbour_scale_km)
    else:
        remote = np.ones(len(coast_xy))
    b = surface._coast_bearing
    shelter = {
        "west": -np.cos(np.radians(b - surface.params.west_monsoon_from_deg)),
        "east": -np.cos(np.radians(b - surface.params.east_monsoon_from_deg)),
        "transition": np.zeros(len(b)),
    }
    base_u = np.log(coast_len) + p.remoteness * remote

    # The world's graph, over every place and the coast, 60 km around.
    place_xy = {
        str(s): xy
        for s, xy in zip(places["slug"], shapely.get_coordinates(places.to_crs(METRIC).geometry.array), strict=True)
    }
    used = {f.origin for f in world_flows} | {f.destination for f in world_flows}
    pts = np.vstack([coast_xy, *[place_xy[s][None, :] for s in sorted(used - {SUMENEP_COAST})]])
    margin = 60_000.0
    grid = _world_grid(
        land,
        (pts[:, 0].min() - margin, pts[:, 1].min() - margin, pts[:, 0].max() + margin, pts[:, 1].max() + margin),
        p,
    )
    n = len(grid.xy)
    tree = cKDTree(grid.xy)
    access_m, coast_node = tree.query(coast_xy, k=1)
    access_m = np.asarray(access_m, dtype=np.float64)
    node_of = {s: int(tree.query(place_xy[s], k=1)[1]) for s in used - {SUMENEP_COAST}}
    d_place = {s: np.hypot(*(coast_xy - place_xy[s]).T) for s in used - {SUMENEP_COAST}}
    on_coast = {s: bool(d.min() <= 2000.0) for s, d in d_place.items()}

    kinds = {f.kind for f in world_flows}
    expected = {f"{k}:{q}": np.zeros(len(coast_xy)) for k in RISK_KINDS for q in ROUTE_SEASONS}
    total_w = {k: sum(f.weight for f in world_flows if f.kind == k) for k in kinds}
    rng = _stream(seed, "routes-world")
    knot = 1852.0
    groups = {"small": _SMALL_BOATS_WORLD, "large": tuple(x for x in BOAT_CLASSES if x not in _SMALL_BOATS_WORLD)}
    season_groups = {"west": ("west",), "rest": ("east", "transition")}
    for group, members in groups.items():
        for sgroup, seasons in season_groups.items():
            jobs = [
                (f, boat, q)
                for f in world_flows
                for boat in f.boats
                if boat in members
                for q in f.seasons
                if q in seasons
            ]
            if not jobs:
                continue
            pen = p.offshore_small if group == "small" else p.offshore_large
            pen *= p.west_offshore_factor if sgroup == "west" else 1.0
            base = grid.length * (1.0 + pen * grid.offshore)  # metres, "as if" at 1 m/h
            roots = sorted({node_of[f.destination if f.origin == SUMENEP_COAST else f.origin] for f, _, _ in jobs})
            row_of = {r: i for i, r in enumerate(roots)}
            for _habit in range(p.habits):
                omega = rng.normal(0.0, 1.0 / p.habit_length_km, size=(64, 2))
                phase = rng.uniform(0.0, 2 * math.pi, size=64)
                smooth = math.sqrt(2.0 / 64) * np.cos(grid.xy / 1000.0 @ omega.T + phase).sum(axis=1)
                cost = base * np.exp(
                    p.habit_sd * (smooth[grid.edges[:, 0]] + smooth[grid.edges[:, 1]]) / 2.0
                    + p.edge_sd * rng.standard_normal(len(grid.edges))
                )
                e = grid.edges
                mat = coo_matrix(
                    (np.r_[cost, cost], (np.r_[e[:, 0], e[:, 1]], np.r_[e[:, 1], e[:, 0]])), shape=(n, n)
                ).tocsr()
                dist, pred = dijkstra(mat, directed=True, indices=roots, return_predecessors=True)
                dist, pred = np.atleast_2d(dist), np.atleast_2d(pred)
                for f, boat, q in jobs:
                    speed = p.speeds_kn[boat] * knot
                    trips = (
                        p.trips_per_year * f.weight / total_w[f.kind]
                        * len(ROUTE_SEASON_MONTHS[q]) / sum(len(ROUTE_SEASON_MONTHS[s]) for s in f.seasons)
                        / len(f.boats) / p.habits
                    )  # fmt: skip
                    inh = p.inhabited_landing if f.kind == "landing" else p.inhabited_tppo
                    util = base_u + p.shelter * shelter[q] + inh * inhabited
                    col = expected[f"{f.kind}:{q}"]
                    if SUMENEP_COAST in (f.origin, f.destination):
                        place = f.destination if f.origin == SUMENEP_COAST else f.origin
                        hours = (dist[row_of[node_of[place]], coast_node] + access_m) / speed
                        ok = np.isfinite(hours)
                        if not ok.any():
                            continue
                        tmin = float(hours[ok].min())
                        tau = max(p.choice_tau_h, p.choice_tau_share * tmin)
                        u = np.where(ok, util - (np.where(ok, hours, tmin) - tmin) / tau, -np.inf)
                        col += trips * _softmax(u)
                        continue
                    ends = [s for s in (f.origin, f.destination) if on_coast[s]]
                    for s in ends:  # trips to or from a place on Sumenep's coast land near it, unseen if they can
                        col += trips / len(ends) * _softmax(util - d_place[s] / (p.place_km * 1000.0))
                    if ends:
                        continue
                    row = row_of[node_of[f.origin]]
                    if not np.isfinite(dist[row, node_of[f.destination]]):
                        continue
                    path = [node_of[f.destination]]
                    while path[-1] != node_of[f.origin]:
                        path.append(int(pred[row, path[-1]]))
                    detour, _ = cKDTree(grid.xy[path]).query(coast_xy, k=1)
                    u = util - np.asarray(detour) / (p.drop_km * 1000.0)
                    col += p.drop_share * trips * _softmax(u)

    truth = gpd.GeoDataFrame({"length_m": coast_len}, geometry=shapely.points(coast_xy), crs=METRIC)
    for k in RISK_KINDS:
        for q in ROUTE_SEASONS:
            truth[f"{k}:{q}"] = expected[f"{k}:{q}"]
        truth[k] = sum(expected[f"{k}:{q}"] for q in ROUTE_SEASONS)
    incidents = _world_incidents(surface, truth, seed, int(n_incidents), t0, t1)
    return RoutesWorld(incidents=incidents, coast=truth.to_crs(WGS84), seed=seed)


def _softmax(u: FloatArray) -> FloatArray:
    e = np.exp(u - np.max(u))
    return np.asarray(e / e.sum(), dtype=np.float64)


def _world_incidents(
    surface: TrueRiskSurface, truth: gpd.GeoDataFrame, seed: int, n: int, start: pd.Timestamp, end: pd.Timestamp
) -> gpd.GeoDataFrame:
    """``n`` incidents per risk kind with traffic: a day by the truth's seasonal totals, then a coast sample."""
    rng = _stream(seed, "routes-world-incidents")
    days, dur = _days(start, end)
    month = days.month.to_numpy()
    season_of = np.empty(len(days), dtype=object)
    for q, months in ROUTE_SEASON_MONTHS.items():
        season_of[np.isin(month, months)] = q
    per_year_days = {q: 365.25 * len(m) / 12.0 for q, m in ROUTE_SEASON_MONTHS.items()}
    parts = []
    for kind in RISK_KINDS:
        totals = {q: float(truth[f"{kind}:{q}"].sum()) for q in ROUTE_SEASONS}
        if n == 0 or not sum(totals.values()) > 0:
            continue
        w_day = dur * np.array([totals[q] / per_year_days[q] for q in season_of])
        day = rng.choice(len(days), size=n, p=w_day / w_day.sum())
        where = np.empty(n, dtype=np.int64)
        for q in ROUTE_SEASONS:
            sel = season_of[day] == q
            if sel.any():
                w = truth[f"{kind}:{q}"].to_numpy(dtype=np.float64)
                where[sel] = rng.choice(len(w), size=int(sel.sum()), p=w / w.sum())
        t = _times(rng, days, day, _NIGHT_SHARE[kind], start, end)
        precision = rng.choice(_PRECISIONS, size=n, p=_PRECISION_P)
        xy = surface._place(rng, where, precision)
        kinds = rng.choice(np.array(_INCIDENT_KINDS_OF[kind], dtype=object), size=n)
        parts.append((kinds, t, precision, xy))
    if not parts:
        return gpd.GeoDataFrame({c: [] for c in INCIDENT_COLUMNS if c != "geometry"}, geometry=[], crs=WGS84)
    kind_arr = np.concatenate([k for k, *_ in parts])
    t_all = np.concatenate([t for _, t, *_ in parts])
    prec = np.concatenate([pr for *_, pr, _ in parts])
    xy_all = np.vstack([x for *_, x in parts])
    order = np.lexsort((np.arange(len(t_all)), t_all))
    ts = _ns_index(t_all[order])
    m = len(order)
    frame = gpd.GeoDataFrame(
        {
            "uuid": [uuid.uuid5(SYNTHETIC_NAMESPACE, f"{seed}:routes-incident:{i}") for i in range(m)],
            "kind": kind_arr[order],
            "occurred_start": ts,
            "occurred_end": ts,
            "precision_m": prec[order].astype(np.float64),
            "people": rng.integers(1, 20, m).astype(np.int64),
            "vessels": np.ones(m, dtype=np.int64),
            "source": f"synthetic routes world, seed {seed}",
            "confidence": "medium",
            "review_state": "verified",
            "narrative": "Synthetic incident from a simulated boat trip.",
            "synthetic": True,
        },
        geometry=_to_wgs84(xy_all[order]),
        crs=WGS84,
    )
    return frame[list(INCIDENT_COLUMNS)]
