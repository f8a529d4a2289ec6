"""Corridors from flows (geo.corridors) and the corridor_exposure factor: on a toy graph, where every number can
be worked out, and on the real sea graph of Sumenep's waters."""

from __future__ import annotations

from datetime import UTC, datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import geo.corridors as corridors
from geo.corridors import EXPOSURE_COLUMNS, CorridorParams, build_corridors, ferry_routes
from geo.factors import FACTORS, FactorInputs, compute_factors, corridor_exposure, lanes_frame
from geo.segmentation import segment_coast

from .conftest import ToyRouter, ToyWorld

CUTOFF = datetime(2025, 1, 1, tzinfo=UTC)


def _flows(rows: list[tuple[str, str, str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["origin", "destination", "kind", "boats", "seasons", "weight"])


TOY_FLOWS = _flows(
    [
        ("west", "sumenep-coast", "landing", "perahu", "all", 2.0),
        ("west", "east", "landing", "perahu|speedboat", "west", 1.0),
        ("sumenep-coast", "east", "tppo", "perahu", "west|east", 1.5),
    ]
)


@pytest.fixture(scope="module")
def toy_segments(toy_world: ToyWorld) -> gpd.GeoDataFrame:
    return segment_coast(toy_world.islands, length_m=500)


@pytest.fixture(scope="module")
def toy(toy_world: ToyWorld, toy_router: ToyRouter, toy_segments: gpd.GeoDataFrame) -> corridors.Corridors:
    return build_corridors(toy_router, toy_world.places, TOY_FLOWS, segments=toy_segments)


def _incident_traffic(c: corridors.Corridors, graph, node: int, flow: int, season: str) -> float:
    touching = np.flatnonzero((graph.edges[:, 0] == node) | (graph.edges[:, 1] == node))
    rows = c.edge_traffic[(c.edge_traffic.flow == flow) & (c.edge_traffic.season == season)]
    return float(rows[rows.edge.isin(touching)].traffic.sum())


# --------------------------------------------------------------------------------------------------- toy graph


def test_exposure_has_a_column_per_kind_and_route_season_indexed_by_segment_id(toy, toy_segments):
    assert list(toy.exposure.columns) == list(EXPOSURE_COLUMNS)
    assert EXPOSURE_COLUMNS == (
        "landing:west",
        "landing:east",
        "landing:transition",
        "tppo:west",
        "tppo:east",
        "tppo:transition",
    )
    assert list(toy.exposure.index) == list(toy_segments["id"])
    assert list(toy.landing.index) == list(toy_segments["id"])
    assert (toy.exposure >= 0).all().all()
    # No tppo flow sails in the transition months: nothing there; everything else has traffic.
    assert (toy.exposure["tppo:transition"] == 0).all()
    assert (toy.exposure.drop(columns="tppo:transition").sum() > 0).all()


def test_traffic_adds_up(toy, toy_world, toy_router):
    graph = toy_world.graph
    west, east = toy_router.snap(shapely.get_coordinates(toy_world.places.geometry.array))
    # A place-to-place flow: everything that leaves its origin arrives at its destination (both boat classes).
    assert _incident_traffic(toy, graph, west, 2, "west") == pytest.approx(1.0)
    assert _incident_traffic(toy, graph, east, 2, "west") == pytest.approx(1.0)
    # A flow to the coast leaves its origin whole and lands whole: the landing choice sums to its weight.
    for season in ("west", "east", "transition"):
        assert _incident_traffic(toy, graph, west, 1, season) == pytest.approx(2.0)
        assert toy.landing[f"landing:{season}"].sum() == pytest.approx(2.0)
    # A departure from the coast arrives whole at its destination.
    assert _incident_traffic(toy, graph, east, 3, "east") == pytest.approx(1.5)
    assert toy.landing["tppo:east"].sum() == pytest.approx(1.5)
    assert toy.unserved == ()


def test_boats_land_on_the_coast_facing_their_origin(toy, toy_segments):
    # The origin lies off the island's south-west corner: its boats land mostly on the west and south shores.
    land = toy.landing["landing:east"].to_numpy()
    bearing = toy_segments["seaward_bearing"].to_numpy()
    facing = (bearing > 150) & (bearing < 300)
    assert land[facing].sum() > 0.8 * land.sum()
    # ... and more than one landing place is used: the choice spreads.
    assert (land > 0.01 * land.sum()).sum() >= 5
    # Exposure follows: higher on the shores facing the origin.
    exp = toy.exposure["landing:east"].to_numpy()
    assert exp[facing].mean() > 2 * exp[~facing].mean()


def test_randomised_costs_use_more_than_one_way_round_the_island(toy_world, toy_router, toy_segments):
    # From one corner to the opposite one the two ways round the square island take the same time: the draws
    # must send traffic both ways, where a single least-time path would pick one.
    c = build_corridors(toy_router, toy_world.places, TOY_FLOWS.iloc[[1]], segments=toy_segments)
    rows = c.edge_traffic
    mid = (
        toy_world.graph.xy[toy_world.graph.edges[rows.edge, 0]]
        + toy_world.graph.xy[toy_world.graph.edges[rows.edge, 1]]
    ) / 2
    centre = np.array(toy_world.land.centroid.coords[0])
    above = (mid[:, 1] - centre[1]) > (mid[:, 0] - centre[0])  # north-west of the diagonal
    share_nw = rows.traffic[above].sum() / rows.traffic.sum()
    assert 0.1 < share_nw < 0.9


def test_corridor_lines_stay_at_sea_and_carry_their_traffic(toy, toy_world):
    lines = toy.lines
    assert list(lines.columns) == ["risk_kind", "season", "traffic", "flows", "geometry"]
    assert lines.crs.to_epsg() == 4326 and (lines.geom_type == "LineString").all()
    assert not lines.to_crs("EPSG:23837").intersects(toy_world.land).any()
    assert (lines.traffic > 0).all()
    # A line's traffic is the length-weighted mean of its edges': traffic x length adds up to the edges' own,
    # over the edges that carry at least 1 % of the season's flow weight (flows 1 and 2: 3.0).
    west_lines = lines[(lines.risk_kind == "landing") & (lines.season == "west")].to_crs("EPSG:23837")
    rows = toy.edge_traffic[(toy.edge_traffic.risk_kind == "landing") & (toy.edge_traffic.season == "west")]
    per_edge = rows.groupby("edge").traffic.sum()
    per_edge = per_edge[per_edge >= 0.01 * 3.0]
    expected = float((per_edge * toy_world.graph.edge_m[per_edge.index]).sum())
    assert float((west_lines.traffic * west_lines.length).sum()) == pytest.approx(expected, rel=1e-6)
    assert set(",".join(lines.flows).split(",")) == {"1", "2", "3"}


def test_a_season_a_boat_cannot_sail_is_reported_and_carries_nothing(toy_world, toy_segments):
    closed = {("perahu", "west"): np.ones(len(toy_world.graph.edges), dtype=bool)}
    c = build_corridors(ToyRouter(toy_world.graph, closed), toy_world.places, TOY_FLOWS, segments=toy_segments)
    assert c.unserved == ((1, "west", "perahu"), (2, "west", "perahu"), (3, "west", "perahu"))
    assert (c.exposure["tppo:west"] == 0).all()
    west, _ = ToyRouter(toy_world.graph).snap(shapely.get_coordinates(toy_world.places.geometry.array))
    assert _incident_traffic(c, toy_world.graph, west, 2, "west") == pytest.approx(0.5)  # the speedboat's half


def test_the_same_inputs_give_the_same_corridors(toy, toy_world, toy_router, toy_segments):
    again = build_corridors(toy_router, toy_world.places, TOY_FLOWS, segments=toy_segments)
    pd.testing.assert_frame_equal(again.exposure, toy.exposure)
    other = build_corridors(
        toy_router, toy_world.places, TOY_FLOWS, segments=toy_segments, params=CorridorParams(seed=1)
    )
    assert not np.allclose(other.exposure.to_numpy(), toy.exposure.to_numpy())


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (("atlantis", "east", "landing", "perahu", "all", 1.0), r"row 1 \(origin\): unknown place 'atlantis'"),
        (("west", "east", "piracy", "perahu", "all", 1.0), r"row 1 \(kind\)"),
        (("west", "east", "landing", "canoe", "all", 1.0), r"row 1 \(boats\)"),
        (("west", "east", "landing", "perahu", "summer", 1.0), r"row 1 \(seasons\)"),
        (("west", "east", "landing", "perahu", "all", 0.0), r"row 1 \(weight\)"),
        (("west", "west", "landing", "perahu", "all", 1.0), r"row 1 \(destination\): must differ"),
        (("sumenep-coast", "sumenep-coast", "tppo", "perahu", "all", 1.0), r"row 1 \(destination\)"),
    ],
)
def test_bad_flows_are_refused_naming_row_and_column(toy_world, toy_router, toy_segments, row, message):
    with pytest.raises(ValueError, match=message):
        build_corridors(toy_router, toy_world.places, _flows([row]), segments=toy_segments)


