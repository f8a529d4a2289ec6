"""The committed island layer ``data/sumenep_islands.geojson`` is complete, valid RFC 7946 and named right.

These tests read only the committed files; rebuilding the layer (``data/build_islands.py``) needs the optional
``roaring-landmask`` package, checking it does not.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from geo.crs import METRIC, REGENCY_BOUNDS, WGS84

DATA = Path(__file__).resolve().parents[2] / "data"
ISLANDS = DATA / "sumenep_islands.geojson"
OFFICIAL = DATA / "official_islands.csv"
PROPERTIES = {
    "code",
    "name",
    "official_codes",
    "official_names",
    "inhabited",
    "area_km2",
    "official_area_km2",
    "source",
}


@pytest.fixture(scope="module")
def collection() -> dict:
    return json.loads(ISLANDS.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def features(collection) -> list[dict]:
    return collection["features"]


@pytest.fixture(scope="module")
def official() -> list[dict]:
    with OFFICIAL.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


_TO_METRIC = Transformer.from_crs(WGS84, METRIC, always_xy=True)


def _to_metric(geom):
    return shapely.transform(geom, lambda xy: np.column_stack(_TO_METRIC.transform(xy[:, 0], xy[:, 1])))


@pytest.fixture(scope="module")
def metric(features) -> dict[str, shapely.Geometry]:
    """Each island's outline in the metric CRS, by code: projected once for every test of the module."""
    return {f["properties"]["code"]: _to_metric(shapely.geometry.shape(f["geometry"])) for f in features}


def _by_official_code(features) -> dict[str, dict]:
    return {code: f for f in features for code in f["properties"]["official_codes"]}


def test_is_a_plain_rfc7946_feature_collection(collection, features):
    assert collection["type"] == "FeatureCollection"
    assert "crs" not in collection  # RFC 7946 §4: WGS 84 lon/lat is implied
    assert len(features) > 38
    for f in features:
        assert f["type"] == "Feature"
        assert set(f["properties"]) == PROPERTIES, f["properties"]["code"]


def test_codes_are_unique_and_sorted(features):
    codes = [f["properties"]["code"] for f in features]
    assert len(set(codes)) == len(codes)
    assert codes == sorted(codes)


def test_official_codes_are_not_shared_between_features(features):
    codes = [c for f in features for c in f["properties"]["official_codes"]]
    assert len(set(codes)) == len(codes)


def test_all_official_islands_are_present_and_named(features, official):
    by_code = _by_official_code(features)
    for row in official:
        assert row["code"] in by_code, f"{row['code']} {row['name']} is missing"
        props = by_code[row["code"]]["properties"]
        assert row["name"] in props["official_names"]
        assert props["inhabited"] is True
        # The feature is named after one of the official islands it carries.
        assert props["code"] in props["official_codes"]
        assert props["official_names"][props["official_codes"].index(props["code"])] == props["name"]


def test_madura_is_present(features):
    madura = [f["properties"] for f in features if f["properties"]["code"] == "35.29"]
    assert len(madura) == 1
    assert madura[0]["name"] == "Madura (Sumenep)"
    assert madura[0]["inhabited"] is True
    assert madura[0]["area_km2"] > 1000


def test_unnamed_islands_carry_no_official_data(features):
    for f in features:
        props = f["properties"]
        if props["code"].startswith("OSM-"):
            assert props["official_codes"] == props["official_names"] == []
            assert props["official_area_km2"] is None
            assert props["inhabited"] is False


def test_geometries_are_valid_multipolygons_with_ccw_exteriors(features):
    for f in features:
        code = f["properties"]["code"]
        assert f["geometry"]["type"] == "MultiPolygon", code
        geom = shapely.geometry.shape(f["geometry"])
        assert not geom.is_empty, code
        assert geom.is_valid, f"{code}: {shapely.is_valid_reason(geom)}"
        for polygon in geom.geoms:
            assert polygon.exterior.is_ccw, f"{code}: exterior ring is clockwise"
            assert all(not hole.is_ccw for hole in polygon.interiors), f"{code}: hole is counter-clockwise"


