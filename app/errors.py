"""Pesisir's domain errors and their HTTP status codes, mapped in one table and registered once."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

log = logging.getLogger(__name__)


class PesisirError(Exception):
    """Base class of every error Pesisir raises on purpose. The message is safe to show to the user."""


class SetupError(PesisirError):
    """The machine lacks something Pesisir needs (a package, a reachable directory, a free port)."""


class DatabaseUnavailable(PesisirError):
    """The database cannot be reached. The message names host and port, never the password."""


class InvalidInput(PesisirError):
    """Input that breaks a rule; the message names the field (or file, or argument) and the rule."""


class InvalidParameter(InvalidInput):
    """A query parameter that breaks its rule (400, as OGC API Features asks)."""


class NotFound(PesisirError):
    """The object does not exist, or the caller may not know that it does."""


DEFAULT_STATUS_CODES: dict[type[PesisirError], int] = {
    InvalidParameter: 400,
    InvalidInput: 422,
    NotFound: 404,
    DatabaseUnavailable: 503,
    SetupError: 500,
    PesisirError: 500,
}


def status_for(exc: PesisirError) -> int:
    for cls in type(exc).__mro__:
        if cls in DEFAULT_STATUS_CODES:
            return DEFAULT_STATUS_CODES[cls]
    return 500


def register_error_handlers(app: FastAPI) -> None:
    async def _handle(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, PesisirError)
        status = status_for(exc)
        headers = {"Retry-After": "5"} if status == 503 else None
        if status >= 500 and status != 503:
            log.exception("internal error on %s %s", request.method, request.url.path)
            return JSONResponse({"detail": "internal server error"}, status_code=status)
        return JSONResponse({"detail": str(exc)}, status_code=status, headers=headers)

    app.add_exception_handler(PesisirError, _handle)
