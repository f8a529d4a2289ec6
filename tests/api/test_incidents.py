"""Incidents: intelligence records, edits and reviews; planners see no narrative; sensitive reads are audited."""

from __future__ import annotations

from sqlalchemy import func, select

from app.db.models import AuditLog, Incident
from tests.api.helpers import incident

URL = "/api/v1/incidents"


def test_intelligence_records_and_planner_sees_no_narrative(client, headers, db):
    r = client.post(URL, json=incident(), headers=headers["intelligence"])
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["narrative"].startswith("Named witness") and made["source"] == "informant report 17"
    planner = client.get(f"{URL}/{made['id']}", headers=headers["planner"])
    assert planner.status_code == 200
    assert set(planner.json()) >= {"kind", "location", "occurred_start"}
    assert not {"narrative", "source", "review_reason", "created_by"} & set(planner.json())
    listed = client.get(URL, params={"kind": "people_smuggling", "limit": 500}, headers=headers["planner"]).json()[
        "items"
    ]
    assert made["id"] in {x["id"] for x in listed} and all("narrative" not in x for x in listed)
    for role in ("planner", "harbourmaster"):
        assert client.post(URL, json=incident(), headers=headers[role]).status_code == 403
    assert client.get(URL, headers=headers["harbourmaster"]).status_code == 403
    created = db.execute(
        select(AuditLog).where(AuditLog.action == "create", AuditLog.object_id == str(made["id"]))
    ).scalar_one()
    assert created.after["narrative"] == f"<{len(made['narrative'])} characters>"  # the audit never copies it


def test_reading_the_narrative_is_audited_in_the_same_transaction(client, headers, db, users):
    made = client.post(URL, json=incident(), headers=headers["intelligence"]).json()
    r = client.get(f"{URL}/{made['id']}", params={"purpose": "case 12 follow-up"}, headers=headers["intelligence"])
    assert r.status_code == 200 and r.json()["narrative"]
    row = db.execute(
        select(AuditLog).where(AuditLog.action == "read_sensitive", AuditLog.object_id == str(made["id"]))
    ).scalar_one()
    assert row.actor_id == users["intelligence"].id and row.purpose == "case 12 follow-up" and row.at is not None
    client.get(f"{URL}/{made['id']}", headers=headers["planner"])
    assert (
        len(
            db.execute(
                select(AuditLog).where(AuditLog.action == "read_sensitive", AuditLog.object_id == str(made["id"]))
            ).all()
        )
        == 1
    )


def test_update_and_review_with_before_and_after(client, headers, db):
    made = client.post(URL, json=incident(), headers=headers["intelligence"]).json()
    r = client.patch(
        f"{URL}/{made['id']}",
        json={"people": 14, "location": {"type": "Point", "coordinates": [113.96, -7.08]}},
        headers=headers["intelligence"],
    )
    assert r.status_code == 200 and r.json()["people"] == 14 and r.json()["location"]["coordinates"] == [113.96, -7.08]
    row = db.execute(
        select(AuditLog).where(AuditLog.action == "update", AuditLog.object_id == str(made["id"]))
    ).scalar_one()
    assert row.before["people"] == 12 and row.after["people"] == 14
    bad = client.patch(
        f"{URL}/{made['id']}", json={"occurred_end": "2001-01-01T00:00:00Z"}, headers=headers["intelligence"]
    )
    assert bad.status_code == 422 and "occurred_end precedes occurred_start" in bad.text
    ok = client.post(
        f"{URL}/{made['id']}/review",
        json={"review_state": "verified", "reason": "confirmed by police"},
        headers=headers["intelligence"],
    )
    assert ok.status_code == 200 and ok.json()["review_state"] == "verified"
    assert (
        client.post(
            f"{URL}/{made['id']}/review",
            json={"review_state": "rejected", "reason": "again"},
            headers=headers["intelligence"],
        ).status_code
        == 409
    )
    assert client.get(f"{URL}/987654321", headers=headers["intelligence"]).status_code == 404


def test_incident_window_and_precision_rules(client, headers):
    r = client.post(
        URL,
        json=incident(occurred_start="2025-02-01T00:00:00Z", occurred_end="2025-01-01T00:00:00Z"),
        headers=headers["intelligence"],
    )
    assert r.status_code == 422 and "occurred_end precedes occurred_start" in r.text
    r = client.post(URL, json=incident(precision_m=0), headers=headers["intelligence"])
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "precision_m"]
    r = client.post(URL, json=incident(kind="piracy"), headers=headers["intelligence"])
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "kind"]
    r = client.post(
        URL, json=incident(occurred_start="2025-01-01T00:00:00", occurred_end=None), headers=headers["intelligence"]
    )
    assert r.status_code == 422 and r.json()["detail"][0]["type"] == "timezone_aware"


# -- batch import: keyed by the source's own id --------------------------------------------------------------------
BATCH = f"{URL}/batch"


def _items(n, source="Polres Sumenep batch", **over):
    return [incident(source=source, source_ref=f"LP/{i}", **over) for i in range(n)]


