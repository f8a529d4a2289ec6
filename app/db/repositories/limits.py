"""State that every worker process of the web server shares: the login limiter's windows and known addresses
(UNLOGGED tables, migration 0012) and the export turns (advisory locks, no table). Functions take the session
first and never commit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import delete, func, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from app.db.models import LoginKnownAddress, LoginWindow

LIMITER_LOCK = 0x4C4F474E  # "LOGN": the one lock every limiter transaction takes (bigint form)
EXPORT_TURNS = 0x45585054  # "EXPT": the class of the export turns' locks (two-int form: class, user id)

WindowKey = tuple[str, str]
"""(kind, key) of a login window."""


def lock_limiter(session: Session, now: float | None) -> float:
    """Take the limiter's transaction-scoped lock (every worker's limiter calls queue on it, as threads did on the
    in-process lock) and return ``now``, or the database's clock in epoch seconds: one clock for every worker and
    host."""
    clock = func.extract("epoch", func.clock_timestamp())
    row = session.execute(select(func.pg_advisory_xact_lock(LIMITER_LOCK), clock.label("clock"))).one()
    return float(row.clock if now is None else now)


def windows(session: Session, keys: Iterable[WindowKey]) -> dict[WindowKey, tuple[list[float], float]]:
    """The stored attempt times and last use of each key that has any."""
    keys = list(keys)
    rows = session.execute(
        select(LoginWindow.kind, LoginWindow.key, LoginWindow.hits, LoginWindow.last).where(
            tuple_(LoginWindow.kind, LoginWindow.key).in_(keys)
        )
    )
    return {(kind, key): (list(hits), last) for kind, key, hits, last in rows}


def save_windows(session: Session, rows: Mapping[WindowKey, tuple[Sequence[float], float]]) -> None:
    """Write each key's attempt times and last use (one upsert)."""
    if not rows:
        return
    values = [{"kind": k, "key": key, "hits": list(h), "last": last} for (k, key), (h, last) in rows.items()]
    stmt = pg_insert(LoginWindow).values(values)
    excluded = {"hits": stmt.excluded.hits, "last": stmt.excluded.last}
    session.execute(stmt.on_conflict_do_update(index_elements=["kind", "key"], set_=excluded))


def expire_windows(session: Session, before: float, max_keys: int, kinds: Iterable[str]) -> None:
    """Drop the windows whose last attempt is at or before ``before``, then, per kind, all but the ``max_keys``
    most recently used."""
    session.execute(delete(LoginWindow).where(LoginWindow.last <= before))
    for kind in kinds:
        beyond = (
            select(LoginWindow.key)
            .where(LoginWindow.kind == kind)
            .order_by(LoginWindow.last.desc(), LoginWindow.key)
            .offset(max_keys)
        )
        session.execute(delete(LoginWindow).where(LoginWindow.kind == kind, LoginWindow.key.in_(beyond)))


def is_known(session: Session, username: str, address: str, since: float) -> bool:
    """Whether ``username`` signed in from ``address`` after ``since``."""
    seen = select(LoginKnownAddress.seen).where(
        LoginKnownAddress.username == username, LoginKnownAddress.address == address, LoginKnownAddress.seen > since
    )
    return session.execute(seen).first() is not None


def remember_address(session: Session, username: str, address: str, now: float, *, since: float, per_user: int) -> None:
    """``username`` signed in from ``address`` at ``now``; keep the user's ``per_user`` latest addresses seen after
    ``since``."""
    stmt = pg_insert(LoginKnownAddress).values(username=username, address=address, seen=now)
    session.execute(stmt.on_conflict_do_update(index_elements=["username", "address"], set_={"seen": now}))
    beyond = (
        select(LoginKnownAddress.address)
        .where(LoginKnownAddress.username == username)
        .order_by(LoginKnownAddress.seen.desc(), LoginKnownAddress.address)
        .offset(per_user)
    )
    session.execute(
        delete(LoginKnownAddress).where(
            LoginKnownAddress.username == username,
            (LoginKnownAddress.seen <= since) | LoginKnownAddress.address.in_(beyond),
        )
    )


def expire_known(session: Session, before: float, max_users: int) -> None:
    """Drop known addresses seen at or before ``before``, then every address of the users beyond the ``max_users``
    who signed in most recently."""
    session.execute(delete(LoginKnownAddress).where(LoginKnownAddress.seen <= before))
    latest = (
        select(LoginKnownAddress.username, func.max(LoginKnownAddress.seen).label("seen"))
        .group_by(LoginKnownAddress.username)
        .subquery()
    )
    beyond = select(latest.c.username).order_by(latest.c.seen.desc(), latest.c.username).offset(max_users)
    session.execute(delete(LoginKnownAddress).where(LoginKnownAddress.username.in_(beyond)))


def limiter_size(session: Session) -> int:
    """Windows held plus users with known addresses."""
    windows_ = select(func.count()).select_from(LoginWindow).scalar_subquery()
    users = select(func.count(func.distinct(LoginKnownAddress.username))).scalar_subquery()
    return int(session.execute(select(windows_ + users)).scalar_one())


def try_export_turn(session: Session, user_id: int) -> bool:
    """Take ``user_id``'s export turn for the rest of the session's transaction (an advisory lock that PostgreSQL
    releases at commit or rollback, or when the connection dies with its worker); False when another transaction,
    in any worker process, holds it."""
    return bool(session.execute(select(func.pg_try_advisory_xact_lock(EXPORT_TURNS, user_id))).scalar_one())
