"""The audit log: append and read. There is no update or delete here, and the database refuses both."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from psycopg.types.json import Jsonb
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import AuditLog
from app.db.repositories.sql import driver_cursor


def _jsonb(value: Any) -> Any:
    """A before/after state for a jsonb column: a dict, or a pydantic model serialised by pydantic's own (compiled)
    JSON encoder, which a batch of 500 landings needs much less time for than the standard library's."""
    if value is None:
        return None
    if isinstance(value, BaseModel):
        return Jsonb(value, dumps=_model_json)
    return Jsonb(value)


def _model_json(model: BaseModel) -> str:
    return model.model_dump_json()


def append_many(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Audit rows in one round trip (a batch upload writes one per landing): the one way rows are written here.
    Each row has ``actor``, ``action`` and ``object_type``, and may have ``actor_id``, ``object_id``, ``purpose``,
    ``before`` and ``after`` (a dict or a pydantic model)."""
    if not rows:
        return
    # The driver's (pipelined) executemany on the session's connection (same transaction): for one row too, as
    # the ORM's insert costs more Python than the round trip on a hot path like a landing report.
    with driver_cursor(session) as cur:
        cur.executemany(
            "INSERT INTO audit_log (actor, actor_id, action, object_type, object_id, purpose, before, after)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            [
                (
                    r["actor"],
                    r.get("actor_id"),
                    r["action"],
                    r["object_type"],
                    r.get("object_id"),
                    r.get("purpose"),
                    _jsonb(r.get("before")),
                    _jsonb(r.get("after")),
                )
                for r in rows
            ],
        )


def listing(
    session: Session,
    *,
    object_type: str | None,
    object_id: str | None,
    actor: str | None,
    action: str | None,
    limit: int,
    offset: int,
) -> Sequence[AuditLog]:
    stmt = select(AuditLog)
    if object_type:
        stmt = stmt.where(AuditLog.object_type == object_type)
    if object_id:
        stmt = stmt.where(AuditLog.object_id == object_id)
    if actor:
        stmt = stmt.where(AuditLog.actor == actor)
    if action:
        stmt = stmt.where(AuditLog.action == action)
    return session.execute(stmt.order_by(AuditLog.id.desc()).limit(limit).offset(offset)).scalars().all()


class Mark(NamedTuple):
    """An audit row's id and time."""

    id: int
    at: datetime


def latest(session: Session, *, action: str, object_type: str) -> Mark | None:
    """The newest audit row of this action on this kind of object (None: there is none)."""
    stmt = (
        select(AuditLog.id, AuditLog.at)
        .where(AuditLog.action == action, AuditLog.object_type == object_type)
        .order_by(AuditLog.id.desc())
        .limit(1)
    )
    row = session.execute(stmt).first()
    return None if row is None else Mark(int(row.id), row.at)
