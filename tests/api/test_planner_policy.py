"""One planner policy (issue 13, docs/RELIABILITY.md R2-11): every route a planner can reach, walked, and the fields
it shows compared with the planners' one allow-list, ``app.services.layers.PLANNER_PROPERTIES``. A route that
planners reach and that is neither checked here nor listed as carrying no layer data fails
``test_every_planner_route_is_walked``."""

from __future__ import annotations

import pytest

from app.db.repositories.layers import LAYERS
from app.services import maps
from app.services.layers import PLANNER_PROPERTIES
from app.services.ogc import COLLECTIONS
from tests.api.test_route_matrix import EXPECTED
from tests.api.test_tiles import _decode, tile_of

UNBUILT = {"corridors", "ferry_routes"}
"""Empty in the published test database (``pesisir routes build`` makes them; tests/db/test_routes_build.py reads
them as a planner)."""

NO_LAYER_DATA = {
    ("GET", "/"): "a redirect",
    ("GET", "/healthz"): "database status",
    ("GET", "/favicon.ico"): "an icon",
    ("GET", "/openapi.json"): "the API description",
    ("GET", "/docs"): "Swagger UI",
    ("GET", "/docs/oauth2-redirect"): "Swagger UI",
    ("GET", "/redoc"): "ReDoc",
    ("GET", "/login"): "the sign-in form",
    ("GET", "/report/sw.js"): "the reporting page's service worker (code)",
    ("GET", "/report/strings.js"): "the reporting page's words, from the catalogue",
    ("GET", "/ogc"): "links",
    ("GET", "/ogc/conformance"): "conformance classes",
    ("GET", "/ogc/api"): "the API description",
    ("GET", "/api/v1/model"): "model weights and accuracy",
    ("GET", "/api/v1/routes"): "a modelled route between two gazetteer places",
    ("GET", "/api/v1/places"): "the cited gazetteer",
    ("POST", "/auth/token"): "a token",
    ("POST", "/auth/login"): "a cookie",
    ("POST", "/auth/logout"): "a redirect",
    ("POST", "/api/v1/alerts/subscriptions"): "creates the planner's own subscription (landing rules refused)",
    ("GET", "/api/v1/alerts/subscriptions"): "the planner's own areas, rules and targets",
}


def _allowed(layer: str) -> set[str] | None:
    found = PLANNER_PROPERTIES.get(layer)
    return None if found is None else set(found)


def walk_exports(c):
    for layer in LAYERS:
        r = c.get(f"/api/v1/export/{layer}.geojson")
        if _allowed(layer) is None:
            assert r.status_code == 403, layer
            continue
        assert r.status_code == 200, (layer, r.text)
        features = r.json()["features"]
        assert features or layer in UNBUILT, layer
        if features:
            assert {k for f in features for k in f["properties"]} == _allowed(layer), layer


def walk_tiles(c):
    x, y = tile_of(114.8, -6.5, 6)
    for layer in LAYERS:
        r = c.get(f"/tiles/{layer}/6/{x}/{y}.pbf")
        if _allowed(layer) is None:
            assert r.status_code == 403, layer
            continue
        assert r.status_code in (200, 204), layer
        if r.status_code == 200:
            for f in _decode(r.content)[layer]["features"]:
                assert set(f["properties"]) - {"id"} <= _allowed(layer), layer  # a tile leaves out empty values


def walk_ogc_collections(c):
    listed = {col["id"] for col in c.get("/ogc/collections").json()["collections"]}
    assert listed == {cid for cid, col in COLLECTIONS.items() if _allowed(col.layer.name) is not None}
    for cid, col in COLLECTIONS.items():
        status = c.get(f"/ogc/collections/{cid}").status_code
        assert status == (403 if _allowed(col.layer.name) is None else 200), cid


def walk_ogc_items(c):
    for cid, col in COLLECTIONS.items():
        r = c.get(f"/ogc/collections/{cid}/items", params={"limit": 200})
        if _allowed(col.layer.name) is None:
            assert r.status_code == 403, cid
            continue
        features = r.json()["features"]
        assert features or col.layer.name in UNBUILT, cid
        if features:
            assert {k for f in features for k in f["properties"]} == _allowed(col.layer.name), cid


