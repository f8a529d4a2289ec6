"""FastAPI dependencies as ``Annotated`` aliases. The session dependency is the unit of work: it commits when
the route returns and rolls back when it raises."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordBearer
from psycopg.errors import QueryCanceled, ReadOnlySqlTransaction
from sqlalchemy import Engine
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError, PendingRollbackError
from sqlalchemy.orm import Session

from app.db.session import describe
from app.errors import (
    DatabaseReadOnly,
    DatabaseUnavailable,
    Forbidden,
    InvalidInput,
    SignInFirst,
    TimedOut,
    Unauthenticated,
)
from app.security import (
    ADMINS,
    ALERT_SUBSCRIBERS,
    ALL_ROLES,
    COOKIE,
    LANDING_READERS,
    LANDING_REPORTERS,
    MAP_READERS,
    REVIEWERS,
    Principal,
    TokenClaims,
    read_token,
    refreshed_session_token,
)
from app.services import audit, users
from app.services.login_limiter import LoginLimiter
from app.settings import Settings

log = logging.getLogger(__name__)


# Dependencies that do no I/O are ``async def``: FastAPI runs a plain ``def`` dependency in the thread pool, and
# each such hop costs the event loop more than the work itself (issue 4's p99 target at 20 clients).
async def get_settings(request: Request) -> Settings:
    return request.state.settings


async def get_engine(request: Request) -> Engine:
    return request.state.engine


def _database_gone(exc: BaseException) -> bool:
    # OperationalError: refused, shut down, timed out. InterfaceError: the connection closed under the driver.
    # PendingRollbackError: an earlier statement on this connection died with it.
    if isinstance(exc, OperationalError | InterfaceError | PendingRollbackError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def _rollback(session: Session) -> None:
    try:
        session.rollback()
    except Exception:  # the connection is gone; the pool discards it. The first error is the one that counts.
        log.warning("rollback failed after an error", exc_info=True)


@contextmanager
def request_transaction(session: Session) -> Iterator[Session]:
    """Commit when the block succeeds, roll back when it raises; database errors become domain errors: an
    unreachable database 503, a value the database cannot hold 422, a statement past its timeout 503 (TimedOut)."""
    try:
        yield session
        session.commit()
    except DataError as exc:
        # A value the database cannot hold (a NUL character in text, a number out of its range): the client's
        # input, not a server fault.
        _rollback(session)
        raise InvalidInput.coded("db.value_unstorable") from exc
    except BaseException as exc:
        _rollback(session)
        if isinstance(exc, DBAPIError) and isinstance(exc.orig, QueryCanceled):
            # statement_timeout (set for exports): the work took too long, the database is fine.
            raise TimedOut.coded("db.statement_timeout") from exc
        if isinstance(exc, DBAPIError) and isinstance(exc.orig, ReadOnlySqlTransaction):
            # SQLSTATE 25006: the database refuses writes for now (read-only default, a standby): 503, not a 500.
            log.warning("database at %s is read-only: %s", describe(session.get_bind().engine.url), exc.orig)
            raise DatabaseReadOnly.coded("db.read_only") from exc
        if _database_gone(exc):
            # Host, port or socket path (a data directory) only in the log, never in the answer.
            log.warning("database at %s unavailable: %s", describe(session.get_bind().engine.url), exc)
            raise DatabaseUnavailable.coded("db.unavailable") from exc
        raise


def _finish(session: Session, failure: BaseException | None) -> None:
    """Commit (or, after a failure, roll back) and close, mapping database errors as ``request_transaction``.
    After a rollback, the audit rows of a partly streamed read are written in a transaction of their own
    (``audit.write_kept``)."""
    try:
        try:
            with request_transaction(session):
                if failure is not None:
                    raise failure
        except BaseException:
            audit.write_kept(session)
            raise
        audit.forget_kept(session)
    finally:
        session.close()


async def _end(session: Session, failure: BaseException | None) -> None:
    if session.in_transaction():
        await run_in_threadpool(_finish, session, failure)
    else:  # the route ended its unit of work itself (``request_transaction``): closing needs no I/O
        session.close()


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's unit of work. Making the session needs no I/O, so it happens on the event loop; the commit
    (or rollback) and the return of the connection to the pool happen in one thread-pool hop at the end, or in
    the route's own hop when it wraps its work in ``request_transaction``."""
    session: Session = request.state.sessionmaker()
    try:
        yield session
    except BaseException as exc:
        await _end(session, exc)
        raise
    await _end(session, None)


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
# scope="function": commit before the response is sent, so a client never sees 201 for a write that a crash
# between response and commit would lose (FastAPI otherwise runs yield-dependency exits after the response).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


# -- who is calling ---------------------------------------------------------------------------------------------
_bearer = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


BearerDep = Annotated[str | None, Depends(_bearer)]
"""The bearer token of the request, unchecked (or None)."""


def _token(request: Request, bearer: str | None) -> str | None:
    # The browser map signs in with a cookie; it counts only for reads, so a forged cross-site form cannot write.
    if bearer:
        return bearer
    if request.method in ("GET", "HEAD"):
        return request.cookies.get(COOKIE)
    return None