def test_bad_arguments_are_refused(toy_world, toy_router, toy_segments):
    with pytest.raises(ValueError, match="segments: missing required column"):
        build_corridors(toy_router, toy_world.places, TOY_FLOWS, segments=toy_segments.drop(columns="id"))
    with pytest.raises(ValueError, match="places: missing required column slug"):
        build_corridors(toy_router, toy_world.places.drop(columns="slug"), TOY_FLOWS, segments=toy_segments)
    with pytest.raises(ValueError, match="router"):
        build_corridors(object(), toy_world.places, TOY_FLOWS, segments=toy_segments)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="params.draws"):
        CorridorParams(draws=0)


def test_ferry_routes_follow_the_graph(toy_world, toy_router):
    ferries = pd.DataFrame({"route": ["w-e"], "name": ["West-East"], "from": ["west"], "to": ["east"]})
    lines = ferry_routes(toy_router, toy_world.places, ferries)
    assert list(lines.columns) == ["route", "name", "from_slug", "to_slug", "hours", "distance_km", "geometry"]
    assert not lines.to_crs("EPSG:23837").intersects(toy_world.land).any()
    assert lines.hours.iloc[0] > 0 and lines.distance_km.iloc[0] > 40 * np.sqrt(2) * 0.99
    with pytest.raises(ValueError, match=r"ferries: row 1 \(to\): unknown place 'nowhere'"):
        ferry_routes(toy_router, toy_world.places, ferries.assign(to="nowhere"))


