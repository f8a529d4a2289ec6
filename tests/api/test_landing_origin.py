"""A landing's structured origin: a place slug next to the free-text ``origin``; an unknown slug is a 422 naming
``origin_place`` and the slug, and nothing is stored."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from app.db.models import Landing, Place
from tests.api.helpers import key, landing

URL = "/api/v1/landings"


def _stored(db, client_uuid):
    return db.execute(select(Landing).where(Landing.client_uuid == uuid.UUID(client_uuid))).scalar_one_or_none()


def test_a_report_names_its_origin_place_by_slug(client, headers, places):
    body = landing(origin="dari Sapeken, kata nakhoda", origin_place="Sapeken")
    r = client.post(URL, json=body, headers={**headers["harbourmaster"], **key()})
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["origin_place"] == "sapeken" and out["origin"] == "dari Sapeken, kata nakhoda"
    stored = _stored(places, body["client_uuid"])
    sapeken = places.execute(select(Place.id).where(Place.slug == "sapeken")).scalar_one()
    assert stored is not None and stored.origin_place_id == sapeken
    # read back: one landing, and the listing
    assert client.get(f"{URL}/{out['id']}", headers=headers["harbourmaster"]).json()["origin_place"] == "sapeken"
    listed = client.get(URL, headers=headers["intelligence"]).json()["items"]
    assert next(i for i in listed if i["id"] == out["id"])["origin_place"] == "sapeken"


def test_without_origin_place_it_is_null(client, headers, places):
    r = client.post(URL, json=landing(), headers={**headers["harbourmaster"], **key()})
    assert r.status_code == 201 and r.json()["origin_place"] is None


def test_an_unknown_origin_place_is_422_naming_it_and_nothing_is_stored(client, headers, places):
    body = landing(origin_place="atlantis")
    r = client.post(URL, json=body, headers={**headers["harbourmaster"], **key()})
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail.startswith("origin_place:") and "'atlantis'" in detail
    assert _stored(places, body["client_uuid"]) is None


def test_a_too_long_origin_place_is_422_naming_it(client, headers, places):
    r = client.post(URL, json=landing(origin_place="x" * 61), headers={**headers["harbourmaster"], **key()})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "origin_place"]


def test_a_batch_item_with_an_unknown_origin_place_is_invalid_with_its_reason(client, headers, places):
    good, bad = landing(origin_place="kalianget"), landing(origin_place="nowhere-bay")
    before = places.execute(select(func.count()).select_from(Landing)).scalar_one()
    r = client.post(f"{URL}/batch", json={"items": [good, bad]}, headers=headers["harbourmaster"])
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["created"], out["invalid"]) == (1, 1)
    item = out["items"][1]
    assert (
        item["status"] == "invalid" and item["error"].startswith("origin_place:") and "'nowhere-bay'" in item["error"]
    )
    assert places.execute(select(func.count()).select_from(Landing)).scalar_one() == before + 1
    assert _stored(places, bad["client_uuid"]) is None
    assert _stored(places, good["client_uuid"]).origin_place_id is not None


def test_exported_landings_carry_the_origin_place_and_planners_get_none(published):
    from tests.fixtures_db import published_token

    intelligence = {"Authorization": f"Bearer {published_token(published, 'intelligence')}"}
    r = published.get("/api/v1/export/landings.csv", headers=intelligence)
    assert r.status_code == 200
    assert "origin_place" in r.text.splitlines()[0].split(",")
    assert published.get("/api/v1/export/landings.csv").status_code == 403  # planners: no landings (R2-11)
