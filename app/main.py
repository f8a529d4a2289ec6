"""The application factory. ``create_app(settings)`` builds the service; ``app`` is the default instance."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import TypedDict

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app import __version__
from app.api import (
    admin,
    alerts,
    auth,
    export,
    features,
    health,
    incidents,
    landings,
    mapview,
    ogc,
    report,
    risk,
    routes,
    tiles,
)
from app.db.session import make_engine, make_sessionmaker, unit_of_work
from app.errors import register_error_handlers
from app.hardening import Hardening, with_nonce
from app.security import signing_key
from app.services import alert_delivery, rescoring
from app.services.login_limiter import LoginLimiter
from app.services.risk import ModelStore
from app.settings import AlertSettings, Settings
from app.web import STATIC_DIR, PageCompression, StaticAssets

log = logging.getLogger(__name__)


class State(TypedDict):
    settings: Settings
    engine: Engine
    sessionmaker: sessionmaker[Session]
    signing_key: str
    login_limiter: LoginLimiter


async def _refresher(factory: sessionmaker[Session], interval_s: float, store: ModelStore) -> None:
    """Re-score stale segments every ``interval_s`` seconds through the one hook in ``app.services.rescoring``."""

    def once() -> None:
        with unit_of_work(factory) as session:
            rescoring.audit_run(session, rescoring.BACKGROUND, rescoring.refresh_stale(session, store=store))

    while True:
        await asyncio.sleep(interval_s)
        try:
            await run_in_threadpool(once)
        except Exception:  # a database outage must not end the loop
            log.warning("background re-scoring failed; retrying in %.0f s", interval_s, exc_info=True)


async def _deliverer(factory: sessionmaker[Session], cfg: AlertSettings) -> None:
    """Send the alerts outbox every ``cfg.delivery_interval_s`` seconds (``app.services.alert_delivery``)."""
    while True:
        await asyncio.sleep(cfg.delivery_interval_s)
        try:
            await run_in_threadpool(alert_delivery.deliver_due, factory, cfg)
        except Exception:  # a database outage must not end the loop
            log.warning("alert delivery failed; retrying in %.0f s", cfg.delivery_interval_s, exc_info=True)


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """Build the service. Tests pass explicit settings (and may pass an engine bound to a test database)."""
    settings = settings or Settings()
    key = signing_key(settings)  # refuses to start outside dev without a proper secret

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[State]:
        eng = engine or make_engine(settings.database)
        factory = make_sessionmaker(eng)
        # Shared with every other worker process through PostgreSQL (issue 13), as export turns and token versions.
        limiter = LoginLimiter(
            factory,
            settings.auth.login_attempts_per_minute,
            per_address=settings.auth.login_attempts_per_address_per_minute,
        )
        interval = settings.server.rescore_interval_s
        store = ModelStore(settings.models_dir)
        task = asyncio.create_task(_refresher(factory, interval, store)) if interval > 0 else None
        cfg = settings.alerts
        sender = asyncio.create_task(_deliverer(factory, cfg)) if cfg.delivery_interval_s > 0 else None
        # Everything imported and built so far (the scientific stack is large) lives as long as the process: move
        # it out of the garbage collector's sight, so a full collection walks only what requests allocate. Without
        # this, a collection pauses every in-flight request for a few hundred milliseconds (issue 4's p99).
        gc.collect()
        gc.freeze()
        # The event loop and the thread pool that runs database work share one interpreter lock. The default
        # hand-over interval (5 ms) lets a busy worker thread hold back every response the loop is ready to send;
        # 1 ms cut the p99 of landing reports at 20 clients from ~120 ms to ~90 ms (benchmarks/bench_landings.py).
        sys.setswitchinterval(0.001)
        try:
            yield {
                "settings": settings,
                "engine": eng,
                "sessionmaker": factory,
                "signing_key": key,
                "login_limiter": limiter,
            }
        finally:
            for t in (task, sender):
                if t is not None:
                    t.cancel()
                    with suppress(asyncio.CancelledError):
                        await t
            if engine is None:
                eng.dispose()

    docs = settings.server.docs
    application = FastAPI(
        title="Pesisir",
        version=__version__,
        description="Risk mapping of illegal landings and trafficking routes on the coast of Sumenep.",
        lifespan=lifespan,
        # /docs and /redoc are this service's own routes (below): vendored assets, inline scripts with a nonce.
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json" if docs else None,
        # FastAPI's built-in OpenTelemetry hooks ask the global providers on every request (an environment lookup
        # each time) even when none is configured: off, as Pesisir exports no traces.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    register_error_handlers(application)
    if settings.server.cors_origins:
        application.add_middleware(
            CORSMiddleware,
            allow_origins=settings.server.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
        )
    # Inside the guard rails: gzip for the pages and static files only (app.web), never for streamed exports.
    application.add_middleware(PageCompression)
    application.add_middleware(
        Hardening, max_body_bytes=settings.server.max_body_bytes, allowed_hosts=settings.server.hosts
    )
    if settings.server.trusted_proxies:
        # Outermost: the client address (login limits) and scheme come from X-Forwarded-For / -Proto only when
        # the connection comes from a configured proxy. uvicorn's own handling is off (``pesisir serve``).
        application.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.server.trusted_proxies)
    application.mount("/static", StaticAssets(directory=STATIC_DIR), name="static")
    if docs:
        _add_docs(application)
    for module in (
        health,
        auth,
        features,
        risk,
        routes,
        mapview,
        report,
        ogc,
        export,
        tiles,
        landings,
        incidents,
        alerts,
        admin,
    ):
        application.include_router(module.router)

    @application.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml")

    @application.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/map")

    return application


def _add_docs(application: FastAPI) -> None:
    """Swagger UI at /docs and ReDoc at /redoc, from ``app/static/vendor`` (no CDN), their inline scripts marked
    with the response's CSP nonce (docs/RELIABILITY.md AZ-14)."""
    vendor = "/static/vendor"
    openapi_url = application.openapi_url or "/openapi.json"
    title = application.title

    @application.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} - Swagger UI",
            swagger_js_url=f"{vendor}/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url=f"{vendor}/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/favicon.ico",
            oauth2_redirect_url="/docs/oauth2-redirect",
        )
        return HTMLResponse(with_nonce(bytes(page.body).decode(), request.state.csp_nonce))

    @application.get("/docs/oauth2-redirect", include_in_schema=False)
    def swagger_ui_redirect(request: Request) -> HTMLResponse:
        page = get_swagger_ui_oauth2_redirect_html()
        return HTMLResponse(with_nonce(bytes(page.body).decode(), request.state.csp_nonce))

    @application.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        page = get_redoc_html(
            openapi_url=openapi_url,
            title=f"{title} - ReDoc",
            redoc_js_url=f"{vendor}/redoc/redoc.standalone.js",
            redoc_favicon_url="/favicon.ico",
            with_google_fonts=False,
        )
        return HTMLResponse(with_nonce(bytes(page.body).decode(), request.state.csp_nonce))


app = create_app()
