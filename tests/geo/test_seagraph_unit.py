"""The sea graph's construction on small hand-built worlds: water only, channels resolved, costs and closures."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo import seagraph
from geo.seagraph import GraphParams, LandIndex, Router, build_sea_graph

# Two islands 300 m apart (a channel like the Kalianget-Poteran strait) and open water around them.
WEST = shapely.box(114.000, -7.010, 114.0300, -6.990)
EAST = shapely.box(114.0327, -7.010, 114.0600, -6.990)  # 0.0027 deg ~ 300 m east of WEST
LAND = gpd.GeoDataFrame(geometry=[WEST, EAST], crs="EPSG:4326")
AREAS = gpd.GeoDataFrame(
    {"slug": ["java_sea", "bali_sea"]},
    geometry=[shapely.box(113.9, -7.1, 114.2, -7.0), shapely.box(113.9, -7.0, 114.2, -6.9)],
    crs="EPSG:4326",
)
PARAMS = GraphParams(fine_m=50, coarse_m=50, max_m=800, fine_bounds=(113.9, -7.1, 114.2, -6.9))
BOATS = pd.DataFrame(
    {"cruise_knots": [6.0, 12.0], "max_wave_m": [1.25, 2.5], "name": ["perahu", "steel ship"]},
    index=pd.Index(["perahu", "steel_ship"], name="slug"),
)
STATES = pd.DataFrame(
    [(a, s, w) for a in ("java_sea", "bali_sea") for s, w in (("west", 2.0), ("east", 0.5), ("transition", 0.5))],
    columns=["area", "season", "wave_m"],
).set_index(["area", "season"])
# The mask's extent is the graph's: give the world some sea by adding a far tiny islet at each corner.
CORNERS = [shapely.box(113.9, -7.1, 113.9005, -7.0995), shapely.box(114.1995, -6.9005, 114.2, -6.9)]
WORLD = gpd.GeoDataFrame(geometry=[WEST, EAST, *CORNERS], crs="EPSG:4326")


@pytest.fixture(scope="module")
def graph() -> seagraph.SeaGraph:
    return build_sea_graph(WORLD, AREAS, params=PARAMS)


@pytest.fixture(scope="module")
def router(graph) -> Router:
    return Router(graph, land=WORLD, boats=BOATS, sea_states=STATES, area_names={"java_sea": "Java Sea"})


def _edge_lines(g: seagraph.SeaGraph) -> np.ndarray:
    return shapely.linestrings(np.stack([g.xy[g.edges[:, 0]], g.xy[g.edges[:, 1]]], axis=1))


def test_no_node_or_edge_touches_land(graph):
    index = LandIndex(WORLD)
    assert graph.n_nodes > 100
    assert not index.intersects(shapely.points(graph.xy)).any()
    assert not index.intersects(_edge_lines(graph)).any()


def test_the_300_m_channel_is_open_and_the_route_through_it_short(router):
    # From the channel's north mouth to its south mouth: through the channel (~2.2 km), not around (~7 km).
    north, south = (114.0313, -6.9880), (114.0313, -7.0120)
    r = router.route(north, south, boat="perahu", season="east")
    assert r.passable
    assert r.distance_km < 3.0
    assert seagraph.lines_on_land([r.line], WORLD) == []


def test_save_and_load_give_the_same_graph(graph, tmp_path):
    back = seagraph.SeaGraph.load(graph.save(tmp_path / "g.npz"))
    assert back.version == graph.version
    assert np.array_equal(back.edges, graph.edges) and np.allclose(back.xy, graph.xy)
    assert back.area_slugs == graph.area_slugs


def test_a_sea_above_the_boats_limit_is_closed_and_the_reason_named(router):
    a, b = (114.0150, -7.0200), (114.0450, -7.0200)  # both in the java_sea box (south of the islands)
    perahu = router.route(a, b, boat="perahu", season="west")
    ship = router.route(a, b, boat="steel_ship", season="west")
    assert ship.passable and ship.reason is None
    assert not perahu.passable
    assert "Java Sea" in perahu.reason and "west monsoon" in perahu.reason and "1.25 m" in perahu.reason
    # In the east monsoon the same perahu sails, and a heavier sea slows it.
    calm = router.route(a, b, boat="perahu", season="east")
    assert calm.passable and calm.hours < perahu.hours


def test_routes_are_symmetric(router):
    a, b = (113.95, -7.05), (114.10, -6.95)
    there = router.route(a, b, boat="steel_ship", season="east")
    back = router.route(b, a, boat="steel_ship", season="east")
    assert abs(there.hours - back.hours) / there.hours < 0.05


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"origin": (114.015, -7.0), "destination": (114.1, -6.95)}, "origin: 114.01500,-7.00000 lies on land"),
        ({"origin": (114.1, -6.95), "destination": (114.015, -7.0)}, "destination: 114.01500,-7.00000 lies on land"),
        ({"origin": (114.1, -6.95), "destination": (114.1, -6.95)}, "destination: must differ from origin"),
        ({"origin": (114.1, -6.95), "destination": (120.0, -6.95)}, "destination: 120.00000,-6.95000 lies outside"),
        ({"origin": (114.1, -6.95), "destination": (114.1, -6.92), "boat": "canoe"}, "boat: must be one of"),
        ({"origin": (114.1, -6.95), "destination": (114.1, -6.92), "season": "summer"}, "season: must be one of"),
    ],
)
def test_bad_input_names_the_parameter(router, kwargs, message):
    args = {"boat": "perahu", "season": "east", **kwargs}
    with pytest.raises(ValueError, match=message.replace(".", r"\.").replace("(", r"\(")):
        router.route(args.pop("origin"), args.pop("destination"), **args)


def test_avoiding_a_monitored_point_costs_time_but_keeps_clear(router):
    a, b = (113.95, -7.02), (114.10, -7.02)
    plain = router.route(a, b, boat="steel_ship", season="east")
    watch = np.array([[114.03, -7.02]])
    wary = router.route(a, b, boat="steel_ship", season="east", avoid=watch)
    closest = lambda r: float(shapely.distance(r.line, shapely.Point(114.03, -7.02)))  # noqa: E731
    assert closest(wary) > closest(plain)
    assert wary.avoid == "monitored"


def test_concurrent_routes_give_the_serial_answers(graph):
    # The web service asks one Router from several threads; a fresh router builds its cost matrices under load.
    from concurrent.futures import ThreadPoolExecutor

    a, b = (113.95, -7.05), (114.10, -6.95)
    jobs = [(boat, season) for boat in ("perahu", "steel_ship") for season in ("west", "east", "transition")] * 4
    serial = Router(graph, land=WORLD, boats=BOATS, sea_states=STATES, area_names={})
    expected = {job: serial.route(a, b, boat=job[0], season=job[1]).hours for job in set(jobs)}
    shared = Router(graph, land=WORLD, boats=BOATS, sea_states=STATES, area_names={})
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda job: (job, shared.route(a, b, boat=job[0], season=job[1]).hours), jobs))
    assert all(hours == pytest.approx(expected[job]) for job, hours in got)
