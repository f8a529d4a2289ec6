"""Pesisir's domain errors and their HTTP status codes, mapped in one table and registered once.

Error bodies never carry stack traces, SQL or paths: a 500 says "internal server error" and the details go to
the log. Validation errors name the field (``loc``) and the rule (``msg``, ``type``) but never echo the input
(an echoed NaN would make the error itself unserialisable, docs/RELIABILITY.md BI-02).

Every error body carries a stable machine-readable ``code`` next to the text, and the text follows the request's
``Accept-Language`` (English or Indonesian, from the catalogue in geo/i18n): ``{"detail": "...", "code": "...",
"field": "..."}`` for a domain error, ``{"detail": [{"loc", "msg", "type", "code", "field"}, ...]}`` for a body or
parameter that fails its schema (``code`` is pydantic's error type, or Pesisir's own such as ``location.swapped``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, Self

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import TimeoutError as PoolTimeout

from geo.i18n import gettext, has, negotiate

log = logging.getLogger(__name__)


class PesisirError(Exception):
    """Base class of every error Pesisir raises on purpose. The message is safe to show to the user.

    Made with :meth:`coded`, it carries a catalogue ``code`` and its parameters, and the API answers it in the
    client's language; otherwise its code is its class's (``invalid_input``, ``not_found``, ...) and its text
    English."""

    code: str | None = None
    params: Mapping[str, Any] = MappingProxyType({})

    @classmethod
    def coded(cls, code: str, *args: Any, **params: Any) -> Self:
        """The error whose message is the catalogue's ``code`` with ``params`` (English in logs and the CLI);
        ``args`` are the class's own further arguments (a redirect's location, a Retry-After)."""
        exc = cls(gettext("en", code, **params), *args)
        exc.code, exc.params = code, params
        return exc


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


def class_code(exc: PesisirError) -> str:
    """``InvalidInput`` → ``invalid_input``: the code of an error made without one."""
    return re.sub(r"(?<!^)([A-Z])", r"_\1", type(exc).__name__).lower()


_FIELD = re.compile(r"^([A-Za-z_][\w.\-]*): ")
_LOCAL_DATE = re.compile(
    r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?:[ T,]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?\s*$"
)
EXAMPLE_TIME = "2026-11-30T21:15:00+07:00"
WIB = "+07:00"


def field_of(message: str) -> str | None:
    """The field a domain error's message names first (``location: point is ...`` → ``location``)."""
    m = _FIELD.match(message)
    return m.group(1) if m else None


def time_example(value: Any) -> str:
    """An ISO 8601 time with offset to show next to a refused one: the same moment in WIB when the input was a
    local form (``30/11/2026 21:15``) or lacked only its offset, else :data:`EXAMPLE_TIME`."""
    if isinstance(value, str) and len(value) < 64:
        m = _LOCAL_DATE.match(value)
        if m:
            d, mo, y, h, mi, sec = (int(g) if g else 0 for g in m.groups())
            try:
                return datetime(y, mo, d, h, mi, sec).isoformat() + WIB
            except ValueError:
                return EXAMPLE_TIME
        try:
            naive = datetime.fromisoformat(value.strip())
        except ValueError:
            return EXAMPLE_TIME
        if naive.tzinfo is None:
            return naive.isoformat() + WIB
    return EXAMPLE_TIME


_TIME_TYPES = {"timezone_aware", "datetime_parsing", "datetime_from_date_parsing", "datetime_type"}


