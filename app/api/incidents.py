"""Incidents: recorded, edited and reviewed by intelligence; planners read the public view."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from app.api.params import BBoxDep, OccurredDep
from app.deps import MapReader, Reviewer, SessionDep
from app.errors import language, language_headers
from app.schemas import (
    IncidentBatchIn,
    IncidentBatchOut,
    IncidentIn,
    IncidentKind,
    IncidentOut,
    IncidentPage,
    IncidentPatch,
    IncidentPublicOut,
    ReviewIn,
    ReviewState,
)
from app.services import incident_import, incidents

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])

IncidentId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.post("", status_code=201, response_model=IncidentOut)
def create_incident(data: IncidentIn, who: Reviewer, session: SessionDep) -> IncidentOut:
    return incidents.create(session, who, data)


@router.post(
    "/batch",
    status_code=201,
    response_model=IncidentBatchOut,
    responses={
        200: {"model": IncidentBatchOut, "description": "Every item was stored before (duplicate): nothing created"},
        207: {"model": IncidentBatchOut, "description": "Some items invalid (each says why); the others stored"},
        422: {"model": IncidentBatchOut, "description": "No item valid: nothing stored"},
    },
)
def import_batch(request: Request, batch: IncidentBatchIn, who: Reviewer, session: SessionDep) -> Response:
    """Import up to 500 incidents, each the body of ``POST /incidents`` with a required ``source_ref`` (the source's
    own id). Each is answered ``created``, ``duplicate`` (its ``(source, source_ref)`` is stored, or repeats an
    earlier item) or ``invalid`` (field and rule). 201 when nothing was invalid and something was created, 200
    when every item was a duplicate, 207 when some were invalid, 422 when none was valid (nothing stored). Safe
    to send again as a whole. The reasons follow ``Accept-Language`` (English or Indonesian) where the catalogue
    has them, each with its ``code``."""
    lang = language(request)
    result = incident_import.submit_batch(session, who, batch.items, lang=lang)
    if result.invalid == len(result.items):
        status = 422
    elif result.invalid:
        status = 207
    elif result.created:
        status = 201
    else:
        status = 200
    headers = language_headers(lang)
    return Response(result.model_dump_json(), status_code=status, media_type="application/json", headers=headers)


@router.get("", response_model=IncidentPage)
def list_incidents(
    who: MapReader,
    session: SessionDep,
    bbox: BBoxDep,
    occurred: OccurredDep,
    kind: IncidentKind | None = None,
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
        occurred=occurred,
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