def session_cookie(token: str, settings: Settings) -> str:
    """The ``Set-Cookie`` value of the browser's sign-in: HttpOnly, SameSite=Strict, Secure in production, and a
    session cookie (no Max-Age): the browser forgets it when it closes, the token in it expires by itself."""
    response = Response()
    response.set_cookie(
        COOKIE, token, httponly=True, samesite="strict", secure=settings.server.environment == "production"
    )
    return response.headers["set-cookie"]


async def get_token_user(request: Request, bearer: Annotated[str | None, Depends(_bearer)]) -> TokenClaims | None:
    """The user id and token version in the request's token (checked signature and expiry, no database), None
    without a token. A browser session's cookie past half its life is renewed (``refreshed_session_token``): the
    new cookie goes out with the answer only when the request succeeds, so a revoked or disabled user gets none."""
    token = _token(request, bearer)
    if not token:
        return None
    claims = read_token(token, request.state.signing_key)
    if not bearer and claims.session_start is not None:
        settings: Settings = request.state.settings
        auth = settings.auth
        renewed = refreshed_session_token(
            token, claims, request.state.signing_key, auth.token_ttl_s, auth.session_max_s
        )
        if renewed is not None:
            # app.hardening sends it with the answer, when the answer is a success.
            request.state.session_cookie = session_cookie(renewed, settings)
    return claims


TokenUser = Annotated[TokenClaims | None, Depends(get_token_user)]
"""Who the token says is calling, not yet looked up: for routes that load the caller in their own thread-pool
hop with ``authorize`` (one hop per request instead of two)."""


def get_optional_principal(session: SessionDep, claims: TokenUser) -> Principal | None:
    return None if claims is None else users.principal(session, claims)


def _signed_in(principal: Principal | None) -> Principal:
    if principal is None:
        raise Unauthenticated.coded("auth.not_signed_in")
    return principal


def _allowed(principal: Principal, roles: frozenset[str]) -> Principal:
    if principal.role not in roles:
        raise Forbidden.coded("auth.role_forbidden", role=principal.role, allowed=", ".join(sorted(roles)))
    return principal


async def get_principal(principal: Annotated[Principal | None, Depends(get_optional_principal)]) -> Principal:
    return _signed_in(principal)


def require(roles: frozenset[str]) -> Callable[[Principal], Awaitable[Principal]]:
    async def _check(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        return _allowed(principal, roles)

    return _check


def authorize(session: Session, claims: TokenClaims | None, roles: frozenset[str]) -> Principal:
    """What ``require(roles)`` does, for a route that holds only the token's user (``TokenUser``): load the caller
    on ``session`` (which also sets the transaction's row-level security context) and check the role. Same
    answers: 401 without a valid token or an active user, 403 for another role."""
    return _allowed(_signed_in(None if claims is None else users.principal(session, claims)), roles)


async def _page_claims(request: Request, bearer: Annotated[str | None, Depends(_bearer)]) -> TokenClaims | None:
    """A page's token claims, None when the cookie is expired or tampered with: the page asks to sign in again."""
    try:
        return await get_token_user(request, bearer)
    except Unauthenticated:
        return None


def _page_principal(
    session: SessionDep, claims: Annotated[TokenClaims | None, Depends(_page_claims)]
) -> Principal | None:
    """A page's caller, None when their token was revoked (signed out, password changed) or they were disabled."""
    try:
        return None if claims is None else users.principal(session, claims)
    except Unauthenticated:
        return None


async def get_page_user(
    request: Request, principal: Annotated[Principal | None, Depends(_page_principal)]
) -> Principal:
    """The signed-in caller of a browser page (the map, the harbour post's report page). Not signed in, or a
    cookie no longer valid (expired, revoked by signing out, a disabled user): a redirect (303) to the login page,
    in the page's language, which comes back to this very page (its query included) afterwards; never a JSON 401
    in the browser."""
    if principal is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        language = "&lang=en" if request.query_params.get("lang") == "en" else ""
        raise SignInFirst.coded("auth.sign_in_first", f"/login?next={quote(target, safe='/')}{language}")
    return principal


async def get_map_viewer(principal: Annotated[Principal, Depends(get_page_user)]) -> Principal:
    """``require(MAP_READERS)`` for the browser's map page: to the login page when not signed in
    (``get_page_user``), 403 for a role that may not see the map."""
    return _allowed(principal, MAP_READERS)


async def get_login_limiter(request: Request) -> LoginLimiter:
    return request.state.login_limiter


AnyUser = Annotated[Principal, Depends(require(ALL_ROLES))]
MapReader = Annotated[Principal, Depends(require(MAP_READERS))]
MapViewer = Annotated[Principal, Depends(get_map_viewer)]
PageUser = Annotated[Principal, Depends(get_page_user)]
LandingReporter = Annotated[Principal, Depends(require(LANDING_REPORTERS))]
LandingReader = Annotated[Principal, Depends(require(LANDING_READERS))]
Reviewer = Annotated[Principal, Depends(require(REVIEWERS))]
Admin = Annotated[Principal, Depends(require(ADMINS))]
AlertSubscriber = Annotated[Principal, Depends(require(ALERT_SUBSCRIBERS))]
LimiterDep = Annotated[LoginLimiter, Depends(get_login_limiter)]


# For streamed reads (exports): request scope keeps the session open until the last chunk has been sent.
StreamingSessionDep = Annotated[Session, Depends(get_session)]
