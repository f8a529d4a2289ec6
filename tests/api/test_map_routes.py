"""Sea routes on the map: who sees the corridors and the route tool, and which corridors a map of a risk kind and
season shows."""

from __future__ import annotations

from geoalchemy2.shape import from_shape
from shapely import LineString

from app.db.models import Corridor


def _store_corridors(db):
    """One landing corridor per route season and a TPPO corridor in the west monsoon, in the test's transaction."""
    rows = [
        ("landing", "west", 5.0, [(114.0, -7.3), (114.4, -7.35)]),
        ("landing", "east", 2.0, [(114.0, -7.4), (114.4, -7.45)]),
        ("landing", "transition", 1.0, [(114.0, -7.5), (114.4, -7.55)]),
        ("tppo", "west", 3.0, [(115.0, -7.3), (115.4, -7.35)]),
    ]
    for kind, season, traffic, coords in rows:
        db.add(
            Corridor(
                risk_kind=kind,
                season=season,
                traffic=traffic,
                flows="kalianget>kangean",
                graph_version="test",
                geom=from_shape(LineString(coords), srid=4326),
            )
        )
    db.commit()  # release the savepoint; the test's outer transaction still rolls back


def test_map_readers_get_corridors_and_the_route_tool(client, headers, db):
    _store_corridors(db)
    for role in ("planner", "intelligence", "admin"):
        html = client.get("/map", params={"tiles": "false"}, headers=headers[role]).text
        # The annual map: every route season of the landing corridors, one overlay each, and no TPPO corridor.
        for season in ("musim barat", "musim timur", "musim peralihan"):
            assert f'"Koridor pendaratan ({season})"' in html, (role, season)
        assert "Koridor TPPO" not in html and "114.0, -7.3" in html and "115.0, -7.3" not in html
        assert 'id=\\"corridor-legend\\"' in html and "PesisirRoutes.init" in html
        assert '"places_url":"/api/v1/places"' in html and '"routes_url":"/api/v1/routes"' in html
        assert "kalianget\\u003ekangean" not in html and "kalianget>kangean" not in html  # flows stay out
    assert client.get("/map", headers=headers["harbourmaster"]).status_code == 403


def test_a_monsoon_map_shows_that_monsoons_corridors_in_its_language(client, headers, db):
    _store_corridors(db)
    client.headers.update(headers["planner"])
    html = client.get("/map", params={"risk": "tppo", "season": "west", "lang": "en", "tiles": "false"}).text
    assert '"Corridors TPPO (west monsoon)"' in html and "Corridors landing" not in html
    assert "moderate (100 % of the busiest corridor)" in html  # one line alone sits in the middle class
    assert '"season":"west"' in html and "Sea route" in html  # the route tool starts in the map's monsoon
    east = client.get("/map", params={"season": "east", "tiles": "false"}).text
    assert '"Koridor pendaratan (musim timur)"' in east and "musim barat)" not in east


def test_without_corridors_the_legend_says_how_to_build_them(client, headers):
    html = client.get("/map", params={"tiles": "false"}, headers=headers["planner"]).text
    assert "Koridor belum dibangun" in html and "pesisir routes build" in html
