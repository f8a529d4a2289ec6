"""The sea graph: where a boat can go between Java, Bali, Lombok, Sumbawa, Kalimantan, Sulawesi and Sumenep's
islands, and how long it takes in a given boat and season.

Structure: a quadtree over the land mask
----------------------------------------
The graph's nodes are the **water cells of a quadtree** laid over the land mask (``data/routes/land.fgb``) in
the metric CRS (``geo.crs.METRIC``); its edges join cells that touch (side or corner). A cell is kept only if
it does not touch land at all (closed box disjoint from the mask), and split while it touches land and is
larger than the finest size allowed where it lies:

- ``fine_m`` (100 m) in the fine zones: Sumenep's extent and 3 km around every place of the gazetteer. A
  channel at least twice as wide as a fine cell (200 m) always holds a full water cell across, so the
  Kalianget-Poteran strait and the channels among the Sapeken islands stay open;
- ``coarse_m`` (800 m) near every other coast (Java, Bali, Kalimantan, Sulawesi);
- open water stays in cells of up to ``max_m`` (3.2 km): far from land a straight line is the route anyway.

Why a quadtree and not H3 cells or a visibility graph: the quadtree's cells are exact squares in the metric
CRS, so "touches land" is one prepared-polygon test per cell, vectorised in shapely; it refines only where
the coast needs it (a uniform 100 m grid over the 780 x 1,100 km area would be 85 million cells, this is
about a hundred thousand); and an edge between two side-adjacent water cells lies inside the two cells, so it
cannot touch land *by construction* (corner-only neighbours are checked against the mask explicitly). A
visibility graph over simplified coasts is smaller but its edges graze the coast, and its simplification moves
the shore; H3 mixes resolutions awkwardly and its hexagons do not nest exactly.

A grid path zig-zags (8 directions), so :meth:`Router.route` pulls the path straight afterwards: it replaces a
stretch of the path by a straight line when that line touches no land and is no slower. Hours and distance
are measured on the final line (geodesic distance), so what is drawn is what is timed.

Costs
-----
Each node lies in one sea area (``data/routes/sea_areas.geojson``). For a boat class and a route season, a
node's pace is ``1 / (speed_kmh)`` with ``speed = cruise * (1 - SLOWDOWN * (wave_m / max_wave_m) ** 2)``: the
typical significant wave height of that area and season against the class's limit (a boat slows as the sea
rises: 40 % slower at the limit). An area whose wave height exceeds the class's limit is **closed** for it in
that season. An edge costs its length times the mean pace of its two ends; ``avoid=monitored`` adds a
detection cost per km near monitored harbours and patrol bases (:func:`detection_rate`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import Geod, Transformer
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from geo import validation
from geo.crs import METRIC, REGENCY_BOUNDS, WGS84
from geo.validation import GeoInputError
from geo.vocabulary import BOAT_CLASSES, ROUTE_SEASONS

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Progress = Callable[[str], None]

REPO = Path(__file__).resolve().parent.parent
ROUTES_DIR: Final = REPO / "data" / "routes"
LAND_MASK: Final = ROUTES_DIR / "land.fgb"
SEA_AREAS: Final = ROUTES_DIR / "sea_areas.geojson"
PLACES: Final = ROUTES_DIR / "places.csv"

HARBOUR_REACH_M: Final = 300.0
"""A route may touch land only this close to its origin or destination (a quay is drawn on land at 55 m)."""
SLOWDOWN: Final = 0.4
"""Speed lost at the class's wave limit (speed falls with the square of the wave height relative to it)."""
KNOT_KMH: Final = 1.852
SAMPLE_M: Final = 250.0
"""Spacing of the points at which a straightened stretch of route is timed."""
GEOD: Final = Geod(ellps="WGS84")

_SEASON_NAMES: Final = {"west": "the west monsoon", "east": "the east monsoon", "transition": "the transition months"}


@dataclass(frozen=True)
class GraphParams:
    """How fine the quadtree is (metres); see the module docstring."""

    fine_m: float = 100.0
    coarse_m: float = 800.0
    max_m: float = 3200.0
    place_zone_m: float = 15000.0
    fine_bounds: tuple[float, float, float, float] = REGENCY_BOUNDS

    def __post_init__(self) -> None:
        levels = np.log2(self.max_m / self.fine_m)
        if not (self.fine_m > 0 and levels >= 1 and float(levels).is_integer()):
            raise GeoInputError("params: max_m must be fine_m times a power of two (at least 2)")
        if (
            not (self.fine_m <= self.coarse_m <= self.max_m)
            or not float(np.log2(self.coarse_m / self.fine_m)).is_integer()
        ):
            raise GeoInputError("params: coarse_m must be fine_m times a power of two, between fine_m and max_m")


