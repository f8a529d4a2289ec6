"""Where smuggling and migrant traffic goes at sea: corridors from the flows table, and each coastal segment's
exposure to them.

A **flow** (``data/routes/flows.csv``) is relative traffic of one risk kind (``landing`` or ``tppo``) from an
origin to a destination, each a place slug or ``sumenep-coast`` (any point of Sumenep's coast), in some boat
classes and route seasons. :func:`build_corridors` turns every flow x route season x boat class into traffic on
the edges of the sea graph (``geo.seagraph``), then into two products:

- ``Corridors.lines``: the edges that carry traffic, merged into LineStrings with their traffic (the map's
  corridor layer), per risk kind and route season;
- ``Corridors.exposure``: per coastal segment and ``<risk kind>:<route season>``, how much corridor traffic
  passes within reach of the segment and could land there (raw; :func:`geo.factors.corridor_exposure` scales it
  into the ``corridor_exposure`` factor).

More than one path: randomised travel times
-------------------------------------------
A skipper does not sail the least-time path of our graph: local knowledge, currents, fishing grounds, a patrol
seen last week all bend the track. Each of ``draws`` (default 8) draws multiplies every edge's travel time by a
smooth, spatially correlated log-normal factor ``exp(noise_sd * f_r(x))`` (``f_r`` a unit-variance Gaussian
random field from random Fourier features, correlation length ``noise_length_km`` = 25 km, ``noise_sd`` = 0.3),
and traffic follows the least-time tree of each draw; a flow's traffic is the mean over the draws. This is a
probit route choice by simulation: two ways around an island that take about as long share the traffic, a
detour twice as long gets none. We chose it over the alternatives because

- **k-shortest paths** on a fine graph return near-copies of one path (the second shortest differs by one
  cell), so a useful set needs k in the hundreds, and Yen's algorithm costs k Dijkstra runs per pair;
- **a logit choice over a path set** needs that path set first, and overlapping paths need a correction;
- **current flow** (electrical) spreads traffic over every stretch of water, including detours no skipper
  takes, and costs a sparse solve per origin-destination pair;
- a random field with a 25 km correlation length makes *different* alternatives (either side of an island,
  inshore or offshore), and one Dijkstra from an origin serves every destination and every flow leaving from
  it (``scipy.sparse.csgraph.dijkstra`` with several sources at once; the draws are seeded, so a rebuild on the
  same inputs gives the same corridors).

Landing anywhere on the coast
-----------------------------
A flow to ``sumenep-coast`` has no destination node: its boats choose where to land. Each coastal segment is
attached to the nearest sea node within ``landing_max_m`` (3 km) of its midpoint (its *landing node*); in each
draw, a boat from origin ``o`` lands at landing node ``l`` with the logit (gravity) probability

.. math::

    P(l) \\propto c_l \\exp\\left(-\\frac{t_{ol} - t_{min}}{\\tau}\\right), \\qquad
    \\tau = \\max(\\tau_0, \\theta\\, t_{min})

``c_l`` the km of coast attached to ``l``, ``t_ol`` the draw's travel time (hours), ``t_min`` the quickest
landing, ``tau_0`` = 1 h and ``theta`` = 0.25: a boat from far away is indifferent between landings that differ
by a small part of its voyage, a boat from the next island is not. Probabilities below ``min_choice`` are
dropped (the rest renormalised). A flow *from* ``sumenep-coast`` (a departure) chooses its point of departure
the same way by time to its destination: the graph is undirected and travel times symmetric, so one tree from
the destination serves it.

Traffic
-------
A flow's weight is split equally over its boat classes; in a season in which a boat class cannot reach the
destination (every way crosses a sea whose state exceeds the class's limit) that share does not sail and is
listed in ``Corridors.unserved``. Traffic on an edge is the flow weight passing along it (mean over draws), so
on a flow's first edges it adds up to the weight served. It is accumulated down each least-time tree from the
destination nodes to the root, vectorised: all destinations of all flows of a (route season, boat class, draw)
advance one step towards their roots at a time, merged where they meet.

Exposure
--------
For segment ``s`` (midpoint ``x_s``), risk kind ``k`` and route season ``q``:

.. math::

    E_s = \\alpha \\sum_e T_e \\ell_e \\frac{\\exp(-d_{se}^2 / 2h^2)}{\\sqrt{2\\pi}\\,h}
          + \\sum_l M_l \\exp(-d_{sl}^2 / 2h^2)

The second term is the landing choice within reach: ``M_l`` the traffic choosing landing node ``l`` (flows to
or from ``sumenep-coast``; a trip starting or ending at a place on Sumenep's own coast counts at that place's
node), ``d_sl`` the distance to it, ``h = reach_m`` (4 km, how far a boat plausibly turns
aside to land). The first is the traffic *passing* within reach: ``T_e`` the traffic of edge ``e``, ``ell_e``
its length, ``d_se`` the distance from ``x_s`` to points along it (edges cut into pieces of at most ``h / 2``,
binned on a 500 m grid), normalised so that a long straight corridor carrying traffic ``T`` at distance ``d``
adds ``T exp(-d^2 / 2h^2)``; it counts with ``alpha = passing_share`` (0.25): a boat bound elsewhere *could*
put people or goods ashore on its way, but most do not (our guess of that share; the landing choice is what
boats bound for the coast do by definition). Both are in units of flow weight (``Corridors.passing`` and
``Corridors.choice`` keep them apart); the Gaussian is truncated at ``3h``; distances are straight lines in
``geo.crs.METRIC``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from geo.crs import METRIC, WGS84
from geo.factors import kernel_density
from geo.validation import GeoInputError
from geo.vocabulary import BOAT_CLASSES, RISK_KINDS, ROUTE_SEASONS, SUMENEP_COAST

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Progress = Callable[[int, int, str], None]
"""``progress(done, total, message)``: called after each unit of work (a route season x boat class x draw)."""

EXPOSURE_COLUMNS: Final = tuple(f"{k}:{s}" for k in RISK_KINDS for s in ROUTE_SEASONS)
"""The columns of ``Corridors.exposure``: ``<risk kind>:<route season>``."""

LINE_COLUMNS: Final = ("risk_kind", "season", "traffic", "flows", "geometry")
FERRY_COLUMNS: Final = ("route", "name", "from_slug", "to_slug", "hours", "distance_km", "geometry")
FERRY_BOAT: Final = "steel_ship"
FERRY_SEASON: Final = "transition"
"""Ferries are drawn as a steel ship sails in the calm transition months (the route they keep all year)."""

_BIN_M: Final = 500.0  # traffic points are binned on this grid before the kernel sum (h is 8x larger)
_SIGNATURE_SHARE: Final = 0.05  # a flow is named on a corridor line when it carries >= 5 % of its traffic
_LEVEL_STEP: Final = math.log(1.25)  # lines split where traffic changes by more than ~25 %
_MERGE_EVERY: Final = 4  # merging walkers costs a sort: every step would spend more on it than it saves


class RouterLike(Protocol):
    """What corridors need of ``geo.seagraph.Router``."""

    graph: Any

    def hours(self, boat: str, season: str, *, avoid: FloatArray | None = None) -> FloatArray: ...

    def snap(self, lonlat: FloatArray, *, names: Sequence[str] | None = None) -> IntArray: ...

    def route(
        self, *, origin: tuple[float, float], destination: tuple[float, float], boat: str, season: str
    ) -> Any: ...


@dataclass(frozen=True)
class CorridorParams:
    """Parameters of :func:`build_corridors` (defaults and meaning in the module docstring)."""

    draws: int = 8
    noise_sd: float = 0.3
    noise_length_km: float = 25.0
    noise_features: int = 64
    choice_tau_h: float = 1.0
    choice_tau_share: float = 0.25
    reach_m: float = 4000.0
    passing_share: float = 0.25
    landing_max_m: float = 3000.0
    min_choice: float = 1e-4
    min_line_share: float = 0.01
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("draws", "noise_features"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise GeoInputError(f"params.{name}: must be an int >= 1, got {value!r}")
        for name in ("noise_length_km", "choice_tau_h", "reach_m", "landing_max_m"):
            if not getattr(self, name) > 0:
                raise GeoInputError(f"params.{name}: must be > 0, got {getattr(self, name)!r}")
        if not 0.0 <= self.passing_share <= 1.0:
            raise GeoInputError(f"params.passing_share: must be within 0-1, got {self.passing_share!r}")
        for name in ("noise_sd", "choice_tau_share", "min_choice", "min_line_share"):
            if not getattr(self, name) >= 0:
                raise GeoInputError(f"params.{name}: must be >= 0, got {getattr(self, name)!r}")


@dataclass(frozen=True)
class Corridors:
    """What :func:`build_corridors` returns.

    Attributes
    ----------
    lines
        EPSG:4326 GeoDataFrame: ``risk_kind``, ``season`` (route season), ``traffic`` (flow weight, length-weighted
        mean over the line's edges), ``flows`` (comma-separated flow numbers carrying >= 5 % of it), LineString.
    exposure
        Raw exposure (module docstring), indexed by the segments' ids, one column per :data:`EXPOSURE_COLUMNS`.
    passing, choice
        The two terms of the exposure before they are added (same index and columns): traffic passing within
        reach, and landing choice within reach.
    landing
        The landing-choice traffic on each segment itself (same index and columns): a segment's share, by its
        length, of its landing node's ``M_l``. Sums to the weight the ``sumenep-coast`` flows served.
    edge_traffic
        One row per flow, route season and graph edge with traffic: ``flow``, ``risk_kind``, ``season``,
        ``edge`` (row of ``graph.edges``), ``traffic``.
    unserved
        ``(flow, season, boat)`` combinations that could not sail (no open way between their ends).
    graph_version
        The sea graph's version.
    """

    lines: gpd.GeoDataFrame
    exposure: pd.DataFrame
    landing: pd.DataFrame
    passing: pd.DataFrame
    choice: pd.DataFrame
    edge_traffic: pd.DataFrame
    unserved: tuple[tuple[int, str, str], ...]
    graph_version: str
    params: CorridorParams = field(default_factory=CorridorParams)


@dataclass(frozen=True)
class _Flow:
    number: int  # 1-based row of the flows table
    kind: str
    origin: str
    destination: str
    boats: tuple[str, ...]
    seasons: tuple[str, ...]
    weight: float


# --------------------------------------------------------------------------------------------- validation


def _split(value: object, allowed: Sequence[str], what: str, row: int, *, all_ok: bool = False) -> tuple[str, ...]:
    if isinstance(value, str):
        items = tuple(v.strip() for v in value.split("|") if v.strip())
    elif isinstance(value, Sequence | np.ndarray):
        items = tuple(str(v) for v in value)
    else:
        raise GeoInputError(f"flows: row {row} ({what}): must be a '|'-separated list, got {value!r}")
    if all_ok and items == ("all",):
        return tuple(allowed)
    bad = [v for v in items if v not in allowed]
    if not items or bad:
        raise GeoInputError(f"flows: row {row} ({what}): must be among {', '.join(allowed)}, got {value!r}")
    return tuple(dict.fromkeys(items))


def _check_flows(flows: object, slugs: set[str]) -> list[_Flow]:
    if not isinstance(flows, pd.DataFrame):
        raise TypeError(f"flows: must be a DataFrame, got {type(flows).__name__}")
    missing = [c for c in ("origin", "destination", "kind", "boats", "seasons", "weight") if c not in flows.columns]
    if missing:
        raise GeoInputError(f"flows: missing required column(s) {', '.join(missing)}")
    out = []
    for i, r in enumerate(flows.itertuples(index=False), start=1):
        ends = []
        for what in ("origin", "destination"):
            v = str(getattr(r, what))
            if v != SUMENEP_COAST and v not in slugs:
                raise GeoInputError(f"flows: row {i} ({what}): unknown place {v!r}")
            ends.append(v)
        if ends[0] == ends[1]:
            raise GeoInputError(f"flows: row {i} (destination): must differ from origin ({ends[0]!r})")
        if str(r.kind) not in RISK_KINDS:
            raise GeoInputError(f"flows: row {i} (kind): must be one of {', '.join(RISK_KINDS)}, got {r.kind!r}")
        w = float(r.weight)  # type: ignore[arg-type]
        if not (math.isfinite(w) and w > 0):
            raise GeoInputError(f"flows: row {i} (weight): must be > 0, got {r.weight!r}")
        out.append(
            _Flow(
                number=i,
                kind=str(r.kind),
                origin=ends[0],
                destination=ends[1],
                boats=_split(r.boats, BOAT_CLASSES, "boats", i),
                seasons=_split(r.seasons, ROUTE_SEASONS, "seasons", i, all_ok=True),
                weight=w,
            )
        )
    return out


def _check_places(places: object) -> gpd.GeoDataFrame:
    if not isinstance(places, gpd.GeoDataFrame):
        raise TypeError(f"places: must be a GeoDataFrame, got {type(places).__name__}")
    if places.crs is None:
        raise GeoInputError("places: CRS is not set")
    if "slug" not in places.columns:
        raise GeoInputError("places: missing required column slug")
    if len(places) and not bool((shapely.get_type_id(places.geometry.array) == shapely.GeometryType.POINT).all()):
        raise GeoInputError("places: geometries must be Points")
    if places["slug"].duplicated().any():
        raise GeoInputError("places: slug must be unique")
    return places.to_crs(WGS84)


def _check_segments(segments: object) -> gpd.GeoDataFrame:
    if not isinstance(segments, gpd.GeoDataFrame):
        raise TypeError(f"segments: must be a GeoDataFrame, got {type(segments).__name__}")
    if segments.crs is None:
        raise GeoInputError("segments: CRS is not set")
    missing = [c for c in ("id", "length_m") if c not in segments.columns]
    if missing:
        raise GeoInputError(f"segments: missing required column(s) {', '.join(missing)}")
    if segments["id"].duplicated().any():
        raise GeoInputError("segments: id must be unique")
    return segments


def _check_router(router: object) -> None:
    for attr in ("graph", "hours", "snap"):
        if not hasattr(router, attr):
            raise GeoInputError(f"router: must be a geo.seagraph.Router (has no {attr!r})")


# ----------------------------------------------------------------------------------------------- helpers


def _noise(xy: FloatArray, edges: IntArray, p: CorridorParams) -> FloatArray:
    """(draws, m) multiplicative travel-time factors: a smooth log-normal field per draw, evaluated at the nodes
    (an edge takes the mean of its two ends; the field varies over tens of km, an edge spans at most a few)."""
    out = np.ones((p.draws, len(edges)))
    if p.noise_sd == 0:
        return out
    xy_km = xy / 1000.0
    for r in range(p.draws):
        rng = np.random.default_rng([p.seed, r])
        omega = rng.normal(0.0, 1.0 / p.noise_length_km, size=(p.noise_features, 2))
        phase = rng.uniform(0.0, 2 * math.pi, size=p.noise_features)
        at_node = math.sqrt(2.0 / p.noise_features) * np.cos(xy_km @ omega.T + phase).sum(axis=1)
        out[r] = np.exp(p.noise_sd * (at_node[edges[:, 0]] + at_node[edges[:, 1]]) / 2.0)
    return out


class _EdgeIndex:
    """Edge id of an (unordered) node pair, by binary search over sorted keys ``min * n + max``."""

    def __init__(self, edges: IntArray, n: int) -> None:
        self.n = n
        key = np.minimum(edges[:, 0], edges[:, 1]).astype(np.int64) * n + np.maximum(edges[:, 0], edges[:, 1])
        self.order = np.argsort(key, kind="stable")
        self.keys = key[self.order]

    def __call__(self, u: IntArray, v: IntArray) -> IntArray:
        key = np.minimum(u, v).astype(np.int64) * self.n + np.maximum(u, v)
        pos = np.searchsorted(self.keys, key)
        if len(key) and not bool((self.keys[np.minimum(pos, len(self.keys) - 1)] == key).all()):
            raise GeoInputError("router: a least-time tree uses a node pair that is not an edge of router.graph")
        return np.asarray(self.order[pos], dtype=np.int64)


def _accumulate(
    pred: IntArray, slot_row: IntArray, slot: IntArray, node: IntArray, mass: FloatArray
) -> tuple[IntArray, IntArray, IntArray, FloatArray]:
    """Push each walker's mass from its node to the root of its slot's tree (``pred[slot_row[slot]]``).

    Returns ``(slot, child, parent, mass)`` for every tree edge crossed (an edge may repeat; callers sum). All
    walkers advance one step per iteration; every few steps walkers of one slot that met at a node are merged,
    so the work is about the size of the union of their paths, not the sum of their lengths.
    """
    n = pred.shape[1]
    out_s, out_u, out_v, out_m = [], [], [], []
    step = 0
    while len(node):
        if step % _MERGE_EVERY == 0:
            key = slot.astype(np.int64) * n + node
            uniq, inv = np.unique(key, return_inverse=True)
            mass = np.asarray(np.bincount(inv, weights=mass, minlength=len(uniq)), dtype=np.float64)
            slot, node = uniq // n, uniq % n
        step += 1
        parent = pred[slot_row[slot], node]
        go = parent >= 0
        out_s.append(slot[go])
        out_u.append(node[go])
        out_v.append(parent[go])
        out_m.append(mass[go])
        slot, node, mass = slot[go], parent[go].astype(np.int64), mass[go]
    if not out_s:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty, np.empty(0)
    return np.concatenate(out_s), np.concatenate(out_u), np.concatenate(out_v), np.concatenate(out_m)


def _bin_points(xy: FloatArray, w: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Sum weights on a ``_BIN_M`` grid; each bin sits at the weighted centroid of its points."""
    if not len(xy):
        return xy, w
    cell = np.floor(xy / _BIN_M).astype(np.int64)
    _, inv = np.unique(cell, axis=0, return_inverse=True)
    inv = inv.reshape(-1)
    tot = np.asarray(np.bincount(inv, weights=w), dtype=np.float64)
    safe = np.where(tot > 0, tot, 1.0)
    cx = np.bincount(inv, weights=w * xy[:, 0]) / safe
    cy = np.bincount(inv, weights=w * xy[:, 1]) / safe
    keep = tot > 0
    return np.column_stack([cx, cy])[keep], tot[keep]


def _edge_points(xy: FloatArray, edges: IntArray, traffic: FloatArray, step_m: float) -> tuple[FloatArray, FloatArray]:
    """Points every <= ``step_m`` along the edges with traffic, weighted by traffic x the length they stand for."""
    sel = np.flatnonzero(traffic > 0)
    a, b = xy[edges[sel, 0]], xy[edges[sel, 1]]
    length = np.hypot(*(b - a).T)
    k = np.maximum(1, np.ceil(length / step_m)).astype(np.int64)
    owner = np.repeat(np.arange(len(sel)), k)
    j = np.arange(len(owner)) - np.repeat(np.cumsum(k) - k, k)
    t = (j + 0.5) / k[owner]
    pts = a[owner] + t[:, None] * (b[owner] - a[owner])
    w = traffic[sel][owner] * length[owner] / k[owner]
    return pts, w


def _metric_points(frame: gpd.GeoDataFrame) -> FloatArray:
    return np.asarray(shapely.get_coordinates(frame.to_crs(METRIC).geometry.array), dtype=np.float64)


def _midpoints(segments: gpd.GeoDataFrame) -> FloatArray:
    geoms = segments.to_crs(METRIC).geometry.array
    return np.asarray(
        shapely.get_coordinates(shapely.line_interpolate_point(geoms, 0.5, normalized=True)), dtype=np.float64
    )


# --------------------------------------------------------------------------------------------- ferries


def ferry_routes(router: RouterLike, places: gpd.GeoDataFrame, ferries: pd.DataFrame) -> gpd.GeoDataFrame:
    """Each scheduled ferry route drawn over the sea graph as a steel ship sails it in the transition months.

    Parameters
    ----------
    router
        A ``geo.seagraph.Router``.
    places
        The gazetteer (``slug`` and Point geometry, any CRS).
    ferries
        ``route``, ``name``, ``from``, ``to`` (place slugs), as ``geo.routedata.load_ferries`` returns.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, columns :data:`FERRY_COLUMNS`: the least-time path's LineString (it never crosses land: the
        sea graph's edges do not), its ``hours`` and ``distance_km``.

    Raises
    ------
    GeoInputError
        ``ferries``: a missing column or an unknown place slug (naming the row); ``router`` errors (a place on
        land) are passed on.

    Examples
    --------
    >>> from geo.seagraph import Router, load_or_build  # doctest: +SKIP
    >>> from geo import routedata  # doctest: +SKIP
    >>> lines = ferry_routes(Router(load_or_build(cache)), routedata.load_places(), routedata.load_ferries())
    ... # doctest: +SKIP
    >>> bool(lines.geom_type.eq("LineString").all())  # doctest: +SKIP
    True
    """
    _check_router(router)
    pl = _check_places(places)
    if not isinstance(ferries, pd.DataFrame):
        raise TypeError(f"ferries: must be a DataFrame, got {type(ferries).__name__}")
    missing = [c for c in ("route", "from", "to") if c not in ferries.columns]
    if missing:
        raise GeoInputError(f"ferries: missing required column(s) {', '.join(missing)}")
    where = {str(s): (float(g.x), float(g.y)) for s, g in zip(pl["slug"], pl.geometry, strict=True)}
    rows = []
    for i, r in enumerate(ferries.to_dict("records"), start=1):
        for end in ("from", "to"):
            if str(r[end]) not in where:
                raise GeoInputError(f"ferries: row {i} ({end}): unknown place {r[end]!r}")
        rt = router.route(
            origin=where[str(r["from"])], destination=where[str(r["to"])], boat=FERRY_BOAT, season=FERRY_SEASON
        )
        rows.append(
            {
                "route": str(r["route"]),
                "name": str(r.get("name", r["route"])),
                "from_slug": str(r["from"]),
                "to_slug": str(r["to"]),
                "hours": float(rt.hours),
                "distance_km": float(rt.distance_km),
                "geometry": rt.line,
            }
        )
    if not rows:
        return gpd.GeoDataFrame({c: [] for c in FERRY_COLUMNS[:-1]}, geometry=[], crs=WGS84)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)[list(FERRY_COLUMNS)]


