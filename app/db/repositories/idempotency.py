"""Idempotency keys: claim a key (waiting on the unique index while another request holds it), store the
response, read it back for replays."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from app.db.models import IdempotencyKey


def claim(session: Session, user_id: int, key: str, request_hash: str) -> IdempotencyKey | None:
    """Insert the key; None when it is new. When it exists, the stored row (a concurrent request with the same
    key blocks on the unique index until the first commits or rolls back, then sees its outcome)."""
    stmt = (
        pg_insert(IdempotencyKey)
        .values(user_id=user_id, key=key, request_hash=request_hash)
        .on_conflict_do_nothing(index_elements=["user_id", "key"])
        .returning(IdempotencyKey.id)
    )
    if session.execute(stmt).scalar_one_or_none() is not None:
        return None
    return session.execute(
        select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    ).scalar_one()


def store_response(session: Session, user_id: int, key: str, status_code: int, body: str) -> None:
    session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
        .values(status_code=status_code, response_body=body)
    )
