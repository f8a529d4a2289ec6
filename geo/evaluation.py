"""How well do the scores predict what happens next? Temporal hold-out and rolling origins against baselines.

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

**Tuned baselines** (:func:`tuned_baseline_scores`), tuned on the training incidents only:
``prior_counts_kde`` (prior counts per km, the segments that tie, mostly those without a training event, ordered
by the tuned KDE), ``kde_tuned`` (bandwidth chosen from :data:`KDE_BANDWIDTHS_KM` by leave-one-out likelihood of
the training incidents' segments, :func:`tune_kde_bandwidth`) and ``ensemble`` (rank average of the model and
``kde_tuned``: not a baseline the model must beat, the candidate blend when it does not).

**Rolling origins** (:func:`rolling_evaluation`): for each origin ``T_k`` fit before ``T_k`` and test on the
window after it; PAI and hit rate pooled over the origins with bootstrap intervals (test incidents resampled
within each origin), and, on a synthetic world, PAI against the known truth (the share of the true expected
events in the flagged stretch, over the length share).

**The served model** (:func:`evaluate_served`): the same rolling origins for the model that colours the map. An
expert prior scores each origin's coast with its own weights (no refit: only the incident density sees the
incidents before the origin); a fitted config is refitted at each origin toward its prior
(:func:`geo.risk.fit_toward_prior`), as the served fit was made. With fewer than :data:`MIN_TEST_INCIDENTS` test
incidents the report says ``too_few`` instead of giving numbers. It adds a calibration table per risk class.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
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
from geo.risk import (
    CLASS_SHARES,
    FitResult,
    LogLinearModel,
    ModelConfig,
    fit,
    fit_toward_prior,
    model_for,
    risk_classes,
)
from geo.validation import GeoInputError
from geo.vocabulary import INCIDENT_RISK_KIND, RISK_KINDS

SHARES: Final = (0.05, 0.10, 0.20)
BASELINES: Final = ("uniform", "prior_counts", "kde")
KDE_BANDWIDTH_M: Final = 2000.0
MIN_TEST_INCIDENTS: Final = 30
"""Test incidents of a kind (pooled over the origins) below which :func:`evaluate_served` reports ``too_few``
rather than a PAI: with fewer, the interval of a PAI at 10 % of coastline spans most of its range."""

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
        raise GeoInputError(f"{name}: must be a timezone-aware datetime, got {value!r}")
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
    log_detection: FloatArray | None = None,
    prior: ModelConfig | None = None,
    synthetic: bool = False,
) -> FitResult:
    """Fit risk kind ``kind`` on incidents before ``until`` (weighted by precision and review state).

    With ``prior`` (an expert prior, :class:`geo.risk.ModelConfig` with ``prior`` terms) the fit is the
    shrinkage fit :func:`geo.risk.fit_toward_prior` on the same panel and offset; ``synthetic`` says whether the
    incidents are synthetic demo data. Without it, the plain Poisson GLM :func:`geo.risk.fit`.

    The data are a segment x season panel: for the west monsoon, the east monsoon and the calm months, each
    segment's incidents in those months with ``monsoon_shelter`` for that season (0.5, neutral, in the calm
    months), and the season's share of all incidents as exposure (a fixed effect per season absorbs the yearly
    cycle). Every other factor is the same in the three rows of a segment, so its weight is what a yearly fit
    gives; the monsoon's weight becomes estimable, which it is not from yearly counts (the two monsoons blow
    from opposite sides and average out).

    ``log_detection`` (one value per segment, :func:`log_detection`) enters the offset: the weights then describe
    where incidents happen rather than where they are recorded. Patrol presence belongs there, not among the
    risk factors, so ``patrol_remoteness`` is left out of such a fit.
    """
    t = _utc(until, "until")
    inc = _kind_incidents(inputs.incidents, kind)
    start = pd.to_datetime(inc["occurred_start"], utc=True)
    past = inc[(start < t).to_numpy()]
    if past.empty:
        raise GeoInputError(f"until: no {kind} incidents before {t.date()}; choose a later date")
    p = params or FactorParams()
    factors = compute_factors(segments, inputs, kind=kind, cutoff=t, params=p, exclude_own_segment=True)
    if log_detection is not None:
        factors["patrol_remoteness"] = 0.0  # detection, not risk: it is in the offset
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
    panel_detection = None if log_detection is None else np.tile(np.asarray(log_detection), len(panels))
    panel = pd.concat(panels, ignore_index=True)
    common: dict[str, Any] = {
        "lengths_m": np.tile(lengths, len(panels)),
        "years": np.concatenate(exposure),
        "data_cutoff": t.to_pydatetime(),
        "n_segments": len(segments),
        "log_detection": panel_detection,
    }
    design = "a segment x season panel (west, east, calm months), offset log(length_km * years in the season)" + (
        " + log detection" if log_detection is not None else ""
    )
    if prior is None:
        return fit(panel, np.concatenate(counts), kind=kind, method=f"Poisson GLM (statsmodels) on {design}", **common)
    if prior.kind != kind:
        raise GeoInputError(f"prior: is a {prior.kind} model, expected {kind}")
    result = fit_toward_prior(
        panel,
        np.concatenate(counts),
        prior=prior,
        synthetic=synthetic,
        method="Maximum a posteriori Poisson regression toward the expert prior (Gaussian prior on each factor's "
        f"weight, flat on the intercept) on {design}; Laplace standard errors; 100 bootstrap refits (multinomial "
        "resampling of the events)",
        **common,
    )
    # The provenance counts incidents, not their precision- and review-weighted sum.
    fitted = {**result.config.fitted, "n_incidents": len(past)}
    return dataclasses.replace(result, config=dataclasses.replace(result.config, fitted=fitted))


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
    GeoInputError
        ``split``: when no incident of the kind lies before it, or none at or after it (up to ``end``).
    """
    if kind not in RISK_KINDS:
        raise GeoInputError(f"kind: must be one of {', '.join(RISK_KINDS)}, got {kind!r}")
    t = _utc(split, "split")
    inc = _kind_incidents(inputs.incidents, kind)
    start = pd.to_datetime(inc["occurred_start"], utc=True)
    before = (start < t).to_numpy()
    after = ~before
    if end is not None:
        after &= (start < _utc(end, "end")).to_numpy()
    if not before.any():
        raise GeoInputError(f"split: no {kind} incidents before {t.date()}; choose a later date")
    if not after.any():
        raise GeoInputError(f"split: no {kind} incidents on or after {t.date()}; choose an earlier date")
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


