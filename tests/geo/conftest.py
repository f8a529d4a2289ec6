"""Fixtures of the geo tests: a toy sea graph and router (fast, exact), and the real sea graph built once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from tests import shared

_TO_LONLAT = Transformer.from_crs("EPSG:23837", "EPSG:4326", always_xy=True)
_TO_METRIC = Transformer.from_crs("EPSG:4326", "EPSG:23837", always_xy=True)
KNOT_M = 1852.0


@dataclass(frozen=True, eq=False)
class ToyGraph:
    """The fields of geo.seagraph.SeaGraph that corridors read: a 1 km grid of sea nodes around one island."""

    xy: np.ndarray
    edges: np.ndarray
    edge_m: np.ndarray
    version: str = "toy"

    def lonlat(self) -> np.ndarray:
        return np.column_stack(_TO_LONLAT.transform(self.xy[:, 0], self.xy[:, 1]))


@dataclass(frozen=True)
class ToyRoute:
    line: shapely.LineString
    hours: float
    distance_km: float


class ToyRouter:
    """geo.seagraph.Router's corridor-facing methods over a ToyGraph: perahu 6 kn, every other class 12 kn;
    ``closed`` maps (boat, season) to a boolean mask of closed edges."""

    def __init__(self, graph: ToyGraph, closed: dict[tuple[str, str], np.ndarray] | None = None) -> None:
        self.graph = graph
        self.closed = closed or {}

    def hours(self, boat: str, season: str, *, avoid: Any = None) -> np.ndarray:
        h = self.graph.edge_m / ((6.0 if boat == "perahu" else 12.0) * KNOT_M)
        mask = self.closed.get((boat, season))
        return np.where(mask, np.inf, h) if mask is not None else h

    def snap(self, lonlat: np.ndarray, *, names: Any = None) -> np.ndarray:
        lonlat = np.asarray(lonlat, dtype=float).reshape(-1, 2)
        xy = np.column_stack(_TO_METRIC.transform(lonlat[:, 0], lonlat[:, 1]))
        return np.asarray(cKDTree(self.graph.xy).query(xy)[1], dtype=np.int64)

    def route(
        self, *, origin: tuple[float, float], destination: tuple[float, float], boat: str, season: str
    ) -> ToyRoute:
        a, b = self.snap(np.array([origin, destination]))
        h = self.hours(boat, season)
        ok = np.isfinite(h)
        e, n = self.graph.edges[ok], len(self.graph.xy)
        g = coo_matrix((np.r_[h[ok], h[ok]], (np.r_[e[:, 0], e[:, 1]], np.r_[e[:, 1], e[:, 0]])), shape=(n, n)).tocsr()
        dist, pred = dijkstra(g, indices=int(a), return_predecessors=True)
        path = [int(b)]
        while path[-1] != a:
            path.append(int(pred[path[-1]]))
        xy = self.graph.xy[path[::-1]]
        return ToyRoute(
            shapely.LineString(self.graph.lonlat()[path[::-1]]),
            float(dist[b]),
            float(np.hypot(*np.diff(xy, axis=0).T).sum() / 1000),
        )


@dataclass(frozen=True)
class ToyWorld:
    graph: ToyGraph
    land: shapely.Polygon  # metric
    islands: gpd.GeoDataFrame  # EPSG:4326
    places: gpd.GeoDataFrame  # EPSG:4326: "west" and "east" at the grid's corners


@pytest.fixture(scope="session")
def toy_world() -> ToyWorld:
    """A 40 x 40 km sea (1 km grid, 8 neighbours) near 114.5 E, 7.1 S with a 16 km square island in the middle."""
    x0, y0, size, cell = 113_000.0, 692_000.0, 40, 1000.0
    land = shapely.box(x0 + 12_000, y0 + 12_000, x0 + 28_000, y0 + 28_000)
    ii, jj = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
    xy = np.column_stack([x0 + ii.ravel() * cell, y0 + jj.ravel() * cell])
    idx = np.arange(size * size).reshape(size, size)
    pairs = np.vstack(
        [
            np.column_stack([a.ravel(), b.ravel()])
            for a, b in (
                (idx[:-1, :], idx[1:, :]),
                (idx[:, :-1], idx[:, 1:]),
                (idx[:-1, :-1], idx[1:, 1:]),
                (idx[:-1, 1:], idx[1:, :-1]),
            )
        ]
    )
    sea = ~shapely.intersects_xy(land, xy[:, 0], xy[:, 1])
    pairs = pairs[sea[pairs[:, 0]] & sea[pairs[:, 1]]]
    pairs = pairs[~shapely.intersects(shapely.linestrings(np.stack([xy[pairs[:, 0]], xy[pairs[:, 1]]], axis=1)), land)]
    keep = np.unique(pairs)
    remap = np.full(len(xy), -1)
    remap[keep] = np.arange(len(keep))
    xy, pairs = xy[keep], np.sort(remap[pairs], axis=1)
    graph = ToyGraph(xy, pairs, np.hypot(*(xy[pairs[:, 1]] - xy[pairs[:, 0]]).T))
    islands = gpd.GeoDataFrame(
        {"code": ["T"], "name": ["Pulau Kotak"], "inhabited": [True]}, geometry=[land], crs="EPSG:23837"
    ).to_crs("EPSG:4326")
    corners = graph.lonlat()[[0, len(xy) - 1]]
    places = gpd.GeoDataFrame({"slug": ["west", "east"]}, geometry=shapely.points(corners), crs="EPSG:4326")
    return ToyWorld(graph, land, islands, places)


@pytest.fixture(scope="session")
def toy_router(toy_world: ToyWorld) -> ToyRouter:
    return ToyRouter(toy_world.graph)


# -- the real sea graph, built once per test session ------------------------------------------------------------


@pytest.fixture(scope="session")
def sea_graph(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The sea graph of the committed data/routes (geo.seagraph.load_or_build), built once per test run (across
    workers: tests/shared.py) into the run's temporary folder ``seagraph``, where the database tests' ``sea_graph``
    finds it too."""
    return shared.sea_graph(pytestconfig, tmp_path_factory)


