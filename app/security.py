"""Passwords, access tokens and roles. No SQL here.

- Passwords: argon2id through pwdlib (its defaults meet OWASP's minimum: m=64 MiB, t=3, p=4 in pwdlib 0.3);
  ``verify_and_update`` gives a new hash when the parameters change.
- Tokens: JWT signed with HMAC-SHA256; the algorithm is pinned on decode (``alg=none`` and any other algorithm
  are refused), ``exp``/``iat``/``sub`` are required, and the secret must be at least 32 characters outside dev.
- Roles: who may do what, and what each may see, is written here once: as sets of roles, enforced by
  ``app.deps``, and as each role's ``View``, which the map, the published layers and row-level security read.
- The login rate limit is ``app.services.login_limiter`` (its state is in PostgreSQL, shared by every worker).
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from app.errors import SetupError, Unauthenticated
from app.settings import DEFAULT_SECRETS, MIN_SECRET_LENGTH, Settings

log = logging.getLogger(__name__)

ALGORITHM = "HS256"
ISSUER = "pesisir"
COOKIE = "pesisir_token"

ADMIN, INTELLIGENCE, HARBOURMASTER, PLANNER = "admin", "intelligence", "harbourmaster", "planner"
ALL_ROLES = frozenset({ADMIN, INTELLIGENCE, HARBOURMASTER, PLANNER})
MAP_READERS = frozenset({ADMIN, INTELLIGENCE, PLANNER})
"""The risk map, segments and scores (``/api/v1/segments``, ``/api/v1/model``), OGC API Features and the incident
layer (planners without narrative). Harbourmasters are not among them: they report landings and read their own
harbour's; where the coast is watched is not theirs to see (least privilege, docs/RELIABILITY.md AZ-04)."""
LANDING_REPORTERS = frozenset({ADMIN, HARBOURMASTER})
LANDING_READERS = frozenset({ADMIN, INTELLIGENCE, HARBOURMASTER})
"""Harbourmasters see only their own harbour's landings."""
REVIEWERS = frozenset({ADMIN, INTELLIGENCE})
"""Review landings, record and edit incidents, read narratives, trigger re-scoring."""
ADMINS = frozenset({ADMIN})
ALERT_SUBSCRIBERS = frozenset({ADMIN, INTELLIGENCE, PLANNER})
"""Subscribe to alerts and read their own (a planner's alerts carry only the planners' allow-list and never a
landing); harbourmasters report, they are not alerted."""
HARBOUR_BOUND = frozenset({HARBOURMASTER})
"""Roles whose landings are those of their own harbour only: in every listing, on the map, and in the database's
row-level security (``app.db.rls``)."""


@dataclass(frozen=True)
class View:
    """What one role may see. Every surface reads it from here: the API's dependencies (the sets above), the map's
    layers (``app.services.maps``), the published layers' audience (``app.services.layers``: with ``narratives``
    every property, else the planners' allow-list) and row-level security (``own_harbour_only``)."""

    incidents: bool
    """The incident layer and listing (``MAP_READERS``)."""
    narratives: bool
    """Incidents' narratives, sources and review reasons, and every property of the published layers
    (``REVIEWERS``)."""
    landings: bool
    """Landing reports (``LANDING_READERS``)."""
    own_harbour_only: bool
    """Only the caller's own harbour's landings (``HARBOUR_BOUND``)."""
    routes: bool
    """The risk map, corridors and the route tool (``MAP_READERS``)."""


def view(role: str) -> View:
    """What ``role`` may see; ValueError for a role that does not exist."""
    if role not in ALL_ROLES:
        raise ValueError(f"role: unknown role {role!r}")
    return View(
        incidents=role in MAP_READERS,
        narratives=role in REVIEWERS,
        landings=role in LANDING_READERS,
        own_harbour_only=role in HARBOUR_BOUND,
        routes=role in MAP_READERS,
    )


_hasher = PasswordHash((Argon2Hasher(),))


@dataclass(frozen=True)
class Principal:
    """The authenticated caller, as loaded from the database on every request."""

    id: int
    username: str
    role: str
    harbour_id: int | None
    token_version: int = 0

    @property
    def sees_sensitive(self) -> bool:
        return self.role in REVIEWERS


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, hashed: str) -> tuple[bool, str | None]:
    """(valid, new hash when the stored one uses old parameters)."""
    try:
        return _hasher.verify_and_update(password, hashed)
    except Exception:  # a malformed stored hash counts as a wrong password
        return False, None


_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def burn_password_check(password: str) -> None:
    """Spend the same time as a real check for unknown usernames (no user-enumeration by timing)."""
    verify_password(password, _DUMMY_HASH)


