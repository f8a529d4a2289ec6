"""Idempotency keys: store a key with its answer (waiting on the unique index while another request holds it),
read it back for replays."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy.orm import Session

from app.db.repositories.sql import driver_cursor


class Prior(NamedTuple):
    """A key used before: the request it came with and, once that request committed, its answer."""

    request_hash: str
    status_code: int | None
    response_body: str | None


# Plain SQL through the driver: these run on every landing report, where the ORM's per-statement cost shows.
_STORE = (
    "INSERT INTO idempotency_keys (user_id, key, request_hash, status_code, response_body) VALUES (%s, %s, %s, %s, %s)"
    " ON CONFLICT (user_id, key) DO NOTHING RETURNING id"
)
_PRIOR = "SELECT request_hash, status_code, response_body FROM idempotency_keys WHERE user_id = %s AND key = %s"


def store(session: Session, user_id: int, key: str, request_hash: str, status_code: int, body: str) -> bool:
    """Store the key with the answer given under it; False when the key was stored before (by a concurrent request
    with the same key: this waits on the unique index until that one commits or rolls back)."""
    with driver_cursor(session) as cur:
        return cur.execute(_STORE, (user_id, key, request_hash, status_code, body)).fetchone() is not None


def prior(session: Session, user_id: int, key: str) -> Prior | None:
    """The request stored under a key and its answer, if the key was used before."""
    with driver_cursor(session) as cur:
        row = cur.execute(_PRIOR, (user_id, key)).fetchone()
    return None if row is None else Prior(*row)
