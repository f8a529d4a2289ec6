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
        {"origin": "114.2,-6.95", "destination": "114.2,-6.95"},
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
    from tests.fixtures_db import _override_session

    app = create_app(settings.model_copy(update={"routes": RoutesSettings(dir=tmp_path / "empty")}), engine=engine)
    _override_session(app, places)
    with TestClient(app) as c:
        r = c.get(URL, params=_q(), headers=headers["planner"])
    assert r.status_code == 503, r.text
    assert r.json()["detail"] == "the sea graph is not built yet: run 'pesisir routes build'"


@pytest.mark.parametrize(("role", "status"), [("harbourmaster", 403), ("anonymous", 401)])
def test_harbourmasters_and_anonymous_get_no_route(client, headers, places, role, status):
    assert client.get(URL, params=_q(), headers=headers[role]).status_code == status


# -- on the real sea graph (built once per test run) -------------------------------------------------------------


def test_a_real_route_from_kalianget_to_kangean_is_a_linestring_with_its_hours(client, headers, places, sea_graph):
    r = client.get(URL, params=_q(boat="speedboat"), headers=headers["planner"])
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/geo+json")
    f = r.json()
    assert f["type"] == "Feature" and f["geometry"]["type"] == "LineString"
    coords = f["geometry"]["coordinates"]
    assert len(coords) >= 2
    assert coords[0] == pytest.approx([113.94, -7.06], abs=0.02) and coords[-1] == pytest.approx(
        [115.23, -6.84], abs=0.02
    )
    p = f["properties"]
    assert (p["origin"], p["destination"], p["boat"], p["season"]) == ("kalianget", "kangean", "speedboat", "east")
    assert p["passable"] is True and p["reason"] is None
    assert 100 < p["distance_km"] < 250 and 2 < p["hours"] < 12  # ~150 km; a fast boat takes 4-5 h
    assert p["graph_version"]


def test_lon_lat_ends_and_avoiding_monitored_harbours(client, headers, places, sea_graph):
    plain = client.get(URL, params=_q(origin="114.2,-6.95"), headers=headers["intelligence"])
    avoiding = client.get(URL, params=_q(origin="114.2,-6.95", avoid="monitored"), headers=headers["intelligence"])
    assert plain.status_code == avoiding.status_code == 200, avoiding.text
    assert plain.json()["properties"]["origin"] == "114.2,-6.95"
    assert avoiding.json()["properties"]["avoid"] == "monitored"
    # Kalianget and Kangean are monitored: keeping clear of them costs time.
    assert avoiding.json()["properties"]["hours"] > plain.json()["properties"]["hours"]


def test_a_point_on_land_is_422_naming_it(client, headers, places, sea_graph):
    before = _written(places)
    r = client.get(URL, params=_q(origin="113.87,-7.00"), headers=headers["admin"])  # inland of Sumenep town
    assert r.status_code == 422, r.text
    assert r.json()["detail"].startswith("origin:") and "on land" in r.json()["detail"]
    assert _written(places) == before


def test_a_perahu_is_stopped_by_the_java_sea_in_the_west_monsoon_and_the_api_says_why(
    client, headers, places, sea_graph
):
    r = client.get(URL, params=_q(destination="masalembu", season="west"), headers=headers["planner"])
    assert r.status_code == 200, r.text
    p = r.json()["properties"]
    assert p["passable"] is False and "Java Sea" in p["reason"] and "exceeds" in p["reason"]
    steel = client.get(
        URL, params=_q(destination="masalembu", season="west", boat="steel_ship"), headers=headers["planner"]
    )
    assert steel.json()["properties"]["passable"] is True
