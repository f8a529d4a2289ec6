"""How well do the scores predict what happens next? Temporal hold-out against baselines.

Fit (or take) a model with incidents before a split date ``T``, score the coast with data before ``T``, and
count the incidents at or after ``T`` in the flagged segments. For a share ``p`` of coastline length flagged
(segments in descending score order, the last one counted in proportion to the part of it inside ``p``):

- **hit rate** = events in the flagged stretch / all events;
- **PAI** (Predictive Accuracy Index) = hit rate / ``p``: how many times better than flagging at random.

Equal scores are one block: a block that straddles ``p`` counts its events in proportion to the length
flagged, which is the expected result of breaking the tie at random (prior counts tie on many zeros).

Baselines, always on the same split: ``uniform`` (flagging at random: hit rate ``p``, PAI 1), ``prior_counts``
(events per km of each segment before ``T``) and ``kde`` (Gaussian kernel density of incidents before ``T``,
bandwidth 2 km, no time decay or weighting). Events are attached to their nearest segment in
``geo.crs.METRIC``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.spatial import cKDTree

from geo.crs import METRIC
from geo.factors import (
    FactorInputs,
    FactorParams,
    compute_factors,
    densify,
    kernel_density,
    midpoints,
    monsoon_shelter,
    point_weights,
)
from geo.risk import FitResult, LogLinearModel, ModelConfig, fit, model_for
from geo.vocabulary import INCIDENT_RISK_KIND, RISK_KINDS

SHARES: Final = (0.05, 0.10, 0.20)
BASELINES: Final = ("uniform", "prior_counts", "kde")
KDE_BANDWIDTH_M: Final = 2000.0

FloatArray = npt.NDArray[np.float64]


def assign_to_segments(segments: gpd.GeoDataFrame, points: gpd.GeoDataFrame) -> npt.NDArray[np.int64]:
    """Position (0..n-1) in ``segments`` of the segment nearest each point (metric CRS; cKDTree on vertices
    of the segments densified to 100 m, which is exact to within 50 m along the shore).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> seg = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (500, 0)]),
    ...                                  shapely.LineString([(500, 0), (1000, 0)])], crs="EPSG:23837")
    >>> pts = gpd.GeoDataFrame(geometry=[shapely.Point(900, 30)], crs="EPSG:23837")
    >>> assign_to_segments(seg, pts).tolist()
    [1]
    """
    if points.empty:
        return np.empty(0, dtype=np.int64)
    xy, owner = densify(segments.to_crs(METRIC).geometry.array, 100.0)
    pts = _point_xy(points)
    _, near = cKDTree(xy).query(pts, k=1)
    return np.asarray(owner[near], dtype=np.int64)


def _point_xy(points: gpd.GeoDataFrame) -> FloatArray:
    import shapely

    return shapely.get_coordinates(points.to_crs(METRIC).geometry.array)


def segment_counts(
    segments: gpd.GeoDataFrame, points: gpd.GeoDataFrame, weights: FloatArray | None = None
) -> FloatArray:
    """(Weighted) number of points whose nearest segment is each segment."""
    out = np.zeros(len(segments))
    where = assign_to_segments(segments, points)
    np.add.at(out, where, 1.0 if weights is None else weights)
    return out


def hit_rate(scores: FloatArray, events: FloatArray, lengths: FloatArray, share: float) -> float:
    """Share of ``events`` in the top ``share`` of coastline length by ``scores`` (ties as one block).

    Examples
    --------
    >>> hit_rate(np.array([3.0, 2, 1, 0]), np.array([5.0, 3, 1, 1]), np.ones(4), 0.25)
    0.5
    """
    scores = np.asarray(scores, dtype=np.float64)
    events = np.asarray(events, dtype=np.float64)
    lengths = np.asarray(lengths, dtype=np.float64)
    total_events = float(events.sum())
    if total_events <= 0:
        return float("nan")
    frame = pd.DataFrame({"s": scores, "e": events, "l": lengths}).groupby("s", sort=True)[["e", "l"]].sum()
    frame = frame.iloc[::-1]  # descending score
    budget = share * float(lengths.sum())
    cum_l = frame["l"].cumsum().to_numpy()
    before = cum_l - frame["l"].to_numpy()
    frac = np.clip((budget - before) / np.where(frame["l"] > 0, frame["l"], 1.0), 0.0, 1.0)
    return float((frame["e"].to_numpy() * frac).sum() / total_events)


def pai(scores: FloatArray, events: FloatArray, lengths: FloatArray, share: float) -> float:
    """Predictive Accuracy Index at ``share``: hit rate / share."""
    return hit_rate(scores, events, lengths, share) / share


def metrics(
    scores: FloatArray, events: FloatArray, lengths: FloatArray, shares: Sequence[float] = SHARES
) -> dict[str, Any]:
    """``{"hit_rate": {"5%": ...}, "pai": {...}}`` at each share."""
    hr = {f"{round(s * 100)}%": round(hit_rate(scores, events, lengths, s), 4) for s in shares}
    return {"hit_rate": hr, "pai": {k: round(v / (int(k[:-1]) / 100), 4) for k, v in hr.items()}}


def _kind_incidents(incidents: gpd.GeoDataFrame, kind: str) -> gpd.GeoDataFrame:
    return incidents[incidents["kind"].astype(str).map(INCIDENT_RISK_KIND) == kind]


def _utc(value: datetime, name: str) -> pd.Timestamp:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError(f"{name}: must be a timezone-aware datetime, got {value!r}")
    return pd.Timestamp(value).tz_convert("UTC")


def season_months(params: FactorParams | None = None) -> dict[str, tuple[int, ...]]:
    """The calendar months of the west monsoon, the east monsoon and the calm months between them."""
    p = params or FactorParams()
    monsoons = set(p.west_monsoon_months) | set(p.east_monsoon_months)
    calm = tuple(m for m in range(1, 13) if m not in monsoons)
    return {"west": tuple(p.west_monsoon_months), "east": tuple(p.east_monsoon_months), "calm": calm}


def fit_kind(
    segments: gpd.GeoDataFrame,
    inputs: FactorInputs,
    *,
    kind: str,
    until: datetime,
    params: FactorParams | None = None,
) -> FitResult:
    """Fit risk kind ``kind`` on incidents before ``until`` (weighted by precision and review state).

    The data are a segment x season panel: for the west monsoon, the east monsoon and the calm months, each
    segment's incidents in those months with ``monsoon_shelter`` for that season (0.5, neutral, in the calm
    months), and the season's share of all incidents as exposure (a fixed effect per season absorbs the yearly
    cycle). Every other factor is the same in the three rows of a segment, so its weight is what a yearly fit
    gives; the monsoon's weight becomes estimable, which it is not from yearly counts (the two monsoons blow
    from opposite sides and average out).
    """
    t = _utc(until, "until")
    inc = _kind_incidents(inputs.incidents, kind)
    start = pd.to_datetime(inc["occurred_start"], utc=True)
    past = inc[(start < t).to_numpy()]
    if past.empty:
        raise ValueError(f"until: no {kind} incidents before {t.date()}; choose a later date")
    p = params or FactorParams()
    factors = compute_factors(segments, inputs, kind=kind, cutoff=t, params=p, exclude_own_segment=True)
    w = point_weights(past, time_column="occurred_start", cutoff=t, half_life_days=1e9, bandwidth_m=1e12)
    where = assign_to_segments(segments, past)
    month = pd.to_datetime(past["occurred_start"], utc=True).dt.month.to_numpy()
    first = pd.to_datetime(inputs.incidents["occurred_start"], utc=True).min()
    years = max((t - first).total_seconds() / (365.25 * 86_400), 1.0 / 365.25)
    lengths = segments["length_m"].to_numpy(dtype=np.float64)
    panels, counts, exposure = [], [], []
    for season, months in season_months(p).items():
        sel = np.isin(month, months)
        if not w[sel].sum() > 0:
            continue  # a season without incidents says nothing about the coast's orientation against it
        f = factors.copy()
        f["monsoon_shelter"] = 0.5 if season == "calm" else monsoon_shelter(segments, season=season, params=p)
        c = np.zeros(len(segments))
        np.add.at(c, where[sel], w[sel])
        panels.append(f)
        counts.append(c)
        # Exposure in proportion to the season's share of the incidents: a fixed effect per season, so the
        # regency-wide yearly cycle is not mistaken for an effect of the coast's orientation.
        exposure.append(np.full(len(segments), years * float(w[sel].sum() / w.sum())))
    return fit(
        pd.concat(panels, ignore_index=True),
        np.concatenate(counts),
        lengths_m=np.tile(lengths, len(panels)),
        years=np.concatenate(exposure),
        kind=kind,
        data_cutoff=t.to_pydatetime(),
        n_segments=len(segments),
        method="Poisson GLM (statsmodels) on a segment x season panel (west, east, calm months), "
        "offset log(length_km * years in the season)",
    )


def baseline_scores(
    segments: gpd.GeoDataFrame, past: gpd.GeoDataFrame, *, bandwidth_m: float = KDE_BANDWIDTH_M
) -> dict[str, FloatArray]:
    """The three baselines' scores per segment from the incidents ``past`` (already before the split)."""
    lengths = segments["length_m"].to_numpy(dtype=np.float64)
    prior = segment_counts(segments, past) / lengths
    kde = kernel_density(midpoints(segments), _point_xy(past), np.ones(len(past)), bandwidth_m=bandwidth_m)
    return {"uniform": np.zeros(len(segments)), "prior_counts": prior, "kde": kde}