# ---------------------------------------------------------------------------------------------------- the factor


def test_corridor_exposure_factor_by_season(toy, toy_segments):
    annual = corridor_exposure(toy_segments, toy.exposure, kind="landing")
    west = corridor_exposure(toy_segments, toy.exposure, kind="landing", season="west")
    east = corridor_exposure(toy_segments, toy.exposure, kind="landing", season="east")
    for f in (annual, west, east):
        assert f.between(0, 1).all() and f.index.equals(toy_segments.index) and f.std() > 0
    # The west monsoon adds flow 2 to flow 1: more exposure than the east monsoon, never less.
    assert (west >= east - 1e-12).all() and (west > east + 1e-6).any()
    # tppo sails in two route seasons of three: its annual mean is 2/3 of either monsoon's.
    raw = toy.exposure
    tp = corridor_exposure(toy_segments, raw.assign(**{"tppo:west": raw["tppo:east"]}), kind="tppo", season="west")
    tp_annual = corridor_exposure(toy_segments, raw, kind="tppo")
    assert (tp > tp_annual).any()
    assert (corridor_exposure(toy_segments, None, kind="tppo", season="east") == 0).all()


def test_corridor_exposure_needs_every_segment(toy, toy_segments):
    with pytest.raises(ValueError, match="corridors: no exposure for 1 segment"):
        corridor_exposure(toy_segments, toy.exposure.iloc[1:], kind="landing")
    with pytest.raises(ValueError, match="corridors: missing column"):
        corridor_exposure(toy_segments, toy.exposure.drop(columns="tppo:east"), kind="tppo")
    # Order does not matter: the frame is read by segment id.
    shuffled = toy.exposure.sample(frac=1.0, random_state=1)
    pd.testing.assert_series_equal(
        corridor_exposure(toy_segments, shuffled, kind="landing"),
        corridor_exposure(toy_segments, toy.exposure, kind="landing"),
    )


