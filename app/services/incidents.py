"""Incidents, recorded and reviewed by intelligence. Everyone allowed to list them gets the public view; the
narrative, source and reviewer's reason are shown only to intelligence and admin, and each such read is audited
(docs/RELIABILITY.md AZ-06). Audit rows never copy a narrative: they note its length."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.db.repositories import ewkt, scores
from app.db.repositories import reports as repo
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.params import BBox, Interval
from app.schemas import IncidentIn, IncidentOut, IncidentPage, IncidentPatch, IncidentPublicOut, Point, ReviewIn
from app.security import Principal
from app.services import alerts, audit
from app.services.landings import STALE_REACH_M


def incident_out(row: repo.IncidentRow) -> IncidentOut:
    n = row.incident
    return IncidentOut(
        id=n.id,
        uuid=n.uuid,
        kind=n.kind,
        occurred_start=n.occurred_start,
        occurred_end=n.occurred_end,
        location=Point(type="Point", coordinates=(row.lon, row.lat)),
        precision_m=n.precision_m,
        people=n.people,
        vessels=n.vessels,
        confidence=n.confidence,
        review_state=n.review_state,
        synthetic=n.synthetic,
        source=n.source,
        source_ref=n.source_ref,
        narrative=n.narrative,
        review_reason=n.review_reason,
        created_by=n.created_by,
    )


def _public(row: repo.IncidentRow) -> IncidentPublicOut:
    return IncidentPublicOut.model_validate(incident_out(row).model_dump(include=set(IncidentPublicOut.model_fields)))


def audited_state(out: IncidentOut) -> dict[str, Any]:
    body = out.model_dump(mode="json")
    if body.get("narrative") is not None:
        body["narrative"] = f"<{len(body['narrative'])} characters>"
    return body


def _require_sensitive(who: Principal) -> None:
    if not who.sees_sensitive:
        raise Forbidden.coded("incident.sensitive_only")


def create(session: Session, who: Principal, data: IncidentIn) -> IncidentOut:
    _require_sensitive(who)
    if data.source_ref is not None:
        known = repo.incident_ids_by_key(session, [(data.source, data.source_ref)])
        if known:
            (found,) = known.values()
            raise Conflict.coded(
                "incident.source_ref_taken", ref=repr(data.source_ref), source=repr(data.source), id=found
            )
    values = data.model_dump(exclude={"location", "occurred_end"})
    values.update(
        geom=ewkt((data.location.lon, data.location.lat)),
        occurred_end=data.occurred_end or data.occurred_start,
        created_by=who.id,
    )
    incident_id = repo.add_incident(session, values)
    row = repo.incident(session, incident_id)
    assert row is not None
    out = incident_out(row)
    audit.record(session, who, "create", "incident", incident_id, after=audited_state(out))
    scores.mark_stale_near(session, [(data.location.lon, data.location.lat)], STALE_REACH_M)
    alerts.on_incidents(session, [out], verified=False)
    return out


def get(session: Session, who: Principal, incident_id: int, *, purpose: str | None) -> IncidentOut | IncidentPublicOut:
    row = repo.incident(session, incident_id)
    if row is None:
        raise NotFound.coded("incident.not_found", id=incident_id)
    if not who.sees_sensitive:
        return _public(row)
    audit.record(session, who, "read_sensitive", "incident", incident_id, purpose=purpose)
    return incident_out(row)


def listing(
    session: Session,
    who: Principal,
    *,
    kind: str | None = None,
    bbox: BBox | None = None,
    occurred: Interval = (None, None),
    review_state: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> IncidentPage:
    """The public view for every reader: narratives are read one incident at a time, audited. ``bbox`` and
    ``occurred`` come parsed (``app.params``)."""
    rows = repo.incidents(
        session,
        kind=kind,
        bbox=bbox,
        occurred_from=occurred[0],
        occurred_to=occurred[1],
        review_state=review_state,
        limit=limit + 1,
        offset=offset,
    )
    return IncidentPage.of(rows, _public, limit=limit, offset=offset)


def update(session: Session, who: Principal, incident_id: int, patch: IncidentPatch) -> IncidentOut:
    _require_sensitive(who)
    row = repo.incident(session, incident_id, lock=True)
    if row is None:
        raise NotFound.coded("incident.not_found", id=incident_id)
    before = incident_out(row)
    incident = row.incident
    changes = patch.model_dump(exclude_unset=True)
    for name in ("kind", "source", "confidence", "occurred_start", "precision_m"):
        if name in changes and changes[name] is None:
            raise InvalidInput.coded("incident.not_null", name=name)
    location = changes.pop("location", None)
    start = changes.get("occurred_start", incident.occurred_start)
    end = changes.get("occurred_end", incident.occurred_end) or start
    if end < start:
        raise InvalidInput.coded("incident.end_before_start")
    for name, value in changes.items():
        setattr(incident, name, value)
    incident.occurred_end = end
    if location is not None and patch.location is not None:
        incident.geom = ewkt((patch.location.lon, patch.location.lat))  # type: ignore[assignment]
    session.flush()
    fresh = repo.incident(session, incident_id)
    assert fresh is not None
    out = incident_out(fresh)
    audit.record(
        session, who, "update", "incident", incident_id, before=audited_state(before), after=audited_state(out)
    )
    scores.mark_stale_near(session, [(row.lon, row.lat), (fresh.lon, fresh.lat)], STALE_REACH_M)
    return out


def review(session: Session, who: Principal, incident_id: int, decision: ReviewIn) -> IncidentOut:
    _require_sensitive(who)
    row = repo.incident(session, incident_id, lock=True)
    if row is None:
        raise NotFound.coded("incident.not_found", id=incident_id)
    incident = row.incident
    if incident.review_state != "reported":
        raise Conflict.coded("incident.already_reviewed", id=incident_id, state=incident.review_state)
    before = incident_out(row)
    incident.review_state = decision.review_state
    incident.review_reason = decision.reason
    session.flush()
    fresh = repo.incident(session, incident_id)
    assert fresh is not None
    out = incident_out(fresh)
    audit.record(
        session, who, "review", "incident", incident_id, before=audited_state(before), after=audited_state(out)
    )
    scores.mark_stale_near(session, [(fresh.lon, fresh.lat)], STALE_REACH_M)
    if out.review_state == "verified":
        alerts.on_incidents(session, [out], verified=True)
    return out
