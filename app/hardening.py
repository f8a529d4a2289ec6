"""The HTTP surface's guard rails, as one pure ASGI middleware (docs/RELIABILITY.md BI-07, AZ-14, AZ-17):

- request bodies above ``max_body_bytes`` are refused with 413, whether announced by Content-Length or sent
  chunked (the body is read up to the limit before the application sees it);
- security headers on every response, errors included. The Content-Security-Policy allows scripts from the
  service itself and inline scripts that carry this response's nonce (``request.state.csp_nonce``, a fresh one per
  request; ``with_nonce`` marks a page's scripts): no ``'unsafe-inline'`` script, no CDN (the API documentation's
  assets are vendored in ``app/static/vendor``);
- any exception that escapes the application becomes a generic 500 (details only in the log);
- a Host header naming a host the service does not answer to is refused with 400 (docs/RELIABILITY.md R2-09):
  links built from the request can then only point at an allowed host.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: https:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
"""Inline styles stay allowed (folium and Swagger UI write style attributes); inline scripts need the nonce."""
NONCE = "csp_nonce"
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"strict-transport-security", b"max-age=31536000; includeSubDomains"),
]
_SCRIPT_TAG = re.compile(r"<script(?=[\s>])", re.IGNORECASE)


def with_nonce(html: str, nonce: str) -> str:
    """``html`` with ``nonce`` on every ``<script>`` element, for a page the service itself rendered: every text
    a user typed is escaped in it (Jinja, folium, inert JSON), so each ``<script`` is one of its templates'."""
    return _SCRIPT_TAG.sub(f'<script nonce="{nonce}"', html)


NO_STORE = (b"cache-control", b"no-store")


def host_name(header: str) -> str:
    """The host of a Host header, without port, lower case (``[::1]:8000`` -> ``::1``)."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def host_allowed(host: str, allowed: list[str]) -> bool:
    for pattern in allowed:
        p = pattern.strip().lower().strip("[]")
        if p == "*" or host == p or (p.startswith("*.") and host.endswith(p[1:])):
            return True
    return False


class Hardening:
    def __init__(self, app: ASGIApp, max_body_bytes: int, allowed_hosts: list[str] | None = None) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.allowed_hosts = allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        nonce = secrets.token_urlsafe(18)
        scope.setdefault("state", {})[NONCE] = nonce
        csp = (b"content-security-policy", CSP.format(nonce=nonce).encode())
        # Static files and vector tiles say how they may be cached (tiles: private, revalidated by ETag); every
        # other response is no-store.
        cacheable = scope.get("path", "").startswith(("/static/", "/tiles/"))

        async def send_hardened(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control" or cacheable]
                headers += SECURITY_HEADERS
                headers.append(csp)
                if not cacheable:
                    headers.append(NO_STORE)
                # A browser session's renewed cookie (app.deps.get_token_user), only on a successful answer.
                renewed = scope["state"].get("session_cookie")
                if renewed and message["status"] < 400:
                    headers.append((b"set-cookie", renewed.encode("latin-1")))
                message["headers"] = headers
            await send(message)

        async def reply(status: int, detail: str) -> None:
            body = json.dumps({"detail": detail}).encode()
            await send_hardened(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
                }
            )
            await send_hardened({"type": "http.response.body", "body": body})

        if self.allowed_hosts is not None:
            host = dict(scope.get("headers", [])).get(b"host", b"").decode("latin-1")
            if not host_allowed(host_name(host), self.allowed_hosts):
                await reply(400, "Host: not a host this service answers to (PESISIR_ALLOWED_HOSTS, PESISIR_PUBLIC_URL)")
                return

        limit = self.max_body_bytes
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                await reply(400, "Content-Length: not a number")
                return
            if too_big:
                await reply(413, f"request body: larger than the limit of {limit} bytes")
                return

        chunks: list[bytes] = []
        size = 0
        if scope.get("method") in ("POST", "PUT", "PATCH"):
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    await reply(413, f"request body: larger than the limit of {limit} bytes")
                    return
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
            body = b"".join(chunks)
            delivered = False

            async def replay() -> Message:
                nonlocal delivered
                if not delivered:
                    delivered = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            inner_receive: Receive = replay
        else:
            inner_receive = receive

        try:
            await self.app(scope, inner_receive, send_hardened)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if not started:
                await reply(500, "internal server error")