# -- detection offset ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DetectionParams:
    """The recording probability an analyst assumes: ``floor + (1 - floor) * exp(-d / scale_km)``, ``d`` the
    distance (km) to the nearest monitored harbour or patrol base. Known from outside the incidents (patrol logs,
    how reports reach the desk), not fitted: see :func:`geo.risk.fit`."""

    floor: float = 0.1
    scale_km: float = 10.0

    def __post_init__(self) -> None:
        if not 0.0 < self.floor <= 1.0 or not self.scale_km > 0:
            raise GeoInputError("detection: floor must be within (0, 1] and scale_km > 0")


def log_detection(
    segments: gpd.GeoDataFrame,
    harbours: gpd.GeoDataFrame,
    *,
    patrol_bases: gpd.GeoDataFrame | None = None,
    params: DetectionParams | None = None,
) -> FloatArray:
    """Log recording probability at each segment's midpoint (:class:`DetectionParams`), for :func:`fit_kind`.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> seg = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (10, 0)]),
    ...                                  shapely.LineString([(50_000, 0), (50_010, 0)])], crs="EPSG:23837")
    >>> hb = gpd.GeoDataFrame({"monitored": [True]}, geometry=[shapely.Point(0, 0)], crs="EPSG:23837")
    >>> [round(float(v), 2) for v in np.exp(log_detection(seg, hb))]
    [1.0, 0.11]
    """
    import shapely

    p = params or DetectionParams()
    hb = harbours[harbours["monitored"].astype(bool).to_numpy()] if "monitored" in harbours.columns else harbours
    frames = [hb] + ([patrol_bases] if patrol_bases is not None and len(patrol_bases) else [])
    watchers = np.vstack([shapely.get_coordinates(f.to_crs(METRIC).geometry.array) for f in frames])
    if len(watchers) == 0:
        return np.full(len(segments), math.log(p.floor))
    d, _ = cKDTree(watchers).query(midpoints(segments), k=1)
    prob = p.floor + (1.0 - p.floor) * np.exp(-np.asarray(d) / 1000.0 / p.scale_km)
    return np.asarray(np.log(prob), dtype=np.float64)


