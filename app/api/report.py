"""The harbour post's reporting page (``/report``): an installable web app that keeps working with no connection.

The page (``app/static/report/``) saves every report to an outbox in the browser (IndexedDB) with a
``client_uuid`` and an ``Idempotency-Key`` made on the device, and sends each one as its own
``POST /api/v1/landings`` when the page opens and when the connection comes back. Its service worker
(``/report/sw.js``, scope ``/report``) keeps the page and its scripts in the browser's cache so it opens offline.

The browser signs in with the session cookie, which counts for reads only (``app.deps._token``: a forged
cross-site form cannot write). The page's writes carry a bearer token it asks ``GET /report/token`` for, with the
cookie: a same-origin read (SameSite=Strict cookie, no CORS credentials), so another site can neither trigger it
with the cookie nor read its answer.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from app.deps import LandingReporter, PageUser, SessionDep, SettingsDep
from app.security import LANDING_REPORTERS, issue_token
from app.services import catalog
from geo import i18n

router = APIRouter(tags=["report"])

STATIC = Path(__file__).resolve().parents[1] / "static"
PAGE = STATIC / "report" / "index.html"
WORKER = STATIC / "report" / "sw.js"

SHELL = (
    "/report",
    "/static/report/report.js",
    "/report/strings.js",
    "/static/report/report.css",
    "/static/report/manifest.json",
    "/static/report/icon.svg",
    "/static/report/icon-192.png",
    "/static/report/icon-512.png",
    "/static/vendor/leaflet/leaflet.js",
    "/static/vendor/leaflet/leaflet.css",
    "/static/vendor/leaflet/images/marker-icon.png",
    "/static/vendor/leaflet/images/marker-icon-2x.png",
    "/static/vendor/leaflet/images/marker-shadow.png",
)
"""What the service worker caches when it installs: the page and everything it loads (no asset from elsewhere)."""


def _version() -> str:
    """A digest of the page's files: a new release changes the worker's text, so browsers install it again and
    replace their cached copy of the page."""
    digest = hashlib.sha256()
    for path in [PAGE, WORKER, *(STATIC / p.removeprefix("/static/") for p in SHELL if p.startswith("/static/"))]:
        digest.update(path.read_bytes())
    digest.update(_strings_source().encode())
    return digest.hexdigest()[:16]


@functools.cache
def _strings_source() -> str:
    """The page's words in both languages, from the catalogue's ``report.*`` messages (geo/i18n): the page's
    script reads ``window.PESISIR_REPORT_STRINGS[lang][key]``."""
    tables = {lang: i18n.tree(lang, "report") for lang in ("id", "en")}
    return "window.PESISIR_REPORT_STRINGS = " + json.dumps(tables, ensure_ascii=False, indent=1) + ";\n"


def _worker_source() -> str:
    shell = ",\n  ".join(f'"{p}"' for p in SHELL)
    return WORKER.read_text().replace("__VERSION__", _version()).replace('"__SHELL__"', shell)


Lang = Annotated[Literal["id", "en"], Query(description="Bahasa Indonesia (default) or English")]


@router.get(
    "/report",
    response_class=HTMLResponse,
    responses={303: {"description": "Not signed in: to /login"}, 403: {"description": "Another role: a page"}},
)
def report_page(who: PageUser, lang: Lang = "id") -> Response:
    """The harbour post's reporting page (harbourmasters and admin): an offline-capable form whose reports wait
    in the device's outbox until they are sent. Not signed in: to the login page; another role: a page saying so."""
    if who.role not in LANDING_REPORTERS:
        words = i18n.tree(lang, "report_refused")
        title, text, to_map, sign_out = (words[k] for k in ("title", "text", "to_map", "sign_out"))
        body = (
            f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{title}</title></head><body><h1>{title}</h1><p>{html.escape(text.format(role=who.role))}</p>"
            f'<p><a href="/map?lang={lang}">{to_map}</a></p>'
            f'<form method="post" action="/auth/logout"><button type="submit">{sign_out}</button></form></body></html>'
        )
        return HTMLResponse(body, status_code=403)
    # The same page in both languages: its script picks the words (?lang=, or the choice kept on the device).
    return HTMLResponse(PAGE.read_text())


@router.get("/report/sw.js", include_in_schema=False)
def service_worker() -> Response:
    """The page's service worker. Served from ``/report/`` with ``Service-Worker-Allowed: /report`` so its scope
    covers ``/report`` itself; never cached by HTTP (the browser checks it for a new version on each visit)."""
    return Response(
        _worker_source(),
        media_type="text/javascript",
        headers={"Service-Worker-Allowed": "/report"},
    )


@router.get("/report/strings.js", include_in_schema=False)
def report_strings() -> Response:
    """The reporting page's words in Bahasa Indonesia and English, from the message catalogue. Public, like the
    page's other scripts: the service worker keeps it for offline use."""
    return Response(_strings_source(), media_type="text/javascript")


@router.get("/report/token")
def report_token(request: Request, who: LandingReporter, session: SessionDep, settings: SettingsDep) -> JSONResponse:
    """A bearer token for the page's writes (``POST /api/v1/landings``), valid ``PESISIR_TOKEN_TTL_S`` seconds,
    for the signed-in harbourmaster (or admin), with their role and harbour. Asked with the session cookie."""
    ttl = settings.auth.token_ttl_s
    token = issue_token(who, request.state.signing_key, ttl)
    harbour = None if who.harbour_id is None else catalog.harbour_slug(session, who.harbour_id)
    return JSONResponse(
        {"access_token": token, "expires_in": ttl, "username": who.username, "role": who.role, "harbour": harbour}
    )
