"""OGC API Features Part 1 Core + GeoJSON: documents, paging, filters, errors; who may read it (planners and up,
with a bearer token)."""

from __future__ import annotations

import pytest
from shapely.geometry import box, shape


def test_landing_page_and_conformance(as_planner):
    landing = as_planner.get("/ogc").json()
    rels = {link["rel"]: link["href"] for link in landing["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= set(rels)
    assert rels["data"].endswith("/ogc/collections")
    conf = as_planner.get("/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conf
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conf


def test_collections_carry_extents(as_planner):
    cols = {c["id"]: c for c in as_planner.get("/ogc/collections").json()["collections"]}
    assert {"islands", "harbours"} <= set(cols)
    minx, miny, maxx, maxy = cols["islands"]["extent"]["spatial"]["bbox"][0]
    assert 113.5 < minx < 113.7 and 116.2 < maxx < 116.4 and -7.5 < miny < -7.2 and -5.1 < maxy < -4.9
    one = as_planner.get("/ogc/collections/harbours").json()
    assert one["id"] == "harbours" and any(link["rel"] == "items" for link in one["links"])
    assert as_planner.get("/ogc/collections/nope").status_code == 404


def test_items_page_through_with_next_links(as_planner):
    first = as_planner.get("/ogc/collections/harbours/items?limit=8")
    assert first.status_code == 200 and first.headers["content-type"] == "application/geo+json"
    body = first.json()
    assert body["type"] == "FeatureCollection" and body["numberMatched"] == 20 and body["numberReturned"] == 8
    seen = [f["id"] for f in body["features"]]
    nxt = next(link["href"] for link in body["links"] if link["rel"] == "next")
    while nxt:
        page = as_planner.get(nxt).json()
        seen += [f["id"] for f in page["features"]]
        nxt = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
    assert len(seen) == len(set(seen)) == 20


def test_bbox_filters_items(as_planner):
    kangean = (115.1, -7.0, 115.5, -6.7)
    body = as_planner.get(
        "/ogc/collections/islands/items", params={"bbox": ",".join(map(str, kangean)), "limit": 1000}
    ).json()
    assert body["numberMatched"] == len(body["features"]) > 0
    assert "35.29.40028" in {f["id"] for f in body["features"]}  # Kangean
    for f in body["features"]:
        assert shape(f["geometry"]).intersects(box(*kangean))


def test_single_item_and_missing_item(as_planner):
    f = as_planner.get("/ogc/collections/islands/items/35.29.40081").json()
    assert f["type"] == "Feature" and f["properties"]["name"] == "Sapudi"
    assert any(link["rel"] == "collection" for link in f["links"])
    missing = as_planner.get("/ogc/collections/islands/items/35.29.99999")
    assert missing.status_code == 404 and "35.29.99999" in missing.json()["detail"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("bbox=1,2,3", "bbox: needs 4 comma-separated numbers"),
        ("bbox=a,b,c,d", "bbox: every value must be a number"),
        ("bbox=nan,1,2,3", "bbox: values must be finite"),
        ("bbox=100,-95,120,0", "within ±180 and latitudes within ±90"),
        ("bbox=110,0,120,-5", "minLat must not exceed maxLat"),
        ("bbox=170,-5,-170,5", "antimeridian-crossing boxes are not supported"),
        ("datetime=yesterday", "datetime: 'yesterday' is not an RFC 3339 date-time"),
        ("datetime=2025-01-01T00:00:00", "needs a time zone"),
        ("datetime=2025-02-01T00:00:00Z/2025-01-01T00:00:00Z", "start is after its end"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(as_planner, query, message):
    r = as_planner.get(f"/ogc/collections/islands/items?{query}")
    assert r.status_code == 400
    assert message in r.json()["detail"]


def test_limit_above_the_maximum_is_clamped(as_planner):
    body = as_planner.get("/ogc/collections/islands/items?limit=10000000").json()
    assert body["numberReturned"] == body["numberMatched"] == 99
    assert as_planner.get("/ogc/collections/islands/items?limit=0").status_code == 422


def test_ogc_needs_a_planner_token(client, headers):
    assert client.get("/ogc/collections").status_code == 401
    assert client.get("/ogc", headers={"Authorization": "Bearer not-a-token"}).status_code == 401
    assert client.get("/ogc/collections", headers=headers["harbourmaster"]).status_code == 403
    r = client.get("/ogc/collections/harbours/items?limit=2", headers=headers["planner"])
    assert r.status_code == 200
    nxt = next(link["href"] for link in r.json()["links"] if link["rel"] == "next")
    assert client.get(nxt, headers=headers["planner"]).status_code == 200  # next links work with the same token


def test_a_foreign_host_header_is_refused_and_links_never_point_there(as_planner):
    """R2-09: a Host the service does not answer to is a 400; allowed hosts get links to themselves."""
    r = as_planner.get("/ogc", headers={"Host": "evil.example"})
    assert r.status_code == 400 and "evil.example" not in r.text
    r = as_planner.get("/ogc/collections/islands/items", params={"limit": 1}, headers={"Host": "evil.example:8000"})
    assert r.status_code == 400
    r = as_planner.get("/ogc", headers={"Host": "localhost:8000"})
    assert r.status_code == 200
    assert all(link["href"].startswith("http://localhost:8000/") for link in r.json()["links"])


def test_links_come_from_the_public_url_whatever_the_host(settings, engine, db, headers):
    from fastapi.testclient import TestClient

    from app.main import create_app
    from tests.fixtures_db import _override_session

    server = settings.server.model_copy(update={"public_url": "https://pesisir.example.org/gis"})
    app = create_app(settings.model_copy(update={"server": server}), engine=engine)
    _override_session(app, db)
    with TestClient(app, headers=headers["planner"]) as c:
        body = c.get("/ogc/collections/islands/items", params={"limit": 1}).json()
        hrefs = [link["href"] for link in body["links"]] + [link["href"] for link in c.get("/ogc").json()["links"]]
        assert all(h.startswith("https://pesisir.example.org/gis/") for h in hrefs), hrefs
        assert c.get("/ogc", headers={"Host": "pesisir.example.org"}).status_code == 200
        assert c.get("/ogc", headers={"Host": "evil.example"}).status_code == 400