def walk_ogc_item(c):
    full = {"Authorization": f"Bearer {_token(c, 'intelligence')}"}
    for cid, col in COLLECTIONS.items():
        some = c.get(f"/ogc/collections/{cid}/items", params={"limit": 1}, headers=full).json()["features"]
        if not some and col.layer.name in UNBUILT:
            continue
        first = some[0]
        r = c.get(f"/ogc/collections/{cid}/items/{first['id']}")
        if _allowed(col.layer.name) is None:
            assert r.status_code == 403, cid
        else:
            assert set(r.json()["properties"]) == _allowed(col.layer.name), cid


def _incident_fields(body: dict) -> set[str]:
    return set(body) - {"id", "location"}  # every published copy carries the id and the position


def walk_incidents(c):
    items = c.get("/api/v1/incidents", params={"limit": 100}).json()["items"]
    assert items
    for item in items:
        assert _incident_fields(item) == _allowed("incidents")


def walk_incident(c):
    first = c.get("/api/v1/incidents", params={"limit": 1}).json()["items"][0]
    assert _incident_fields(c.get(f"/api/v1/incidents/{first['id']}").json()) == _allowed("incidents")


def walk_map(c):
    scope = maps.scope_for("planner")
    assert scope.landings == (_allowed("landings") is not None) and not scope.narratives
    assert c.get("/map", params={"tiles": "false"}).status_code == 200


def _geojson_fields(c, url: str, **params) -> set[str]:
    r = c.get(url, params=params)
    assert r.status_code == 200, (url, r.text)
    return {k for f in r.json()["features"] for k in f["properties"]}


def walk_islands(c):
    assert _geojson_fields(c, "/api/v1/islands") <= _allowed("islands") | {"id"}


def walk_harbours(c):
    assert _geojson_fields(c, "/api/v1/harbours") <= _allowed("harbours") | {"id"}


def walk_segments(c):
    assert _geojson_fields(c, "/api/v1/segments", limit=50) <= _allowed("segments") | {"id"}


def walk_corridors(c):
    assert _geojson_fields(c, "/api/v1/corridors") <= _allowed("corridors") | {"id"}


def walk_alerts(c):
    """The published database holds no alerts; tests/api/test_alerts.py walks real ones with the same check."""
    from tests.api.test_alerts import assert_planner_payloads

    r = c.get("/api/v1/alerts")
    assert r.status_code == 200, r.text
    assert_planner_payloads(r.json()["items"])


WALKS = {
    ("GET", "/api/v1/export/{layer}.{fmt}"): walk_exports,
    ("GET", "/tiles/{layer}/{z}/{x}/{y}.pbf"): walk_tiles,
    ("GET", "/ogc/collections"): walk_ogc_collections,
    ("GET", "/ogc/collections/{collection_id}"): walk_ogc_collections,
    ("GET", "/ogc/collections/{collection_id}/items"): walk_ogc_items,
    ("GET", "/ogc/collections/{collection_id}/items/{feature_id}"): walk_ogc_item,
    ("GET", "/api/v1/incidents"): walk_incidents,
    ("GET", "/api/v1/incidents/{incident_id}"): walk_incident,
    ("GET", "/map"): walk_map,
    ("GET", "/api/v1/islands"): walk_islands,
    ("GET", "/api/v1/harbours"): walk_harbours,
    ("GET", "/api/v1/segments"): walk_segments,
    ("GET", "/api/v1/corridors"): walk_corridors,
    ("GET", "/api/v1/alerts"): walk_alerts,
}


def _token(c, role: str) -> str:
    from tests.fixtures_db import published_token

    return published_token(c, role)


def test_every_planner_route_is_walked():
    reachable = {route for route, status in EXPECTED.items() if status["planner"] in (200, 303, 307, 422)}
    assert reachable == set(WALKS) | set(NO_LAYER_DATA)


@pytest.mark.parametrize("route", sorted(WALKS), ids=[p for _, p in sorted(WALKS)])
def test_a_planner_sees_exactly_the_allow_list(published, route):
    WALKS[route](published)


def test_no_personal_field_is_in_the_allow_list():
    personal = {"vessel_name", "vessel_registration", "origin", "reporter_id", "narrative", "review_reason", "uuid",
                "notes"}  # fmt: skip
    assert not personal & {p for props in PLANNER_PROPERTIES.values() for p in props}
    assert "source" not in PLANNER_PROPERTIES["incidents"]  # islands' and harbours' "source" cites the data