# -- tuned baselines -------------------------------------------------------------------------------------------

KDE_BANDWIDTHS_KM: Final = (0.5, 1.0, 2.0, 4.0, 8.0)
"""The bandwidths the tuned KDE chooses from."""

TUNED_BASELINES: Final = ("prior_counts_kde", "kde_tuned")
"""The baselines the model must beat (the ensemble is a blend with the model, not a baseline)."""

_LOO_FLOOR: Final = 0.01  # uniform mixture share: an isolated event must not make a small bandwidth's likelihood -inf


def _kernel(mids: FloatArray, xy: FloatArray, bandwidth_m: float) -> Any:
    """Sparse (events x segments) Gaussian kernel, truncated at 4 bandwidths (exact zeros added back)."""
    from scipy.sparse import coo_matrix

    pairs = cKDTree(xy).sparse_distance_matrix(cKDTree(mids), 4.0 * bandwidth_m, output_type="coo_matrix")
    k = coo_matrix(
        (np.exp(-0.5 * (pairs.data / bandwidth_m) ** 2), (pairs.row, pairs.col)), shape=(len(xy), len(mids))
    ).tocsr()
    _, hit = cKDTree(mids).query(xy, k=1, distance_upper_bound=1e-9)
    exact = np.flatnonzero(hit < len(mids))
    if len(exact):
        k = k + coo_matrix((np.ones(len(exact)), (exact, hit[exact])), shape=k.shape).tocsr()
    return k


def tune_kde_bandwidth(
    segments: gpd.GeoDataFrame, past: gpd.GeoDataFrame, *, grid_km: Sequence[float] = KDE_BANDWIDTHS_KM
) -> tuple[float, dict[float, float]]:
    """The bandwidth (km) of ``grid_km`` whose leave-one-out KDE gives the training incidents' segments the
    highest likelihood, and the mean log-likelihood of each.

    The KDE is evaluated at segment midpoints and normalised over the coast by length, mixed with 1 % of a
    uniform share so that an isolated incident does not rule out a small bandwidth by itself.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> seg = gpd.GeoDataFrame({"length_m": [500.0] * 200}, geometry=[
    ...     shapely.LineString([(i * 500, 0), ((i + 1) * 500, 0)]) for i in range(200)], crs="EPSG:23837")
    >>> rng = np.random.default_rng(1)
    >>> pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(rng.normal(20_000, 1_500, 80), np.zeros(80)),
    ...                        crs="EPSG:23837")
    >>> tune_kde_bandwidth(seg, pts)[0] in (0.5, 1.0, 2.0)
    True
    """
    if len(past) < 2:
        return 2.0, {}
    lengths = segments["length_m"].to_numpy(dtype=np.float64)
    mids, xy = midpoints(segments), _point_xy(past)
    own = assign_to_segments(segments, past)
    rows = np.arange(len(xy))
    scores: dict[float, float] = {}
    for h in grid_km:
        k = _kernel(mids, xy, h * 1000.0)
        density = np.asarray(k.sum(axis=0)).ravel()
        self_k = np.asarray(k[rows, own]).ravel()
        norm = float(lengths @ density) - np.asarray(k @ lengths).ravel()
        loo = np.where(norm > 0, (density[own] - self_k) / np.where(norm > 0, norm, 1.0), 0.0)
        q = (1.0 - _LOO_FLOOR) * loo + _LOO_FLOOR / float(lengths.sum())
        scores[float(h)] = float(np.mean(np.log(q)))
    best = max(scores, key=lambda b: scores[b])
    return best, scores


