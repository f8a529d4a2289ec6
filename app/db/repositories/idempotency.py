"""Idempotency keys: claim a key (waiting on the unique index while another request holds it), store the
response, read it back for replays."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy.orm import Session

from app.db.repositories import driver_cursor


class Prior(NamedTuple):
    """A key used before: the request it came with and, once that request committed, its answer."""

    request_hash: str
    status_code: int | None
    response_body: str | None


# Plain SQL through the driver: these run on every landing report, where the ORM's per-statement cost shows.
_CLAIM = (
    "INSERT INTO idempotency_keys (user_id, key, request_hash) VALUES (%s, %s, %s)"
    " ON CONFLICT (user_id, key) DO NOTHING RETURNING id"
)
_PRIOR = "SELECT request_hash, status_code, response_body FROM idempotency_keys WHERE user_id = %s AND key = %s"
_STORE = "UPDATE idempotency_keys SET status_code = %s, response_body = %s WHERE user_id = %s AND key = %s"


def claim(session: Session, user_id: int, key: str, request_hash: str) -> Prior | None:
    """Insert the key; None when it is new. When it exists, the stored row (a concurrent request with the same
    key blocks on the unique index until the first commits or rolls back, then sees its outcome)."""
    with driver_cursor(session) as cur:
        if cur.execute(_CLAIM, (user_id, key, request_hash)).fetchone() is not None:
            return None
        row = cur.execute(_PRIOR, (user_id, key)).fetchone()
    assert row is not None
    return Prior(*row)


def store_response(session: Session, user_id: int, key: str, status_code: int, body: str) -> None:
    with driver_cursor(session) as cur:
        cur.execute(_STORE, (status_code, body, user_id, key))