@dataclass(frozen=True, eq=False)
class SeaGraph:
    """Water cells (nodes) and the cells they touch (edges), in ``geo.crs.METRIC`` metres.

    ``edges`` are undirected pairs ``i < j``; ``edge_m`` their straight length. ``area`` indexes
    ``area_slugs`` (the sea area each node lies in). ``version`` is a hash of every input and parameter.
    """

    xy: FloatArray
    cell_m: FloatArray
    area: IntArray
    area_slugs: tuple[str, ...]
    edges: IntArray
    edge_m: FloatArray
    version: str
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_nodes(self) -> int:
        return len(self.xy)

    @property
    def n_edges(self) -> int:
        return len(self.edges)

    @cached_property
    def tree(self) -> cKDTree:
        return cKDTree(self.xy)

    def lonlat(self, xy: FloatArray | None = None) -> FloatArray:
        """Node centres (or the metric points ``xy``) as lon/lat."""
        pts = self.xy if xy is None else np.asarray(xy, dtype=np.float64)
        lon, lat = _to_wgs84().transform(pts[:, 0], pts[:, 1])
        return np.column_stack([lon, lat])

    def save(self, path: str | Path) -> Path:
        """Write the graph to ``path`` (``.npz``), atomically."""
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        meta = {**self.meta, "area_slugs": list(self.area_slugs), "version": self.version}
        tmp = p.with_name(p.name + ".tmp")
        with tmp.open("wb") as fh:
            np.savez_compressed(
                fh, xy=self.xy, cell_m=self.cell_m, area=self.area, edges=self.edges, edge_m=self.edge_m,
                meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
            )  # fmt: skip
        tmp.replace(p)
        return p

    @classmethod
    def load(cls, path: str | Path) -> SeaGraph:
        """Read a graph written by :meth:`save`."""
        with np.load(Path(path)) as z:
            meta = json.loads(bytes(z["meta"]).decode())
            return cls(
                xy=z["xy"], cell_m=z["cell_m"], area=z["area"].astype(np.int64), edges=z["edges"].astype(np.int64),
                edge_m=z["edge_m"], area_slugs=tuple(meta.pop("area_slugs")), version=meta.pop("version"), meta=meta,
            )  # fmt: skip


@functools.cache
def _to_metric() -> Transformer:
    return Transformer.from_crs(WGS84, METRIC, always_xy=True)


@functools.cache
def _to_wgs84() -> Transformer:
    return Transformer.from_crs(METRIC, WGS84, always_xy=True)


def to_metric(lonlat: FloatArray) -> FloatArray:
    """Lon/lat points (k, 2) as ``geo.crs.METRIC`` metres."""
    pts = np.asarray(lonlat, dtype=np.float64).reshape(-1, 2)
    x, y = _to_metric().transform(pts[:, 0], pts[:, 1])
    return np.column_stack([x, y])


class LandIndex:
    """The land mask in metres, cut into tiles and prepared, for fast "does this touch land" questions."""

    def __init__(self, land: gpd.GeoDataFrame, *, tile_m: float = 25_000.0) -> None:
        if not isinstance(land, gpd.GeoDataFrame):
            raise TypeError(f"land: must be a GeoDataFrame, got {type(land).__name__}")
        if land.crs is None:
            raise GeoInputError("land: CRS is not set")
        geoms = shapely.get_parts(land.to_crs(METRIC).geometry.array)
        geoms = geoms[~shapely.is_empty(geoms)]
        self.polygons = geoms
        # Tiles keep every prepared test local: Kalimantan is one polygon of thousands of vertices.
        x0, y0, x1, y1 = shapely.total_bounds(geoms) if len(geoms) else (0.0, 0.0, 1.0, 1.0)
        xs = np.arange(x0, x1 + tile_m, tile_m)
        ys = np.arange(y0, y1 + tile_m, tile_m)
        gx, gy = np.meshgrid(xs[:-1], ys[:-1], indexing="ij")
        tiles = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + tile_m, gy.ravel() + tile_m)
        poly_idx, tile_idx = shapely.STRtree(tiles).query(geoms, predicate="intersects")
        pieces = shapely.intersection(geoms[poly_idx], tiles[tile_idx])
        parts, _owner = shapely.get_parts(pieces, return_index=True)
        keep = np.isin(shapely.get_type_id(parts), (3,)) & ~shapely.is_empty(parts)
        self.pieces = parts[keep]
        shapely.prepare(self.pieces)
        self.tree = shapely.STRtree(self.pieces)

    def intersects(self, geoms: npt.NDArray[np.object_]) -> npt.NDArray[np.bool_]:
        """For each geometry (metres), whether it touches land."""
        g = np.asarray(geoms, dtype=object)
        out = np.zeros(len(g), dtype=bool)
        if len(g) and len(self.pieces):
            hit, _ = self.tree.query(g, predicate="intersects")
            out[np.unique(hit)] = True
        return out

    @cached_property
    def polygon_tree(self) -> shapely.STRtree:
        return shapely.STRtree(self.polygons)

    def depth_m(self, xy: FloatArray) -> FloatArray:
        """How far inland each point (metres) lies: 0 at sea, else the distance to the nearest coast."""
        pts = shapely.points(np.asarray(xy, dtype=np.float64).reshape(-1, 2))
        out = np.zeros(len(pts))
        if not len(self.pieces):
            return out
        inside, _piece = self.tree.query(pts, predicate="within")
        if len(inside):
            # A point inside a tile piece: distance to the real coast = distance to the piece's boundary,
            # except along tile cuts, which are not coast; measure to the whole polygon's boundary instead.
            poly_hit, poly_idx = self.polygon_tree.query(pts[inside], predicate="within")
            d = shapely.distance(pts[inside][poly_hit], shapely.boundary(self.polygons[poly_idx]))
            out[inside[poly_hit]] = d
        return out


