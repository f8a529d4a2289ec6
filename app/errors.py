"""Pesisir's domain errors and their HTTP status codes, mapped in one table and registered once.

Error bodies never carry stack traces, SQL or paths: a 500 says "internal server error" and the details go to
the log. Validation errors name the field (``loc``) and the rule (``msg``, ``type``) but never echo the input
(an echoed NaN would make the error itself unserialisable, docs/RELIABILITY.md BI-02).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import TimeoutError as PoolTimeout

log = logging.getLogger(__name__)


class PesisirError(Exception):
    """Base class of every error Pesisir raises on purpose. The message is safe to show to the user."""


class SetupError(PesisirError):
    """The machine lacks something Pesisir needs (a package, a reachable directory, a free port)."""


class DatabaseUnavailable(PesisirError):
    """The database cannot be reached (or cannot take the request now). Over HTTP the message is shown, so it names
    no host, port, socket path or data directory: those go to the log (docs/RELIABILITY.md AZ-17)."""


class DatabaseReadOnly(DatabaseUnavailable):
    """The database answers but refuses writes (``default_transaction_read_only``, a standby; SQLSTATE 25006)."""


class InvalidInput(PesisirError):
    """Input that breaks a rule; the message names the field (or file, or argument) and the rule."""


class InvalidParameter(InvalidInput):
    """A query parameter that breaks its rule (400, as OGC API Features asks)."""


class NotFound(PesisirError):
    """The object does not exist, or the caller may not know that it does."""


class Unauthenticated(PesisirError):
    """No valid credentials: missing, expired or tampered token, wrong password, disabled user."""


class SignInFirst(Unauthenticated):
    """A browser page asked for without signing in: answered with a redirect (303) to ``location``, the login
    page, which comes back to the page afterwards."""

    def __init__(self, message: str, location: str) -> None:
        super().__init__(message)
        self.location = location


class Forbidden(PesisirError):
    """Authenticated, but the role may not do this."""


class Conflict(PesisirError):
    """The request is valid but clashes with the object's current state (e.g. reviewing twice)."""


class NotReady(PesisirError):
    """Something the request needs has not been built yet; the message names the command that builds it."""


class TimedOut(PesisirError):
    """Work stopped at its time limit; asking again for the same work would stop there again (no Retry-After)."""


class RateLimited(PesisirError):
    """Too many attempts; ``retry_after`` seconds until the next one is allowed."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


DEFAULT_STATUS_CODES: dict[type[PesisirError], int] = {
    InvalidParameter: 400,
    InvalidInput: 422,
    NotFound: 404,
    SignInFirst: 303,
    Unauthenticated: 401,
    Forbidden: 403,
    Conflict: 409,
    RateLimited: 429,
    DatabaseUnavailable: 503,
    NotReady: 503,
    TimedOut: 503,
    SetupError: 500,
    PesisirError: 500,
}

RETRY_AFTER_S = 5


def status_for(exc: PesisirError) -> int:
    for cls in type(exc).__mro__:
        if cls in DEFAULT_STATUS_CODES:
            return DEFAULT_STATUS_CODES[cls]
    return 500


def _headers(exc: PesisirError, status: int) -> dict[str, str] | None:
    if isinstance(exc, DatabaseUnavailable):
        return {"Retry-After": str(RETRY_AFTER_S)}
    if isinstance(exc, RateLimited):
        return {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, SignInFirst):
        return {"Location": exc.location}
    if status == 401:
        return {"WWW-Authenticate": "Bearer"}
    return None


def validation_errors(errors: Any) -> list[dict[str, Any]]:
    """Pydantic errors without the offending input: field location, rule message and rule type."""
    return [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))} for e in errors
    ]


def register_error_handlers(app: FastAPI) -> None:
    async def _handle(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, PesisirError)
        status = status_for(exc)
        if status >= 500 and status != 503:
            log.exception("internal error on %s %s", request.method, request.url.path)
            return JSONResponse({"detail": "internal server error"}, status_code=status)
        if status == 503:
            log.warning("503 on %s %s: %s", request.method, request.url.path, exc)
        return JSONResponse({"detail": str(exc)}, status_code=status, headers=_headers(exc, status))

    async def _invalid(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return JSONResponse({"detail": validation_errors(exc.errors())}, status_code=422)

    async def _pool_full(request: Request, exc: Exception) -> JSONResponse:
        # Every pooled connection is in use and none came back within the pool timeout (docs/RELIABILITY.md
        # LD-04, R2-03): the service is busy, not broken.
        log.warning("503 on %s %s: connection pool exhausted (%s)", request.method, request.url.path, exc)
        return JSONResponse(
            {"detail": "the service is busy: every database connection is in use; retry shortly"},
            status_code=503,
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )

    app.add_exception_handler(PesisirError, _handle)
    app.add_exception_handler(PoolTimeout, _pool_full)
    app.add_exception_handler(RequestValidationError, _invalid)