def localized_errors(errors: Any, lang: str) -> list[dict[str, Any]]:
    """Pydantic errors for an API answer: each with its ``loc``, its stable ``code`` (the error type), the
    ``field`` it concerns (also in ``loc``), and a ``msg`` from the catalogue in ``lang`` saying the rule and how
    to fix the input. Like pydantic's own, ``msg`` does not repeat the field (clients show ``loc: msg``), except
    where Pesisir's own messages name the fields they compare. The input itself is not echoed (only a reformatted
    time in an example)."""
    out = []
    for e in errors:
        loc = list(e.get("loc", ()))
        kind = str(e.get("type", ""))
        ctx = dict(e.get("ctx") or {})
        path = loc[1:] if loc and loc[0] in ("body", "query", "path", "header", "cookie") else loc
        field = str(ctx.pop("field", "") or ".".join(map(str, path)) or (loc[0] if loc else "body"))
        params: dict[str, Any] = {
            k: f"{v:g}" if isinstance(v, float) else v
            for k, v in ctx.items()
            if isinstance(v, str | int | float | None)
        }
        if "error" in ctx:
            params["error"] = str(ctx["error"]).removeprefix("Value error, ")
        if kind in _TIME_TYPES:
            params["example"] = time_example(e.get("input"))
        if lang != "en" and isinstance(params.get("expected"), str):
            params["expected"] = params["expected"].replace("' or '", "' atau '")
        if has(kind):  # Pesisir's own codes, raised with app.schemas.coded
            msg = gettext(lang, kind, field=field, **params)
        elif has(f"pydantic.{kind}"):
            msg = gettext(lang, f"pydantic.{kind}", field=field, **params)
        else:
            msg = gettext(lang, "pydantic.other", field=field, msg=str(e.get("msg", "")), type=kind)
        out.append({"loc": loc, "msg": msg, "type": kind, "code": kind, "field": field})
    return out


def localized_text(exc: PesisirError, lang: str) -> dict[str, str]:
    """A domain error's ``error`` text in ``lang`` and its ``code``, for a batch item's answer."""
    text = gettext(lang, exc.code, **exc.params) if exc.code else str(exc)
    return {"error": text, "code": exc.code or class_code(exc)}


def language(request: Request) -> str:
    return negotiate(request.headers.get("accept-language"))


def language_headers(lang: str) -> dict[str, str]:
    """The headers of an answer whose text follows ``Accept-Language``: the language it is in, and that caches must
    keep one copy per language asked for."""
    return {"Content-Language": lang, "Vary": "Accept-Language"}


def _answer(body: dict[str, Any], status: int, lang: str, headers: Any = None) -> JSONResponse:
    r = JSONResponse(body, status_code=status, headers=headers)
    r.headers.update(language_headers(lang))
    return r


def validation_errors(errors: Any) -> list[dict[str, Any]]:
    """Pydantic errors without the offending input: field location, rule message and rule type."""
    return [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))} for e in errors
    ]


def register_error_handlers(app: FastAPI) -> None:
    async def _handle(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, PesisirError)
        status = status_for(exc)
        lang = language(request)
        if status >= 500 and status != 503:
            log.exception("internal error on %s %s", request.method, request.url.path)
            body = {"detail": gettext(lang, "server.internal"), "code": "server.internal"}
            return _answer(body, status, lang)
        if status == 503:
            log.warning("503 on %s %s: %s", request.method, request.url.path, exc)
        said = localized_text(exc, lang)
        body = {"detail": said["error"], "code": said["code"]}
        field = field_of(str(exc))
        if field:
            body["field"] = field
        return _answer(body, status, lang, _headers(exc, status))

    async def _invalid(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        lang = language(request)
        return _answer({"detail": localized_errors(exc.errors(), lang)}, 422, lang)

    async def _pool_full(request: Request, exc: Exception) -> JSONResponse:
        # Every pooled connection is in use and none came back within the pool timeout (docs/RELIABILITY.md
        # LD-04, R2-03): the service is busy, not broken.
        log.warning("503 on %s %s: connection pool exhausted (%s)", request.method, request.url.path, exc)
        lang = language(request)
        body = {"detail": gettext(lang, "server.busy"), "code": "server.busy"}
        return _answer(body, 503, lang, {"Retry-After": str(RETRY_AFTER_S)})

    app.add_exception_handler(PesisirError, _handle)
    app.add_exception_handler(PoolTimeout, _pool_full)
    app.add_exception_handler(RequestValidationError, _invalid)