def _ranks(scores: FloatArray) -> FloatArray:
    from scipy.stats import rankdata

    return np.asarray(rankdata(scores) / len(scores), dtype=np.float64)


def tuned_baseline_scores(
    segments: gpd.GeoDataFrame, past: gpd.GeoDataFrame, *, model: FloatArray | None = None
) -> tuple[dict[str, FloatArray], float]:
    """Scores of the tuned baselines from the training incidents ``past``, and the KDE bandwidth (km) chosen.

    ``prior_counts_kde`` and ``kde_tuned`` always; ``ensemble`` (rank average of ``model`` and ``kde_tuned``)
    when ``model`` scores are given.
    """
    lengths = segments["length_m"].to_numpy(dtype=np.float64)
    bandwidth, _ = tune_kde_bandwidth(segments, past)
    kde = kernel_density(midpoints(segments), _point_xy(past), np.ones(len(past)), bandwidth_m=bandwidth * 1000.0)
    prior = segment_counts(segments, past) / lengths
    # Ordered by counts, then by KDE among equal counts: a lexicographic rank, every score distinct.
    order = np.lexsort((kde, prior))
    tie_broken = np.empty(len(order))
    tie_broken[order] = np.arange(len(order), dtype=np.float64)
    out = {"prior_counts_kde": tie_broken, "kde_tuned": kde}
    if model is not None:
        out["ensemble"] = (_ranks(np.asarray(model, dtype=np.float64)) + _ranks(kde)) / 2.0
    return out, bandwidth


# -- rolling origins with bootstrap intervals ------------------------------------------------------------------


def flag_weights(scores: FloatArray, lengths: FloatArray, share: float) -> FloatArray:
    """The share of each segment flagged in the top ``share`` of coastline by ``scores`` (ties as one block, as
    in :func:`hit_rate`): ``hit_rate = flag_weights @ events / events.sum()``.

    Examples
    --------
    >>> flag_weights(np.array([3.0, 2, 2, 0]), np.ones(4), 0.5).tolist()
    [1.0, 0.5, 0.5, 0.0]
    """
    scores = np.asarray(scores, dtype=np.float64)
    lengths = np.asarray(lengths, dtype=np.float64)
    uniq, block = np.unique(-scores, return_inverse=True)  # block 0 = highest score
    block_len = np.bincount(block, weights=lengths, minlength=len(uniq))
    before = np.concatenate([[0.0], np.cumsum(block_len)[:-1]])
    budget = share * float(lengths.sum())
    frac = np.clip((budget - before) / np.where(block_len > 0, block_len, 1.0), 0.0, 1.0)
    return np.asarray(frac[block], dtype=np.float64)


def _interval(draws: FloatArray, value: float) -> dict[str, float]:
    lo, hi = np.nanpercentile(draws, [2.5, 97.5]) if np.isfinite(draws).any() else (np.nan, np.nan)
    return {"value": round(float(value), 4), "low": round(float(lo), 4), "high": round(float(hi), 4)}


