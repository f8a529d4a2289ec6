"""Sea routes over HTTP: bad input is a 422 naming the parameter (and nothing is written), no graph is a 503
naming the command that builds it, and a real route between two places is a LineString with its hours."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.db.models import AuditLog, Corridor, RouteBuild
from app.main import create_app
from app.settings import RoutesSettings

URL = "/api/v1/routes"


def _q(**over):
    query = {"origin": "kalianget", "destination": "kangean", "boat": "perahu", "season": "east"}
    query.update(over)
    return query


def _written(db):
    return tuple(db.execute(select(func.count()).select_from(t)).scalar_one() for t in (AuditLog, Corridor, RouteBuild))


BAD = {
    "unknown origin slug": ({"origin": "atlantis"}, "origin", "no place with slug 'atlantis'"),
    "unknown destination slug": ({"destination": "nowhere-bay"}, "destination", "no place with slug 'nowhere-bay'"),
    "lon,lat not numbers": ({"origin": "abc,def"}, "origin", "lon,lat"),
    "three numbers": ({"origin": "113.9,-7.1,3"}, "origin", "two numbers"),
    "not finite": ({"origin": "nan,-7.1"}, "origin", "two numbers"),
    "latitude out of range": ({"destination": "113.9,-97"}, "destination", "within ±90"),
    "unknown boat": ({"boat": "submarine"}, "boat", "must be one of perahu, fishing_boat, speedboat, steel_ship"),
    "unknown season": ({"season": "summer"}, "season", "must be one of west, east, transition"),
    "origin = destination": ({"destination": "Kalianget"}, "destination", "must differ from origin"),
    "the same point twice": (
        {"origin": "113.95,-7.07", "destination": "113.95,-7.07"},
        "destination",
        "must differ from origin",
    ),
}


@pytest.mark.parametrize(("over", "field", "rule"), BAD.values(), ids=BAD.keys())
def test_bad_route_query_is_422_naming_the_parameter_and_writes_nothing(client, headers, places, over, field, rule):
    before = _written(places)
    r = client.get(URL, params=_q(**over), headers=headers["intelligence"])
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail.startswith(f"{field}:") and rule in detail, detail
    assert _written(places) == before


def test_unknown_avoid_is_422_naming_it(client, headers, places):
    r = client.get(URL, params=_q(avoid="everyone"), headers=headers["planner"])
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", "avoid"]


def test_a_missing_parameter_is_422_naming_it(client, headers):
    query = _q()
    del query["season"]
    r = client.get(URL, params=query, headers=headers["planner"])
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "season"]


def test_without_a_built_sea_graph_a_route_is_503_naming_the_command(settings, engine, tmp_path, places, headers):
    from tests.conftest import _override_session

    app = create_app(settings.model_copy(update={"routes": RoutesSettings(dir=tmp_path / "empty")}), engine=engine)
    _override_session(app, places)
    with TestClient(app) as c:
        r = c.get(URL, params=_q(), headers=headers["planner"])
    assert r.status_code == 503, r.text
    assert r.json()["detail"] == "the sea graph is not built yet: run 'pesisir routes build'"


@pytest.mark.parametrize(("role", "status"), [("harbourmaster", 403), ("anonymous", 401)])
def test_harbourmasters_and_anonymous_get_no_route(client, headers, places, role, status):
    assert client.get(URL, params=_q(), headers=headers[role]).status_code == status