def _hash_files(paths: Iterable[Path], extra: object) -> str:
    digest = hashlib.sha256()
    for p in paths:
        digest.update(p.name.encode())
        digest.update(p.read_bytes())
    digest.update(Path(__file__).read_bytes())
    digest.update(json.dumps(extra, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:12]


def _domain(land: gpd.GeoDataFrame) -> shapely.Polygon:
    """The mask's lon/lat extent as a polygon in metres (its edges densified: a meridian is curved in TM)."""
    x0, y0, x1, y1 = land.to_crs(WGS84).total_bounds
    box = shapely.segmentize(shapely.box(x0, y0, x1, y1), 0.05)
    return shapely.transform(box, lambda xy: to_metric(xy))


def build_sea_graph(
    land: gpd.GeoDataFrame,
    sea_areas: gpd.GeoDataFrame,
    *,
    places: gpd.GeoDataFrame | None = None,
    params: GraphParams | None = None,
    version: str | None = None,
    progress: Progress | None = None,
) -> SeaGraph:
    """Build the sea graph over ``land`` (any CRS); see the module docstring.

    Parameters
    ----------
    land
        The land mask; its lon/lat extent is the graph's extent.
    sea_areas
        Polygons with a ``slug`` column (any CRS): each node takes the area it lies in, or the nearest.
    places
        Points (any CRS) around which the graph is fine (``params.place_zone_m``), so every place reaches the sea.
    params
        Cell sizes (:class:`GraphParams`).
    version
        The graph's version (default: a hash of the nodes and edges).
    progress
        Called with a line of text per stage.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> land = gpd.GeoDataFrame(geometry=[shapely.box(114.0, -7.0, 114.02, -6.98),
    ...                                   shapely.box(113.99, -7.01, 114.03, -7.0)], crs="EPSG:4326")
    >>> areas = gpd.GeoDataFrame({"slug": ["java_sea"]}, geometry=[shapely.box(113, -8, 115, -6)], crs="EPSG:4326")
    >>> g = build_sea_graph(land, areas, params=GraphParams(fine_m=100, coarse_m=100, max_m=400,
    ...                                                     fine_bounds=(113.9, -7.1, 114.1, -6.9)))
    >>> g.n_nodes > 0, bool(LandIndex(land).intersects(shapely.linestrings(
    ...     np.stack([g.xy[g.edges[:, 0]], g.xy[g.edges[:, 1]]], axis=1))).any())
    (True, False)
    """
    say = progress or (lambda _: None)
    p = params or GraphParams()
    validation.frame(sea_areas, "sea_areas", columns=("slug",), crs=False)
    started = time.monotonic()
    index = LandIndex(land)
    domain = _domain(land)
    shapely.prepare(domain)
    fine = shapely.transform(shapely.box(*p.fine_bounds), lambda xy: to_metric(xy))
    if places is not None and len(places):
        zones = shapely.buffer(shapely.points(to_metric(shapely.get_coordinates(places.to_crs(WGS84).geometry))),
                               p.place_zone_m)  # fmt: skip
        fine = shapely.union_all([fine, *zones])
    shapely.prepare(fine)

    levels = round(np.log2(p.max_m / p.fine_m))
    coarse_level = round(np.log2(p.max_m / p.coarse_m))
    x0, y0, x1, y1 = domain.bounds
    ni, nj = int(np.ceil((x1 - x0) / p.max_m)), int(np.ceil((y1 - y0) / p.max_m))
    gi, gj = np.meshgrid(np.arange(ni), np.arange(nj), indexing="ij")
    cells_i, cells_j = gi.ravel().astype(np.int64), gj.ravel().astype(np.int64)
    leaves: list[tuple[int, IntArray, IntArray]] = []
    for level in range(levels + 1):
        size = p.max_m / 2**level
        bx, by = x0 + cells_i * size, y0 + cells_j * size
        boxes = shapely.box(bx, by, bx + size, by + size)
        if level == 0:
            inside = shapely.intersects(domain, shapely.points(bx + size / 2, by + size / 2))
            cells_i, cells_j, boxes = cells_i[inside], cells_j[inside], boxes[inside]
        touches = index.intersects(boxes)
        sea = ~touches
        leaves.append((level, cells_i[sea], cells_j[sea]))
        if level == levels:
            break
        mixed = np.flatnonzero(touches)
        if len(mixed):
            # Cells wholly on land go no further; the rest split while finer cells are allowed here.
            hit, _piece = index.tree.query(boxes[mixed], predicate="within")
            on_land = np.zeros(len(mixed), dtype=bool)
            on_land[hit] = True
            mixed = mixed[~on_land]
        if level >= coarse_level:
            mixed = mixed[shapely.intersects(fine, boxes[mixed])]
        ci, cj = cells_i[mixed], cells_j[mixed]
        cells_i = np.concatenate([2 * ci, 2 * ci + 1, 2 * ci, 2 * ci + 1])
        cells_j = np.concatenate([2 * cj, 2 * cj, 2 * cj + 1, 2 * cj + 1])
        say(f"sea graph: level {level} ({size:,.0f} m): {int(sea.sum()):,} water cells, {len(mixed):,} split")

    lv = np.concatenate([np.full(len(i), lvl) for lvl, i, _ in leaves])
    li = np.concatenate([i for _, i, _ in leaves])
    lj = np.concatenate([j for _, _, j in leaves])
    size = p.max_m / 2.0**lv
    cx, cy = x0 + (li + 0.5) * size, y0 + (lj + 0.5) * size
    edges = _adjacent(lv, li, lj, levels)
    say(f"sea graph: {len(lv):,} cells, {len(edges):,} touching pairs")
    # Side neighbours' centre line stays inside the two water cells; a corner-only pair's may cross land.
    a, b = edges[:, 0], edges[:, 1]
    half = size / 2.0
    overlap_x = np.minimum(cx[a] + half[a], cx[b] + half[b]) - np.maximum(cx[a] - half[a], cx[b] - half[b])
    overlap_y = np.minimum(cy[a] + half[a], cy[b] + half[b]) - np.maximum(cy[a] - half[a], cy[b] - half[b])
    corner = (overlap_x < 1e-6) & (overlap_y < 1e-6)
    lines = shapely.linestrings(np.stack([np.column_stack([cx[a], cy[a]]), np.column_stack([cx[b], cy[b]])], axis=1))
    blocked = np.zeros(len(edges), dtype=bool)
    blocked[corner] = index.intersects(lines[corner])
    edges = edges[~blocked]
    # Keep the largest connected water body: ponds and cells walled in by the mask are not reachable by boat.
    n = len(lv)
    adj = sparse.coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
    _, label = csgraph.connected_components(adj, directed=False)
    main = label == np.bincount(label).argmax()
    renumber = np.cumsum(main) - 1
    edges = edges[main[edges[:, 0]] & main[edges[:, 1]]]
    edges = renumber[edges]
    xy = np.column_stack([cx[main], cy[main]])
    cell = size[main]
    area, slugs = _assign_areas(xy, sea_areas)
    edge_m = np.hypot(*(xy[edges[:, 0]] - xy[edges[:, 1]]).T)
    if version is None:
        digest = hashlib.sha256(xy.tobytes() + edges.tobytes() + "|".join(slugs).encode() + area.tobytes())
        version = digest.hexdigest()[:12]
    say(f"sea graph: {len(xy):,} nodes, {len(edges):,} edges in {time.monotonic() - started:.0f} s")
    meta = {"params": p.__dict__ | {"fine_bounds": list(p.fine_bounds)}, "build_seconds": time.monotonic() - started}
    return SeaGraph(xy, cell.astype(np.float64), area, slugs, edges.astype(np.int64), edge_m, version, meta)


def _adjacent(lv: IntArray, li: IntArray, lj: IntArray, levels: int) -> IntArray:
    """Pairs of leaf cells that touch (side or corner), as sorted unique ``(i, j)`` rows with ``i < j``.

    Every leaf probes just outside its four side midpoints and four corners; the leaf that holds a probe point is
    found by looking the point up at every level (leaves do not overlap, so at most one level answers). A
    smaller neighbour finds a bigger one by its own probes, so every touching pair is found from one side.
    """
    shift = 32
    keys = (lv.astype(np.int64) << 58) | (li.astype(np.int64) << shift) | lj.astype(np.int64)
    order = np.argsort(keys)
    sorted_keys = keys[order]
    scale = 2.0 ** (levels - lv)  # cell size in finest-cell units
    # Probe points in finest-cell units (doubled, so that half cells stay integers).
    cx2, cy2 = (2 * li + 1) * scale, (2 * lj + 1) * scale
    pairs = []
    eps = 0.5  # a quarter of a finest cell, in doubled units
    for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (1, -1), (-1, 1), (-1, -1)):
        px = cx2 + dx * (scale + eps)
        py = cy2 + dy * (scale + eps)
        found = np.full(len(lv), -1, dtype=np.int64)
        for level in range(levels + 1):
            unit = 2.0 ** (levels - level) * 2  # doubled finest units per cell at this level
            qi, qj = np.floor(px / unit).astype(np.int64), np.floor(py / unit).astype(np.int64)
            ok = (qi >= 0) & (qj >= 0)
            q = (np.int64(level) << 58) | (np.where(ok, qi, 0) << shift) | np.where(ok, qj, 0)
            pos = np.clip(np.searchsorted(sorted_keys, q), 0, len(sorted_keys) - 1)
            hit = ok & (sorted_keys[pos] == q)
            found[hit] = order[pos[hit]]
        src = np.flatnonzero(found >= 0)
        pairs.append(np.column_stack([src, found[src]]))
    allp = np.concatenate(pairs)
    allp = np.sort(allp, axis=1)
    allp = allp[allp[:, 0] != allp[:, 1]]
    return np.unique(allp, axis=0)