# ------------------------------------------------------------------------------------------- corridors


@dataclass
class _Task:
    flow: _Flow
    season: str
    boat: str
    root: int  # node the least-time tree grows from
    target: int  # destination node, or -1: the coast (landing choice)
    share: float  # flow weight carried by this boat class


def build_corridors(
    router: RouterLike,
    places: gpd.GeoDataFrame,
    flows: pd.DataFrame,
    *,
    segments: gpd.GeoDataFrame,
    params: CorridorParams | None = None,
    avoid: FloatArray | None = None,
    progress: Progress | None = None,
) -> Corridors:
    """Corridor lines and per-segment exposure of every flow x route season x boat class (module docstring).

    Parameters
    ----------
    router
        A ``geo.seagraph.Router`` (its ``graph``, ``hours(boat, season, avoid)`` and ``snap(lonlat)``).
    places
        The gazetteer: ``slug`` and Point geometry (any CRS), every place the flows name.
    flows
        ``origin``, ``destination`` (a place slug or ``sumenep-coast``), ``kind`` (a risk kind), ``boats`` and
        ``seasons`` (tuples or ``|``-separated text; seasons may be ``all``), ``weight`` > 0. Flow numbers in the
        output are 1-based row positions.
    segments
        The coastal segments (``geo.segmentation.segment_coast``: ``id``, ``length_m``, LineString, any CRS).
    params
        :class:`CorridorParams` (defaults in the module docstring).
    avoid
        Optional (k, 2) lon/lat of places boats keep away from (monitored harbours, patrol bases), passed to
        ``router.hours``.
    progress
        Called as ``progress(done, total, message)`` after each route season x boat class x draw.

    Returns
    -------
    Corridors

    Raises
    ------
    GeoInputError
        Naming the argument: a flow with an unknown place, kind, boat class or season, a non-positive weight, an
        origin equal to its destination or both ``sumenep-coast``; segments without ``id`` or ``length_m``.

    Examples
    --------
    >>> from geo.seagraph import Router, load_or_build  # doctest: +SKIP
    >>> c = build_corridors(Router(load_or_build(cache)), places, flows, segments=segments)  # doctest: +SKIP
    >>> list(c.exposure.columns)  # doctest: +SKIP
    ['landing:west', 'landing:east', 'landing:transition', 'tppo:west', 'tppo:east', 'tppo:transition']
    """
    p = params if params is not None else CorridorParams()
    if not isinstance(p, CorridorParams):
        raise TypeError(f"params: must be a CorridorParams or None, got {type(p).__name__}")
    _check_router(router)
    pl = _check_places(places)
    seg = _check_segments(segments)
    flow_list = _check_flows(flows, set(pl["slug"].astype(str)))
    for f in flow_list:
        if f.origin == SUMENEP_COAST and f.destination == SUMENEP_COAST:
            raise GeoInputError(f"flows: row {f.number} (destination): origin and destination cannot both be the coast")
    graph = router.graph
    xy = np.asarray(graph.xy, dtype=np.float64)
    edges = np.asarray(graph.edges, dtype=np.int64)
    n, m = len(xy), len(edges)
    edge_index = _EdgeIndex(edges, n)

    # Places -> the sea node each leaves from; segments -> their landing nodes.
    used = sorted({f.origin for f in flow_list} | {f.destination for f in flow_list} - {SUMENEP_COAST})
    used = [s for s in used if s != SUMENEP_COAST]
    sub = pl.set_index(pl["slug"].astype(str)).loc[used] if used else pl.iloc[:0]
    lonlat = shapely.get_coordinates(sub.geometry.array) if used else np.empty((0, 2))
    snapped = np.asarray(router.snap(lonlat, names=used), dtype=np.int64) if used else np.empty(0, dtype=np.int64)
    node_of = dict(zip(used, snapped.tolist(), strict=True))

    seg_ids = seg["id"].astype(str).to_numpy()
    seg_len = seg["length_m"].to_numpy(dtype=np.float64)
    mids = _midpoints(seg)
    dist_to_node, seg_node = cKDTree(xy).query(mids, k=1)
    attached = np.asarray(dist_to_node) <= p.landing_max_m
    land_nodes, seg_land = np.unique(np.asarray(seg_node)[attached], return_inverse=True)
    seg_land = seg_land.reshape(-1)
    coast_km = np.bincount(seg_land, weights=seg_len[attached], minlength=len(land_nodes)) / 1000.0
    log_coast = np.log(np.maximum(coast_km, 1e-9))
    # Places on Sumenep's own coast (a segment's midpoint within landing_max_m of their node): a trip starting or
    # ending there lands or leaves there, which the exposure counts like a landing choice.
    near_seg, _ = cKDTree(mids).query(xy[snapped], k=1) if used and len(mids) else (np.empty(0), None)
    coastal = {
        s: node for (s, node), d in zip(node_of.items(), np.atleast_1d(near_seg), strict=True) if d <= p.landing_max_m
    }

    # Tasks grouped by (season, boat); a coast origin grows its tree from the destination (symmetric times).
    batches: dict[tuple[str, str], list[_Task]] = defaultdict(list)
    for f in flow_list:
        for season in f.seasons:
            for boat in f.boats:
                if f.origin == SUMENEP_COAST:
                    root, target = node_of[f.destination], -1
                elif f.destination == SUMENEP_COAST:
                    root, target = node_of[f.origin], -1
                else:
                    root, target = node_of[f.origin], node_of[f.destination]
                batches[(season, boat)].append(_Task(f, season, boat, root, target, f.weight / len(f.boats)))

    noise = _noise(xy, edges, p)
    edge_acc: dict[tuple[int, str], list[tuple[IntArray, FloatArray]]] = defaultdict(list)
    land_acc: dict[tuple[int, str], FloatArray] = {}
    end_acc: dict[tuple[int, str], list[tuple[int, float]]] = defaultdict(list)
    unserved: set[tuple[int, str, str]] = set()
    order = [(s, b) for s in ROUTE_SEASONS for b in BOAT_CLASSES if (s, b) in batches]
    total, done = len(order) * p.draws, 0
    for season, boat in order:
        tasks = batches[(season, boat)]
        hours = np.asarray(router.hours(boat, season, avoid=avoid), dtype=np.float64)
        if hours.shape != (m,):
            raise GeoInputError(f"router: hours({boat!r}, {season!r}) must give one value per edge")
        open_ = np.flatnonzero(np.isfinite(hours))
        # The matrix's structure is built once per (season, boat); each draw only rewrites its weights. Edge ids
        # ride in the data (+1, so that no stored value is an explicit zero) to map stored entries back to edges.
        g = coo_matrix(
            (
                np.concatenate([open_, open_]).astype(np.float64) + 1.0,
                (
                    np.concatenate([edges[open_, 0], edges[open_, 1]]),
                    np.concatenate([edges[open_, 1], edges[open_, 0]]),
                ),
            ),
            shape=(n, n),
        ).tocsr()
        stored_edge = np.rint(g.data).astype(np.int64) - 1
        roots = np.unique(np.asarray([t.root for t in tasks], dtype=np.int64))
        row_of = {int(r): i for i, r in enumerate(roots)}
        for draw in range(p.draws):
            # A zero-hour edge (coincident nodes) would vanish from the sparse matrix: floor it at a millisecond.
            g.data = np.maximum(hours[stored_edge] * noise[draw, stored_edge], 1e-6 / 3.6)
            dist, pred = dijkstra(g, directed=True, indices=roots, return_predecessors=True)
            dist, pred = np.atleast_2d(dist), np.atleast_2d(pred).astype(np.int64)
            slot_row: list[int] = []
            slot_flow: list[int] = []
            w_slot, w_node, w_mass = [], [], []
            for t in tasks:
                row = row_of[t.root]
                share = t.share / p.draws
                if t.target >= 0:
                    if not np.isfinite(dist[row, t.target]):
                        unserved.add((t.flow.number, season, boat))
                        continue
                    nodes, mass = np.array([t.target], dtype=np.int64), np.array([share])
                else:
                    prob = _landing_choice(dist[row, land_nodes], log_coast, p)
                    if prob is None:
                        unserved.add((t.flow.number, season, boat))
                        continue
                    keep = np.flatnonzero(prob > 0)
                    nodes, mass = land_nodes[keep].astype(np.int64), share * prob[keep]
                    land_acc.setdefault((t.flow.number, season), np.zeros(len(land_nodes)))[keep] += mass
                for end in (t.flow.origin, t.flow.destination):
                    if end in coastal:
                        end_acc[(t.flow.number, season)].append((coastal[end], share))
                w_slot.append(np.full(len(nodes), len(slot_row), dtype=np.int64))
                w_node.append(nodes)
                w_mass.append(mass)
                slot_row.append(row)
                slot_flow.append(t.flow.number)
            if slot_row:
                s, u, v, mass = _accumulate(
                    pred,
                    np.asarray(slot_row, dtype=np.int64),
                    np.concatenate(w_slot),
                    np.concatenate(w_node),
                    np.concatenate(w_mass),
                )
                e = edge_index(u, v)
                for k, fnum in enumerate(slot_flow):
                    sel = s == k
                    if sel.any():
                        edge_acc[(fnum, season)].append((e[sel], mass[sel]))
            done += 1
            if progress is not None:
                progress(done, total, f"corridors: {season} season, {boat}, draw {draw + 1} of {p.draws}")

    return _assemble(
        graph,
        flow_list,
        edge_acc,
        land_acc,
        end_acc,
        _Coast(seg_ids, seg_len, mids, attached, land_nodes, seg_land),
        unserved,
        p,
    )


