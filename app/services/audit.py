"""The audit trail: every write (and every read of an incident's sensitive fields) appends who, when, what and
before/after, in the caller's transaction, so the change and its record commit or vanish together."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.db.repositories import audit_log as repo
from app.schemas import AuditOut, AuditPage
from app.security import Principal

log = logging.getLogger(__name__)


def entry(
    who: Principal | str,
    action: str,
    object_type: str,
    object_id: object = None,
    *,
    before: dict[str, Any] | BaseModel | None = None,
    after: dict[str, Any] | BaseModel | None = None,
    purpose: str | None = None,
) -> dict[str, Any]:
    actor, actor_id = (who.username, who.id) if isinstance(who, Principal) else (who, None)
    return {
        "actor": actor[:80],
        "actor_id": actor_id,
        "action": action,
        "object_type": object_type,
        "object_id": None if object_id is None else str(object_id),
        "purpose": purpose,
        "before": before,
        "after": after,
    }


def record(
    session: Session, who: Principal | str, action: str, object_type: str, object_id: object = None, **kw: Any
) -> None:
    repo.append_many(session, [entry(who, action, object_type, object_id, **kw)])


def record_many(session: Session, entries: Sequence[dict[str, Any]]) -> None:
    repo.append_many(session, entries)


@dataclass(frozen=True)
class BulkRead:
    """Who reads incidents' narratives, sources and review reasons (or landings' notes) in bulk (the map, exports,
    OGC API Features, vector tiles), through which route and with which filters (docs/RELIABILITY.md R2-01)."""

    who: Principal
    route: str
    filters: Mapping[str, str] = field(default_factory=dict)


_KEPT = "pesisir.audit_kept_on_rollback"


def bulk_read(
    session: Session,
    reader: BulkRead | None,
    count: int,
    object_id: object = None,
    *,
    streamed: bool = False,
    object_type: str = "incident",
) -> None:
    """One audit row for an answer that carries the narratives of ``count`` incidents (or the notes of ``count``
    landings: ``object_type="landing"``), in the read's own transaction (as AZ-06's one-incident read); none when it
    carries none. The row's ``after`` names the route, the filters and the count (``"incidents": n`` or
    ``"landings": n``). Narratives and notes are never copied here.

    ``streamed``: the answer is sent while its transaction is open (an export), so bytes may have left before a
    rollback (the export cut at its time limit, the client gone). The row is then also kept aside, and
    ``write_kept`` writes it again after that rollback, marked ``"cut": true`` (docs/RELIABILITY.md R2-01)."""
    if reader is None or count <= 0:
        return
    after = {"route": reader.route, "filters": dict(reader.filters), f"{object_type}s": count}
    row = entry(reader.who, "read_sensitive", object_type, object_id, after=after)
    repo.append_many(session, [row])
    if streamed:
        session.info.setdefault(_KEPT, []).append(row)


def forget_kept(session: Session) -> None:
    """The transaction committed: its audit rows are stored, nothing is left to write."""
    session.info.pop(_KEPT, None)


def write_kept(session: Session) -> int:
    """After ``session`` rolled back: write the rows ``bulk_read(streamed=True)`` kept, in a transaction of their
    own, marked as cut. Returns how many. When even that fails (the database is gone), the rows go to the log at
    error level, so a partly sent read of narratives never goes without a trace."""
    rows = session.info.pop(_KEPT, None)
    if not rows:
        return 0
    cut = [{**r, "after": {**r["after"], "cut": True}} for r in rows]
    try:
        repo.append_many(session, cut)
        session.commit()
    except Exception:
        session.rollback()
        log.error("audit rows of a cut export could not be written: %s", cut, exc_info=True)
        return 0
    return len(cut)


def listing(
    session: Session,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> AuditPage:
    rows = repo.listing(
        session,
        object_type=object_type,
        object_id=object_id,
        actor=actor,
        action=action,
        limit=limit + 1,
        offset=offset,
    )
    return AuditPage.of(rows, _out, limit=limit, offset=offset)


def _out(row: Any) -> AuditOut:
    return AuditOut.model_validate(row, from_attributes=True)