def _assign_areas(xy: FloatArray, sea_areas: gpd.GeoDataFrame) -> tuple[IntArray, tuple[str, ...]]:
    areas = sea_areas.to_crs(METRIC)
    slugs = tuple(str(s) for s in areas["slug"])
    geoms = areas.geometry.array
    pts = shapely.points(xy)
    out = np.full(len(xy), -1, dtype=np.int64)
    hit, idx = shapely.STRtree(geoms).query(pts, predicate="within")
    out[hit] = idx  # a point on a shared border takes either area
    missing = np.flatnonzero(out < 0)
    if len(missing):
        near = shapely.STRtree(geoms).query_nearest(pts[missing], all_matches=False)
        out[missing[near[0]]] = near[1]
    return out, slugs


def _read_sea_areas(path: Path) -> gpd.GeoDataFrame:
    frame = gpd.read_file(path, engine="pyogrio")
    if "slug" not in frame.columns:
        raise GeoInputError(f"{path}: needs a slug column")
    return frame


def inputs_version(params: GraphParams | None = None, *, paths: Sequence[Path] = (LAND_MASK, SEA_AREAS, PLACES)) -> str:
    """The version a graph built from ``paths`` with ``params`` gets: a hash of the files, the parameters and
    this module's code, so a changed input or rule gives a new graph."""
    return _hash_files(paths, (params or GraphParams()).__dict__)


