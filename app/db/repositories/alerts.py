"""Alert subscriptions, the alerts outbox and its deliveries (migration 0013)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.db.models import Alert, AlertDelivery, AlertSubscription, CoastalSegment

SEGMENT_REACH_M = 2_000
"""A subscription by segment ids covers landings and incidents within this distance of one of its segments."""


@dataclass(frozen=True)
class Match:
    """A subscription that covers an event's place: its id, audience and rules; ``key`` says which of the points
    or segments asked about it covers. Only subscriptions of active users whose role may have alerts match, and
    the audience is the planners' when the owner is a planner now, whatever it was at subscription."""

    key: str
    subscription_id: int
    audience: str
    rules: list[dict[str, Any]]


def unknown_segments(session: Session, ids: Sequence[str]) -> list[str]:
    known = set(session.execute(select(CoastalSegment.id).where(CoastalSegment.id.in_(list(ids)))).scalars())
    return [i for i in ids if i not in known]


def area_problem(session: Session, geojson: str) -> str | None:
    """Why PostGIS finds the polygon invalid (self-intersection, ...), or None when it is valid."""
    reason = session.execute(
        text("SELECT CASE WHEN ST_IsValid(g) THEN NULL ELSE ST_IsValidReason(g) END FROM ST_GeomFromGeoJSON(:g) g"),
        {"g": geojson},
    ).scalar_one()
    return None if reason is None else str(reason)


def insert_subscription(session: Session, values: Mapping[str, Any], area_geojson: str | None) -> int:
    row = dict(values)
    if area_geojson is not None:
        row["area"] = func.ST_Multi(func.ST_SetSRID(func.ST_GeomFromGeoJSON(area_geojson), 4326))
    sub = AlertSubscription(**row)
    session.add(sub)
    session.flush()
    return int(sub.id)


_SUB_COLUMNS = (
    AlertSubscription.id,
    AlertSubscription.name,
    AlertSubscription.audience,
    func.ST_AsGeoJSON(AlertSubscription.area, 6).label("area"),
    AlertSubscription.segment_ids,
    AlertSubscription.rules,
    AlertSubscription.webhook_url,
    AlertSubscription.email,
    AlertSubscription.created_at,
)


def subscriptions(session: Session, owner_id: int, *, limit: int, offset: int, only: int | None = None) -> list[Any]:
    stmt = select(*_SUB_COLUMNS).where(AlertSubscription.owner_id == owner_id)
    if only is not None:
        stmt = stmt.where(AlertSubscription.id == only)
    return list(session.execute(stmt.order_by(AlertSubscription.id).limit(limit).offset(offset)))


def delete_subscription(session: Session, owner_id: int, subscription_id: int) -> bool:
    sub = session.get(AlertSubscription, subscription_id)
    if sub is None or sub.owner_id != owner_id:
        return False
    session.delete(sub)
    session.flush()
    return True


def any_rule(session: Session, rule: str) -> bool:
    """Whether any subscription has a rule of this type (the scoring path skips its comparison without one)."""
    probe = text("SELECT EXISTS (SELECT 1 FROM alert_subscriptions WHERE rules @> CAST(:r AS jsonb))")
    return bool(session.execute(probe, {"r": json.dumps([{"type": rule}])}).scalar_one())


_AT_POINTS = """
SELECT p.key, s.id, CASE WHEN u.role = 'planner' THEN 'planner' ELSE s.audience END, s.rules
FROM jsonb_to_recordset(CAST(:points AS jsonb)) AS p(key text, lon float8, lat float8)
JOIN alert_subscriptions s ON s.rules @> CAST(:rule AS jsonb) AND (
    ST_Intersects(s.area, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
    OR EXISTS (
        SELECT 1 FROM coastal_segments c
        WHERE c.id = ANY(s.segment_ids)
          AND ST_DWithin(c.geom::geography, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)::geography, :reach)
    )
)
JOIN users u ON u.id = s.owner_id AND u.is_active AND u.role IN ('admin', 'intelligence', 'planner')
ORDER BY s.id, p.key
"""


def subscriptions_at_points(session: Session, rule: str, points: Sequence[tuple[str, float, float]]) -> list[Match]:
    """The subscriptions with a rule of type ``rule`` whose area holds one of ``points`` (key, lon, lat)."""
    if not points:
        return []
    data = json.dumps([{"key": k, "lon": lon, "lat": lat} for k, lon, lat in points])
    rows = session.execute(
        text(_AT_POINTS), {"points": data, "rule": json.dumps([{"type": rule}]), "reach": SEGMENT_REACH_M}
    )
    return [Match(str(k), int(i), str(a), list(r)) for k, i, a, r in rows]


_OVER_SEGMENTS = """
SELECT c.id, s.id, CASE WHEN u.role = 'planner' THEN 'planner' ELSE s.audience END, s.rules
FROM coastal_segments c
JOIN alert_subscriptions s ON s.rules @> CAST(:rule AS jsonb)
    AND (c.id = ANY(s.segment_ids) OR ST_Intersects(s.area, c.geom))
JOIN users u ON u.id = s.owner_id AND u.is_active AND u.role IN ('admin', 'intelligence', 'planner')
WHERE c.id = ANY(:ids)
ORDER BY s.id, c.id
"""


