"""Sea routes on the real sea graph and the committed tables: water only, narrow waters open, published sailing
times met, seasons that close seas to small boats. The graph is built once per module (a few seconds)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import shapely

from geo import routedata, seagraph
from geo.io import read_layer
from geo.vocabulary import BOAT_CLASSES, ROUTE_SEASONS


@pytest.fixture(scope="module")
def graph(sea_graph) -> seagraph.SeaGraph:
    """The session's sea graph (tests/geo/conftest.py), built once for these tests and the corridors'."""
    return sea_graph


@pytest.fixture(scope="module")
def router(graph) -> seagraph.Router:
    return seagraph.Router(graph)


@pytest.fixture(scope="module")
def land():
    return read_layer(seagraph.LAND_MASK)


REGENCY = set(read_layer("data/harbours.csv")["slug"])
"""The places in Sumenep: the harbours table."""


@pytest.fixture(scope="module")
def places():
    return routedata.load_places().set_index("slug")


def _at(places, slug: str) -> tuple[float, float]:
    p = places.loc[slug].geometry
    return (float(p.x), float(p.y))


def test_the_graph_is_water_only_and_fine_in_the_regency(graph, land):
    index = seagraph.LandIndex(land)
    lines = shapely.linestrings(np.stack([graph.xy[graph.edges[:, 0]], graph.xy[graph.edges[:, 1]]], axis=1))
    assert not index.intersects(lines).any()
    assert not index.intersects(shapely.points(graph.xy)).any()
    assert graph.cell_m.min() == 100.0 and graph.cell_m.max() <= 3200.0
    ll = graph.lonlat()
    assert ll[:, 0].min() < 110.6 and ll[:, 0].max() > 120.4 and ll[:, 1].min() < -9.4 and ll[:, 1].max() > -2.6


def _pairwise_lines(router, places, slugs, combos):
    lines, labels = [], []
    for boat, season in combos:
        for i, origin in enumerate(slugs[:-1]):
            rest = slugs[i + 1 :]
            routes = router.routes_from(_at(places, origin), [_at(places, s) for s in rest], boat=boat, season=season)
            lines += [r.line for r in routes]
            labels += [f"{origin}->{s} {boat} {season}" for s in rest]
    return lines, labels


@pytest.mark.slow
def test_no_route_between_26_places_crosses_land_for_any_boat_or_season(router, places, land):
    # Each unordered pair once (both directions follow the same graph path), every boat class and season: only
    # the first and last 300 m at a harbour may touch the full-resolution mask. 13 places in the regency (its
    # narrow waters) and 13 outside, spread over every province.
    inside = [s for s in places.index if places.loc[s, "province"] == "Jawa Timur" and s in REGENCY][:13]
    outside = list(
        places[~places.index.isin(REGENCY)].sort_values(["province", "slug"]).groupby("province").head(3).index
    )[:13]
    slugs = inside + outside
    assert len(slugs) >= 25
    combos = list(itertools.product(BOAT_CLASSES, ROUTE_SEASONS))
    lines, labels = _pairwise_lines(router, places, slugs, combos)
    assert len(lines) == len(slugs) * (len(slugs) - 1) // 2 * len(combos)
    bad = seagraph.lines_on_land(lines, land)
    assert [labels[k] for k in bad] == []


@pytest.mark.slow
def test_no_route_between_any_two_places_of_the_gazetteer_crosses_land(router, places, land):
    lines, labels = _pairwise_lines(router, places, list(places.index), [("steel_ship", "east"), ("perahu", "west")])
    bad = seagraph.lines_on_land(lines, land)
    assert [labels[k] for k in bad] == []


def test_the_kalianget_talango_crossing_is_short(router, places):
    r = router.route(_at(places, "kalianget"), _at(places, "talango"), boat="perahu", season="east")
    assert r.passable
    assert r.distance_km < 3.0


def test_a_route_among_the_sapeken_islands_stays_in_their_channels(router, places, land):
    # Sapeken harbour to the Paliat side through the islets south-west of it: the route stays among the
    # islands (never more than 3 km from land) and is under 1.5 times the straight line.
    a, b = _at(places, "sapeken"), (115.6450, -7.0350)
    r = router.route(a, b, boat="perahu", season="east")
    straight = seagraph.GEOD.inv(a[0], a[1], b[0], b[1])[2] / 1000
    assert r.distance_km < 1.5 * straight
    assert seagraph.lines_on_land([r.line], land) == []
    coast = shapely.union_all(land.cx[115.55:115.80, -7.15:-6.90].geometry.array)
    assert max(shapely.distance(shapely.Point(p), coast) for p in shapely.get_coordinates(r.line)) < 0.03


@pytest.mark.parametrize("boat", ["speedboat", "steel_ship"])
def test_kalianget_to_kangean_matches_the_published_sailing_time(router, places, boat):
    published = routedata.load_sailing_times()
    row = published[
        (published.origin == "kalianget") & (published.destination == "kangean") & (published.vessel_class == boat)
    ]
    assert len(row) >= 1
    hours = float(row["hours"].iloc[0])
    there = router.route(_at(places, "kalianget"), _at(places, "kangean"), boat=boat, season="transition")
    back = router.route(_at(places, "kangean"), _at(places, "kalianget"), boat=boat, season="transition")
    assert there.passable
    assert abs(there.hours - hours) / hours <= 0.25, (there.hours, hours)
    assert abs(there.hours - back.hours) / there.hours < 0.05


def test_the_west_monsoon_closes_a_sea_to_the_perahu_but_not_to_a_steel_ship(router, places):
    a, b = _at(places, "kalianget"), _at(places, "masalembu")
    ship = router.route(a, b, boat="steel_ship", season="west")
    perahu = router.route(a, b, boat="perahu", season="west")
    assert ship.passable
    assert not perahu.passable
    assert "west monsoon" in perahu.reason and "perahu" in perahu.reason.lower()
    assert router.route(a, b, boat="perahu", season="east").passable


def test_avoiding_monitored_harbours_keeps_further_from_them(router, places):
    harbours = read_layer("data/harbours.csv")
    watched = harbours[harbours["monitored"]]
    points = np.column_stack([watched.geometry.x, watched.geometry.y])
    a, b = _at(places, "jangkar"), _at(places, "dungkek")
    plain = router.route(a, b, boat="speedboat", season="east")
    wary = router.route(a, b, boat="speedboat", season="east", avoid=points)
    kalianget = shapely.Point(_at(places, "kalianget"))

    def exposure(r):  # how much of the route lies within 10 km of a monitored harbour (degrees ~ km / 111)
        near = shapely.union_all(shapely.buffer(shapely.points(points), 0.09))
        return shapely.length(shapely.intersection(r.line, near))

    assert exposure(wary) <= exposure(plain)
    assert wary.hours >= plain.hours * 0.999
    assert shapely.distance(wary.line, kalianget) >= shapely.distance(plain.line, kalianget) - 1e-9