def test_coordinates_lie_within_the_regency_bounds(features):
    min_lon, min_lat, max_lon, max_lat = REGENCY_BOUNDS
    for f in features:
        xy = shapely.get_coordinates(shapely.geometry.shape(f["geometry"]))
        assert (xy[:, 0] >= min_lon).all() and (xy[:, 0] <= max_lon).all(), f["properties"]["code"]
        assert (xy[:, 1] >= min_lat).all() and (xy[:, 1] <= max_lat).all(), f["properties"]["code"]


def test_areas_match_the_geometry_in_the_metric_crs(features, metric):
    for f in features:
        area = metric[f["properties"]["code"]].area / 1e6
        assert f["properties"]["area_km2"] == pytest.approx(area, abs=0.002), f["properties"]["code"]


def test_official_area_is_the_sum_of_known_official_areas(features, official):
    areas = {row["code"]: row["official_area_km2"] for row in official}
    for f in features:
        props = f["properties"]
        known = [areas[c] for c in props["official_codes"]]
        if known and all(known):
            assert props["official_area_km2"] == pytest.approx(sum(float(a) for a in known), abs=0.001)
        else:
            assert props["official_area_km2"] is None, props["code"]


def test_each_official_point_lies_within_2_km_of_its_island(features, official, metric):
    by_code = _by_official_code(features)
    for row in official:
        island = metric[by_code[row["code"]]["properties"]["code"]]
        point = _to_metric(shapely.Point(float(row["lon"]), float(row["lat"])))
        assert island.distance(point) <= 2000, f"{row['code']} {row['name']}: {island.distance(point):.0f} m"


# -- split islands: every part listed in data/README.md carries the island's code and inhabited flag -----------
README = DATA / "README.md"
SPLIT_ROW = re.compile(
    r"^\| (?P<name>[^|]+?) \| `(?P<code>35\.29\.\d+)` \| `OSM-(?P<lon>\d+\.\d{4})(?P<lat>-\d+\.\d{4})` \|"
)
POINT_TOLERANCE_M = 15.0  # the listed point is rounded to 4 decimals (about 11 m at most on each axis)


def _split_parts() -> list[tuple[str, str, float, float]]:
    """The rows of the README's table "Split islands: the parts each named island carries"."""
    text = README.read_text(encoding="utf-8")
    section = text.split("### Split islands", 1)[1].split("\n### ", 1)[0]
    return [
        (m["name"], m["code"], float(m["lon"]), float(m["lat"]))
        for m in (SPLIT_ROW.match(line) for line in section.splitlines())
        if m
    ]


def test_the_readme_lists_the_split_parts_of_raas_sepanjang_kangean_and_paliat():
    parts = _split_parts()
    assert len(parts) == 14
    assert {name for name, *_ in parts} == {"Ra'as", "Sepanjang", "Kangean", "Paliat"}
    assert ("Ra'as", "35.29.40059", 114.4907, -7.1476) in parts  # the western part of Ra'as, 6.6 km²


@pytest.mark.parametrize(("name", "code", "lon", "lat"), _split_parts(), ids=lambda v: str(v))
def test_every_split_part_carries_its_islands_code_and_inhabited_flag(features, official, metric, name, code, lon, lat):
    point = _to_metric(shapely.Point(lon, lat))
    near = [f for f in features if metric[f["properties"]["code"]].distance(point) <= POINT_TOLERANCE_M]
    assert [f["properties"]["code"] for f in near] == [code], f"{name} part at {lon} {lat}"
    props = near[0]["properties"]
    assert props["name"] == name and props["inhabited"] is True
    assert {row["code"]: row["inhabited"] for row in official}[code] == "true"
    # The part is a polygon of its own in the island's MultiPolygon, not the polygon that holds the official point.
    island = metric[near[0]["properties"]["code"]]
    polygons = sorted(island.geoms, key=lambda p: -p.area)
    assert len(polygons) > 1 and polygons[0].distance(point) > 0
