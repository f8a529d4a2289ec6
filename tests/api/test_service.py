"""The HTTP service: health, GeoJSON layers (RFC 7946), the map, the OpenAPI docs."""

from __future__ import annotations

import csv
from pathlib import Path

import shapely
from fastapi.testclient import TestClient
from shapely.geometry import shape

from app.main import create_app
from app.settings import DatabaseSettings, Settings

DATA = Path(__file__).resolve().parents[2] / "data"


def test_healthz_reports_database_and_postgis(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["postgis"].startswith("3.")


def test_healthz_is_503_with_retry_after_when_the_database_is_unreachable(tmp_path):
    settings = Settings(database=DatabaseSettings(url="postgresql://u:pw@127.0.0.1:9/nothing"))
    with TestClient(create_app(settings)) as c:
        r = c.get("/healthz")
    assert r.status_code == 503
    assert r.headers["retry-after"] == "5"
    assert r.json()["database"] == "unreachable" and "pw" not in r.text


def test_islands_are_rfc7946_geojson_with_every_inhabited_island(client, headers):
    r = client.get("/api/v1/islands", headers=headers["planner"])
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/geo+json"
    fc = r.json()
    assert fc["type"] == "FeatureCollection" and "crs" not in fc
    props = [f["properties"] for f in fc["features"]]
    codes = {p["code"] for p in props} | {c for p in props for c in p["official_codes"]}
    with (DATA / "official_islands.csv").open() as f:
        official = {row["code"]: row["name"] for row in csv.DictReader(f)}
    assert set(official) <= codes
    names = {p["code"]: p["name"] for p in props}
    assert names["35.29"] == "Madura (Sumenep)"
    for f in fc["features"]:
        geom = shape(f["geometry"])
        assert geom.geom_type == "MultiPolygon" and geom.is_valid
        for poly in geom.geoms:
            assert poly.exterior.is_ccw  # right-hand rule
        lon, lat = f["geometry"]["coordinates"][0][0][0]
        assert 113 < lon < 117 and -8 < lat < -4.5  # lon, lat order


def test_harbours_list_every_row_of_the_facts_table(client, headers):
    fc = client.get("/api/v1/harbours", headers=headers["harbourmaster"]).json()
    with (DATA / "harbours.csv").open() as f:
        expected = {(row["name"], row["kind"]) for row in csv.DictReader(f)}
    got = {(ft["properties"]["name"], ft["properties"]["kind"]) for ft in fc["features"]}
    assert got == expected
    kalianget = next(ft for ft in fc["features"] if ft["properties"]["slug"] == "kalianget")
    assert kalianget["geometry"]["coordinates"] == [113.943889, -7.055833]
    assert kalianget["properties"]["monitored"] is True and kalianget["properties"]["island_code"] == "35.29"
    assert shapely.Point(kalianget["geometry"]["coordinates"]).is_valid


def test_map_draws_the_island_layer(client, headers):
    client.headers.update(headers["planner"])
    r = client.get("/map")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert '"Pulau"' in r.text and "Sapudi" in r.text and "Kalianget" in r.text
    assert '"Islands"' in client.get("/map?lang=en").text
    assert "tile.openstreetmap.org" in r.text
    assert "tile.openstreetmap.org" not in client.get("/map?tiles=false").text


def test_openapi_docs(client):
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/healthz", "/api/v1/islands", "/api/v1/harbours", "/map"} <= set(paths)


def test_map_needs_no_internet(client, headers):
    import re

    client.headers.update(headers["planner"])
    html = client.get("/map").text
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/static/") for s in sources)
    for s in sources:
        assert client.get(s).status_code == 200, s