def test_compute_factors_carries_corridor_exposure(toy, toy_world, toy_segments):
    none = gpd.GeoDataFrame(
        {
            "monitored": [],
            "kind": [],
            "occurred_start": [],
            "direction": [],
            "suspicion_flags": [],
            "observed_start": [],
        },
        geometry=[],
        crs="EPSG:4326",
    )
    inputs = FactorInputs(toy_world.islands, none, none, none, none)
    without = compute_factors(toy_segments, inputs, kind="landing", cutoff=CUTOFF)
    assert (
        list(without.columns) == list(FACTORS)
        and FACTORS.index("corridor_exposure") == FACTORS.index("ferry_exposure") + 1
    )
    assert (without["corridor_exposure"] == 0).all()
    inputs = FactorInputs(toy_world.islands, none, none, none, none, corridors=toy.exposure)
    f = compute_factors(toy_segments, inputs, kind="landing", cutoff=CUTOFF, season="west")
    pd.testing.assert_series_equal(
        f["corridor_exposure"], corridor_exposure(toy_segments, toy.exposure, kind="landing", season="west")
    )


def test_lanes_frame_takes_the_real_ferry_routes(toy_world, toy_router):
    ferries = ferry_routes(
        toy_router,
        toy_world.places,
        pd.DataFrame({"route": ["w-e"], "name": ["West-East"], "from": ["west"], "to": ["east"]}),
    )
    lanes = lanes_frame(ferries=ferries)
    assert (lanes.kind == "ferry").sum() == 1 and (lanes.kind == "shipping").sum() == 2
    assert lanes[lanes.kind == "ferry"].geometry.iloc[0].equals(ferries.geometry.iloc[0])


# ------------------------------------------------------------------------------------------- the real sea graph


def _crossing_land(lines: gpd.GeoSeries, land_index, *, ends_m: float) -> list[int]:
    """Rows of ``lines`` (EPSG:4326) that touch land anywhere but within ``ends_m`` of their two ends."""
    metric = lines.to_crs("EPSG:23837").geometry.array
    if ends_m > 0:
        first = shapely.get_point(metric, 0)
        last = shapely.get_point(metric, -1)
        metric = shapely.difference(metric, shapely.union(shapely.buffer(first, ends_m), shapely.buffer(last, ends_m)))
    return np.flatnonzero(land_index.intersects(np.asarray(metric))).tolist()


@pytest.fixture(scope="module")
def land_index():
    from geo import seagraph
    from geo.io import read_layer

    return seagraph.LandIndex(read_layer(seagraph.LAND_MASK))


@pytest.fixture(scope="module")
def flows():
    from geo import routedata

    return routedata.load_flows()


@pytest.mark.slow
def test_no_corridor_line_touches_land(sumenep_corridors, land_index):
    lines = sumenep_corridors.lines
    assert len(lines) > 100 and set(lines.risk_kind) == {"landing", "tppo"}
    # Corridor lines are chains of sea-graph edges, with no connector to a quay: not even their ends may touch.
    assert _crossing_land(lines.geometry, land_index, ends_m=0.0) == []
    # The check can fail: a straight line between two places across Madura does.
    across = gpd.GeoSeries([shapely.LineString([(113.94, -7.06), (113.80, -6.90)])], crs="EPSG:4326")
    assert _crossing_land(across, land_index, ends_m=300.0) == [0]