def _landing_choice(times: FloatArray, log_coast: FloatArray, p: CorridorParams) -> FloatArray | None:
    """Logit probability of each landing node (module docstring); None when none can be reached."""
    ok = np.isfinite(times)
    if not ok.any():
        return None
    tmin = float(times[ok].min())
    tau = max(p.choice_tau_h, p.choice_tau_share * tmin)
    logit = np.full(len(times), -np.inf)
    logit[ok] = log_coast[ok] - (times[ok] - tmin) / tau
    prob = np.exp(logit - logit[ok].max())
    prob /= prob.sum()
    prob[prob < p.min_choice] = 0.0
    return np.asarray(prob / prob.sum(), dtype=np.float64)


@dataclass(frozen=True)
class _Coast:
    ids: npt.NDArray[np.object_]
    length_m: FloatArray
    mids: FloatArray  # metric
    attached: npt.NDArray[np.bool_]  # segment has a landing node
    land_nodes: IntArray
    seg_land: IntArray  # landing-node index of each attached segment


def _assemble(
    graph: Any,
    flows: list[_Flow],
    edge_acc: Mapping[tuple[int, str], list[tuple[IntArray, FloatArray]]],
    land_acc: Mapping[tuple[int, str], FloatArray],
    end_acc: Mapping[tuple[int, str], list[tuple[int, float]]],
    coast: _Coast,
    unserved: set[tuple[int, str, str]],
    p: CorridorParams,
) -> Corridors:
    xy = np.asarray(graph.xy, dtype=np.float64)
    edges = np.asarray(graph.edges, dtype=np.int64)
    m = len(edges)
    kind_of = {f.number: f.kind for f in flows}
    rows = []
    for (fnum, season), parts in edge_acc.items():
        e = np.concatenate([a for a, _ in parts])
        w = np.concatenate([b for _, b in parts])
        uniq, inv = np.unique(e, return_inverse=True)
        rows.append(
            pd.DataFrame(
                {
                    "flow": fnum,
                    "risk_kind": kind_of[fnum],
                    "season": season,
                    "edge": uniq,
                    "traffic": np.bincount(inv.reshape(-1), weights=w),
                }
            )
        )
    edge_traffic = (
        pd.concat(rows, ignore_index=True)
        if rows
        else pd.DataFrame({"flow": [], "risk_kind": [], "season": [], "edge": [], "traffic": []})
    )
    edge_traffic = edge_traffic.astype({"flow": np.int64, "edge": np.int64, "traffic": np.float64})

    n_seg = len(coast.ids)
    exposure = pd.DataFrame(0.0, index=pd.Index(coast.ids, name="id"), columns=list(EXPOSURE_COLUMNS))
    landing, passing_f, choice_f = exposure.copy(), exposure.copy(), exposure.copy()
    h = p.reach_m
    line_frames = []
    for kind in RISK_KINDS:
        for season in ROUTE_SEASONS:
            col = f"{kind}:{season}"
            sel = edge_traffic[(edge_traffic["risk_kind"] == kind) & (edge_traffic["season"] == season)]
            traffic = np.asarray(
                np.bincount(sel["edge"].to_numpy(), weights=sel["traffic"].to_numpy(), minlength=m), dtype=np.float64
            )
            pts, w = _bin_points(*_edge_points(xy, edges, traffic, h / 2.0))
            passing = kernel_density(coast.mids, pts, w, bandwidth_m=h) / (math.sqrt(2 * math.pi) * h)
            mass = np.zeros(len(coast.land_nodes))
            for f in flows:
                if f.kind == kind and (f.number, season) in land_acc:
                    mass += land_acc[(f.number, season)]
            near = kernel_density(coast.mids, xy[coast.land_nodes], mass, bandwidth_m=h)
            ends = [e for f in flows if f.kind == kind for e in end_acc.get((f.number, season), [])]
            if ends:
                end_node = np.asarray([e[0] for e in ends], dtype=np.int64)
                end_mass = np.asarray([e[1] for e in ends], dtype=np.float64)
                near = near + kernel_density(coast.mids, xy[end_node], end_mass, bandwidth_m=h)
            passing_f[col], choice_f[col] = passing, near
            exposure[col] = p.passing_share * passing + near
            on_seg = np.zeros(n_seg)
            node_len = np.bincount(coast.seg_land, weights=coast.length_m[coast.attached], minlength=len(mass))
            on_seg[coast.attached] = mass[coast.seg_land] * coast.length_m[coast.attached] / node_len[coast.seg_land]
            landing[col] = on_seg
            served = sum(f.weight for f in flows if f.kind == kind and season in f.seasons)
            line_frames.append(_lines(graph, sel, traffic, kind, season, p.min_line_share * served))
    lines = (
        pd.concat([f for f in line_frames if len(f)], ignore_index=True) if any(len(f) for f in line_frames) else None
    )
    if lines is None:
        lines = gpd.GeoDataFrame({c: [] for c in LINE_COLUMNS[:-1]}, geometry=[], crs=WGS84)
    lines = gpd.GeoDataFrame(lines, geometry="geometry", crs=WGS84)[list(LINE_COLUMNS)]
    return Corridors(
        lines=lines,
        exposure=exposure,
        landing=landing,
        passing=passing_f,
        choice=choice_f,
        edge_traffic=edge_traffic,
        unserved=tuple(sorted(unserved)),
        graph_version=str(getattr(graph, "version", "")),
        params=p,
    )


