"""Worlds in which an evaluation can fail: the same coast, different truths, and (``biased``) a recording filter.

:func:`generate_world` draws incidents from one of :data:`WORLDS` and returns them with the **known truth**: the
expected number of events per year on every coastline sample (:class:`World`, ``coast``), which
:meth:`World.expected` sums onto segments.

``layered``
    Today's demo surface (:class:`~geo.synthetic.surface.TrueRiskSurface`): built from the same layers the model
    reads (harbours, lanes, inhabited islands), plus hidden hot spots and smooth noise. A model that knows the
    layers should win here, so winning here alone proves little.
``null``
    No factor matters: a uniform intensity per km of coast. Nothing beats flagging at random in expectation; a
    model that still "finds" structure overfits, and should not lose clearly to the baselines.
``hotspots``
    Strong structure unrelated to any layer: ``n_hotspots`` Gaussian hot spots (standard deviation
    ``hotspot_km``, log-amplitudes ``U(*hotspot_log_amplitude)``) centred on coast samples drawn by length. Only
    the clustering of past events can find them: kernel density's home ground.
``biased``
    The ``layered`` truth, but each event is *recorded* with probability ``p(d) = floor + (1 - floor) *
    exp(-d / detection_km)``, ``d`` the distance (km) to the nearest monitored harbour or patrol base: the
    records pile up near the watchers although the events do not. The truth is the events', not the records'.
``routes``
    Landings and departures of simulated boat trips (:func:`~geo.synthetic.routes.routes_world`).

``null`` and ``hotspots`` are seasonless (a day uniform over the period); ``routes`` follows its flows' seasons.
``n_incidents`` is the total of recorded incidents, shared between the risk kinds as the demo data shares it
(:data:`KIND_SHARE`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from geo import validation
from geo.crs import METRIC, WGS84
from geo.synthetic._checks import _check_harbours, _check_islands, _check_kind, _check_seed, _stream, _utc
from geo.synthetic.events import _incidents
from geo.synthetic.params import (
    DEFAULT_END,
    DEFAULT_START,
    INCIDENT_KIND_SHARES,
    RISK_KIND_OF,
    FloatArray,
    SurfaceParams,
)
from geo.synthetic.routes import RoutesWorldParams, _world_incidents, routes_world
from geo.synthetic.surface import TrueRiskSurface
from geo.validation import GeoInputError
from geo.vocabulary import RISK_KINDS, ROUTE_SEASON_MONTHS, ROUTE_SEASONS

WORLDS: Final = ("layered", "null", "hotspots", "biased", "routes")
"""The worlds :func:`generate_world` knows."""

KIND_SHARE: Final[Mapping[str, float]] = {
    k: sum(s for kind, s in INCIDENT_KIND_SHARES.items() if RISK_KIND_OF[kind] == k) for k in RISK_KINDS
}
"""Share of each risk kind among the incidents of a world (as in the demo data: landing 0.62, tppo 0.38)."""


@dataclass(frozen=True)
class WorldParams:
    """Parameters of the ``hotspots`` and ``biased`` worlds (see the module docstring).

    Attributes
    ----------
    n_hotspots, hotspot_km, hotspot_log_amplitude
        Hot spots per risk kind, their Gaussian standard deviation (km), and the range of their log-heights.
    detection_floor, detection_km
        Recording probability far from any watcher, and the distance scale (km) over which it falls from 1.
    """

    n_hotspots: int = 6
    hotspot_km: float = 4.0
    hotspot_log_amplitude: tuple[float, float] = (1.5, 3.0)
    detection_floor: float = 0.1
    detection_km: float = 10.0

    def __post_init__(self) -> None:
        if isinstance(self.n_hotspots, bool) or not isinstance(self.n_hotspots, int) or self.n_hotspots < 1:
            raise GeoInputError(f"params.n_hotspots: must be an int >= 1, got {self.n_hotspots!r}")
        if not self.hotspot_km > 0 or not self.detection_km > 0:
            raise GeoInputError("params.hotspot_km and params.detection_km: must be > 0")
        if not 0.0 < self.detection_floor <= 1.0:
            raise GeoInputError(f"params.detection_floor: must be within (0, 1], got {self.detection_floor!r}")


@dataclass(frozen=True)
class World:
    """What :func:`generate_world` returns.

    Attributes
    ----------
    name
        One of :data:`WORLDS`.
    incidents
        The *recorded* incidents (EPSG:4326, the columns of :data:`~geo.synthetic.events.INCIDENT_COLUMNS`).
    coast
        The coastline samples (EPSG:4326 points, ``length_m``) with, per risk kind, the true expected events per
        year (``landing``, ``tppo``) and the recording probability ``detection`` (1 except in ``biased``).
    seed
        The seed.
    """

    name: str
    incidents: gpd.GeoDataFrame
    coast: gpd.GeoDataFrame
    seed: int

    def expected(self, segments: gpd.GeoDataFrame, *, kind: str, recorded: bool = False) -> FloatArray:
        """True expected events per year on each segment (each coastline sample counts on its nearest segment).

        ``recorded=True`` gives the expected *recorded* events (the truth times the recording probability).
        """
        _check_kind(kind)
        validation.frame(segments, "segments", min_rows=1)
        lines = segments.to_crs(METRIC).geometry.array
        xy, owner = shapely.get_coordinates(shapely.segmentize(lines, 100.0), return_index=True)
        pts = shapely.get_coordinates(self.coast.to_crs(METRIC).geometry.array)
        _, near = cKDTree(xy).query(pts, k=1)
        values = self.coast[kind].to_numpy(dtype=np.float64)
        if recorded:
            values = values * self.coast["detection"].to_numpy(dtype=np.float64)
        out = np.zeros(len(segments))
        np.add.at(out, owner[near], values)
        return out


def detection_probability(xy: FloatArray, watchers: FloatArray, *, floor: float, scale_km: float) -> FloatArray:
    """Recording probability ``floor + (1 - floor) * exp(-d / scale_km)`` at metric points ``xy``.

    ``d`` is the distance (km) to the nearest of ``watchers`` (metric points); ``floor`` everywhere when there
    is none.

    Examples
    --------
    >>> p = detection_probability(np.array([[0.0, 0.0], [50_000.0, 0.0]]), np.array([[0.0, 0.0]]),
    ...                           floor=0.1, scale_km=10.0)
    >>> [round(float(v), 3) for v in p]
    [1.0, 0.106]
    """
    if len(watchers) == 0:
        return np.full(len(xy), float(floor))
    d, _ = cKDTree(watchers).query(xy, k=1)
    return np.asarray(floor + (1.0 - floor) * np.exp(-np.asarray(d) / 1000.0 / scale_km), dtype=np.float64)


def _kind_counts(n: int, rng: np.random.Generator) -> dict[str, int]:
    n_landing = int(rng.binomial(n, KIND_SHARE["landing"]))
    return {"landing": n_landing, "tppo": n - n_landing}


def _seasonless(annual: Mapping[str, FloatArray]) -> pd.DataFrame:
    """The routes sampler's ``<kind>:<season>`` columns for a truth that does not change over the year."""
    cols = {}
    for k, v in annual.items():
        for q in ROUTE_SEASONS:
            cols[f"{k}:{q}"] = v * len(ROUTE_SEASON_MONTHS[q]) / 12.0
    return pd.DataFrame(cols)