@pytest.mark.slow
def test_real_exposure_columns_index_and_coast_flows(sumenep_corridors, sumenep_segments, flows):
    c = sumenep_corridors
    assert list(c.exposure.columns) == list(EXPOSURE_COLUMNS)
    assert list(c.exposure.index) == list(sumenep_segments["id"])
    assert np.isfinite(c.exposure.to_numpy()).all() and (c.exposure.to_numpy() >= 0).all()
    unserved = {(f, s, b) for f, s, b in c.unserved}
    for kind in ("landing", "tppo"):
        for season in ("west", "east", "transition"):
            # What the 'any Sumenep coast' flows served lands (or leaves) on the coast, exactly.
            served = 0.0
            for i, r in enumerate(flows.itertuples(index=False), start=1):
                if r.kind == kind and season in r.seasons and "sumenep-coast" in (r.origin, r.destination):
                    served += r.weight * sum((i, season, b) not in unserved for b in r.boats) / len(r.boats)
            assert c.landing[f"{kind}:{season}"].sum() == pytest.approx(served, rel=1e-9)
            assert served > 0
            # ... and it spreads: no single segment takes a tenth of it.
            assert c.landing[f"{kind}:{season}"].max() < 0.1 * served
            col = c.exposure[f"{kind}:{season}"]
            assert (col > 0).mean() > 0.95  # corridors reach nearly the whole coast, unevenly
            assert col.quantile(0.9) > 3 * col.quantile(0.1)


@pytest.mark.slow
def test_real_traffic_adds_up_for_a_place_to_place_flow(sumenep_corridors, sea_router, flows):
    from geo import routedata

    c = sumenep_corridors
    graph = sea_router.graph
    places = routedata.load_places().set_index("slug")
    unserved = set(c.unserved)
    for i, r in enumerate(flows.itertuples(index=False), start=1):
        if "sumenep-coast" in (r.origin, r.destination):
            continue
        node = int(sea_router.snap(shapely.get_coordinates(places.loc[[r.origin]].geometry.array))[0])
        for season in r.seasons:
            served = r.weight * sum((i, season, b) not in unserved for b in r.boats) / len(r.boats)
            assert _incident_traffic(c, graph, node, i, season) == pytest.approx(served, rel=1e-9)


@pytest.mark.slow
def test_real_seasons_matter(sumenep_corridors):
    # Some small boats do not sail some seas in some seasons: the builder reports them, and the west monsoon
    # (rough Java Sea) carries less landing traffic than the transition months.
    assert any(b in ("perahu", "fishing_boat") for _, _, b in sumenep_corridors.unserved)
    e = sumenep_corridors.exposure
    assert e["landing:west"].sum() < e["landing:transition"].sum()


def test_ferry_routes_never_cross_land(sea_router, land_index):
    from geo import routedata

    ferries = routedata.load_ferries()
    lines = ferry_routes(sea_router, routedata.load_places(), ferries)
    assert len(lines) == len(ferries) and (lines.geom_type == "LineString").all()
    assert (lines.hours > 0).all() and (lines.distance_km > 0).all()
    # Only the first and last 300 m, at the quays, may touch the land mask.
    assert _crossing_land(lines.geometry, land_index, ends_m=300.0) == []
    # The schematic straight links they replace do cross land.
    schematic = lanes_frame()
    assert _crossing_land(schematic[schematic.kind == "ferry"].geometry, land_index, ends_m=300.0) != []
    lanes = lanes_frame(ferries=lines)
    assert (lanes.kind == "ferry").sum() == len(lines)
    assert _crossing_land(lanes[lanes.kind == "ferry"].geometry, land_index, ends_m=300.0) == []
