"""The routes world: landings and departures from simulated boat trips on the world's own sea grid."""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo import validation
from geo.crs import METRIC, WGS84
from geo.synthetic._checks import _check_harbours, _check_islands, _check_kind, _check_seed, _stream, _utc
from geo.synthetic.events import (
    _NIGHT_SHARE,
    _PRECISION_P,
    _PRECISIONS,
    INCIDENT_COLUMNS,
    _days,
    _ns_index,
    _times,
    _to_wgs84,
)
from geo.synthetic.params import DEFAULT_END, DEFAULT_START, SYNTHETIC_NAMESPACE, FloatArray, IntArray, SurfaceParams
from geo.synthetic.surface import TrueRiskSurface
from geo.validation import GeoInputError
from geo.vocabulary import (
    BOAT_CLASSES,
    RISK_KINDS,
    ROUTE_SEASON_MONTHS,
    ROUTE_SEASONS,
    SUMENEP_COAST,
)

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
                raise GeoInputError(f"params.{name}: must be > 0, got {getattr(self, name)!r}")
        if isinstance(self.habits, bool) or not isinstance(self.habits, int) or self.habits < 1:
            raise GeoInputError(f"params.habits: must be an int >= 1, got {self.habits!r}")
        if not 0.0 <= self.drop_share <= 1.0:
            raise GeoInputError(f"params.drop_share: must be within 0-1, got {self.drop_share!r}")
        missing = [b for b in BOAT_CLASSES if not self.speeds_kn.get(b, 0) > 0]
        if missing:
            raise GeoInputError(f"params.speeds_kn: needs a speed > 0 for {', '.join(missing)}")


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
        raise TypeError(f"flows: must be a DataFrame, got {type(flows).__name__}")
    missing = [c for c in ("origin", "destination", "kind", "boats", "seasons", "weight") if c not in flows.columns]
    if missing:
        raise GeoInputError(f"flows: missing required column(s) {', '.join(missing)}")

    def items(value: object) -> tuple[str, ...]:
        return tuple(v.strip() for v in value.split("|")) if isinstance(value, str) else tuple(map(str, value))  # type: ignore[call-overload]

    out = []
    for i, r in enumerate(flows.to_dict("records"), start=1):
        for end in ("origin", "destination"):
            if r[end] != SUMENEP_COAST and r[end] not in slugs:
                raise GeoInputError(f"flows: row {i} ({end}): unknown place {r[end]!r}")
        if r["origin"] == r["destination"]:
            raise GeoInputError(f"flows: row {i} (destination): must differ from origin")
        if r["kind"] not in RISK_KINDS:
            raise GeoInputError(f"flows: row {i} (kind): must be one of {', '.join(RISK_KINDS)}, got {r['kind']!r}")
        boats = items(r["boats"])
        seasons = ROUTE_SEASONS if items(r["seasons"]) == ("all",) else items(r["seasons"])
        if not boats or not set(boats) <= set(BOAT_CLASSES):
            raise GeoInputError(f"flows: row {i} (boats): must be among {', '.join(BOAT_CLASSES)}")
        if not seasons or not set(seasons) <= set(ROUTE_SEASONS):
            raise GeoInputError(f"flows: row {i} (seasons): must be among {', '.join(ROUTE_SEASONS)} or all")
        if not float(r["weight"]) > 0:
            raise GeoInputError(f"flows: row {i} (weight): must be > 0, got {r['weight']!r}")
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
            raise GeoInputError(f"season: must be annual or one of {', '.join(ROUTE_SEASONS)}, got {season!r}")
        validation.frame(segments, "segments", min_rows=1)
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
    GeoInputError
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
        raise GeoInputError(f"n_incidents: must be an int >= 0, got {n_incidents!r}")
    validation.frame(land, "land", min_rows=1)
    validation.frame(places, "places", columns=("slug",))
    p = params if params is not None else RoutesWorldParams()
    if not isinstance(p, RoutesWorldParams):
        raise TypeError(f"params: must be a RoutesWorldParams or None, got {type(p).__name__}")
    t0, t1 = _utc(start, "start"), _utc(end, "end")
    if not t0 < t1:
        raise GeoInputError(f"end: must be after start ({t0.isoformat()} >= {t1.isoformat()})")
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
    surface: TrueRiskSurface,
    truth: pd.DataFrame,
    seed: int,
    n: int | Mapping[str, int],
    start: pd.Timestamp,
    end: pd.Timestamp,
    *,
    label: str = "routes",
) -> gpd.GeoDataFrame:
    """``n`` incidents per risk kind (or ``n[kind]``) with traffic: a day by the truth's seasonal totals, then a
    coast sample. ``label`` names the world in the random stream, the UUIDs and the source."""
    rng = _stream(seed, f"{label}-world-incidents")
    per_kind = {k: int(n[k]) for k in RISK_KINDS} if isinstance(n, Mapping) else dict.fromkeys(RISK_KINDS, int(n))
    days, dur = _days(start, end)
    month = days.month.to_numpy()
    season_of = np.empty(len(days), dtype=object)
    for q, months in ROUTE_SEASON_MONTHS.items():
        season_of[np.isin(month, months)] = q
    per_year_days = {q: 365.25 * len(m) / 12.0 for q, m in ROUTE_SEASON_MONTHS.items()}
    parts = []
    for kind in RISK_KINDS:
        totals = {q: float(truth[f"{kind}:{q}"].sum()) for q in ROUTE_SEASONS}
        n = per_kind[kind]
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
            "uuid": [uuid.uuid5(SYNTHETIC_NAMESPACE, f"{seed}:{label}-incident:{i}") for i in range(m)],
            "kind": kind_arr[order],
            "occurred_start": ts,
            "occurred_end": ts,
            "precision_m": prec[order].astype(np.float64),
            "people": rng.integers(1, 20, m).astype(np.int64),
            "vessels": np.ones(m, dtype=np.int64),
            "source": f"synthetic {label} world, seed {seed}",
            "confidence": "medium",
            "review_state": "verified",
            "narrative": "Synthetic incident from a simulated boat trip."
            if label == "routes"
            else f"Synthetic incident ({label} world).",
            "synthetic": True,
        },
        geometry=_to_wgs84(xy_all[order]),
        crs=WGS84,
    )
    return frame[list(INCIDENT_COLUMNS)]
