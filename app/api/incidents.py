"""Incidents: recorded, edited and reviewed by intelligence; planners read the public view."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from app.deps import MapReader, Reviewer, SessionDep
from app.schemas import (
    IncidentIn,
    IncidentKind,
    IncidentOut,
    IncidentPage,
    IncidentPatch,
    IncidentPublicOut,
    ReviewIn,
    ReviewState,
)
from app.services import incidents

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])

IncidentId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.post("", status_code=201, response_model=IncidentOut)
def create_incident(data: IncidentIn, who: Reviewer, session: SessionDep) -> IncidentOut:
    return incidents.create(session, who, data)


@router.get("", response_model=IncidentPage)
def list_incidents(
    who: MapReader,
    session: SessionDep,
    kind: IncidentKind | None = None,
    bbox: Annotated[str | None, Query(max_length=200, description="minLon,minLat,maxLon,maxLat")] = None,
    occurred_from: datetime | None = None,
    occurred_to: datetime | None = None,
    review_state: ReviewState | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> IncidentPage:
    """Incidents without narrative or source (read one incident for those; the read is audited)."""
    return incidents.listing(
        session,
        who,
        kind=kind,
        bbox=bbox,
        occurred_from=occurred_from,
        occurred_to=occurred_to,
        review_state=review_state,
        limit=limit,
        offset=offset,
    )


@router.get("/{incident_id}", response_model=IncidentOut | IncidentPublicOut, responses={404: {}})
def get_incident(
    incident_id: IncidentId,
    who: MapReader,
    session: SessionDep,
    purpose: Annotated[str | None, Query(max_length=200, description="Why the record is read (audited)")] = None,
) -> IncidentOut | IncidentPublicOut:
    """The whole record for intelligence and admin (audited), the public view for planners."""
    return incidents.get(session, who, incident_id, purpose=purpose)


@router.patch("/{incident_id}", response_model=IncidentOut, responses={404: {}})
def update_incident(incident_id: IncidentId, patch: IncidentPatch, who: Reviewer, session: SessionDep) -> IncidentOut:
    return incidents.update(session, who, incident_id, patch)


@router.post("/{incident_id}/review", response_model=IncidentOut, responses={404: {}, 409: {}})
def review_incident(incident_id: IncidentId, decision: ReviewIn, who: Reviewer, session: SessionDep) -> IncidentOut:
    """Review: ``reported -> verified | rejected``, with a reason."""
    return incidents.review(session, who, incident_id, decision)