def signing_key(settings: Settings) -> str:
    """The token secret. Outside dev a missing, default or short secret refuses start-up (docs/RELIABILITY.md AZ-08)."""
    raw = settings.auth.secret_key.get_secret_value() if settings.auth.secret_key else None
    weak = raw is None or raw.strip().lower() in DEFAULT_SECRETS or len(raw) < MIN_SECRET_LENGTH
    if not weak:
        assert raw is not None
        return raw
    if settings.server.environment != "dev":
        raise SetupError(
            f"PESISIR_SECRET_KEY is missing, a default or shorter than {MIN_SECRET_LENGTH} characters: "
            "set a random one (e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
    if raw is not None:
        raise SetupError(f"PESISIR_SECRET_KEY is a default or shorter than {MIN_SECRET_LENGTH} characters")
    global _dev_key
    if _dev_key is None:
        log.warning("dev mode without PESISIR_SECRET_KEY: tokens are signed with a random key valid until restart")
        _dev_key = secrets.token_urlsafe(48)
    return _dev_key


_dev_key: str | None = None


def issue_token(
    principal: Principal, key: str, ttl_s: int, *, now: datetime | None = None, session_start: int | None = None
) -> str:
    """A signed access token valid ``ttl_s`` seconds. ``session_start`` (Unix seconds) marks a browser session's
    token (the map's cookie): ``refreshed_session_token`` may renew it until the session's maximum age; bearer
    tokens carry none and are never renewed."""
    now = now or datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": str(principal.id),
        "name": principal.username,
        "role": principal.role,
        "ver": principal.token_version,
        "iss": ISSUER,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl_s)).timestamp()),
    }
    if session_start is not None:
        claims[SESSION_START] = session_start
    return jwt.encode(claims, key, algorithm=ALGORITHM)


SESSION_START = "sst"
"""The claim of a browser session's token: when its user signed in on the login page (Unix seconds)."""


@dataclass(frozen=True)
class TokenClaims:
    """Who a valid token names, and the user's token version it was issued under."""

    user_id: int
    version: int
    expires: float = 0.0
    session_start: float | None = None
    """Set for a browser session's token (the map's cookie), None for a bearer token."""


@lru_cache(maxsize=4096)
def _verified(token: str, key: str) -> tuple[int, float, int, float | None]:
    """(user id, expiry as Unix seconds, token version, session start or None) of a token whose signature,
    algorithm, issuer and claims check out. Remembered per token: a map or QGIS sends the same token with every
    tile, and verifying it costs more than the database look-up that follows. Failures are not remembered
    (``lru_cache`` keeps no exceptions)."""
    claims: dict[str, Any] = jwt.decode(
        token,
        key,
        algorithms=[ALGORITHM],
        issuer=ISSUER,
        options={"require": ["exp", "iat", "sub", "iss", "ver"]},
    )
    version = claims["ver"]
    if not isinstance(version, int) or isinstance(version, bool):
        raise ValueError("ver: not an integer")
    start = claims.get(SESSION_START)
    if start is not None and (not isinstance(start, int) or isinstance(start, bool)):
        raise ValueError("sst: not an integer")
    return int(claims["sub"]), float(claims["exp"]), version, None if start is None else float(start)


def read_token(token: str, key: str) -> TokenClaims:
    """The user id and token version in a valid token; Unauthenticated for anything else (expired, tampered, other
    algorithm). Expiry is checked on every call, remembered tokens included; whether the version is still the
    user's is checked by the caller's look-up (``app.services.users.principal``)."""
    try:
        user_id, expires, version, start = _verified(token, key)
    except (jwt.PyJWTError, ValueError):
        raise Unauthenticated.coded("auth.token_invalid") from None
    if expires <= time.time():
        raise Unauthenticated.coded("auth.token_invalid")
    return TokenClaims(user_id, version, expires, start)


def refreshed_session_token(
    token: str, claims: TokenClaims, key: str, ttl_s: int, max_s: int, *, now: float | None = None
) -> str | None:
    """A browser session's token renewed while it is used: once less than half of ``ttl_s`` is left, the same
    claims (user, role, token version, session start) valid ``ttl_s`` seconds more, but never past ``max_s``
    seconds after the session started. None when there is nothing to renew: a bearer token (no session start),
    a token with more than half its life left, or a session at its maximum age. ``token`` must have passed
    ``read_token`` (``claims``); whether its version is still the user's is checked by the request's look-up, and
    a renewed token keeps that version, so signing out revokes it as it revokes the old one."""
    if claims.session_start is None:
        return None
    now = time.time() if now is None else now
    if claims.expires - now > ttl_s / 2:
        return None
    expires = int(min(now + ttl_s, claims.session_start + max_s))
    if expires <= claims.expires:
        return None
    payload: dict[str, Any] = jwt.decode(token, key, algorithms=[ALGORITHM], issuer=ISSUER)
    payload.update(iat=int(now), exp=expires)
    return jwt.encode(payload, key, algorithm=ALGORITHM)