@pytest.fixture(scope="session")
def sea_router(sea_graph: Any) -> Any:
    from geo import seagraph

    return seagraph.Router(sea_graph)


@pytest.fixture(scope="session")
def sumenep_segments() -> gpd.GeoDataFrame:
    from pathlib import Path

    from geo.segmentation import segment_coast

    data = Path(__file__).resolve().parents[2] / "data"
    islands = gpd.read_file(data / "sumenep_islands.geojson")
    return segment_coast(islands, land_boundaries=gpd.read_file(data / "land_boundaries.geojson"))


@pytest.fixture(scope="session")
def sumenep_corridors(
    pytestconfig: pytest.Config,
    tmp_path_factory: pytest.TempPathFactory,
    sea_router: Any,
    sumenep_segments: gpd.GeoDataFrame,
) -> Any:
    """Corridors of the committed flows on the real graph (every flow x route season x boat class), built once per
    run (across workers: tests/shared.py)."""
    from geo import routedata
    from geo.corridors import build_corridors

    def build() -> Any:
        return build_corridors(sea_router, routedata.load_places(), routedata.load_flows(), segments=sumenep_segments)

    return shared.made_once(pytestconfig, tmp_path_factory, "sumenep-corridors", build)


@pytest.fixture(scope="session")
def sumenep() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The committed islands, the harbours (points) and the land boundaries, as the synthetic worlds take them."""
    from pathlib import Path

    import pandas as pd

    data = Path(__file__).resolve().parents[2] / "data"
    isl = gpd.read_file(data / "sumenep_islands.geojson")
    hb = pd.read_csv(data / "harbours.csv")
    hb = gpd.GeoDataFrame(hb, geometry=gpd.points_from_xy(hb.lon, hb.lat), crs="EPSG:4326")
    return isl, hb, gpd.read_file(data / "land_boundaries.geojson")