def subscriptions_over_segments(session: Session, rule: str, segment_ids: Sequence[str]) -> list[Match]:
    """The subscriptions with a rule of type ``rule`` whose area holds (or lists) one of the segments."""
    if not segment_ids:
        return []
    rows = session.execute(text(_OVER_SEGMENTS), {"ids": list(segment_ids), "rule": json.dumps([{"type": rule}])})
    return [Match(str(k), int(i), str(a), list(r)) for k, i, a, r in rows]


_WRITE = """
WITH new AS (
    INSERT INTO alerts (subscription_id, owner_id, event_key, rule, payload)
    SELECT a.subscription_id, s.owner_id, a.event_key, a.rule, a.payload
    FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS a(subscription_id bigint, event_key text, rule text, payload jsonb)
    JOIN alert_subscriptions s ON s.id = a.subscription_id
    ON CONFLICT (subscription_id, event_key) DO NOTHING
    RETURNING id, subscription_id
), targets AS (
    INSERT INTO alert_deliveries (alert_id, target, destination)
    SELECT new.id, t.target, t.destination
    FROM new JOIN alert_subscriptions s ON s.id = new.subscription_id
    CROSS JOIN LATERAL (VALUES ('webhook', s.webhook_url), ('email', s.email)) AS t(target, destination)
    WHERE t.destination IS NOT NULL
    RETURNING alert_id
)
SELECT (SELECT count(*) FROM new), (SELECT count(*) FROM targets)
"""


def write_alerts(session: Session, rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert alerts (subscription_id, event_key, rule, payload) and a pending delivery per target of each, in
    one statement; an alert whose (subscription, event) is stored already is skipped. Returns the alerts made."""
    if not rows:
        return 0
    made, _ = session.execute(text(_WRITE), {"rows": json.dumps(list(rows), default=str)}).one()
    return int(made)


def alerts(
    session: Session, owner_id: int, *, acknowledged: bool | None, limit: int, offset: int
) -> list[tuple[Alert, dict[str, str]]]:
    """The owner's alerts, newest first, each with its deliveries' states per target."""
    stmt = select(Alert).where(Alert.owner_id == owner_id)
    if acknowledged is not None:
        stmt = stmt.where(Alert.acknowledged_at.is_not(None) if acknowledged else Alert.acknowledged_at.is_(None))
    found = list(session.execute(stmt.order_by(Alert.id.desc()).limit(limit).offset(offset)).scalars())
    states: dict[int, dict[str, str]] = {a.id: {} for a in found}
    if found:
        rows = session.execute(
            select(AlertDelivery.alert_id, AlertDelivery.target, AlertDelivery.state).where(
                AlertDelivery.alert_id.in_(list(states))
            )
        )
        for alert_id, target, state in rows:
            states[alert_id][target] = state
    return [(a, states[a.id]) for a in found]


def count_unacknowledged(session: Session, owner_id: int) -> int:
    stmt = select(func.count()).where(Alert.owner_id == owner_id, Alert.acknowledged_at.is_(None))
    return int(session.execute(stmt).scalar_one())


def acknowledge(session: Session, owner_id: int, alert_id: int) -> tuple[Alert, dict[str, str]] | None:
    alert = session.get(Alert, alert_id)
    if alert is None or alert.owner_id != owner_id:
        return None
    if alert.acknowledged_at is None:
        alert.acknowledged_at = func.now()
        session.flush()
        session.refresh(alert)
    rows = session.execute(
        select(AlertDelivery.target, AlertDelivery.state).where(AlertDelivery.alert_id == alert_id)
    ).all()
    states = {str(k): str(v) for k, v in rows}
    return alert, states


# -- delivery --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Due:
    """A delivery claimed by this transaction (its row is locked until the transaction ends)."""

    alert_id: int
    target: str
    destination: str
    attempts: int
    subscription_id: int
    rule: str
    event_key: str
    created_at: datetime
    payload: dict[str, Any]
    webhook_secret: str | None


_CLAIM = """
SELECT d.alert_id, d.target, d.destination, d.attempts, a.subscription_id, a.rule, a.event_key, a.created_at,
       a.payload, s.webhook_secret
FROM alert_deliveries d
JOIN alerts a ON a.id = d.alert_id
JOIN alert_subscriptions s ON s.id = a.subscription_id
WHERE d.state = 'pending' AND d.next_attempt_at <= clock_timestamp()
ORDER BY d.next_attempt_at, d.alert_id
LIMIT 1
FOR UPDATE OF d SKIP LOCKED
"""


def claim_due(session: Session) -> Due | None:
    """One pending delivery that is due, locked for this transaction; deliveries other workers hold are skipped."""
    row = session.execute(text(_CLAIM)).one_or_none()
    return None if row is None else Due(*row)


def mark_delivered(session: Session, due: Due) -> None:
    session.execute(
        text(
            "UPDATE alert_deliveries SET state = 'delivered', delivered_at = clock_timestamp(), "
            "attempts = attempts + 1, last_error = NULL WHERE alert_id = :a AND target = :t"
        ),
        {"a": due.alert_id, "t": due.target},
    )


def mark_failed(session: Session, due: Due, *, retry_in_s: float, error: str) -> None:
    session.execute(
        text(
            "UPDATE alert_deliveries SET attempts = attempts + 1, last_error = :e, "
            "next_attempt_at = clock_timestamp() + make_interval(secs => :s) WHERE alert_id = :a AND target = :t"
        ),
        {"a": due.alert_id, "t": due.target, "e": error[:2000], "s": retry_in_s},
    )
