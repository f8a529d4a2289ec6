"""Single factors on toy and real geometry: what each one sees."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.factors import FactorInputs, midpoints, remoteness, shared_factors, staging
from geo.routedata import load_places
from geo.segmentation import segment_coast

DATA = Path(__file__).resolve().parents[2] / "data"
METRIC = "EPSG:23837"


def _segment(x: float) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=[shapely.LineString([(x, 0), (x, 100)])], crs=METRIC)


def _harbours(*points: tuple[float, float, bool]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"monitored": [m for *_, m in points]}, geometry=[shapely.Point(x, y) for x, y, _ in points], crs=METRIC
    )


def test_a_segment_near_a_port_outside_the_regency_is_not_remote():
    seg = _segment(0.0)
    harbours = _harbours((60_000.0, 50.0, True))  # the regency's nearest monitored harbour: 60 km away
    port = gpd.GeoDataFrame({"kind": ["port"]}, geometry=[shapely.Point(-1_000.0, 50.0)], crs=METRIC)
    alone = float(remoteness(seg, harbours).iloc[0])
    with_port = float(remoteness(seg, harbours, outside_ports=port).iloc[0])
    assert alone > 0.9 and with_port < 0.05


def test_outside_ports_count_even_when_no_harbour_is_monitored():
    seg = _segment(0.0)
    unmonitored = _harbours((100.0, 50.0, False))
    port = gpd.GeoDataFrame(geometry=[shapely.Point(2_000.0, 50.0)], crs="EPSG:23837").to_crs("EPSG:4326")
    assert float(remoteness(seg, unmonitored).iloc[0]) == 1.0  # nothing watched
    assert float(remoteness(seg, unmonitored, outside_ports=port).iloc[0]) == pytest.approx(1 - np.exp(-0.1))


@pytest.mark.parametrize("ports", [None, gpd.GeoDataFrame(geometry=[], crs="EPSG:4326")])
def test_without_outside_ports_only_the_monitored_harbours_count(ports):
    seg = _segment(0.0)
    harbours = _harbours((20_000.0, 50.0, True), (100.0, 50.0, False))
    assert float(remoteness(seg, harbours, outside_ports=ports).iloc[0]) == pytest.approx(1 - np.exp(-1.0))


def test_an_outside_port_layer_without_crs_is_refused():
    port = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)])
    with pytest.raises(ValueError, match="outside_ports: CRS is not set"):
        remoteness(_segment(0.0), _harbours((1.0, 1.0, True)), outside_ports=port)


def test_the_pamekasan_border_is_not_remote_once_the_gazetteer_ports_are_known():
    """Madura's south coast next to the Pamekasan border: 12-17 km from Branta, 30 km from Kalianget."""
    islands = gpd.read_file(DATA / "sumenep_islands.geojson")
    madura = islands[islands["code"] == "35.29"]
    seg = segment_coast(madura, land_boundaries=gpd.read_file(DATA / "land_boundaries.geojson"))
    mid = gpd.GeoSeries(gpd.points_from_xy(*midpoints(seg).T), crs=METRIC).to_crs("EPSG:4326")
    lon, lat = mid.x, mid.y
    south_west = seg[((lon < 113.70) & (lat < -7.0)).to_numpy()]  # within about 10 km of the border
    assert len(south_west) > 10
    hb = pd.read_csv(DATA / "harbours.csv")
    harbours = gpd.GeoDataFrame(hb, geometry=gpd.points_from_xy(hb.lon, hb.lat), crs="EPSG:4326")
    places = load_places(DATA / "routes" / "places.csv")
    ports = places[places["kind"] == "port"]
    before = remoteness(south_west, harbours)
    after = remoteness(south_west, harbours, outside_ports=ports)
    # Before: as remote as the far side of Kangean (0.75-0.85); after: 0.57 at the border, 0.73 at 113.70 E.
    assert float(before.min()) > 0.75 and float(after.max()) < 0.75 and float(after.min()) < 0.6
    # Everywhere else the outside ports can only lower remoteness.
    assert (remoteness(seg, harbours, outside_ports=ports) <= remoteness(seg, harbours)).all()
    # shared_factors reads the ports from FactorInputs.
    none = gpd.GeoDataFrame({"kind": []}, geometry=[], crs="EPSG:4326")
    inputs = FactorInputs(islands, harbours, none, none, none, outside_ports=ports)
    assert np.allclose(shared_factors(south_west, inputs)["remoteness"], after)


def test_an_islet_is_not_a_staging_point_but_an_island_of_005_km2_is():
    seg = _segment(0.0)
    rock = shapely.box(10, 0, 200, 200)  # 0.038 km², 10 m off the segment
    island = shapely.box(10, 0, 260, 200)  # 0.05 km²
    frame = gpd.GeoDataFrame({"inhabited": [False]}, geometry=[rock], crs=METRIC)
    assert float(staging(seg, frame).iloc[0]) == 0.0
    assert float(staging(seg, frame.set_geometry([island], crs=METRIC)).iloc[0]) == 1.0
    # The rock's own coast is not 1 either: its staging is its distance to the nearest real staging island.
    far = gpd.GeoDataFrame(
        {"inhabited": [False, False]}, geometry=[rock, shapely.box(3_000, 0, 4_000, 1_000)], crs=METRIC
    )
    rock_coast = gpd.GeoDataFrame(geometry=[rock.exterior], crs=METRIC)
    assert 0.3 < float(staging(rock_coast, far).iloc[0]) < 0.45  # 2.8-3.0 km from the island: about exp(-1)