def default_origins(
    incidents: gpd.GeoDataFrame, *, kind: str, n: int = 3, window_days: float = 365.0
) -> list[datetime]:
    """The last ``n`` rolling origins for risk kind ``kind``, oldest first, ``window_days`` apart: the newest is
    one window before the day after the newest incident of the kind (newest incident's day ``- window_days + 1
    day``, at midnight UTC), so its test window ends with that day; each older one is a window earlier. Origins
    with no incident of the kind before them are dropped; no incidents give an empty list.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> inc = gpd.GeoDataFrame({"kind": ["illegal_landing"] * 2, "occurred_start": pd.to_datetime(
    ...     ["2023-03-01T10:00Z", "2025-06-30T18:00Z"])}, geometry=[shapely.Point(0, 0)] * 2, crs=4326)
    >>> [o.date().isoformat() for o in default_origins(inc, kind="landing")]
    ['2023-07-02', '2024-07-01']
    """
    if kind not in RISK_KINDS:
        raise GeoInputError(f"kind: must be one of {', '.join(RISK_KINDS)}, got {kind!r}")
    if n < 1 or not window_days > 0:
        raise GeoInputError(f"n, window_days: must be >= 1 and > 0, got {n!r}, {window_days!r}")
    inc = _kind_incidents(incidents, kind)
    if inc.empty:
        return []
    start = pd.to_datetime(inc["occurred_start"], utc=True)
    newest = start.max().floor("D")
    first = start.min()
    window = pd.Timedelta(days=window_days)
    last = (newest - window + pd.Timedelta(days=1)).round("D")
    origins = [last - k * window for k in range(n - 1, -1, -1)]
    return [o.to_pydatetime() for o in origins if first < o]


WeightsAt = Callable[[pd.Timestamp, pd.DataFrame], tuple[FloatArray, ModelConfig]]
"""At an origin ``T`` and its factors (computed at ``T``): the model's log intensity per segment and its config."""