def _coast_frame(surface: TrueRiskSurface, truth: Mapping[str, FloatArray], detection: FloatArray) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {"length_m": surface._coast_len, **truth, "detection": detection},
        geometry=shapely.points(surface._coast_xy),
        crs=METRIC,
    )
    return frame.to_crs(WGS84)


def _per_year(weight: FloatArray, n: float, years: float) -> FloatArray:
    return np.asarray(weight / weight.sum() * n / years, dtype=np.float64)


def generate_world(
    world: str,
    islands: gpd.GeoDataFrame,
    harbours: gpd.GeoDataFrame,
    *,
    seed: int,
    n_incidents: int = 800,
    start: datetime = DEFAULT_START,
    end: datetime = DEFAULT_END,
    params: WorldParams | None = None,
    patrol_bases: gpd.GeoDataFrame | None = None,
    land_boundaries: gpd.GeoDataFrame | None = None,
    land: gpd.GeoDataFrame | None = None,
    places: gpd.GeoDataFrame | None = None,
    flows: pd.DataFrame | None = None,
    routes_params: RoutesWorldParams | None = None,
) -> World:
    """Draw ``n_incidents`` recorded incidents from world ``world`` and return them with the known truth.

    Parameters
    ----------
    world
        One of :data:`WORLDS` (module docstring).
    islands, harbours, land_boundaries
        As for :func:`~geo.synthetic.demo.generate`.
    seed
        Any int >= 0: the truth's random parts, the incidents and the recording.
    n_incidents
        Recorded incidents over the period (>= 1), both risk kinds together.
    start, end
        The period (timezone-aware; default 2021-2025).
    params
        :class:`WorldParams` (hot spots, recording).
    patrol_bases
        Optional points (any CRS): watchers besides the monitored harbours in ``biased``.
    land, places, flows, routes_params
        The routes world's land mask, places and flows (required for ``routes``; see
        :func:`~geo.synthetic.routes.routes_world`).

    Raises
    ------
    GeoInputError
        Naming the argument: an unknown world, a bad count or seed, a ``routes`` world without its inputs.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> isl = gpd.GeoDataFrame({"code": ["A"], "inhabited": [True]},
    ...                        geometry=[shapely.box(114.0, -7.1, 114.2, -7.0)], crs="EPSG:4326")
    >>> hb = gpd.GeoDataFrame({"slug": ["a"], "kind": ["official_port"], "monitored": [True]},
    ...                       geometry=[shapely.Point(114.0, -7.05)], crs="EPSG:4326")
    >>> w = generate_world("null", isl, hb, seed=1, n_incidents=100)
    >>> len(w.incidents), round(float(w.coast["landing"].sum() + w.coast["tppo"].sum()))
    (100, 20)
    """
    if world not in WORLDS:
        raise GeoInputError(f"world: must be one of {', '.join(WORLDS)}, got {world!r}")
    _check_islands(islands)
    _check_harbours(harbours)
    _check_seed(seed)
    if isinstance(n_incidents, bool) or not isinstance(n_incidents, int | np.integer) or n_incidents < 1:
        raise GeoInputError(f"n_incidents: must be an int >= 1, got {n_incidents!r}")
    p = params if params is not None else WorldParams()
    if not isinstance(p, WorldParams):
        raise TypeError(f"params: must be a WorldParams or None, got {type(p).__name__}")
    t0, t1 = _utc(start, "start"), _utc(end, "end")
    if not t0 < t1:
        raise GeoInputError(f"end: must be after start ({t0.isoformat()} >= {t1.isoformat()})")
    seed, n = int(seed), int(n_incidents)
    years = (t1 - t0).total_seconds() / (365.25 * 86_400)

    if world == "routes":
        if land is None or places is None or flows is None:
            raise GeoInputError("land, places, flows: the routes world needs all three")
        rw = routes_world(
            islands, harbours, land, places, flows, seed=seed, n_incidents=0, start=start, end=end,
            params=routes_params, land_boundaries=land_boundaries,
        )  # fmt: skip
        # The routes world's own coast (the same samples as this plain surface's), its incidents shared between the
        # kinds like every other world's, rather than routes_world's n per kind.
        plain = SurfaceParams(n_hotspots=0, noise_sd=0.0, lanes=())
        surface = TrueRiskSurface(islands, harbours, seed=seed, params=plain, land_boundaries=land_boundaries)
        per_kind = _kind_counts(n, _stream(seed, "world:routes"))
        incidents = _world_incidents(surface, rw.coast, seed, per_kind, t0, t1, label="routes")
        coast = rw.coast[["length_m", *RISK_KINDS, "geometry"]].copy()
        coast["detection"] = 1.0
        return World(name=world, incidents=incidents, coast=coast, seed=seed)

    surface = TrueRiskSurface(islands, harbours, seed=seed, land_boundaries=land_boundaries)
    length = surface._coast_len
    ones = np.ones(len(length))
    if world in ("layered", "biased"):
        layered = surface.coast
        weight = {k: layered[f"intensity_{k}"].to_numpy() * length for k in RISK_KINDS}
        if world == "layered":
            incidents = _incidents(surface, seed, n, t0, t1)
            counts = incidents["kind"].map(RISK_KIND_OF).value_counts()
            truth = {k: _per_year(weight[k], float(counts.get(k, 0)), years) for k in RISK_KINDS}
            return World(world, incidents, _coast_frame(surface, truth, ones), seed)
        watchers = surface._monitored_xy
        if patrol_bases is not None and len(patrol_bases):
            watchers = np.vstack([watchers, shapely.get_coordinates(patrol_bases.to_crs(METRIC).geometry.array)])
        detect = detection_probability(surface._coast_xy, watchers, floor=p.detection_floor, scale_km=p.detection_km)
        # Events happen by the layered truth; each is recorded with the probability at its place. Draw enough
        # events that the recorded ones exceed n, then keep n of them at random (a thinned Poisson process
        # stays one, so a uniform subsample of the records has the records' distribution).
        total = sum(float(w.sum()) for w in weight.values())
        mean_p = sum(float((w * detect).sum()) for w in weight.values()) / total
        drawn = _incidents(surface, seed, math.ceil(1.3 * n / mean_p) + 50, t0, t1)
        at = detection_probability(
            shapely.get_coordinates(drawn.to_crs(METRIC).geometry.array),
            watchers,
            floor=p.detection_floor,
            scale_km=p.detection_km,
        )
        rng = _stream(seed, "biased-recording")
        recorded = np.flatnonzero(rng.random(len(drawn)) < at)
        keep = np.sort(rng.choice(recorded, size=min(n, len(recorded)), replace=False))
        incidents = drawn.iloc[keep].reset_index(drop=True)
        # The truth: all events (recorded or not), scaled so that its recorded part matches the n records.
        counts = incidents["kind"].map(RISK_KIND_OF).value_counts()
        truth = {}
        for k in RISK_KINDS:
            share_recorded = float((weight[k] * detect).sum() / weight[k].sum())
            truth[k] = _per_year(weight[k], float(counts.get(k, 0)) / share_recorded, years)
        return World(world, incidents, _coast_frame(surface, truth, detect), seed)

    rng = _stream(seed, f"world:{world}")
    per_kind = _kind_counts(n, rng)
    annual: dict[str, FloatArray] = {}
    for k in RISK_KINDS:
        if world == "null":
            w = length.copy()
        else:  # hotspots
            centres = surface._coast_xy[rng.choice(len(length), size=p.n_hotspots, p=length / length.sum())]
            amps = rng.uniform(*p.hotspot_log_amplitude, size=p.n_hotspots)
            d2 = ((surface._coast_xy[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2) / 1e6
            w = length * np.exp((amps[None, :] * np.exp(-d2 / (2 * p.hotspot_km**2))).sum(axis=1))
        annual[k] = _per_year(w, per_kind[k], years)
    incidents = _world_incidents(surface, _seasonless(annual), seed, per_kind, t0, t1, label=world)
    return World(world, incidents, _coast_frame(surface, annual, ones), seed)
