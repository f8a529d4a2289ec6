"""Every route x every role (docs/RELIABILITY.md AZ-07). The routes come from the application's route table: a route
added without an entry in EXPECTED fails ``test_every_route_has_an_entry``."""

from __future__ import annotations

import pytest
from starlette.routing import Mount, Route

from app.main import create_app
from tests.api.helpers import incident, key, landing

ROLES = ("anonymous", "admin", "intelligence", "harbourmaster", "planner")


def _all(status):
    return dict.fromkeys(ROLES, status)


def _r(anonymous, admin, intelligence, harbourmaster, planner):
    return dict(zip(ROLES, (anonymous, admin, intelligence, harbourmaster, planner), strict=True))


# Writes are sent with an empty JSON body: an allowed role gets 422 (the body is wrong), a refused one 401/403.
EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/"): _all(307),
    ("GET", "/healthz"): _all(200),
    ("GET", "/favicon.ico"): _all(200),  # public, like the /static mount: the map's own assets, no data
    ("GET", "/openapi.json"): _all(200),  # dev; hidden in production (test_auth)
    ("GET", "/docs"): _all(200),
    ("GET", "/docs/oauth2-redirect"): _all(200),
    ("GET", "/redoc"): _all(200),
    ("GET", "/login"): _all(200),
    ("POST", "/auth/token"): _all(422),
    ("POST", "/auth/login"): _all(422),
    ("POST", "/auth/logout"): _all(303),
    ("GET", "/api/v1/islands"): _r(401, 200, 200, 200, 200),
    ("GET", "/api/v1/harbours"): _r(401, 200, 200, 200, 200),
    # The routes' gazetteer: harbourmasters pick a landing's origin place from it (no personal data).
    ("GET", "/api/v1/places"): _r(401, 200, 200, 200, 200),
    ("GET", "/map"): _r(303, 200, 200, 403, 200),
    # The harbour post's reporting page: harbourmasters (and admin); another role gets a page saying so (403).
    ("GET", "/report"): _r(303, 200, 403, 200, 403),
    ("GET", "/report/sw.js"): _all(200),  # its service worker: code, no data, like /static
    ("GET", "/report/strings.js"): _all(200),  # its words in both languages, from the catalogue: no data
    ("GET", "/report/token"): _r(401, 200, 403, 200, 403),  # a bearer token for the page's writes
    # Segments, scores and the model: planners and up; not harbourmasters (least privilege, as for the map).
    ("GET", "/api/v1/segments"): _r(401, 200, 200, 403, 200),
    ("GET", "/api/v1/model"): _r(401, 200, 200, 403, 200),
    # Sea routes and corridors: as the risk map. Without origin, destination, boat and season a route is a 422.
    ("GET", "/api/v1/routes"): _r(401, 422, 422, 403, 422),
    ("GET", "/api/v1/corridors"): _r(401, 200, 200, 403, 200),
    # OGC API Features: planners and up, with a bearer token; the landing page and conformance included.
    ("GET", "/ogc"): _r(401, 200, 200, 403, 200),
    ("GET", "/ogc/conformance"): _r(401, 200, 200, 403, 200),
    ("GET", "/ogc/collections"): _r(401, 200, 200, 403, 200),
    ("GET", "/ogc/collections/{collection_id}"): _r(401, 200, 200, 403, 200),
    ("GET", "/ogc/collections/{collection_id}/items"): _r(401, 200, 200, 403, 200),
    ("GET", "/ogc/collections/{collection_id}/items/{feature_id}"): _r(401, 200, 200, 403, 200),
    ("GET", "/ogc/api"): _r(401, 200, 200, 403, 200),
    ("GET", "/api/v1/export/{layer}.{fmt}"): _r(401, 200, 200, 403, 200),
    ("GET", "/tiles/{layer}/{z}/{x}/{y}.pbf"): _r(401, 200, 200, 403, 200),
    ("POST", "/api/v1/landings"): _r(401, 422, 403, 422, 403),
    ("POST", "/api/v1/landings/batch"): _r(401, 422, 403, 422, 403),
    ("GET", "/api/v1/landings"): _r(401, 200, 200, 200, 403),
    ("GET", "/api/v1/landings/{landing_id}"): _r(401, 200, 200, 200, 403),
    ("PATCH", "/api/v1/landings/{landing_id}"): _r(401, 422, 422, 403, 403),
    ("POST", "/api/v1/incidents"): _r(401, 422, 422, 403, 403),
    ("POST", "/api/v1/incidents/batch"): _r(401, 422, 422, 403, 403),
    ("GET", "/api/v1/incidents"): _r(401, 200, 200, 403, 200),
    ("GET", "/api/v1/incidents/{incident_id}"): _r(401, 200, 200, 403, 200),
    ("PATCH", "/api/v1/incidents/{incident_id}"): _r(401, 200, 200, 403, 403),
    ("POST", "/api/v1/incidents/{incident_id}/review"): _r(401, 422, 422, 403, 403),
    ("GET", "/api/v1/audit"): _r(401, 200, 403, 403, 403),
    ("POST", "/api/v1/scores/refresh"): _r(401, 200, 200, 403, 403),
    # Alerts: intelligence, admin and planners (a planner's alerts carry their allow-list only), each their own
    # subscriptions and alerts; the ids used are nobody's (404).
    ("POST", "/api/v1/alerts/subscriptions"): _r(401, 422, 422, 403, 422),
    ("GET", "/api/v1/alerts/subscriptions"): _r(401, 200, 200, 403, 200),
    ("DELETE", "/api/v1/alerts/subscriptions/{subscription_id}"): _r(401, 404, 404, 403, 404),
    ("GET", "/api/v1/alerts"): _r(401, 200, 200, 403, 200),
    ("POST", "/api/v1/alerts/{alert_id}/acknowledge"): _r(401, 404, 404, 403, 404),
}
MOUNTS = {"/static"}
"""Public on purpose: the map's vendored JavaScript, CSS and icons, no data."""


