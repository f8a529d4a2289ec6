"""Alerts (issue 14): subscriptions by role, bad input, the outbox written with the change (exactly one alert per
subscription and event), planners' payloads, and the re-scoring rule."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.main import create_app
from app.services import rescoring, risk
from app.services.layers import PLANNER_PROPERTIES
from app.settings import AlertSettings
from tests.api.helpers import KALIANGET_SEA, SAPEKEN_SEA, incident, key, landing
from tests.fixtures_db import _override_session, clear_login_limits

HOOK = "https://hooks.test/pesisir"
NOTES = "Nakhoda Pak Salim bilang muatan dari Sapeken"


def square(lon: float, lat: float, d: float = 0.05) -> dict:
    ring = [[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]]
    return {"type": "Polygon", "coordinates": [ring]}


AROUND_KALIANGET = square(*KALIANGET_SEA)


@pytest.fixture
def api(settings, engine, db) -> Iterator[TestClient]:
    """The service with an SMTP server set and ``hooks.test`` allowed; delivery paused (the outbox is what is
    checked here; tests/api/test_alert_delivery.py sends it)."""
    clear_login_limits(engine)
    cfg = AlertSettings(delivery_interval_s=0, smtp_host="127.0.0.1", webhook_allowed_hosts=["hooks.test"])
    app = create_app(settings.model_copy(update={"alerts": cfg}), engine=engine)
    _override_session(app, db)
    with TestClient(app) as c:
        yield c


def subscribe(api, headers, role="intelligence", **over):
    body = {"name": "Kalianget", "area": AROUND_KALIANGET, "rules": [{"type": "incident"}], "webhook": {"url": HOOK}}
    body.update(over)
    return api.post("/api/v1/alerts/subscriptions", json=body, headers=headers[role])


def count(db, table: str) -> int:
    return int(db.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_a_subscription_is_created_listed_and_deleted_by_its_owner(api, headers):
    made = subscribe(api, headers, email="duty@example.org")
    assert made.status_code == 201, made.text
    sub = made.json()
    assert len(sub["webhook_secret"]) >= 32 and sub["audience"] == "full" and sub["area"]["type"] == "MultiPolygon"
    listed = api.get("/api/v1/alerts/subscriptions", headers=headers["intelligence"]).json()["items"]
    assert [s["id"] for s in listed] == [sub["id"]]
    assert listed[0]["webhook_secret"] is None  # shown once, at creation
    assert api.get("/api/v1/alerts/subscriptions", headers=headers["admin"]).json()["items"] == []
    assert api.delete(f"/api/v1/alerts/subscriptions/{sub['id']}", headers=headers["admin"]).status_code == 404
    assert api.delete(f"/api/v1/alerts/subscriptions/{sub['id']}", headers=headers["intelligence"]).status_code == 204
    assert api.get("/api/v1/alerts/subscriptions", headers=headers["intelligence"]).json()["items"] == []


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"area": None}, "segment_ids"),
        ({"segment_ids": ["KNG-0001"]}, "area, segment_ids"),
        ({"area": None, "segment_ids": ["no-such-segment"]}, "segment_ids"),
        ({"area": {"type": "Polygon", "coordinates": [[[113, -7], [114, -7], [114, -6], [113, -6]]]}}, "area"),
        (
            {"area": {"type": "Polygon", "coordinates": [[[113, -7], [114, -6], [114, -7], [113, -6], [113, -7]]]}},
            "area",
        ),
        ({"area": {"type": "Polygon", "coordinates": [[[200, -7], [114, -7], [114, -6], [200, -7]]]}}, "area"),
        ({"area": {"type": "Polygon", "coordinates": [[[[113, -7], [114, -7], [114, -6], [113, -7]]]]}}, "area"),
        ({"area": {"type": "MultiPolygon", "coordinates": [[[113, -7], [114, -7], [114, -6], [113, -7]]]}}, "area"),
        ({"rules": []}, "rules"),
        ({"rules": [{"type": "weather"}]}, "rules"),
        ({"rules": [{"type": "class_at_least", "risk_class": "severe"}]}, "rules"),
        ({"webhook": {"url": "ftp://hooks.test/x"}}, "webhook.url"),
        ({"webhook": {"url": "http://127.0.0.1:9/x"}}, "webhook.url"),
        ({"webhook": {"url": "http://10.1.2.3/x"}}, "webhook.url"),
        ({"webhook": {"url": "http://169.254.169.254/latest/meta-data"}}, "webhook.url"),
        ({"webhook": {"url": "http://[::1]:8080/x"}}, "webhook.url"),
        ({"webhook": {"url": "https://user:pw@hooks.test/x"}}, "webhook.url"),
        ({"email": "not an address"}, "email"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(api, headers, db, over, field):
    r = subscribe(api, headers, **over)
    assert r.status_code in (400, 422), r.text
    assert field.split(".")[0] in r.text, r.text
    assert count(db, "alert_subscriptions") == 0


def test_a_private_webhook_host_listed_in_the_setting_is_allowed(settings, engine, db, headers):
    cfg = AlertSettings(delivery_interval_s=0, webhook_allowed_hosts=["127.0.0.1"])
    app = create_app(settings.model_copy(update={"alerts": cfg}), engine=engine)
    _override_session(app, db)
    with TestClient(app) as c:
        ok = subscribe(c, headers, webhook={"url": "http://127.0.0.1:9/x"})
        refused = subscribe(c, headers, webhook={"url": "http://10.1.2.3/x"})
        no_smtp = subscribe(c, headers, webhook=None, email="duty@example.org")
    assert ok.status_code == 201, ok.text
    assert refused.status_code == 422 and "PESISIR_WEBHOOK_ALLOWED_HOSTS" in refused.text
    assert no_smtp.status_code == 422 and "PESISIR_SMTP_HOST" in no_smtp.text


def test_harbourmasters_may_not_subscribe_and_planners_not_to_landings(api, headers):
    assert subscribe(api, headers, role="harbourmaster").status_code == 403
    r = subscribe(api, headers, role="planner", rules=[{"type": "suspicious_landing"}])
    assert r.status_code == 403 and "rules[0]" in r.text
    assert subscribe(api, headers, role="planner").json()["audience"] == "planner"


def test_an_incident_in_the_area_makes_one_alert_per_subscription_with_its_deliveries(api, headers, db):
    full = subscribe(api, headers, email="duty@example.org").json()
    planner = subscribe(api, headers, role="planner", webhook=None).json()
    elsewhere = subscribe(api, headers, area=square(*SAPEKEN_SEA)).json()
    made = api.post("/api/v1/incidents", json=incident(), headers=headers["intelligence"])
    assert made.status_code == 201
    api.post("/api/v1/incidents", json=incident(location={"type": "Point", "coordinates": [112.0, -7.0]}),
             headers=headers["intelligence"])  # fmt: skip

    mine = api.get("/api/v1/alerts", headers=headers["intelligence"]).json()
    assert [a["subscription_id"] for a in mine["items"]] == [full["id"]] and mine["unacknowledged"] == 1
    alert = mine["items"][0]
    assert alert["rule"] == "incident" and alert["payload"]["incident"]["id"] == made.json()["id"]
    assert "narrative" not in alert["payload"]["incident"]  # read at the incident's URL, audited
    assert alert["deliveries"] == {"webhook": "pending", "email": "pending"}
    theirs = api.get("/api/v1/alerts", headers=headers["planner"]).json()["items"]
    assert [a["subscription_id"] for a in theirs] == [planner["id"]] and theirs[0]["deliveries"] == {}
    assert_planner_payloads(theirs)
    assert elsewhere["id"] not in {a["subscription_id"] for a in mine["items"]}
    assert count(db, "alerts") == 2 and count(db, "alert_deliveries") == 2

    acked = api.post(f"/api/v1/alerts/{alert['id']}/acknowledge", headers=headers["intelligence"])
    assert acked.status_code == 200 and acked.json()["acknowledged_at"] is not None
    assert api.post(f"/api/v1/alerts/{alert['id']}/acknowledge", headers=headers["planner"]).status_code == 404
    assert api.get("/api/v1/alerts", headers=headers["intelligence"]).json()["unacknowledged"] == 0
    assert (
        api.get("/api/v1/alerts", params={"acknowledged": "false"}, headers=headers["intelligence"]).json()["items"]
        == []
    )


def assert_planner_payloads(items: list[dict]) -> None:
    """A planner's alert carries the planners' allow-list only: no narrative, no personal field, no landing."""
    for item in items:
        payload = item["payload"]
        assert "landing" not in payload
        if "incident" in payload:
            assert set(payload["incident"]) <= {"id", "location", *PLANNER_PROPERTIES["incidents"]}
        for seg in payload.get("segments", []):
            assert set(seg) <= {"id", "previous_class", *PLANNER_PROPERTIES["segments"]}


def test_a_verified_only_rule_fires_when_the_incident_is_verified(api, headers):
    sub = subscribe(api, headers, rules=[{"type": "incident", "verified_only": True}]).json()
    made = api.post("/api/v1/incidents", json=incident(), headers=headers["intelligence"]).json()
    assert api.get("/api/v1/alerts", headers=headers["intelligence"]).json()["items"] == []
    review = {"review_state": "verified", "reason": "confirmed by patrol"}
    assert api.post(f"/api/v1/incidents/{made['id']}/review", json=review, headers=headers["admin"]).status_code == 200
    items = api.get("/api/v1/alerts", headers=headers["intelligence"]).json()["items"]
    assert [(a["subscription_id"], a["event"]) for a in items] == [(sub["id"], f"incident:{made['id']}:verified")]


def test_a_suspicious_landing_alerts_and_an_ordinary_one_does_not(api, headers):
    sub = subscribe(api, headers, rules=[{"type": "suspicious_landing"}]).json()
    hm = {**headers["harbourmaster"], **key()}
    plain = api.post("/api/v1/landings", json=landing(), headers=hm)
    flagged = api.post("/api/v1/landings", json=landing(suspicion_flags=["night"], notes=NOTES), headers={
        **headers["harbourmaster"], **key()})  # fmt: skip
    foreign = api.post("/api/v1/landings/batch", json={"items": [landing(foreign_nationals=2)]}, headers=hm)
    assert plain.status_code == 201 and flagged.status_code == 201, flagged.text
    assert foreign.status_code in (200, 201), foreign.text
    items = api.get("/api/v1/alerts", headers=headers["intelligence"]).json()["items"]
    ids = {a["payload"]["landing"]["id"] for a in items}
    assert ids == {flagged.json()["id"], foreign.json()["items"][0]["id"]}
    assert {a["subscription_id"] for a in items} == {sub["id"]}
    # A landing's notes are read with the landing, never sent out in an alert (webhook, e-mail, the bell).
    assert flagged.json()["notes"] == NOTES
    assert all("notes" not in a["payload"]["landing"] and NOTES not in str(a) for a in items)
    # the same report sent again (same client UUID) is a duplicate: no new alert
    again = api.post("/api/v1/landings", json=flagged.json() | {}, headers={**headers["harbourmaster"], **key()})
    assert again.status_code in (200, 201, 422)
    assert len(api.get("/api/v1/alerts", headers=headers["intelligence"]).json()["items"]) == 2


def _segment_near_the_top_of_medium(db) -> tuple[str, float, float]:
    """The medium (landing, annual) segment with the highest score, and its midpoint."""
    row = db.execute(
        text(
            "SELECT s.segment_id, ST_X(p), ST_Y(p) FROM segment_scores s JOIN coastal_segments c ON c.id = s.segment_id"
            " CROSS JOIN LATERAL ST_LineInterpolatePoint(c.geom, 0.5) p WHERE NOT s.stale AND s.risk_kind = 'landing'"
            " AND s.season = 'annual' AND s.risk_class = 'medium' ORDER BY s.score DESC LIMIT 1"
        )
    ).one()
    return str(row[0]), float(row[1]), float(row[2])


def _class_of(db, segment_id: str) -> str:
    return str(
        db.execute(
            text(
                "SELECT risk_class FROM segment_scores WHERE segment_id = :s AND NOT stale AND risk_kind = 'landing'"
                " AND season = 'annual'"
            ),
            {"s": segment_id},
        ).scalar_one()
    )


def test_a_verified_incident_lifting_a_segment_to_high_alerts_once_per_subscription(api, headers, db):
    risk.segment(db)
    risk.score(db, season="annual")
    seg, lon, lat = _segment_near_the_top_of_medium(db)
    rule = {"type": "class_at_least", "risk_class": "high", "risk_kind": "landing"}
    by_area = subscribe(api, headers, rules=[rule], area=square(lon, lat, 0.02)).json()
    by_segment = subscribe(api, headers, role="planner", rules=[rule], area=None, segment_ids=[seg], webhook=None)
    assert by_segment.status_code == 201, by_segment.text
    by_critical = subscribe(api, headers, role="admin", rules=[rule | {"risk_class": "critical"}], area=None,
                            segment_ids=[seg]).json()  # fmt: skip

    point = {"type": "Point", "coordinates": [lon, lat]}
    made = api.post(
        "/api/v1/incidents", json=incident(kind="illegal_landing", location=point), headers=headers["intelligence"]
    )
    review = {"review_state": "verified", "reason": "confirmed by patrol"}
    verified = api.post(f"/api/v1/incidents/{made.json()['id']}/review", json=review, headers=headers["intelligence"])
    assert verified.status_code == 200, verified.text
    assert rescoring.refresh_stale(db, store=risk.PRIOR_ONLY).rescored > 0
    assert _class_of(db, seg) in ("high", "critical")
    rescoring.refresh_stale(db, store=risk.PRIOR_ONLY)  # nothing stale any more: no run
    risk.score(db, season="annual")  # a run that changes no class

    rows = db.execute(text("SELECT subscription_id, rule, payload FROM alerts WHERE rule = 'class_at_least'")).all()
    subs = sorted(r[0] for r in rows)
    expected = sorted(
        [by_area["id"], by_segment.json()["id"]] + ([by_critical["id"]] if _class_of(db, seg) == "critical" else [])
    )
    assert subs == expected  # exactly one per subscription, after three scorings
    for sub_id, _, payload in rows:
        assert seg in {s["id"] for s in payload["segments"]}, sub_id
        (mine,) = [s for s in payload["segments"] if s["id"] == seg]
        assert mine["previous_class"] == "medium"
    planner_items = api.get("/api/v1/alerts", headers=headers["planner"]).json()["items"]
    assert_planner_payloads(planner_items)


def test_the_map_carries_the_alerts_bell_under_the_csp(api, headers):
    r = api.get("/map", params={"tiles": "false"}, headers=headers["planner"])
    assert r.status_code == 200
    nonce = r.headers["content-security-policy"].split("'nonce-")[1].split("'")[0]
    tags = [t for t in r.text.split("<script")[1:] if "pesisir-alerts.js" in t.split(">")[0]]
    assert len(tags) == 1 and f'nonce="{nonce}"' in tags[0].split(">")[0], tags
    assert 'id="pesisir-alerts"' in r.text and "pesisir-alerts.css" in r.text
    assert api.get("/static/pesisir-alerts.js").status_code == 200


def test_imported_incidents_in_the_area_alert_once_each(api, headers):
    sub = subscribe(api, headers).json()
    items = [incident(source_ref=f"ref-{i}") for i in range(3)]
    items.append(incident(source_ref="far", location={"type": "Point", "coordinates": list(SAPEKEN_SEA)}))
    for _ in range(2):  # sent twice: the second time every item is a duplicate
        r = api.post("/api/v1/incidents/batch", json={"items": items}, headers=headers["intelligence"])
        assert r.status_code in (200, 201), r.text
    alerts = api.get("/api/v1/alerts", headers=headers["intelligence"]).json()["items"]
    assert len(alerts) == 3 and {a["subscription_id"] for a in alerts} == {sub["id"]}
    assert len({a["event"] for a in alerts}) == 3


def test_an_owner_who_became_a_planner_or_was_disabled_gets_what_their_role_allows_now(api, headers, users, db):
    full = subscribe(api, headers).json()
    other = subscribe(api, headers, role="admin").json()
    db.execute(text("UPDATE users SET role = 'planner' WHERE id = :u"), {"u": users["intelligence"].id})
    db.execute(text("UPDATE users SET is_active = false WHERE id = :u"), {"u": users["admin"].id})
    db.commit()  # release the savepoint (as the users fixture does)
    from app.schemas import IncidentIn
    from app.services import incidents

    incidents.create(db, users["admin"], IncidentIn.model_validate(incident()))  # the service, as a reviewer
    rows = db.execute(text("SELECT subscription_id, payload FROM alerts")).all()
    assert [r[0] for r in rows] == [full["id"]] and other["id"] not in {r[0] for r in rows}
    assert_planner_payloads([{"payload": rows[0][1]}])
