"""Sea routes: the sea graph's size and build time, the full corridor rebuild, single-route latency, and the corridor
computation done the obvious way (networkx, one shortest-path query at a time) in the same run.

1. **Graph**: a fresh ``geo.seagraph.load_or_build`` into a temporary directory (nodes, edges, seconds).
2. **Corridors**: ``geo.corridors.build_corridors`` over every flow x route season x boat class of
   ``data/routes/flows.csv`` for Sumenep's coastal segments (seconds, against the 2-minute target).
3. **Routes**: ``Router.route`` between random pairs of places (``--routes``, default 300; random boat class and
   route season), latency p50 and p99 (the first call per boat and season builds its cost matrix and counts).
4. **The obvious way**: the same corridor computation as a networkx user writes it: per route season, boat class
   and draw, a ``networkx.Graph`` with that draw's edge hours, then one ``nx.single_source_dijkstra`` query per
   (origin, destination) pair — for a flow to or from ``sumenep-coast``, one per landing node, since the
   landing choice needs the time to each. Doing all of it would take hours, so ``--graphs`` graphs (default 3,
   spread over the list) are built and timed and ``--sample`` queries (default 30, spread over those graphs'
   queries) are timed on them; the total is extrapolated: the mean query time x the number of queries, plus
   the mean graph build time x the number of graphs. For reference it also times the kinder networkx way, one
   full shortest-path tree per origin and graph serving all that origin's destinations. Traffic accumulation
   and exposure are left out of the obvious way's time, which favours it.

Prints figures and the speed ratio; asserts nothing. Needs the ``bench`` group (networkx):
``.tools/bin/uv sync --frozen --group bench && .venv/bin/python benchmarks/bench_routes.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import routedata, seagraph
from geo.corridors import CorridorParams, build_corridors
from geo.segmentation import segment_coast
from geo.vocabulary import BOAT_CLASSES, ROUTE_SEASONS, SUMENEP_COAST

try:
    import networkx as nx
except ImportError:  # the obvious way's library is in the bench group only
    raise SystemExit(
        "error: networkx is not installed; run `.tools/bin/uv sync --frozen --group bench && touch .venv/.synced` first"
    ) from None

DATA = Path(__file__).resolve().parents[1] / "data"


def say(message: str) -> None:
    print(message, flush=True)


def segments() -> gpd.GeoDataFrame:
    islands = gpd.read_file(DATA / "sumenep_islands.geojson")
    return segment_coast(islands, land_boundaries=gpd.read_file(DATA / "land_boundaries.geojson"))


def graph_build() -> tuple[seagraph.SeaGraph, float]:
    with tempfile.TemporaryDirectory(prefix="bench-routes-") as tmp:
        t = time.perf_counter()
        graph = seagraph.load_or_build(tmp)
        return graph, time.perf_counter() - t


def route_latency(router: seagraph.Router, places: gpd.GeoDataFrame, n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    ll = shapely.get_coordinates(places.to_crs("EPSG:4326").geometry.array)
    out = []
    for _ in range(n):
        a, b = rng.choice(len(ll), size=2, replace=False)
        boat, season = str(rng.choice(BOAT_CLASSES)), str(rng.choice(ROUTE_SEASONS))
        t = time.perf_counter()
        router.route(tuple(ll[a]), tuple(ll[b]), boat=boat, season=season)
        out.append(time.perf_counter() - t)
    return np.asarray(out)


def obvious_queries(
    router: seagraph.Router, places: gpd.GeoDataFrame, flows: pd.DataFrame, seg: gpd.GeoDataFrame, p: CorridorParams
) -> tuple[list[tuple[str, str, int, int, int]], int]:
    """Every (season, boat, draw, source, target) query the obvious way makes, and the number of graphs it builds."""
    graph = router.graph
    mids = seg.to_crs("EPSG:23837").geometry.interpolate(0.5, normalized=True)
    d, node = graph.tree.query(shapely.get_coordinates(mids.array), k=1)
    land_nodes = np.unique(node[d <= p.landing_max_m])
    slugs = places["slug"].astype(str).tolist()
    snapped = dict(zip(slugs, router.snap(shapely.get_coordinates(places.geometry.array), names=slugs), strict=True))
    queries, graphs = [], set()
    for r in flows.itertuples(index=False):
        boats = r.boats if not isinstance(r.boats, str) else tuple(r.boats.split("|"))
        seasons = r.seasons if not isinstance(r.seasons, str) else tuple(r.seasons.split("|"))
        seasons = ROUTE_SEASONS if tuple(seasons) == ("all",) else seasons
        for season in seasons:
            for boat in boats:
                for draw in range(p.draws):
                    graphs.add((season, boat, draw))
                    if SUMENEP_COAST in (r.origin, r.destination):
                        src = snapped[r.destination if r.origin == SUMENEP_COAST else r.origin]
                        queries += [(season, boat, draw, int(src), int(t)) for t in land_nodes]
                    else:
                        queries.append((season, boat, draw, int(snapped[r.origin]), int(snapped[r.destination])))
    return queries, len(graphs)


def nx_graph(router: seagraph.Router, season: str, boat: str, noise: np.ndarray) -> nx.Graph:
    hours = router.hours(boat, season) * noise
    e = router.graph.edges
    ok = np.isfinite(hours)
    g = nx.Graph()
    g.add_weighted_edges_from(zip(e[ok, 0].tolist(), e[ok, 1].tolist(), hours[ok].tolist(), strict=True))
    return g


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routes", type=int, default=300, help="single routes to time (default 300)")
    parser.add_argument("--sample", type=int, default=30, help="obvious-way queries to time (default 30)")
    parser.add_argument("--graphs", type=int, default=3, help="obvious-way graphs to build and time (default 3)")
    args = parser.parse_args()

    say("== sea graph (fresh build into a temporary directory)")
    graph, build_s = graph_build()
    say(f"  nodes {graph.n_nodes:,}, edges {graph.n_edges:,}, built in {build_s:.1f} s (version {graph.version})")

    router = seagraph.Router(graph)
    places, flows, seg = routedata.load_places(), routedata.load_flows(), segments()
    params = CorridorParams()
    say(f"== corridors: {len(flows)} flows, {params.draws} draws, {len(seg):,} segments")
    t = time.perf_counter()
    c = build_corridors(router, places, flows, segments=seg, params=params)
    fast_s = time.perf_counter() - t
    units = len(c.edge_traffic.groupby(["flow", "season"]))
    say(f"  full rebuild {fast_s:.1f} s (target < 120 s): {len(c.lines):,} lines, {units} flow x season traffic sets")

    say(f"== single routes: {args.routes} random place pairs, random boat class and route season")
    lat = route_latency(router, places, args.routes)
    say(
        f"  latency p50 {np.percentile(lat, 50) * 1000:.0f} ms, p99 {np.percentile(lat, 99) * 1000:.0f} ms, "
        f"max {lat.max() * 1000:.0f} ms"
    )

    say("== the obvious way: networkx, one shortest-path query per origin-destination pair")
    queries, n_graphs = obvious_queries(router, places, flows, seg, params)
    from geo.corridors import _noise  # the same draws as build_corridors

    noise = _noise(graph.xy, graph.edges, params)
    keys = sorted({q[:3] for q in queries})
    chosen = [keys[i] for i in np.linspace(0, len(keys) - 1, min(args.graphs, len(keys))).astype(int)]
    build_times, query_times, tree_times = [], [], []
    for key in chosen:
        season, boat, draw = key
        t = time.perf_counter()
        g = nx_graph(router, season, boat, noise[draw])
        build_times.append(time.perf_counter() - t)
        mine = [q for q in queries if q[:3] == key]
        for k in np.linspace(0, len(mine) - 1, min(max(1, args.sample // len(chosen)), len(mine))).astype(int):
            src, dst = mine[k][3], mine[k][4]
            t = time.perf_counter()
            with contextlib.suppress(nx.NetworkXNoPath):  # a closed season: the query still ran to exhaustion
                nx.single_source_dijkstra(g, src, dst, weight="weight")
            query_times.append(time.perf_counter() - t)
        # A kinder baseline: one networkx tree per origin serving all its destinations (what build_corridors does
        # with scipy, minus the batching of origins, draws and flows).
        t = time.perf_counter()
        nx.single_source_dijkstra_path_length(g, mine[0][3], weight="weight")
        tree_times.append(time.perf_counter() - t)
    est = float(np.mean(query_times)) * len(queries) + float(np.mean(build_times)) * n_graphs
    say(
        f"  {len(queries):,} queries on {n_graphs} graphs; timed {len(query_times)} queries on {len(chosen)} graphs: "
        f"query {np.mean(query_times) * 1000:.0f} ms, graph {np.mean(build_times):.2f} s on average"
    )
    say(f"  EXTRAPOLATED total {est:,.0f} s ({est / 3600:.1f} h)")
    say(f"== speed ratio (obvious / build_corridors): {est / fast_s:,.0f}x")
    trees = len({q[:4] for q in queries})
    kind_est = float(np.mean(tree_times)) * trees + float(np.mean(build_times)) * n_graphs
    say(
        f"   for reference, networkx with one full tree per origin and graph ({trees} trees, "
        f"{np.mean(tree_times):.2f} s each): EXTRAPOLATED {kind_est:,.0f} s, ratio {kind_est / fast_s:,.1f}x"
    )


if __name__ == "__main__":
    main()
