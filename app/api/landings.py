"""Landing reports from the harbours."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response

from app.api.params import BBoxDep, ObservedDep
from app.deps import LandingReader, LandingReporter, Reviewer, SessionDep
from app.errors import language, language_headers
from app.schemas import BatchOut, LandingBatchIn, LandingIn, LandingOut, LandingPage, ReviewIn, ReviewState
from app.services import landings

router = APIRouter(prefix="/api/v1/landings", tags=["landings"])

LandingId = Annotated[int, Path(ge=1, le=2**63 - 1)]

IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Unique per report attempt; a retry sends the same key and body and gets the first answer.",
    ),
]


@router.post(
    "",
    status_code=201,
    response_model=LandingOut,
    responses={200: {"model": LandingOut, "description": "The record UUID was stored before: the stored landing"}},
)
def create_landing(item: LandingIn, key: IdempotencyKey, who: LandingReporter, session: SessionDep) -> Response:
    """Report a landing or departure. Retries with the same key replay the first answer (``Idempotent-Replayed:
    true``); the same ``client_uuid`` under a new key answers the stored landing with 200."""
    reply = landings.submit(session, who, key, item)
    headers = {"Idempotent-Replayed": "true"} if reply.replayed else {}
    return Response(reply.body, status_code=reply.status, media_type="application/json", headers=headers)


@router.post("/batch", response_model=BatchOut)
def upload_batch(request: Request, batch: LandingBatchIn, who: LandingReporter, session: SessionDep) -> Response:
    """An offline queue of up to 500 reports; each is ``created``, ``duplicate`` (by ``client_uuid``) or
    ``invalid`` with its error (in the language ``Accept-Language`` prefers) and code. Safe to resend as a whole."""
    # Serialised here: returned as a model, the answer would be validated again against response_model.
    lang = language(request)
    body = landings.submit_batch(session, who, batch.items, lang=lang).model_dump_json()
    return Response(body, media_type="application/json", headers=language_headers(lang))


@router.get("", response_model=LandingPage)
def list_landings(
    who: LandingReader,
    session: SessionDep,
    bbox: BBoxDep,
    observed: ObservedDep,
    harbour: Annotated[str | None, Query(max_length=60)] = None,
    review_state: ReviewState | None = None,
    suspicious: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=landings.MAX_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> LandingPage:
    """Landings, newest first; harbourmasters see their own harbour's only."""
    return landings.listing(
        session,
        who,
        harbour=harbour,
        bbox=bbox,
        observed=observed,
        review_state=review_state,
        suspicious=suspicious,
        limit=limit,
        offset=offset,
    )


@router.get("/{landing_id}", response_model=LandingOut, responses={404: {}})
def get_landing(landing_id: LandingId, who: LandingReader, session: SessionDep) -> LandingOut:
    return landings.get(session, who, landing_id)


@router.patch("/{landing_id}", response_model=LandingOut, responses={404: {}, 409: {}})
def review_landing(landing_id: LandingId, decision: ReviewIn, who: Reviewer, session: SessionDep) -> LandingOut:
    """Review: ``reported -> verified | rejected``, with a reason."""
    return landings.review(session, who, landing_id, decision)