def route_table(app) -> set[tuple[str, str]]:
    """(method, path) of every route, looking into included routers; HEAD is implied by GET."""
    found: set[tuple[str, str]] = set()

    def walk(routes, prefix=""):
        for r in routes:
            if hasattr(r, "original_router"):
                walk(r.original_router.routes, prefix + r.include_context.prefix)
            elif isinstance(r, Mount):
                assert prefix + r.path in MOUNTS, f"mount {r.path} has no entry"
            elif isinstance(r, Route):
                for m in r.methods or ():
                    if m != "HEAD":
                        found.add((m, prefix + r.path))
            else:
                raise AssertionError(f"unknown route type {type(r).__name__}")

    walk(app.routes)
    return found


def test_every_route_has_an_entry(settings):
    table = route_table(create_app(settings))
    assert table - set(EXPECTED) == set(), "routes without an expected status per role"
    assert set(EXPECTED) - table == set(), "entries for routes that no longer exist"


@pytest.fixture
def ids(client, headers):
    made = client.post("/api/v1/landings", json=landing(), headers={**headers["harbourmaster"], **key()})
    inc = client.post("/api/v1/incidents", json=incident(), headers=headers["intelligence"])
    assert made.status_code == 201 and inc.status_code == 201
    return {
        "landing_id": made.json()["id"],
        "incident_id": inc.json()["id"],
        "collection_id": "islands",
        "feature_id": "35.29.40081",
        "layer": "islands",
        "fmt": "geojson",
        "z": 10,  # Kangean: a tile with islands in it
        "x": 840,
        "y": 531,
        "subscription_id": 2**62,  # nobody's
        "alert_id": 2**62,
    }


@pytest.mark.parametrize(("method", "path"), sorted(EXPECTED), ids=[f"{m} {p}" for m, p in sorted(EXPECTED)])
def test_route_by_role(client, headers, ids, method, path):
    url = path.format(**ids)
    got = {}
    for role in ROLES:
        kwargs = {"json": {}} if method in ("POST", "PATCH") else {}
        r = client.request(method, url, headers=headers[role], follow_redirects=False, **kwargs)
        got[role] = r.status_code
    assert got == EXPECTED[(method, path)]
