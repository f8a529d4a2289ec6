"""Administration: the audit log, and re-scoring on demand."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.deps import Admin, Reviewer, SessionDep, SettingsDep
from app.schemas import AuditPage, RefreshOut
from app.services import audit, rescoring, risk

router = APIRouter(prefix="/api/v1", tags=["admin"])


@router.get("/audit", response_model=AuditPage)
def list_audit(
    who: Admin,
    session: SessionDep,
    object_type: Annotated[str | None, Query(max_length=40)] = None,
    object_id: Annotated[str | None, Query(max_length=80)] = None,
    actor: Annotated[str | None, Query(max_length=80)] = None,
    action: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> AuditPage:
    """The audit trail, newest first (admin only)."""
    return audit.listing(
        session, object_type=object_type, object_id=object_id, actor=actor, action=action, limit=limit, offset=offset
    )


@router.post("/scores/refresh", response_model=RefreshOut)
def refresh_scores(who: Reviewer, session: SessionDep, settings: SettingsDep) -> RefreshOut:
    """Re-score stale segments now instead of waiting for the background refresher."""
    r = rescoring.refresh_stale(session, store=risk.ModelStore(settings.models_dir))
    rescoring.audit_run(session, who, r)
    return RefreshOut(stale=r.stale, rescored=r.rescored)
