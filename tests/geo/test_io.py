"""Reading layers: bad files fail with a message naming the file, feature or column and the rule."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely

from geo.io import LayerError, check_harbours, check_islands, read_layer

BOWTIE = shapely.Polygon([(114.0, -7.0), (114.1, -6.9), (114.1, -7.0), (114.0, -6.9), (114.0, -7.0)])


def _islands(geoms, codes=None):
    codes = codes or [f"X{i}" for i in range(len(geoms))]
    return gpd.GeoDataFrame(
        {"code": codes, "name": [f"P{i}" for i in range(len(geoms))]}, geometry=geoms, crs="EPSG:4326"
    )


def test_missing_file_is_named(tmp_path):
    with pytest.raises(LayerError, match="nope.geojson: file not found"):
        read_layer(tmp_path / "nope.geojson")


def test_csv_needs_lon_and_lat(tmp_path):
    p = tmp_path / "h.csv"
    p.write_text("name,lat\nA,-7\n")
    with pytest.raises(LayerError, match="column 'lon' is missing"):
        read_layer(p)


def test_csv_out_of_range_row_is_named(tmp_path):
    p = tmp_path / "h.csv"
    p.write_text("name,lon,lat\nA,114,-7\nB,114,-97\n")
    with pytest.raises(LayerError, match=r"row 3: lon must be within ±180 and lat within ±90"):
        read_layer(p)


def test_layer_without_crs_is_refused(tmp_path):
    p = tmp_path / "nocrs.shp"
    gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(114, -7)]).to_file(p)
    with pytest.raises(LayerError, match="has no CRS"):
        read_layer(p)


def test_layer_in_another_crs_is_reprojected(tmp_path):
    p = tmp_path / "utm.gpkg"
    gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(114, -7)], crs="EPSG:4326").to_crs(32750).to_file(p)
    got = read_layer(p)
    assert got.crs.to_epsg() == 4326
    assert got.geometry.iloc[0].x == pytest.approx(114, abs=1e-6)


def test_unreadable_file(tmp_path):
    p = tmp_path / "broken.geojson"
    p.write_text("{not json")
    with pytest.raises(LayerError, match="broken.geojson: cannot read"):
        read_layer(p)


def test_invalid_polygon_is_refused_not_repaired():
    with pytest.raises(LayerError, match=r"feature X0: invalid polygon \(Self-intersection"):
        check_islands(_islands([BOWTIE]))


def test_empty_and_wrong_geometry_types():
    with pytest.raises(LayerError, match="feature X0: geometry is empty"):
        check_islands(_islands([shapely.Polygon()]))
    with pytest.raises(LayerError, match="must be a Polygon or MultiPolygon, not Point"):
        check_islands(_islands([shapely.Point(114, -7)]))
    with pytest.raises(LayerError, match="has no features"):
        check_islands(_islands([]))


def test_duplicate_codes_refused():
    box = shapely.box(114, -7, 114.01, -6.99)
    with pytest.raises(LayerError, match="'code' must be unique; 'A' appears more than once"):
        check_islands(_islands([box, box], codes=["A", "A"]))


def test_check_islands_normalises():
    out = check_islands(_islands([shapely.box(114, -7, 114.01, -6.99)]))
    assert out.geometry.iloc[0].geom_type == "MultiPolygon"
    # 0.01° x 0.01° near 7° S is about 1.10 km x 1.11 km
    assert out.area_km2.iloc[0] == pytest.approx(1.22, rel=0.02)
    assert out.official_codes.iloc[0] == []


def test_harbours_rules(tmp_path):
    ok = read_layer("data/harbours.csv")
    checked = check_harbours(ok)
    assert checked["monitored"].dtype == bool
    bad = ok.copy()
    bad.loc[0, "kind"] = "airport"
    with pytest.raises(LayerError, match="column 'kind' has unknown value 'airport'"):
        check_harbours(bad)
    bad = ok.copy()
    bad["monitored"] = bad["monitored"].astype(str)
    bad.loc[0, "monitored"] = "perhaps"
    with pytest.raises(LayerError, match="column 'monitored' must be true or false, not 'perhaps'"):
        check_harbours(bad)
    p = tmp_path / "h.geojson"
    p.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"slug": "a", "name": "A", "kind": "fishing_port", "monitored": True},
                        "geometry": {"type": "LineString", "coordinates": [[114, -7], [114.1, -7]]},
                    }
                ],
            }
        )
    )
    with pytest.raises(LayerError, match="feature a: geometry must be a non-empty Point"):
        check_harbours(read_layer(p))
