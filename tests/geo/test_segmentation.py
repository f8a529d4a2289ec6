"""Coastal segmentation: fixed lengths, stable ids, seaward bearings, land boundaries, bad input."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.segmentation import ISLET_AREA_KM2, segment_coast

DATA = Path(__file__).resolve().parents[2] / "data"


def _islands(*geoms, crs="EPSG:23837"):
    return gpd.GeoDataFrame({"code": [f"I{i}" for i in range(len(geoms))]}, geometry=list(geoms), crs=crs)


def test_rectangle_is_cut_into_equal_segments_with_stable_ids():
    isl = _islands(shapely.box(0, 0, 2000, 1000))
    seg = segment_coast(isl, length_m=500)
    assert len(seg) == 12
    assert seg["id"].tolist()[:2] == ["I0-0001", "I0-0002"]
    assert np.allclose(seg["length_m"], 500.0)
    assert seg.crs.to_epsg() == 4326
    again = segment_coast(isl, length_m=500)
    assert again["id"].tolist() == seg["id"].tolist()
    assert all(a.equals_exact(b, 1e-12) for a, b in zip(seg.geometry, again.geometry, strict=True))


def test_seaward_bearing_points_away_from_the_island():
    seg = segment_coast(_islands(shapely.box(0, 0, 2000, 2000)), length_m=500).to_crs("EPSG:23837")
    mids = shapely.line_interpolate_point(seg.geometry.array, 0.5, normalized=True)
    b = np.radians(seg["seaward_bearing"].to_numpy())
    out = shapely.points(shapely.get_coordinates(mids) + 10 * np.column_stack([np.sin(b), np.cos(b)]))
    assert not shapely.contains(shapely.box(0, 0, 2000, 2000), out).any()
    assert ((seg["seaward_bearing"] >= 0) & (seg["seaward_bearing"] < 360)).all()


def test_islet_shorter_than_a_segment_is_one_segment():
    seg = segment_coast(_islands(shapely.Point(0, 0).buffer(30)), length_m=500)
    assert len(seg) == 1 and seg["ordinal"].tolist() == [1]
    assert 150 < seg["length_m"].iloc[0] < 200


def test_same_outline_from_another_start_vertex_gives_the_same_segments():
    ring = [(0, 0), (2000, 0), (2000, 1000), (0, 1000)]
    a = segment_coast(_islands(shapely.Polygon(ring)))
    b = segment_coast(_islands(shapely.Polygon(ring[2:] + ring[:2])))
    assert np.allclose(shapely.get_coordinates(a.geometry.array), shapely.get_coordinates(b.geometry.array))


def test_land_boundary_produces_no_segment():
    isl = _islands(shapely.box(0, 0, 5000, 5000))
    border = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, -100), (0, 5100)])], crs="EPSG:23837")
    seg = segment_coast(isl, land_boundaries=border).to_crs("EPSG:23837")
    assert seg["length_m"].sum() == pytest.approx(15_000, rel=0.01)
    assert float(seg.distance(border.geometry.iloc[0]).min()) >= 49.0


def test_sumenep_coast_excludes_the_pamekasan_boundary():
    isl = gpd.read_file(DATA / "sumenep_islands.geojson")
    border = gpd.read_file(DATA / "land_boundaries.geojson")
    seg = segment_coast(isl, land_boundaries=border)
    madura = seg[seg["island_code"] == "35.29"].to_crs("EPSG:23837")
    assert float(madura.distance(border.to_crs("EPSG:23837").geometry.iloc[0]).min()) >= 49.0
    assert seg["id"].is_unique
    assert 900 < seg["length_m"].sum() / 1000 < 1100
    assert (seg["length_m"] > 0).all()
    # Every segment is within 4/3 of the target, save the islets: one segment each, whatever their perimeter.
    parts = gpd.GeoDataFrame(geometry=isl.to_crs("EPSG:23837").geometry.explode(index_parts=False), crs="EPSG:23837")
    islets = parts[parts.area < ISLET_AREA_KM2 * 1e6]
    on_islet = seg.to_crs("EPSG:23837").geometry.apply(lambda g: bool(islets.intersects(g.buffer(1)).any()))
    assert seg.loc[~on_islet, "length_m"].max() < 750
    assert on_islet.sum() == len(islets) and seg.loc[on_islet, "length_m"].max() < 2500


@pytest.mark.parametrize(
    ("islands", "message"),
    [
        (_islands(crs="EPSG:23837").iloc[:0], "islands: must not be empty"),
        (gpd.GeoDataFrame({"code": ["A"]}, geometry=[shapely.box(0, 0, 1, 1)]), "CRS is not set"),
        (
            _islands(shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])),
            "every geometry must be valid",
        ),
        (_islands(shapely.Point(0, 0)), "geometries must be Polygon or MultiPolygon"),
    ],
)
def test_bad_input_names_the_argument(islands, message):
    with pytest.raises(ValueError, match=message):
        segment_coast(islands)


def test_bad_length_names_the_argument():
    with pytest.raises(ValueError, match="length_m"):
        segment_coast(_islands(shapely.box(0, 0, 10, 10)), length_m=0)


def test_an_islet_under_005_km2_is_one_segment_whatever_its_perimeter():
    # A 20 x 2000 m sand bar: 0.04 km², 4 km of outline, which would otherwise be 8 segments.
    bar = gpd.GeoDataFrame({"code": ["C"]}, geometry=[shapely.box(0, 0, 2000, 20)], crs="EPSG:23837")
    seg = segment_coast(bar, length_m=500)
    assert len(seg) == 1 and seg.length_m.iloc[0] == pytest.approx(4040)
    island = bar.set_geometry([shapely.box(0, 0, 2000, 30)], crs="EPSG:23837")  # 0.06 km²: cut as usual
    assert len(segment_coast(island, length_m=500)) == 8
    # In a MultiPolygon the rule is per part: the large part keeps its segments and ids, the islet adds one.
    both = bar.set_geometry([shapely.MultiPolygon([shapely.box(0, 0, 2000, 30), shapely.box(0, 100, 100, 200)])])
    both = both.set_crs("EPSG:23837")
    ids = segment_coast(both, length_m=500).id.tolist()
    assert ids[:8] == segment_coast(island, length_m=500).id.tolist() and ids[8:] == ["C-0009"]
    assert ISLET_AREA_KM2 == 0.05