@dataclass(frozen=True)
class KindEvaluation:
    kind: str
    model_version: str
    n_train: int
    n_test: int
    model: dict[str, Any]
    baselines: dict[str, dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "model_version": self.model_version,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "model": self.model,
            "baselines": self.baselines,
        }


def evaluate_kind(
    segments: gpd.GeoDataFrame,
    inputs: FactorInputs,
    *,
    kind: str,
    split: datetime,
    end: datetime | None = None,
    config: ModelConfig | None = None,
    params: FactorParams | None = None,
) -> tuple[KindEvaluation, LogLinearModel, pd.DataFrame]:
    """Temporal hold-out for one risk kind: fit before ``split`` (unless ``config`` is given), test from it.

    Returns the evaluation, the model and its scores (with a ``log_intensity`` column) on the segments.

    Raises
    ------
    ValueError
        ``split``: when no incident of the kind lies before it, or none at or after it (up to ``end``).
    """
    if kind not in RISK_KINDS:
        raise ValueError(f"kind: must be one of {', '.join(RISK_KINDS)}, got {kind!r}")
    t = _utc(split, "split")
    inc = _kind_incidents(inputs.incidents, kind)
    start = pd.to_datetime(inc["occurred_start"], utc=True)
    before = (start < t).to_numpy()
    after = ~before
    if end is not None:
        after &= (start < _utc(end, "end")).to_numpy()
    if not before.any():
        raise ValueError(f"split: no {kind} incidents before {t.date()}; choose a later date")
    if not after.any():
        raise ValueError(f"split: no {kind} incidents on or after {t.date()}; choose an earlier date")
    train, test = inc[before], inc[after]
    if config is None:
        config = fit_kind(segments, inputs, kind=kind, until=t.to_pydatetime(), params=params).config
    model = model_for(config)
    factors = compute_factors(segments, inputs, kind=kind, cutoff=t.to_pydatetime(), params=params)
    lengths = segments["length_m"].to_numpy(dtype=np.float64)
    scored = model.score(factors, lengths=lengths, data_cutoff=t.to_pydatetime())
    scored["log_intensity"] = model.log_intensity(factors)
    events = segment_counts(segments, test)
    result = KindEvaluation(
        kind=kind,
        model_version=model.version,
        n_train=len(train),
        n_test=len(test),
        model=metrics(scored["log_intensity"].to_numpy(), events, lengths),
        baselines={name: metrics(s, events, lengths) for name, s in baseline_scores(segments, train).items()},
    )
    return result, model, scored


def best_baseline_pai(evaluation: KindEvaluation, share: str = "10%") -> float:
    """The highest baseline PAI at ``share``."""
    return max(float(b["pai"][share]) for b in evaluation.baselines.values())
