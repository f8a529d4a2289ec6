"""Alerts (issue 14): subscriptions, and the outbox written in the transaction of the change that caused it.

A subscription has an area (a GeoJSON polygon, or a list of segment ids), rules and targets. The changes call in:

- ``on_landings``: a landing flagged suspicious, or with foreign nationals aboard (rule ``suspicious_landing``);
- ``on_incident``: an incident recorded, or verified (rule ``incident``, ``verified_only``);
- ``on_rescore``: segments whose class rose to at least a chosen class (rule ``class_at_least``), one alert per
  subscription per re-scoring run.

Each writes at most one alert per subscription and event (``alerts`` is unique on the pair) and a pending
delivery per target, in the caller's transaction: the alert exists exactly when the change does. Sending is
``app.services.alert_delivery``. A planner's alert carries only the planners' allow-list
(``app.services.layers.PLANNER_PROPERTIES``) and never a narrative; nobody's carries a narrative (it is read at the
incident's own URL, where the read is audited) or a landing's notes (read with the landing).
"""

from __future__ import annotations

import ipaddress
import json
import secrets
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from app.db.repositories import alerts as repo
from app.errors import Forbidden, InvalidInput, NotFound
from app.schemas import (
    AlertOut,
    AlertPage,
    IncidentOut,
    LandingOut,
    LandingRule,
    SubscriptionIn,
    SubscriptionOut,
    SubscriptionPage,
)
from app.security import PLANNER, Principal
from app.services.layers import PLANNER_PROPERTIES
from app.settings import AlertSettings
from geo.vocabulary import RISK_CLASSES

CLASS_RULE, LANDING_RULE, INCIDENT_RULE = "class_at_least", "suspicious_landing", "incident"
INCIDENT_HIDDEN = ("narrative", "review_reason")
"""Never in an alert: the narrative is read at GET /api/v1/incidents/{id}, where each read is audited."""
LANDING_HIDDEN = {"notes"}
"""Never in an alert: a landing's notes are free text a person typed (names may appear), read with the landing at
GET /api/v1/landings/{id}. An alert goes out by webhook and e-mail, beyond the service's access rules."""


