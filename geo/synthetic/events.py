"""Event sampling shared by every world: columns, times, reporting windows, and the demo incidents."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import METRIC, WGS84
from geo.synthetic._checks import _stream
from geo.synthetic.params import (
    _DAY_S,
    _WIB_OFFSET_H,
    INCIDENT_KIND_SHARES,
    RISK_KIND_OF,
    SYNTHETIC_NAMESPACE,
    FloatArray,
    IntArray,
)
from geo.synthetic.surface import TrueRiskSurface
from geo.vocabulary import (
    CONFIDENCE_LEVELS,
    INCIDENT_KINDS,
    REVIEW_STATES,
    RISK_KINDS,
)

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
