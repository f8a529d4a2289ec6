"""Landing reports: idempotency (docs/RELIABILITY.md §A), harbour scoping (§C), batch upload, listing and review."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select, text

from app.db.models import AuditLog, IdempotencyKey, Landing
from tests.api.helpers import SAPEKEN_SEA, key, landing

URL = "/api/v1/landings"


def _count(db, client_uuid=None):
    stmt = select(func.count()).select_from(Landing)
    if client_uuid:
        stmt = stmt.where(Landing.client_uuid == uuid.UUID(client_uuid))
    return db.execute(stmt).scalar_one()


def test_harbourmaster_reports_a_landing_for_own_harbour(client, headers, db):
    body = landing()
    r = client.post(URL, json=body, headers={**headers["harbourmaster"], **key()})
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["harbour"] == "kalianget" and out["client_uuid"] == body["client_uuid"]
    assert out["location"] == {"type": "Point", "coordinates": body["location"]["coordinates"]}
    assert out["review_state"] == "reported" and out["received_at"]
    assert "idempotent-replayed" not in r.headers
    audit = db.execute(
        select(AuditLog).where(AuditLog.object_type == "landing", AuditLog.object_id == str(out["id"]))
    ).scalar_one()
    assert (
        audit.action == "create"
        and audit.actor == "t-harbourmaster"
        and audit.after["client_uuid"] == body["client_uuid"]
    )


def test_missing_idempotency_key_is_422_naming_the_header_and_stores_nothing(client, headers, db):
    body = landing()
    r = client.post(URL, json=body, headers=headers["harbourmaster"])
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert _count(db, body["client_uuid"]) == 0


def test_same_key_same_body_replays_the_first_answer(client, headers, db):
    body, k = landing(), key()
    first = client.post(URL, json=body, headers={**headers["harbourmaster"], **k})
    second = client.post(URL, json=body, headers={**headers["harbourmaster"], **k})
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert _count(db, body["client_uuid"]) == 1


def test_same_key_different_body_is_422_and_changes_nothing(client, headers, db):
    body, k = landing(), key()
    assert client.post(URL, json=body, headers={**headers["harbourmaster"], **k}).status_code == 201
    other = landing(persons_aboard=9)
    r = client.post(URL, json=other, headers={**headers["harbourmaster"], **k})
    assert r.status_code == 422
    assert "Idempotency-Key already used with a different body" in r.json()["detail"].replace(": a", " a")
    assert _count(db, other["client_uuid"]) == 0 and _count(db, body["client_uuid"]) == 1


def test_same_record_uuid_under_a_new_key_returns_the_stored_landing(client, headers, db):
    body = landing()
    first = client.post(URL, json=body, headers={**headers["harbourmaster"], **key()})
    again = client.post(URL, json=body, headers={**headers["harbourmaster"], **key()})
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert _count(db, body["client_uuid"]) == 1


def test_record_uuid_dedup_outlives_reaped_keys(client, headers, db):
    body = landing()
    first = client.post(URL, json=body, headers={**headers["harbourmaster"], **key()})
    db.execute(IdempotencyKey.__table__.delete())  # keys reaped three weeks later
    again = client.post(URL, json=body, headers={**headers["harbourmaster"], **key()})
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert _count(db, body["client_uuid"]) == 1


def test_keys_are_scoped_per_user(client, headers, db, users):
    # docs/RELIABILITY.md AZ-16: B reusing A's key is processed as B's own request.
    k = key()
    a = client.post(URL, json=landing(), headers={**headers["admin"], **k})
    b = client.post(URL, json=landing(), headers={**headers["harbourmaster"], **k})
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"] and "idempotent-replayed" not in b.headers


def test_harbourmaster_cannot_report_for_another_harbour(client, headers, db):
    body = landing(harbour="sapeken", location={"type": "Point", "coordinates": SAPEKEN_SEA})
    r = client.post(URL, json=body, headers={**headers["harbourmaster"], **key()})
    assert r.status_code == 403 and "own harbour" in r.json()["detail"]
    assert _count(db, body["client_uuid"]) == 0


def test_another_harbours_landing_is_404_like_a_missing_one(client, headers):
    created = client.post(URL, json=landing(), headers={**headers["harbourmaster"], **key()}).json()
    other = client.get(f"{URL}/{created['id']}", headers=headers["harbourmaster_b"])
    missing = client.get(f"{URL}/999999999", headers=headers["harbourmaster_b"])
    assert other.status_code == missing.status_code == 404
    assert other.json()["detail"].replace(str(created["id"]), "N") == missing.json()["detail"].replace("999999999", "N")
    assert client.get(f"{URL}/{created['id']}", headers=headers["harbourmaster"]).status_code == 200
    listed = client.get(URL, headers=headers["harbourmaster_b"]).json()["items"]
    assert created["id"] not in {x["id"] for x in listed}


def test_batch_reports_each_item_on_its_own(client, headers, db):
    dup = landing()
    client.post(URL, json=dup, headers={**headers["harbourmaster"], **key()})
    good = [landing() for _ in range(3)]
    bad = landing(persons_aboard=2, crew=1, foreign_nationals=5)
    items = [*good, dup, bad, {"client_uuid": "nope"}, good[0]]
    r = client.post(f"{URL}/batch", json={"items": items}, headers=headers["harbourmaster"])
    assert r.status_code == 200, r.text
    out = r.json()
    assert [i["status"] for i in out["items"]] == ["created"] * 3 + ["duplicate", "invalid", "invalid", "duplicate"]
    assert (out["created"], out["duplicate"], out["invalid"]) == (3, 2, 2)
    assert "foreign_nationals" in out["items"][4]["error"]
    assert out["items"][6]["id"] == out["items"][0]["id"]
    assert _count(db, bad["client_uuid"]) == 0
    # Resending the whole batch creates nothing.
    again = client.post(f"{URL}/batch", json={"items": good}, headers=headers["harbourmaster"]).json()
    assert again["created"] == 0 and again["duplicate"] == 3


def test_oversized_batch_is_refused(client, headers, db):
    items = [landing() for _ in range(501)]
    r = client.post(f"{URL}/batch", json={"items": items}, headers=headers["harbourmaster"])
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "items"] and "500" in r.json()["detail"][0]["msg"]
    assert _count(db, items[0]["client_uuid"]) == 0


def test_list_filters_and_pages(client, headers):
    hm = headers["harbourmaster"]
    made = [
        client.post(URL, json=landing(suspicion_flags=["night"] if i % 2 else []), headers={**hm, **key()}).json()
        for i in range(4)
    ]
    ids = {m["id"] for m in made}
    page = client.get(URL, params={"harbour": "kalianget", "limit": 2}, headers=headers["intelligence"]).json()
    assert len(page["items"]) == 2 and page["next_offset"] == 2
    sus = client.get(URL, params={"suspicious": "true", "limit": 500}, headers=hm).json()["items"]
    assert {x["id"] for x in sus} & ids == {m["id"] for m in made if m["suspicious"]}
    box = client.get(URL, params={"bbox": "113.9,-7.1,114.0,-7.0", "limit": 500}, headers=hm).json()["items"]
    assert ids <= {x["id"] for x in box}
    far = client.get(URL, params={"bbox": "115.0,-7.1,115.1,-7.0", "limit": 500}, headers=hm).json()["items"]
    assert not ids & {x["id"] for x in far}
    window = client.get(
        URL, params={"observed_from": "2001-01-01T00:00:00Z", "observed_to": "2001-01-02T00:00:00Z"}, headers=hm
    )
    assert window.status_code == 200 and not ids & {x["id"] for x in window.json()["items"]}
    assert client.get(URL, params={"bbox": "1,2,3"}, headers=hm).status_code == 400
    assert client.get(URL, params={"bbox": "114,-7,113,-6"}, headers=hm).status_code == 400
    assert client.get(URL, params={"limit": 10_000_000}, headers=hm).status_code == 422
    r = client.get(
        URL, params={"observed_from": "2025-02-01T00:00:00Z", "observed_to": "2025-01-01T00:00:00Z"}, headers=hm
    )
    assert r.status_code == 400 and r.json()["detail"] == "observed_to: must not precede observed_from"


def test_review_by_intelligence(client, headers, db):
    made = client.post(URL, json=landing(), headers={**headers["harbourmaster"], **key()}).json()
    assert (
        client.patch(
            f"{URL}/{made['id']}", json={"review_state": "verified", "reason": "seen"}, headers=headers["harbourmaster"]
        ).status_code
        == 403
    )
    r = client.patch(
        f"{URL}/{made['id']}",
        json={"review_state": "rejected", "reason": "duplicate of radio log"},
        headers=headers["intelligence"],
    )
    assert (
        r.status_code == 200
        and r.json()["review_state"] == "rejected"
        and r.json()["review_reason"] == "duplicate of radio log"
    )
    again = client.patch(
        f"{URL}/{made['id']}",
        json={"review_state": "verified", "reason": "changed mind"},
        headers=headers["intelligence"],
    )
    assert again.status_code == 409
    assert (
        client.patch(
            f"{URL}/{made['id']}", json={"review_state": "reported", "reason": "x" * 5}, headers=headers["intelligence"]
        ).status_code
        == 422
    )
    audit = db.execute(
        select(AuditLog).where(AuditLog.action == "review", AuditLog.object_id == str(made["id"]))
    ).scalar_one()
    assert audit.before["review_state"] == "reported" and audit.after["review_state"] == "rejected"


def test_new_landing_flags_nearby_scores_which_stay_served_until_rescored(client, headers, db):
    db.execute(
        text("""
        INSERT INTO coastal_segments (id, island_id, ordinal, geom, length_m, seaward_bearing)
        SELECT '35.29-t' || n, (SELECT id FROM islands WHERE code = '35.29'), 90000 + n,
               ST_SetSRID(ST_MakeLine(ST_MakePoint(x, -7.06), ST_MakePoint(x + 0.01, -7.06)), 4326), 1000, 180
        FROM (VALUES (1, 113.95), (2, 115.5)) AS v(n, x)""")
    )
    db.execute(
        text("""
        INSERT INTO segment_scores (segment_id, risk_kind, model_version, data_cutoff, score, risk_class)
        SELECT id, 'landing', 'test', now(), 0.5, 'medium' FROM coastal_segments WHERE id LIKE '35.29-t%'""")
    )
    client.post(URL, json=landing(), headers={**headers["harbourmaster"], **key()})

    def flags():
        sql = "SELECT segment_id, needs_rescore FROM segment_scores WHERE model_version = 'test' AND NOT stale"
        return dict(db.execute(text(sql)).all())

    assert flags() == {"35.29-t1": True, "35.29-t2": False}
    served = client.get("/api/v1/segments", headers=headers["planner"]).json()["features"]
    assert {f["id"]: f["properties"]["score"] for f in served} == {"35.29-t1": 0.5, "35.29-t2": 0.5}

    assert client.post("/api/v1/scores/refresh", headers=headers["planner"]).status_code == 403
    r = client.post("/api/v1/scores/refresh", headers=headers["intelligence"])
    assert r.status_code == 200 and r.json() == {"stale": 1, "rescored": 12}  # 2 segments x 2 kinds x 3 seasons
    assert flags() == {}  # the test version is superseded by the configured model's
    served = client.get("/api/v1/segments", headers=headers["planner"]).json()["features"]
    assert all(f["properties"]["model_version"].startswith("landing-") for f in served)
    again = client.post("/api/v1/scores/refresh", headers=headers["intelligence"])
    assert again.json() == {"stale": 0, "rescored": 0}


def _concurrent_posts(scratch, settings, bodies: list[dict]) -> list:
    """POST every body at once (one thread each) under one Idempotency-Key, against a committed database."""
    from fastapi.testclient import TestClient

    from app.db.models import User
    from app.db.session import make_sessionmaker, unit_of_work
    from app.main import create_app
    from app.security import Principal, hash_password, issue_token
    from tests.conftest import SECRET

    _, engine = scratch
    name = f"t-conc-{uuid.uuid4().hex[:6]}"
    with unit_of_work(make_sessionmaker(engine)) as s:
        u = User(username=name, role="admin", harbour_id=None, password_hash=hash_password("x" * 12))
        s.add(u)
        s.flush()
        who = Principal(u.id, name, "admin", None)
    h = {"Authorization": f"Bearer {issue_token(who, SECRET, 900)}", **key()}
    with TestClient(create_app(settings, engine=engine)) as c, ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(lambda b: c.post(URL, json=b, headers=h), bodies))


def _stored(scratch, bodies: list[dict]) -> int:
    _, engine = scratch
    uuids = [uuid.UUID(b["client_uuid"]) for b in bodies]
    with engine.connect() as conn:
        return conn.execute(
            select(func.count()).select_from(Landing).where(Landing.client_uuid.in_(uuids))
        ).scalar_one()


def test_twenty_concurrent_posts_with_one_key_make_one_row(scratch, settings):
    """docs/RELIABILITY.md DL-04 against a committed database: all 20 get 201 with the same id."""
    body = landing()
    replies = _concurrent_posts(scratch, settings, [body] * 20)
    assert [r.status_code for r in replies] == [201] * 20
    assert len({r.json()["id"] for r in replies}) == 1
    assert _stored(scratch, [body]) == 1
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in replies) == 19
    json.dumps([r.json() for r in replies])


def test_concurrent_posts_with_one_key_and_different_bodies_store_one(scratch, settings):
    """The key is stored at the end of the landing's transaction: of ten different reports sent at once under one
    key, one is stored and the other nine are refused and leave nothing behind."""
    bodies = [landing() for _ in range(10)]
    replies = _concurrent_posts(scratch, settings, bodies)
    assert sorted(r.status_code for r in replies) == [201] + [422] * 9
    assert all("different body" in r.json()["detail"] for r in replies if r.status_code == 422)
    assert _stored(scratch, bodies) == 1


def test_a_uuid_used_at_another_harbour_reveals_nothing(client, headers):
    """Issue 13, defect 12: a harbourmaster reporting with a client UUID another harbour has used is answered as if
    it were new (201, their own report), never 409 "another harbour's report"; retries stay deduplicated."""
    shared = landing()
    a = client.post(URL, json=shared, headers={**headers["harbourmaster"], **key()})
    assert a.status_code == 201
    theirs = {**shared, "location": {"type": "Point", "coordinates": list(SAPEKEN_SEA)}}
    fresh = landing(location={"type": "Point", "coordinates": list(SAPEKEN_SEA)})
    b = client.post(URL, json=theirs, headers={**headers["harbourmaster_b"], **key()})
    c = client.post(URL, json=fresh, headers={**headers["harbourmaster_b"], **key()})
    assert b.status_code == c.status_code == 201, b.text
    assert b.json()["id"] != a.json()["id"] and b.json()["harbour"] == "sapeken"
    assert "another harbour" not in b.text
    again = client.post(URL, json=theirs, headers={**headers["harbourmaster_b"], **key()})
    assert again.status_code == 200 and again.json()["id"] == b.json()["id"]
    batch = client.post(f"{URL}/batch", json={"items": [theirs]}, headers=headers["harbourmaster_b"])
    (item,) = batch.json()["items"]
    assert item["status"] == "duplicate" and item["id"] == b.json()["id"]
