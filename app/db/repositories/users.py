"""Users: look-ups and writes. Passwords arrive here already hashed."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from sqlalchemy import Row, Select, bindparam, select, update
from sqlalchemy.orm import Session

from app.db import rls
from app.db.models import Harbour, User


def by_username(session: Session, username: str) -> User | None:
    stmt = select(User).where(User.username == username).execution_options(populate_existing=True)
    return session.execute(stmt).scalar_one_or_none()


@cache
def _active_by_id() -> Select[int, str, str, int | None, str, str, str]:
    # Built once: the statement's cache key is then memoised, and every request skips building and hashing it.
    scope, harbour, user = rls.context(User.id, User.role, User.harbour_id)
    stmt = select(User.id, User.username, User.role, User.harbour_id, scope, harbour, user)
    return stmt.where(
        User.id == bindparam("user_id"), User.token_version == bindparam("version"), User.is_active.is_(True)
    )


def active_by_id(session: Session, user_id: int, version: int) -> Row[int, str, str, int | None, str, str, str] | None:
    """(id, username, role, harbour_id, ...) of an active user whose token version is ``version`` (so a token of
    before a sign-out or a new password finds nothing): one indexed look-up per request, which also sets
    the transaction's row-level security context for that user (``app.db.rls.context``). Run on the session's
    connection as a plain Core statement: no ORM entity is loaded, and this runs on every request."""
    row: Row[int, str, str, int | None, str, str, str] | None = (
        session.connection().execute(_active_by_id(), {"user_id": user_id, "version": version}).one_or_none()
    )
    return row


def add(session: Session, *, username: str, role: str, harbour_id: int | None, password_hash: str) -> User:
    user = User(username=username, role=role, harbour_id=harbour_id, password_hash=password_hash)
    session.add(user)
    session.flush()
    return user


def set_fields(session: Session, user_id: int, **values: object) -> None:
    session.execute(update(User).where(User.id == user_id).values(**values))
    session.flush()


def bump_token_version(session: Session, user_id: int, version: int) -> bool:
    """Revoke every token of ``user_id`` issued under ``version``; False when it had been revoked already."""
    stmt = (
        update(User)
        .where(User.id == user_id, User.token_version == version)
        .values(token_version=User.token_version + 1)
        .returning(User.id)
    )
    return session.execute(stmt).first() is not None


def listing(session: Session) -> Sequence[tuple[User, str | None]]:
    stmt = select(User, Harbour.slug).outerjoin(Harbour, User.harbour_id == Harbour.id).order_by(User.username)
    return [(u, slug) for u, slug in session.execute(stmt).all()]


def harbour_by_slug_or_id(session: Session, ref: str) -> Harbour | None:
    if ref.isdigit():
        return session.get(Harbour, int(ref))
    return session.execute(select(Harbour).where(Harbour.slug == ref.strip().lower())).scalar_one_or_none()
