"""The login rate limit, shared by every worker process of the web server through PostgreSQL.

Sliding windows of one minute, as one process kept them in memory before (issue 13): the same rules, the same
answers, now in two UNLOGGED tables (migration 0012) read and written under one transaction-scoped advisory lock,
so that N workers, or N hosts on one database, count every attempt once and in order. Time is the database's
clock. A sign-in costs one short transaction on a connection of its own (the attempt must count even when the
request's own unit of work rolls back, as a wrong password's does) next to an argon2 hash that costs far more.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.db.repositories import limits as repo
from app.db.session import unit_of_work
from app.errors import DatabaseUnavailable, RateLimited

ADDRESS, PAIR, USER = "a", "p", "u"
_SEP = "\x1f"  # between address and username in a pair's key; neither can hold it unnoticed


@dataclass(frozen=True)
class _Check:
    kind: str
    key: str
    limit: int
    code: str
    """The catalogue's message of a full window (which the answer names: this address, or this username)."""


class LoginLimiter:
    """Login attempts (successful ones count too), in sliding windows of ``window_s`` seconds:

    - per client address, whatever the username: ``per_address`` attempts. Checked first, before any password
      is hashed, so one address cannot make the server hash for unknown usernames without end;
    - per (address, username): ``limit`` attempts;
    - per username from addresses that have not signed in as that user lately: ``limit`` attempts. An address
      from which the user signed in within ``known_s`` seconds (the last ``KNOWN_PER_USER`` such addresses) is
      exempt, so wrong passwords sent for someone else's username from elsewhere do not keep the owner out of
      where they usually sign in (docs/RELIABILITY.md R2-05), while changing addresses does not help a guesser.

    The state is bounded by time (a window goes when its last attempt is older than the window, a known address
    after ``known_s``) and by size (at most ``max_keys`` windows per kind and users with known addresses, least
    recently used first out), both enforced in every call that adds. Usernames arrive at most 64 characters long
    (the routes refuse longer ones). ``now`` (epoch seconds) is for tests; by default the database's clock."""

    KNOWN_PER_USER = 8

    def __init__(
        self,
        factory: sessionmaker[Session],
        limit: int,
        window_s: float = 60.0,
        *,
        per_address: int | None = None,
        known_s: float = 30 * 86_400.0,
        max_keys: int = 10_000,
    ) -> None:
        self._factory = factory
        self.limit = limit
        self.per_address = per_address if per_address is not None else 4 * limit
        self.window_s = window_s
        self.known_s = known_s
        self.max_keys = max_keys

    @staticmethod
    def _name(username: str) -> str:
        return username.strip().lower()

    def _checks(self, name: str, address: str, known: bool) -> list[_Check]:
        checks = [
            _Check(ADDRESS, address, self.per_address, "auth.too_many_attempts_address"),
            _Check(PAIR, f"{address}{_SEP}{name}", self.limit, "auth.too_many_attempts_username"),
        ]
        if not known:
            checks.append(_Check(USER, name, self.limit, "auth.too_many_attempts_username"))
        return checks

    def hit(self, username: str, address: str = "unknown", *, now: float | None = None) -> None:
        """Count one attempt; RateLimited (429 with Retry-After) when a window is full, and then count nothing."""
        name = self._name(username)
        with self._transaction() as session:
            now = repo.lock_limiter(session, now)
            known = repo.is_known(session, name, address, now - self.known_s)
            checks = self._checks(name, address, known)
            stored = repo.windows(session, [(c.kind, c.key) for c in checks])
            current: dict[repo.WindowKey, list[float]] = {}
            for c in checks:
                hits = [t for t in stored.get((c.kind, c.key), ([], 0.0))[0] if t > now - self.window_s]
                if len(hits) >= c.limit:
                    retry = max(1, int(hits[-c.limit] + self.window_s - now + 0.999))
                    raise RateLimited.coded(c.code, retry, retry=retry)
                current[(c.kind, c.key)] = hits
            repo.save_windows(session, {k: ([*hits, now][-self._limit(k[0]) :], now) for k, hits in current.items()})
            repo.expire_windows(session, now - self.window_s, self.max_keys, (ADDRESS, PAIR, USER))

    def _limit(self, kind: str) -> int:
        return self.per_address if kind == ADDRESS else self.limit

    def succeeded(self, username: str, address: str = "unknown", *, now: float | None = None) -> None:
        """Remember that ``username`` signed in from ``address``: that address is exempt from the username's
        window (not from its own) for ``known_s`` seconds, and this attempt no longer counts in that window."""
        name = self._name(username)
        with self._transaction() as session:
            now = repo.lock_limiter(session, now)
            if not repo.is_known(session, name, address, now - self.known_s):
                window = repo.windows(session, [(USER, name)]).get((USER, name))
                if window is not None and window[0]:
                    hits, last = window
                    repo.save_windows(session, {(USER, name): (hits[:-1], last)})  # take back the latest attempt
            repo.remember_address(session, name, address, now, since=now - self.known_s, per_user=self.KNOWN_PER_USER)
            repo.expire_known(session, now - self.known_s, self.max_keys)

    def size(self) -> int:
        """Windows held plus users with known addresses: what an attacker's new usernames and addresses can make
        grow."""
        with self._transaction() as session:
            return repo.limiter_size(session)

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        """The limiter's own unit of work; a database that cannot be reached is a 503, as for every request."""
        try:
            with unit_of_work(self._factory) as session:
                yield session
        except (OperationalError, InterfaceError) as exc:
            raise DatabaseUnavailable.coded("auth.limiter_unavailable") from exc