# -- subscriptions ---------------------------------------------------------------------------------------------
def _blocked(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def check_webhook_url(url: str, allowed_hosts: Iterable[str]) -> str:
    """The URL when it may be called: http(s), a host, no user name or password, and every address the host
    resolves to public, unless the host is listed in ``PESISIR_WEBHOOK_ALLOWED_HOSTS``. InvalidInput naming the
    field and the rule otherwise. Checked at subscription and again before every delivery (DNS may change)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput.coded("subscription.webhook_url_form")
    if parts.username is not None or parts.password is not None:
        raise InvalidInput.coded("subscription.webhook_credentials")
    host = parts.hostname.lower()
    if host in {h.lower() for h in allowed_hosts}:
        return url
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = {info[4][0] for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)}
    except (OSError, ValueError) as exc:
        raise InvalidInput.coded("subscription.webhook_unresolved", host=repr(host), error=str(exc)) from None
    blocked = sorted(a for a in found if _blocked(str(a)))
    if blocked:
        raise InvalidInput.coded("subscription.webhook_private_host", host=repr(host), address=blocked[0])
    return url


def _check_rules(who: Principal, data: SubscriptionIn) -> None:
    if who.role != PLANNER:
        return
    for i, rule in enumerate(data.rules):
        if isinstance(rule, LandingRule):
            raise Forbidden.coded("subscription.landing_rule_planner", index=i, rule=LANDING_RULE)


def _out(row: Any, secret: str | None = None) -> SubscriptionOut:
    return SubscriptionOut(
        id=row.id,
        name=row.name,
        audience=row.audience,
        area=json.loads(row.area) if row.area else None,
        segment_ids=row.segment_ids,
        rules=row.rules,
        webhook_url=row.webhook_url,
        email=row.email,
        created_at=row.created_at,
        webhook_secret=secret,
    )


def create_subscription(session: Session, who: Principal, data: SubscriptionIn, cfg: AlertSettings) -> SubscriptionOut:
    """Store a subscription of ``who``; its webhook secret is in this answer only. Nothing is stored when any
    part is refused."""
    _check_rules(who, data)
    area = None
    if data.area is not None:
        area = data.area.model_dump_json()
        problem = repo.area_problem(session, area)
        if problem is not None:
            raise InvalidInput.coded("subscription.area_invalid", problem=problem)
    if data.segment_ids is not None:
        unknown = repo.unknown_segments(session, data.segment_ids)
        if unknown:
            raise InvalidInput.coded("subscription.unknown_segments", count=len(unknown), example=repr(unknown[0]))
    url = check_webhook_url(data.webhook.url, cfg.webhook_allowed_hosts) if data.webhook else None
    if data.email is not None and not cfg.smtp_host:
        raise InvalidInput.coded("subscription.no_smtp")
    secret = secrets.token_urlsafe(32) if url else None
    values = {
        "owner_id": who.id,
        "name": data.name,
        "audience": "planner" if who.role == PLANNER else "full",
        "segment_ids": sorted(set(data.segment_ids)) if data.segment_ids else None,
        "rules": [r.model_dump() for r in data.rules],
        "webhook_url": url,
        "webhook_secret": secret,
        "email": data.email,
    }
    sub_id = repo.insert_subscription(session, values, area)
    (row,) = repo.subscriptions(session, who.id, limit=1, offset=0, only=sub_id)
    return _out(row, secret)


def list_subscriptions(session: Session, who: Principal, *, limit: int, offset: int) -> SubscriptionPage:
    rows = repo.subscriptions(session, who.id, limit=limit + 1, offset=offset)
    return SubscriptionPage(
        items=[_out(r) for r in rows[:limit]],
        limit=limit,
        offset=offset,
        next_offset=offset + limit if len(rows) > limit else None,
    )


def delete_subscription(session: Session, who: Principal, subscription_id: int) -> None:
    """Remove one of ``who``'s subscriptions with its alerts and their pending deliveries."""
    if not repo.delete_subscription(session, who.id, subscription_id):
        raise NotFound.coded("subscription.not_found", id=subscription_id)


# -- listing ---------------------------------------------------------------------------------------------------
def _alert_out(alert: Any, deliveries: dict[str, str]) -> AlertOut:
    return AlertOut(
        id=alert.id,
        subscription_id=alert.subscription_id,
        rule=alert.rule,
        event=alert.event_key,
        created_at=alert.created_at,
        acknowledged_at=alert.acknowledged_at,
        payload=alert.payload,
        deliveries=deliveries,
    )


def listing(session: Session, who: Principal, *, acknowledged: bool | None, limit: int, offset: int) -> AlertPage:
    found = repo.alerts(session, who.id, acknowledged=acknowledged, limit=limit + 1, offset=offset)
    return AlertPage(
        items=[_alert_out(a, d) for a, d in found[:limit]],
        limit=limit,
        offset=offset,
        next_offset=offset + limit if len(found) > limit else None,
        unacknowledged=repo.count_unacknowledged(session, who.id),
    )


def acknowledge(session: Session, who: Principal, alert_id: int) -> AlertOut:
    """Mark one of ``who``'s alerts as seen (idempotent). Deliveries go on regardless: they stop at a 2xx."""
    found = repo.acknowledge(session, who.id, alert_id)
    if found is None:
        raise NotFound.coded("alert.not_found", id=alert_id)
    return _alert_out(*found)


# -- the outbox ------------------------------------------------------------------------------------------------
def _incident_subject(out: IncidentOut, audience: str) -> dict[str, Any]:
    body = out.model_dump(mode="json")
    if audience == "planner":
        keep = {"id", "location", *PLANNER_PROPERTIES["incidents"]}
        return {k: v for k, v in body.items() if k in keep}
    return {k: v for k, v in body.items() if k not in INCIDENT_HIDDEN}


def _write(session: Session, rows: list[dict[str, Any]]) -> int:
    return repo.write_alerts(session, rows)


def on_landings(session: Session, landings: Sequence[LandingOut]) -> int:
    """Alerts for the landings just stored that are suspicious or had foreign nationals aboard. Landings are not
    in the planners' allow-list, so only full-audience subscriptions have this rule."""
    flagged = {str(o.id): o for o in landings if o.suspicious or (o.foreign_nationals or 0) > 0}
    if not flagged:
        return 0
    points = [(k, o.location.lon, o.location.lat) for k, o in flagged.items()]
    rows = []
    for m in repo.subscriptions_at_points(session, LANDING_RULE, points):
        if m.audience != "full":
            continue
        rows.append(
            {
                "subscription_id": m.subscription_id,
                "event_key": f"landing:{m.key}",
                "rule": LANDING_RULE,
                "payload": {"landing": flagged[m.key].model_dump(mode="json", exclude=LANDING_HIDDEN)},
            }
        )
    return _write(session, rows)


def on_incidents(session: Session, outs: Sequence[IncidentOut], *, verified: bool) -> int:
    """Alerts for incidents just recorded (``verified=False``: created or imported) or just verified (``True``)."""
    by_id = {str(o.id): o for o in outs}
    points = [(k, o.location.lon, o.location.lat) for k, o in by_id.items()]
    rows = []
    for m in repo.subscriptions_at_points(session, INCIDENT_RULE, points):
        wanted = {bool(r.get("verified_only")) for r in m.rules if r.get("type") == INCIDENT_RULE}
        if verified not in wanted:
            continue
        rows.append(
            {
                "subscription_id": m.subscription_id,
                "event_key": f"incident:{m.key}:{'verified' if verified else 'recorded'}",
                "rule": INCIDENT_RULE,
                "payload": {"incident": _incident_subject(by_id[m.key], m.audience)},
            }
        )
    return _write(session, rows)


@dataclass(frozen=True)
class ClassChange:
    """A segment's class of one risk kind and season before and after a re-scoring (``before``: None when it had
    no score)."""

    segment_id: str
    risk_kind: str
    season: str
    before: str | None
    after: str
    score: float


RANK = {c: i for i, c in enumerate(RISK_CLASSES)}


def _rises_to(change: ClassChange, rule: dict[str, Any]) -> bool:
    if rule.get("type") != CLASS_RULE or change.before is None:
        return False
    if rule.get("risk_kind") not in (None, change.risk_kind) or rule.get("season", "annual") != change.season:
        return False
    threshold = RANK[rule["risk_class"]]
    return RANK[change.before] < threshold <= RANK[change.after]


def class_rules_exist(session: Session) -> bool:
    """Whether any subscription watches classes: the scoring path compares classes only then."""
    return repo.any_rule(session, CLASS_RULE)


def on_rescore(session: Session, changes: Sequence[ClassChange], cutoff: datetime) -> int:
    """One alert per subscription per re-scoring run (event ``scores:<cutoff>``), listing the segments in its
    area whose class rose to at least a class one of its rules names. A segment scored for the first time has
    not risen. Running the scoring again with nothing new changes no class, and so alerts nobody."""
    rising = [c for c in changes if c.before is not None and RANK[c.after] > RANK[c.before]]
    if not rising:
        return 0
    by_segment: dict[str, list[ClassChange]] = {}
    for c in rising:
        by_segment.setdefault(c.segment_id, []).append(c)
    subjects: dict[int, list[dict[str, Any]]] = {}
    for m in repo.subscriptions_over_segments(session, CLASS_RULE, list(by_segment)):
        for c in by_segment[m.key]:
            if any(_rises_to(c, r) for r in m.rules):
                subjects.setdefault(m.subscription_id, []).append(
                    {
                        "id": c.segment_id,
                        "risk_kind": c.risk_kind,
                        "season": c.season,
                        "risk_class": c.after,
                        "previous_class": c.before,
                        "score": round(c.score, 6),
                    }
                )
    key = f"scores:{cutoff.isoformat()}"
    rows = [
        {
            "subscription_id": sub_id,
            "event_key": key,
            "rule": CLASS_RULE,
            "payload": {"data_cutoff": cutoff.isoformat(), "segments": segs},
        }
        for sub_id, segs in subjects.items()
    ]
    return _write(session, rows)