def _rolling(
    segments: gpd.GeoDataFrame,
    inputs: FactorInputs,
    *,
    kind: str,
    origins: Sequence[pd.Timestamp],
    window_days: float,
    truth: FloatArray | None,
    log_detection: FloatArray | None,
    n_boot: int,
    seed: int,
    params: FactorParams | None,
    weights_at: WeightsAt,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The rolling-origin loop shared by :func:`rolling_evaluation` and :func:`evaluate_served`: the report and
    the calibration rows (see :func:`evaluate_served`). Every origin must have training and test incidents."""
    lengths = segments["length_m"].to_numpy(dtype=np.float64)
    inc = _kind_incidents(inputs.incidents, kind)
    start = pd.to_datetime(inc["occurred_start"], utc=True)
    first = pd.to_datetime(inputs.incidents["occurred_start"], utc=True).min()
    window_years = window_days / 365.25
    rng = np.random.default_rng(seed)
    names = ("model", *TUNED_BASELINES, "ensemble")
    hits = {n: {s: np.zeros(n_boot) for s in SHARES} for n in names}
    point = {n: dict.fromkeys(SHARES, 0.0) for n in names}
    vs_truth: dict[str, dict[float, list[float]]] = {n: {s: [] for s in SHARES} for n in names}
    classes = tuple(name for name, _ in CLASS_SHARES)
    calib = {c: {"segments": 0.0, "km": 0.0, "predicted": 0.0, "observed": 0.0} for c in classes}
    per_origin, n_test_total = [], 0
    for t in origins:
        t_end = t + pd.Timedelta(days=window_days)
        train = inc[(start < t).to_numpy()]
        test = inc[((start >= t) & (start < t_end)).to_numpy()]
        if train.empty or test.empty:
            raise GeoInputError(f"origins: {t.date()} has {len(train)} training and {len(test)} test {kind} incidents")
        factors = compute_factors(segments, inputs, kind=kind, cutoff=t.to_pydatetime(), params=params)
        if log_detection is not None:
            factors["patrol_remoteness"] = 0.0  # detection, not risk: it is in the offset
        model, config = weights_at(t, factors)
        scores, bandwidth = tuned_baseline_scores(segments, train, model=model)
        scores = {"model": model, **scores}
        events = segment_counts(segments, test)
        n = float(events.sum())
        boot = rng.multinomial(int(n), events / n, size=n_boot).astype(np.float64)
        for name in names:
            for s in SHARES:
                w = flag_weights(scores[name], lengths, s)
                point[name][s] += float(w @ events)
                hits[name][s] += boot @ w
                if truth is not None:
                    vs_truth[name][s].append(float(w @ truth / truth.sum()) / s)
        # Calibration: the intercept re-levelled so the coast's total equals the training incidents per year.
        train_years = max((t - first).total_seconds() / (365.25 * 86_400), 1.0 / 365.25)
        rel = np.exp(model - float(np.max(model))) * lengths / 1000.0
        predicted = rel / rel.sum() * len(train) / train_years * window_years
        cls = risk_classes(model, lengths)
        for c in classes:
            sel = cls == c
            calib[c]["segments"] += float(sel.sum()) / len(origins)
            calib[c]["km"] += float(lengths[sel].sum()) / 1000.0 / len(origins)
            calib[c]["predicted"] += float(predicted[sel].sum())
            calib[c]["observed"] += float(events[sel].sum())
        n_test_total += int(n)
        per_origin.append(
            {
                "origin": t.isoformat(),
                "n_train": len(train),
                "n_test": len(test),
                "kde_bandwidth_km": bandwidth,
                "remoteness_weight": round(float(config.weights.get("remoteness", 0.0)), 4),
            }
        )
    observed: dict[str, Any] = {}
    for name in names:
        observed[name] = {
            "pai": {
                f"{round(s * 100)}%": _interval(hits[name][s] / n_test_total / s, point[name][s] / n_test_total / s)
                for s in SHARES
            },
            "hit_rate": {
                f"{round(s * 100)}%": _interval(hits[name][s] / n_test_total, point[name][s] / n_test_total)
                for s in SHARES
            },
        }
    best = max(TUNED_BASELINES, key=lambda b: point[b][0.10])
    best_draws = np.max([hits[b][0.10] for b in TUNED_BASELINES], axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio_draws = hits["model"][0.10] / best_draws
    report: dict[str, Any] = {
        "kind": kind,
        "origins": per_origin,
        "window_days": window_days,
        "n_test": n_test_total,
        "n_boot": n_boot,
        "detection_offset": log_detection is not None,
        "observed": observed,
        "best_baseline": best,
        "model_vs_best_baseline_pai_10": _interval(ratio_draws, point["model"][0.10] / max(point[best][0.10], 1e-12)),
    }
    if truth is not None:
        report["truth"] = {
            name: {"pai": {f"{round(s * 100)}%": round(float(np.mean(v)), 4) for s, v in vs_truth[name].items()}}
            for name in names
        }
    rows = [
        {
            "class": c,
            "segments": round(calib[c]["segments"], 1),
            "km": round(calib[c]["km"], 1),
            "predicted": round(calib[c]["predicted"], 2),
            "observed": round(calib[c]["observed"], 3),
        }
        for c in classes
    ]
    return report, rows


def rolling_evaluation(
    segments: gpd.GeoDataFrame,
    inputs: FactorInputs,
    *,
    kind: str,
    origins: Sequence[datetime],
    window_days: float = 365.0,
    truth: FloatArray | None = None,
    log_detection: FloatArray | None = None,
    n_boot: int = 500,
    seed: int = 0,
    params: FactorParams | None = None,
) -> dict[str, Any]:
    """Rolling-origin evaluation of the fitted model and the tuned baselines for risk kind ``kind``.

    For each origin ``T``: fit on the incidents before ``T`` (:func:`fit_kind`, the plain GLM, with
    ``log_detection`` in the offset when given), score the coast at ``T`` (the model's log intensity: where
    incidents *happen*), tune the baselines on the same incidents, and test on the incidents in ``[T, T +
    window_days)``.

    Returns a JSON-able report: per origin the counts and the KDE bandwidth; for the model and each baseline the
    PAI and hit rate at 5/10/20 % pooled over the origins (flagged test incidents over all test incidents) with
    a bootstrap 95 % interval (``n_boot`` resamples of the test incidents within each origin); the ratio of the
    model's PAI at 10 % to the best tuned baseline's, with its paired interval; and with ``truth`` (true expected
    events per segment, a synthetic world's) the PAI against the truth, the mean over the origins.

    Raises
    ------
    GeoInputError
        When an origin has no training or no test incident of the kind.
    """
    if kind not in RISK_KINDS:
        raise GeoInputError(f"kind: must be one of {', '.join(RISK_KINDS)}, got {kind!r}")
    if len(origins) < 1:
        raise GeoInputError("origins: at least one")

    def refit(t: pd.Timestamp, factors: pd.DataFrame) -> tuple[FloatArray, ModelConfig]:
        result = fit_kind(
            segments, inputs, kind=kind, until=t.to_pydatetime(), params=params, log_detection=log_detection
        )
        return model_for(result.config).log_intensity(factors), result.config

    report, _ = _rolling(
        segments,
        inputs,
        kind=kind,
        origins=[_utc(o, "origins") for o in origins],
        window_days=window_days,
        truth=truth,
        log_detection=log_detection,
        n_boot=n_boot,
        seed=seed,
        params=params,
        weights_at=refit,
    )
    return report


def prior_of(config: ModelConfig) -> ModelConfig:
    """The expert prior a config was fitted toward (or is): weights at the prior means, the same prior terms."""
    weights = {f: (config.prior[f].weight if f in config.prior else float(v)) for f, v in config.weights.items()}
    weights.update({f: t.weight for f, t in config.prior.items()})
    return ModelConfig(
        kind=config.kind,
        intercept=float(config.intercept),
        weights=weights,
        season=config.season,
        prior=dict(config.prior),
        intercept_rationale=config.intercept_rationale,
    )


def evaluate_served(
    segments: gpd.GeoDataFrame,
    inputs: FactorInputs,
    *,
    kind: str,
    config: ModelConfig,
    origins: Sequence[datetime] | None = None,
    window_days: float = 365.0,
    log_detection: FloatArray | None = None,
    n_boot: int = 500,
    seed: int = 0,
    params: FactorParams | None = None,
    truth: FloatArray | None = None,
) -> dict[str, Any]:
    """Rolling-origin accuracy of **the model that colours the map** (``config``) against the tuned baselines.

    At each origin ``T`` (default :func:`default_origins`): an expert prior (``config.is_prior``) scores the coast
    with exactly its weights, the factors computed at ``T`` (so the incident density sees only incidents before
    it; nothing is refitted); a fitted config is refitted toward its prior (:func:`geo.risk.fit_toward_prior`
    through :func:`fit_kind`, ``synthetic`` as in ``config.fitted``) on the incidents before ``T``, as the served
    fit was made. The baselines are tuned on the same training incidents; the test window is ``[T, T +
    window_days)``. Origins without a training or a test incident are left out.

    The report is :func:`rolling_evaluation`'s plus ``status`` (``"measured"``), ``min_test``, ``model_version``,
    ``provenance`` and ``calibration``: per risk class (critical, high, medium, low), pooled over the origins,
    the segments and km in the class (mean per origin), the ``predicted`` incidents (the sum over the origins of
    ``exp(log intensity) * km * window years`` over the class's segments) and the ``observed`` test incidents in
    them (the rows' observed add up to ``n_test``). The prior's intercept is not calibrated (it is a stated
    order of magnitude, and only the weights order the coast), so at each origin the intercept is re-levelled
    so that the whole coast's predicted count equals the training incidents per year (since the first incident
    of any kind) times the window: the rows then say whether the classes share the incidents as predicted.

    With fewer than :data:`MIN_TEST_INCIDENTS` test incidents over the usable origins, or no usable origin, the
    report is ``{"kind", "status": "too_few", "n_test", "min_test", "model_version", "provenance", "origins"}``
    without metrics (no error).
    """
    if kind not in RISK_KINDS:
        raise GeoInputError(f"kind: must be one of {', '.join(RISK_KINDS)}, got {kind!r}")
    if config.kind != kind:
        raise GeoInputError(f"config.kind: {config.kind!r} is not the kind evaluated ({kind!r})")
    if not window_days > 0:
        raise GeoInputError(f"window_days: must be > 0, got {window_days!r}")
    if origins is None:
        origins = default_origins(inputs.incidents, kind=kind, window_days=window_days)
    inc = _kind_incidents(inputs.incidents, kind)
    start = pd.to_datetime(inc["occurred_start"], utc=True)
    counted, usable, n_test = [], [], 0
    for origin in origins:
        t = _utc(origin, "origins")
        n_train = int((start < t).sum())
        n_in = int(((start >= t) & (start < t + pd.Timedelta(days=window_days))).sum())
        counted.append({"origin": t.isoformat(), "n_train": n_train, "n_test": n_in})
        if n_train and n_in:
            usable.append(t)
            n_test += n_in
    head = {
        "kind": kind,
        "n_test": n_test,
        "min_test": MIN_TEST_INCIDENTS,
        "model_version": config.version,
        "provenance": config.provenance,
    }
    if not usable or n_test < MIN_TEST_INCIDENTS:
        return {**head, "status": "too_few", "origins": counted}

    if config.is_prior:

        def weights_at(t: pd.Timestamp, factors: pd.DataFrame) -> tuple[FloatArray, ModelConfig]:
            return model_for(config).log_intensity(factors), config

    else:
        prior = prior_of(config)
        synthetic = bool(config.fitted.get("synthetic", False))

        def weights_at(t: pd.Timestamp, factors: pd.DataFrame) -> tuple[FloatArray, ModelConfig]:
            refit = fit_kind(
                segments,
                inputs,
                kind=kind,
                until=t.to_pydatetime(),
                params=params,
                log_detection=log_detection,
                prior=prior,
                synthetic=synthetic,
            ).config
            return model_for(refit).log_intensity(factors), refit

    report, calibration = _rolling(
        segments,
        inputs,
        kind=kind,
        origins=usable,
        window_days=window_days,
        truth=truth,
        log_detection=log_detection,
        n_boot=n_boot,
        seed=seed,
        params=params,
        weights_at=weights_at,
    )
    return {**report, **head, "status": "measured", "calibration": calibration}


def served_score(report: dict[str, Any]) -> dict[str, str]:
    """Which score to serve after a :func:`rolling_evaluation`, and the sentence that says why.

    The model, unless the rolling evaluation shows it clearly behind the best tuned baseline (the upper end of
    the interval of its PAI-at-10 % ratio below 1): then the rank-average ``ensemble`` of the model and the tuned
    KDE, which keeps the model's factors where incidents are few and follows the recorded clusters where they
    are not.

    Examples
    --------
    >>> served_score({"model_vs_best_baseline_pai_10": {"value": 0.7, "low": 0.55, "high": 0.9},
    ...               "best_baseline": "kde_tuned"})["score"]
    'ensemble'
    """
    ratio = report["model_vs_best_baseline_pai_10"]
    if float(ratio["high"]) < 1.0:
        return {
            "score": "ensemble",
            "reason": f"the model's PAI at 10 % is {ratio['value']:.2f}x the {report['best_baseline']} baseline's "
            f"(95 % interval {ratio['low']:.2f}-{ratio['high']:.2f}): served blended with the tuned KDE",
        }
    return {
        "score": "model",
        "reason": f"the model's PAI at 10 % is {ratio['value']:.2f}x the best tuned baseline's "
        f"(95 % interval {ratio['low']:.2f}-{ratio['high']:.2f})",
    }