def test_a_batch_answers_every_item_and_a_resend_creates_nothing(client, headers, db, users):
    items = _items(4)
    items[1]["precision_m"] = 0  # invalid: precision_m
    items[3]["source_ref"] = "LP/0"  # repeats item 0
    r = client.post(BATCH, json={"items": items}, headers=headers["intelligence"])
    assert r.status_code == 207, r.text
    body = r.json()
    assert (body["created"], body["duplicate"], body["invalid"]) == (2, 1, 1)
    assert [x["status"] for x in body["items"]] == ["created", "invalid", "created", "duplicate"]
    assert [x["index"] for x in body["items"]] == [0, 1, 2, 3]
    assert body["items"][1]["error"].startswith("precision_m: ")
    assert body["items"][3]["id"] == body["items"][0]["id"] and "repeats item 0" in body["items"][3]["error"]
    made = client.get(f"{URL}/{body['items'][0]['id']}", headers=headers["intelligence"]).json()
    assert made["source_ref"] == "LP/0" and made["synthetic"] is False and made["precision_m"] == 500.0
    assert made["occurred_end"] != made["occurred_start"]  # the window is kept
    planner = client.get(f"{URL}/{body['items'][0]['id']}", headers=headers["planner"]).json()
    assert "source_ref" not in planner  # the source's own id is as sensitive as the source

    audit = db.execute(select(AuditLog).where(AuditLog.object_type == "incident_import")).scalars().all()
    assert len(audit) == 1 and audit[0].actor_id == users["intelligence"].id
    assert (audit[0].after["created"], audit[0].after["duplicate"], audit[0].after["invalid"]) == (2, 1, 1)
    assert audit[0].after["invalid_rows"] == [1]
    creates = db.execute(
        select(AuditLog).where(AuditLog.action == "create", AuditLog.object_type == "incident")
    ).scalars()
    assert {int(a.object_id) for a in creates} >= {body["items"][0]["id"], body["items"][2]["id"]}

    valid = [items[0], items[2]]
    again = client.post(BATCH, json={"items": valid}, headers=headers["admin"])
    assert again.status_code == 200, again.text  # every item stored before
    assert [x["status"] for x in again.json()["items"]] == ["duplicate", "duplicate"]
    assert [x["id"] for x in again.json()["items"]] == [body["items"][0]["id"], body["items"][2]["id"]]
    assert len(db.execute(select(AuditLog).where(AuditLog.object_type == "incident_import")).all()) == 1

    fresh = client.post(BATCH, json={"items": _items(2, source="Lanal")}, headers=headers["intelligence"])
    assert fresh.status_code == 201 and fresh.json()["created"] == 2


def test_a_batch_with_no_valid_item_is_422_and_stores_nothing(client, headers, db):
    before = db.execute(select(func.count()).select_from(Incident)).scalar_one()
    audit_before = db.execute(select(func.count()).select_from(AuditLog)).scalar_one()
    items = _items(3)
    items[0]["kind"] = "piracy"
    del items[1]["source_ref"]  # an import needs the source's own id
    items[2]["location"]["coordinates"] = [110.4, -6.97]  # Semarang
    r = client.post(BATCH, json={"items": items}, headers=headers["intelligence"])
    assert r.status_code == 422, r.text
    errors = [x["error"] for x in r.json()["items"]]
    assert errors[0].startswith("kind: ") and errors[1].startswith("source_ref: ")
    assert errors[2].startswith("location: point is") and "check the lon/lat order" in errors[2]
    assert db.execute(select(func.count()).select_from(Incident)).scalar_one() == before
    assert db.execute(select(func.count()).select_from(AuditLog)).scalar_one() == audit_before


def test_a_batch_over_500_items_is_refused_naming_the_rule(client, headers, db):
    before = db.execute(select(func.count()).select_from(Incident)).scalar_one()
    r = client.post(BATCH, json={"items": _items(501)}, headers=headers["intelligence"])
    assert r.status_code == 422
    detail = r.json()["detail"][0]
    assert detail["loc"] == ["body", "items"] and "at most 500 items" in detail["msg"]
    assert db.execute(select(func.count()).select_from(Incident)).scalar_one() == before


def test_a_batch_is_for_intelligence_and_admin_only(client, headers):
    for role in ("planner", "harbourmaster"):
        assert client.post(BATCH, json={"items": _items(1)}, headers=headers[role]).status_code == 403


def test_a_single_incident_with_a_known_source_ref_is_409(client, headers):
    body = incident(source="Polres Sumenep single", source_ref="LP/77")
    first = client.post(URL, json=body, headers=headers["intelligence"])
    assert first.status_code == 201 and first.json()["source_ref"] == "LP/77"
    again = client.post(URL, json=body, headers=headers["intelligence"])
    assert again.status_code == 409 and f"is incident {first.json()['id']} already" in again.text
    other = client.post(URL, json={**body, "source": "Polres Bangkalan"}, headers=headers["intelligence"])
    assert other.status_code == 201  # another source may number its reports the same way