def load_or_build(
    cache_dir: str | Path,
    *,
    params: GraphParams | None = None,
    progress: Progress | None = None,
    land: Path = LAND_MASK,
    sea_areas: Path = SEA_AREAS,
    places: Path = PLACES,
) -> SeaGraph:
    """The sea graph of the committed data, from ``cache_dir/seagraph-<version>.npz`` or built (and saved there).

    The version hashes the land mask, the sea areas, the places (they decide where the graph is fine), the
    parameters and this module, so editing any of them builds a new graph.
    """
    p = params or GraphParams()
    for path, what in ((land, "land mask"), (sea_areas, "sea areas"), (places, "places")):
        if not Path(path).is_file():
            raise GeoInputError(f"{what}: {path} not found")
    version = inputs_version(p, paths=(Path(land), Path(sea_areas), Path(places)))
    target = Path(cache_dir) / f"seagraph-{version}.npz"
    if target.is_file():
        return SeaGraph.load(target)
    from geo.io import read_layer

    graph = build_sea_graph(
        read_layer(land), _read_sea_areas(Path(sea_areas)), places=read_layer(places), params=p, version=version,
        progress=progress,
    )  # fmt: skip
    graph.save(target)
    return graph


# --- routing -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Route:
    """A least-time route: the line (lon/lat), its hours and geodesic length, and whether the boat can sail it."""

    origin: str
    destination: str
    boat: str
    season: str
    line: shapely.LineString
    hours: float
    distance_km: float
    passable: bool
    reason: str | None
    graph_version: str
    nodes: IntArray
    avoid: str | None = None

    def to_feature(self) -> dict[str, Any]:
        """The route as a GeoJSON Feature (RFC 7946: lon, lat; coordinates to 6 decimals)."""
        coords = [[round(x, 6), round(y, 6)] for x, y in shapely.get_coordinates(self.line)]
        return {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": coords},
            "properties": {
                "origin": self.origin,
                "destination": self.destination,
                "boat": self.boat,
                "season": self.season,
                "avoid": self.avoid,
                "hours": round(self.hours, 2),
                "distance_km": round(self.distance_km, 2),
                "passable": self.passable,
                "reason": self.reason,
                "graph_version": self.graph_version,
            },
        }


def detection_rate(
    graph: SeaGraph, points_xy: FloatArray, *, scale_km: float = 5.0, hours_per_km: float = 0.5
) -> FloatArray:
    """Extra hours per metre at each node for passing near ``points_xy`` (metres): ``hours_per_km *
    exp(-d / scale_km)`` summed over the points, so a smuggler's route keeps clear of monitored harbours and patrol
    bases unless the detour costs more than being seen (half an hour per km sailed right past one)."""
    pts = np.asarray(points_xy, dtype=np.float64).reshape(-1, 2)
    rate = np.zeros(graph.n_nodes)
    if not len(pts):
        return rate
    tree = cKDTree(pts)
    pairs = tree.sparse_distance_matrix(graph.tree, 5 * scale_km * 1000, output_type="coo_matrix")
    np.add.at(rate, pairs.col, np.exp(-pairs.data / (scale_km * 1000)))
    d0, _i0 = tree.query(graph.xy, k=1, distance_upper_bound=1e-6)
    rate[np.isfinite(d0)] += 1.0  # sparse_distance_matrix leaves out zero distances
    return rate * hours_per_km / 1000.0


