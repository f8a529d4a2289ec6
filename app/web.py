"""How the browser pages travel: static files under versioned URLs that may be cached for good, and gzip for the
pages and static files (never for exports, tiles or event streams).

- ``/static/<path>``: the files of ``app/static``, revalidated on every use (``Cache-Control: no-cache``, with the
  ETag and Last-Modified Starlette sends), for links that cannot change (``/favicon.ico``, the API docs).
- ``/static/v-<version>/<path>`` (:func:`static_url`): the same files, ``<version>`` a hash of every file under
  ``app/static``; cached a year and never revalidated (``immutable``). A new release with any changed file has
  another version, so a page always names the files it was written for; an old version's URL is a 404.
- The pages that hold data (``/map``) stay ``no-store`` (``app.hardening``): only what is the same for everyone is
  cached.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path

from starlette.datastructures import Headers
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PREFIX = "/static"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

COMPRESSED_PATHS = ("/map", "/login", "/docs", "/redoc", "/openapi.json")
"""Pages gzip compresses (and every path under ``/static/``): HTML, JSON and script that shrink by 70-85 %. Not the
API's exports (streamed, some already zipped), tiles or server-sent events, whose streaming gzip would hold back."""
_VERSIONED = "pesisir.static_versioned"
GZIP_MINIMUM_BYTES = 1024
GZIP_LEVEL = 6
"""zlib's default: within a few per cent of level 9's size on the map page, in a fraction of the time."""


@cache
def static_version() -> str:
    """A hash of every file under ``app/static`` (names and contents): the version in :func:`static_url`. Computed
    once per process: after editing a static file, restart the service (``make run`` does), or the browser keeps
    the old file under the old version's URL."""
    digest = hashlib.sha256()
    for path in sorted(p for p in STATIC_DIR.rglob("*") if p.is_file()):
        digest.update(path.relative_to(STATIC_DIR).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def static_url(path: str = "") -> str:
    """The cacheable URL of ``path`` under ``app/static`` (``vendor``, ``pesisir-map.js``), without a trailing
    slash when ``path`` is empty."""
    base = f"{STATIC_PREFIX}/v-{static_version()}"
    return f"{base}/{path.strip('/')}" if path.strip("/") else base


class StaticAssets(StaticFiles):
    """``app/static`` at ``/static``: a path that starts with this release's ``v-<version>/`` is served as the
    file after it, cached for good; any other path revalidates (a stale version's prefix is no file: 404)."""

    def get_path(self, scope: Scope) -> str:
        path = super().get_path(scope)
        head, _, rest = path.partition(os.sep)
        versioned = head == f"v-{static_version()}" and bool(rest)
        scope[_VERSIONED] = versioned
        return rest if versioned else path

    def file_response(
        self, full_path: str | os.PathLike[str], stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["cache-control"] = IMMUTABLE if scope.get(_VERSIONED) else REVALIDATE
        return response


class PageCompression:
    """Gzip (Starlette's ``GZipMiddleware``) for :data:`COMPRESSED_PATHS` and static files only, and never for a
    range request: every other response passes through untouched, so streamed exports and event streams reach
    the client as they are written."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=GZIP_MINIMUM_BYTES, compresslevel=GZIP_LEVEL)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and compressible(scope):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def compressible(scope: Scope) -> bool:
    path = scope.get("path", "")
    wanted = path in COMPRESSED_PATHS or path.startswith(STATIC_PREFIX + "/")
    return wanted and "range" not in Headers(scope=scope)
