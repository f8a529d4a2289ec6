"""Incidents: intelligence records, edits and reviews; planners see no narrative; sensitive reads are audited."""

from __future__ import annotations

from sqlalchemy import select

from app.db.models import AuditLog
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