class Router:
    """Least-time routes on a :class:`SeaGraph` for a boat class and a route season.

    ``land`` (the mask, any CRS), ``boats`` (indexed by slug: ``cruise_knots``, ``max_wave_m``, ``name``) and
    ``sea_states`` (indexed by ``(area, season)``: ``wave_m``) default to the committed tables.
    """

    def __init__(
        self,
        graph: SeaGraph,
        *,
        land: gpd.GeoDataFrame | None = None,
        boats: pd.DataFrame | None = None,
        sea_states: pd.DataFrame | None = None,
        area_names: dict[str, str] | None = None,
    ) -> None:
        from geo.io import read_layer

        self.graph = graph
        self.land = LandIndex(land if land is not None else read_layer(LAND_MASK))
        if boats is None or sea_states is None or area_names is None:
            from geo import routedata  # the committed tables, only when the caller did not bring its own

            boats = routedata.load_boats() if boats is None else boats
            sea_states = routedata.load_sea_states() if sea_states is None else sea_states
            if area_names is None:
                areas = routedata.load_sea_areas()
                area_names = {str(s): str(n) for s, n in zip(areas["slug"], areas["name"], strict=True)}
        self.boats = boats
        self.sea_states = sea_states
        self.area_names = area_names
        self._matrices: dict[tuple[str, str, bool, bytes], sparse.csr_matrix] = {}
        self._lock = threading.Lock()
        self._wave_cache: dict[str, FloatArray] = {}

    # costs -------------------------------------------------------------------------------------------------
    def _check(self, boat: str, season: str) -> None:
        if boat not in self.boats.index:
            raise GeoInputError(f"boat: must be one of {', '.join(map(str, self.boats.index))}, got {boat!r}")
        if season not in ROUTE_SEASONS:
            raise GeoInputError(f"season: must be one of {', '.join(ROUTE_SEASONS)}, got {season!r}")

    def _boat(self, boat: str, column: str) -> float:
        return float(self.boats[column].astype(np.float64)[boat])

    def _waves(self, season: str) -> FloatArray:
        if season not in self._wave_cache:
            table = self.sea_states["wave_m"].astype(np.float64)
            waves = np.zeros(len(self.graph.area_slugs))
            for k, slug in enumerate(self.graph.area_slugs):
                try:
                    waves[k] = float(table[(slug, season)])
                except KeyError:
                    raise GeoInputError(f"sea_states: no row for area {slug} in season {season}") from None
            self._wave_cache[season] = waves
        return self._wave_cache[season]

    def pace(self, boat: str, season: str, *, open_seas: bool = False) -> FloatArray:
        """Hours per metre at each node; ``inf`` where the area is closed to ``boat`` in ``season`` (unless
        ``open_seas``: then a closed area is sailed at the speed the boat has at its limit)."""
        self._check(boat, season)
        limit = self._boat(boat, "max_wave_m")
        cruise_kmh = self._boat(boat, "cruise_knots") * KNOT_KMH
        waves = self._waves(season)
        ratio = np.minimum(waves / limit, 1.0)
        speed = cruise_kmh * (1.0 - SLOWDOWN * ratio**2)
        area_pace = 1.0 / (speed * 1000.0)
        if not open_seas:
            area_pace = np.where(waves > limit, np.inf, area_pace)
        return np.asarray(area_pace[self.graph.area], dtype=np.float64)

    def closed_reason(self, boat: str, season: str) -> dict[str, str]:
        """Each sea area closed to ``boat`` in ``season``, with the reason in words."""
        self._check(boat, season)
        limit = self._boat(boat, "max_wave_m")
        name = boat.replace("_", " ")  # "the perahu's limit", "the steel ship's limit"
        out = {}
        for slug, wave in zip(self.graph.area_slugs, self._waves(season), strict=True):
            if wave > limit:
                out[slug] = (
                    f"sea state in the {self.area_names.get(slug, slug)} in {_SEASON_NAMES[season]} "
                    f"({wave:g} m waves) exceeds the {name}'s limit ({limit:g} m)"
                )
        return out

    def hours(self, boat: str, season: str, *, avoid: FloatArray | None = None, open_seas: bool = False) -> FloatArray:
        """Hours per edge for ``boat`` in ``season`` (``inf`` where closed); ``avoid``: lon/lat points to keep
        clear of (:func:`detection_rate`)."""
        rate = self.pace(boat, season, open_seas=open_seas)
        if avoid is not None and len(avoid):
            rate = rate + detection_rate(self.graph, to_metric(avoid))
        e = self.graph.edges
        return np.asarray(self.graph.edge_m * (rate[e[:, 0]] + rate[e[:, 1]]) / 2.0, dtype=np.float64)

    def csgraph(self, hours: FloatArray) -> sparse.csr_matrix:
        """The graph as a symmetric sparse matrix of edge hours for scipy's routines (closed edges left out)."""
        e = self.graph.edges
        ok = np.isfinite(hours)
        n = self.graph.n_nodes
        rows = np.concatenate([e[ok, 0], e[ok, 1]])
        cols = np.concatenate([e[ok, 1], e[ok, 0]])
        # A zero-length edge would vanish from a sparse matrix: edges are never shorter than a cell, but be safe.
        data = np.maximum(np.concatenate([hours[ok], hours[ok]]), 1e-12)
        return sparse.csr_matrix((data, (rows, cols)), shape=(n, n))

    def _matrix(self, boat: str, season: str, avoid: FloatArray | None, open_seas: bool) -> sparse.csr_matrix:
        key = (boat, season, open_seas, b"" if avoid is None else np.asarray(avoid, dtype=np.float64).tobytes())
        # The web service asks from several threads at once: build outside the lock, store and evict under it.
        with self._lock:
            found = self._matrices.get(key)
        if found is not None:
            return found
        matrix = self.csgraph(self.hours(boat, season, avoid=avoid, open_seas=open_seas))
        with self._lock:
            while len(self._matrices) >= 24:
                self._matrices.pop(next(iter(self._matrices)))
            self._matrices[key] = matrix
        return matrix

    # places ------------------------------------------------------------------------------------------------
    def check_at_sea(self, lonlat: tuple[float, float], name: str) -> FloatArray:
        """The point (metres), or a GeoInputError naming ``name`` when it lies on land (deeper than
        :data:`HARBOUR_REACH_M`) or outside the graph's extent."""
        lon, lat = lonlat
        if not (np.isfinite(lon) and np.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
            raise GeoInputError(f"{name}: must be a longitude,latitude pair in degrees, got {lon},{lat}")
        x0, y0, x1, y1 = self.extent
        if not (x0 <= lon <= x1 and y0 <= lat <= y1):
            raise GeoInputError(
                f"{name}: {lon:.5f},{lat:.5f} lies outside the sea graph ({x0:g} to {x1:g} E, {y0:g} to {y1:g})"
            )
        xy = to_metric(np.array([[lon, lat]]))
        depth = float(self.land.depth_m(xy)[0])
        if depth > HARBOUR_REACH_M:
            raise GeoInputError(f"{name}: {lon:.5f},{lat:.5f} lies on land, {depth:,.0f} m from the sea")
        return xy[0]

    @cached_property
    def extent(self) -> tuple[float, float, float, float]:
        ll = self.graph.lonlat()
        return (float(ll[:, 0].min()), float(ll[:, 1].min()), float(ll[:, 0].max()), float(ll[:, 1].max()))

    def snap(self, lonlat: FloatArray, *, names: Sequence[str] | None = None) -> IntArray:
        """The sea node each point leaves from: the nearest node whose straight connector touches no land beyond
        :data:`HARBOUR_REACH_M` of the point. A GeoInputError names the point when no node qualifies within 10 km."""
        pts = to_metric(lonlat)
        out = np.empty(len(pts), dtype=np.int64)
        k = min(64, self.graph.n_nodes)
        dist, idx = self.graph.tree.query(pts, k=k)
        for r, (p, ds, ids) in enumerate(zip(pts, np.atleast_2d(dist), np.atleast_2d(idx), strict=True)):
            near = ids[ds < 10_000]
            if not len(near):
                raise GeoInputError(f"{names[r] if names else 'point'}: no open water within 10 km")
            lines = shapely.linestrings(np.stack([np.broadcast_to(p, (len(near), 2)), self.graph.xy[near]], axis=1))
            outside = shapely.difference(lines, shapely.buffer(shapely.points(p), HARBOUR_REACH_M))
            ok = ~self.land.intersects(outside)
            if not ok.any():
                raise GeoInputError(f"{names[r] if names else 'point'}: no open water reachable within 10 km")
            out[r] = near[np.argmax(ok)]
        return out

    # routes ------------------------------------------------------------------------------------------------
    def route(
        self,
        origin: tuple[float, float],
        destination: tuple[float, float],
        *,
        boat: str,
        season: str,
        avoid: FloatArray | None = None,
        origin_name: str | None = None,
        destination_name: str | None = None,
    ) -> Route:
        """The least-time route from ``origin`` to ``destination`` (lon/lat) for ``boat`` in ``season``.

        When every way is closed by the sea state, the route is the one the boat would take if the seas were open,
        with ``passable`` False and the reason naming the closed areas it crosses.
        """
        names = [destination_name] if destination_name else None
        return self.routes_from(
            origin, [destination], boat=boat, season=season, avoid=avoid, origin_name=origin_name,
            destination_names=names,
        )[0]  # fmt: skip

    def routes_from(
        self,
        origin: tuple[float, float],
        destinations: Sequence[tuple[float, float]],
        *,
        boat: str,
        season: str,
        avoid: FloatArray | None = None,
        origin_name: str | None = None,
        destination_names: Sequence[str] | None = None,
    ) -> list[Route]:
        """:meth:`route` from one origin to several destinations, with one shortest-path tree for all of them."""
        self._check(boat, season)
        a = self.check_at_sea(origin, "origin")
        ends = [self.check_at_sea(d, "destination") for d in destinations]
        for b in ends:
            if np.hypot(*(a - b)) < 1.0:
                raise GeoInputError("destination: must differ from origin")
        nodes = self.snap(np.array([origin, *destinations]), names=["origin"] + ["destination"] * len(ends))
        src, dst = int(nodes[0]), nodes[1:]
        trees = {False: self._tree(boat, season, avoid, False, src)}
        closed = self.closed_reason(boat, season)
        out = []
        for k, (b, target) in enumerate(zip(ends, dst, strict=True)):
            passable = bool(np.isfinite(trees[False][0][target]))
            if not passable and True not in trees:
                trees[True] = self._tree(boat, season, avoid, True, src)
            dist, pred = trees[not passable]
            if not np.isfinite(dist[target]):  # the graph is one connected body of water: cannot happen
                raise GeoInputError("destination: no sea route reaches it from origin")
            path = path_to(pred, src, int(target))
            reason = None
            if not passable:
                crossed = dict.fromkeys(self.graph.area_slugs[j] for j in self.graph.area[path])
                reason = "; ".join(closed[s] for s in crossed if s in closed) or "closed by the sea state"
            # Shortcuts may not enter a closed sea (``rate`` is inf there); timing uses finite paces everywhere,
            # since a sample on an open edge can lie nearest to a node across a closed area's border.
            rate = self._rate(boat, season, avoid, open_seas=not passable)
            timing = self._rate(boat, season, avoid, open_seas=True)
            pts = self._straighten(np.vstack([a, self.graph.xy[path], b]), rate, timing)
            line = shapely.LineString(self.graph.lonlat(pts))
            dest = destinations[k]
            out.append(
                Route(
                    origin=origin_name or f"{origin[0]},{origin[1]}",
                    destination=destination_names[k] if destination_names else f"{dest[0]},{dest[1]}",
                    boat=boat,
                    season=season,
                    line=line,
                    hours=float(self._pieces_hours(pts[:-1], pts[1:], timing).sum()),
                    distance_km=float(GEOD.geometry_length(line)) / 1000.0,
                    passable=passable,
                    reason=reason,
                    graph_version=self.graph.version,
                    nodes=path,
                    avoid="monitored" if avoid is not None and len(avoid) else None,
                )
            )
        return out

    def _rate(self, boat: str, season: str, avoid: FloatArray | None, *, open_seas: bool) -> FloatArray:
        rate = self.pace(boat, season, open_seas=open_seas)
        if avoid is not None and len(avoid):
            rate = rate + detection_rate(self.graph, to_metric(avoid))
        return rate

    def _tree(
        self, boat: str, season: str, avoid: FloatArray | None, open_seas: bool, src: int
    ) -> tuple[FloatArray, npt.NDArray[np.int32]]:
        matrix = self._matrix(boat, season, avoid, open_seas)
        dist, pred = csgraph.dijkstra(matrix, directed=True, indices=src, return_predecessors=True)
        return dist, pred

    def _pieces_hours(self, p: FloatArray, q: FloatArray, rate: FloatArray) -> FloatArray:
        """Hours along each straight piece ``p[k] -> q[k]`` (metres): sampled every :data:`SAMPLE_M` at the nearest
        node's pace."""
        p, q = np.atleast_2d(p), np.atleast_2d(q)
        length = np.hypot(*(q - p).T)
        n = np.maximum(1, np.ceil(length / SAMPLE_M)).astype(np.int64)
        owner = np.repeat(np.arange(len(p)), n)
        start = np.concatenate([[0], np.cumsum(n)[:-1]])
        t = (np.arange(int(n.sum())) - np.repeat(start, n) + 0.5) / np.repeat(n, n)
        samples = p[owner] + (q - p)[owner] * t[:, None]
        _, idx = self.graph.tree.query(samples, k=1)
        total = np.zeros(len(p))
        np.add.at(total, owner, rate[idx])
        return np.asarray(total * length / n, dtype=np.float64)

    def _straighten(self, pts: FloatArray, rate: FloatArray, timing: FloatArray, *, window: int = 512) -> FloatArray:
        """Pull a grid path straight: from each kept vertex, jump to a far later vertex whose straight line touches
        no land (beyond the harbour reach at the two ends) and is no slower than the path it replaces.

        The jump is searched on a doubling ladder (2, 4, 8, ... vertices ahead), then refined by bisection between
        the furthest good rung and the next: a few dozen line tests per kept vertex instead of one per vertex."""
        n = len(pts)
        if n <= 2:
            return pts
        # Hours from the start along the path, piece by piece, to compare a shortcut with what it replaces.
        along = np.concatenate([[0.0], np.cumsum(self._pieces_hours(pts[:-1], pts[1:], timing))])
        reach = shapely.union_all(shapely.buffer(shapely.points(np.array([pts[0], pts[-1]])), HARBOUR_REACH_M))

        def good(i: int, cand: IntArray) -> npt.NDArray[np.bool_]:
            lines = shapely.linestrings(np.stack([np.broadcast_to(pts[i], (len(cand), 2)), pts[cand]], axis=1))
            ok = ~self.land.intersects(shapely.difference(lines, reach))
            if ok.any():
                cost = self._pieces_hours(np.broadcast_to(pts[i], (int(ok.sum()), 2)), pts[cand[ok]], rate)
                ok[ok] = cost <= along[cand[ok]] - along[i] + 1e-9
            return ok

        keep = [0]
        i = 0
        while i < n - 1:
            hi = min(n - 1, i + window)
            ladder = np.unique(np.minimum(i + 2 ** np.arange(1, 11), hi))
            ok = good(i, ladder)
            if not ok.any():
                nxt = i + 1
            else:
                best = int(np.flatnonzero(ok)[-1])
                lo_j, hi_j = int(ladder[best]), int(ladder[best + 1]) if best + 1 < len(ladder) else int(ladder[best])
                while hi_j - lo_j > 1:
                    mid = np.unique(np.linspace(lo_j, hi_j, 10).astype(np.int64)[1:-1])
                    mid = mid[(mid > lo_j) & (mid < hi_j)]
                    if not len(mid):
                        break
                    m_ok = good(i, mid)
                    if m_ok.any():
                        k = int(np.flatnonzero(m_ok)[-1])
                        lo_j = int(mid[k])
                        hi_j = int(mid[k + 1]) if k + 1 < len(mid) else hi_j
                    else:
                        hi_j = int(mid[0])
                nxt = lo_j
            keep.append(nxt)
            i = nxt
        return pts[keep]


def path_to(pred: npt.NDArray[np.int32], src: int, dst: int) -> IntArray:
    """The node path ``src -> dst`` from a predecessor array of scipy's shortest-path routines."""
    path = [dst]
    while path[-1] != src:
        prev = int(pred[path[-1]])
        if prev < 0:
            raise GeoInputError("dst: not reachable from src")
        path.append(prev)
    return np.asarray(path[::-1], dtype=np.int64)


def lines_on_land(
    lines: Iterable[shapely.LineString], land: gpd.GeoDataFrame, *, reach_m: float = HARBOUR_REACH_M
) -> list[int]:
    """Indices of the lines (lon/lat) that touch land anywhere but within ``reach_m`` of their two ends; the
    check the acceptance tests and the corridor builder run against the full-resolution mask."""
    index = LandIndex(land)
    bad = []
    for k, line in enumerate(lines):
        coords = shapely.get_coordinates(line)
        xy = to_metric(coords)
        metric = shapely.LineString(xy)
        ends = shapely.union_all(shapely.buffer(shapely.points(xy[[0, -1]]), reach_m))
        if index.intersects(np.array([shapely.difference(metric, ends)]))[0]:
            bad.append(k)
    return bad


__all__ = [
    "BOAT_CLASSES",
    "GraphParams",
    "LandIndex",
    "Route",
    "Router",
    "SeaGraph",
    "build_sea_graph",
    "detection_rate",
    "lines_on_land",
    "load_or_build",
    "path_to",
    "to_metric",
]
