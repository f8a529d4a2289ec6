"""The routes' places: loaded idempotently and linked to their harbours, served to every signed-in role."""

from __future__ import annotations

import csv

import pytest
from sqlalchemy import func, select

from app.db.models import Harbour, Place
from app.errors import InvalidInput
from app.services import base_data

URL = "/api/v1/places"


@pytest.mark.parametrize("role", ["harbourmaster", "planner", "intelligence", "admin"])
def test_every_signed_in_role_reads_the_places(client, headers, places, role):
    r = client.get(URL, headers=headers[role])
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/geo+json")
    body = r.json()
    assert body["type"] == "FeatureCollection"
    by_slug = {f["id"]: f for f in body["features"]}
    harbours = set(places.execute(select(Harbour.slug)).scalars())
    assert harbours <= set(by_slug), "every harbour is a place"
    assert any(f["properties"]["kind"] in ("port", "staging_area") for f in body["features"]), "places outside"
    for f in body["features"]:
        assert set(f["properties"]) == {"slug", "name", "kind", "province", "source"}
        assert f["geometry"]["type"] == "Point" and f["properties"]["slug"] == f["id"]


def test_anonymous_gets_401(client):
    assert client.get(URL).status_code == 401


def test_a_place_is_linked_to_the_harbour_of_its_slug(places):
    linked = places.execute(
        select(Place.slug, Harbour.slug).join(Harbour, Place.harbour_id == Harbour.id, isouter=True)
    ).all()
    assert all(h is None or p == h for p, h in linked)
    assert dict(linked)["kalianget"] == "kalianget"
    assert all(h is None for p, h in linked if p.startswith(("surabaya", "banjarmasin", "makassar")))


def _write(path, rows):
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["slug", "name", "kind", "lon", "lat", "province", "source"])
        w.writerows(rows)
    return path


def test_loading_places_again_changes_nothing_and_a_change_is_an_update(db, tmp_path):
    path = _write(tmp_path / "p.csv", [("t-port", "Test port", "port", 112.7, -7.2, "Jawa Timur", "test")])
    first = base_data.load_places(db, path)
    again = base_data.load_places(db, path)
    moved = base_data.load_places(
        db, _write(tmp_path / "q.csv", [("t-port", "Test port", "port", 112.8, -7.2, "Jawa Timur", "test")])
    )
    assert (first.inserted, again.inserted, again.updated, moved.updated) == (1, 0, 0, 1)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (("t-x", "X", "lighthouse", 112.7, -7.2, "Jawa Timur", "test"), "row 1, column 'kind': unknown value 'lighth"),
        (("t-x", "X", "port", 112.7, -7.2, "", "test"), "row 1, column 'province': must not be empty"),
        (("t-x", "X", "port", 112.7, 97.0, "Jawa Timur", "test"), "row 1, column 'lat'"),
    ],
)
def test_a_bad_places_file_names_the_rule_and_writes_nothing(db, tmp_path, row, message):
    before = db.execute(select(func.count()).select_from(Place)).scalar_one()
    with pytest.raises(InvalidInput, match=message):
        base_data.load_places(db, _write(tmp_path / "bad.csv", [row]))
    assert db.execute(select(func.count()).select_from(Place)).scalar_one() == before