def _lines(
    graph: Any, per_flow: pd.DataFrame, traffic: FloatArray, kind: str, season: str, threshold: float
) -> gpd.GeoDataFrame:
    """Edges with traffic >= ``threshold`` merged into lines of like traffic (within ~25 %) and like flows."""
    edges = np.asarray(graph.edges, dtype=np.int64)
    keep = np.flatnonzero((traffic > 0) & (traffic >= threshold))
    if not len(keep):
        return gpd.GeoDataFrame({c: [] for c in LINE_COLUMNS[:-1]}, geometry=[], crs=WGS84)
    lonlat = np.asarray(graph.lonlat(), dtype=np.float64)
    # Which flows carry a real part of each kept edge's traffic: the line's "flows".
    pf = per_flow[per_flow["edge"].isin(keep)]
    pf = pf[pf["traffic"].to_numpy() >= _SIGNATURE_SHARE * traffic[pf["edge"].to_numpy()]]
    names = pf.sort_values("flow").groupby("edge")["flow"].agg(lambda s: ",".join(str(v) for v in s))
    signature = names.reindex(keep).fillna("").to_numpy()
    level = np.floor(np.log(traffic[keep]) / _LEVEL_STEP).astype(np.int64)
    group = pd.DataFrame({"edge": keep, "level": level, "flows": signature})
    segs = shapely.linestrings(np.stack([lonlat[edges[keep, 0]], lonlat[edges[keep, 1]]], axis=1))
    length = np.asarray(graph.edge_m, dtype=np.float64)[keep]
    out_geoms: list[shapely.Geometry] = []
    out_flows: list[str] = []
    for key, idx in group.groupby(["level", "flows"]).indices.items():
        flows_txt = key[1]  # type: ignore[index]
        merged = shapely.line_merge(shapely.multilinestrings(segs[idx]))
        for part in shapely.get_parts(merged):
            out_geoms.append(part)
            out_flows.append(str(flows_txt))
    geoms = np.asarray(out_geoms, dtype=object)
    # Traffic of each merged line: the length-weighted mean of its own edges (an edge's midpoint lies on it).
    mids = shapely.line_interpolate_point(segs, 0.5, normalized=True)
    hit = shapely.STRtree(geoms).query_nearest(mids, all_matches=False)
    line_of = np.empty(len(keep), dtype=np.int64)
    line_of[hit[0]] = hit[1]
    tsum = np.bincount(line_of, weights=traffic[keep] * length, minlength=len(geoms))
    lsum = np.bincount(line_of, weights=length, minlength=len(geoms))
    return gpd.GeoDataFrame(
        {
            "risk_kind": kind,
            "season": season,
            "traffic": tsum / np.where(lsum > 0, lsum, 1.0),
            "flows": out_flows,
        },
        geometry=geoms,
        crs=WGS84,
    )
