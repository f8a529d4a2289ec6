"""The application factory. ``create_app(settings)`` builds the service; ``app`` is the default instance."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypedDict

from fastapi import FastAPI
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app import __version__
from app.api import export, features, health, mapview, ogc, risk, tiles
from app.db.session import make_engine, make_sessionmaker
from app.errors import register_error_handlers
from app.settings import Settings

STATIC_DIR = Path(__file__).parent / "static"


class State(TypedDict):
    settings: Settings
    engine: Engine
    sessionmaker: sessionmaker[Session]


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """Build the service. Tests pass explicit settings (and may pass an engine bound to a test database)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[State]:
        eng = engine or make_engine(settings.database)
        try:
            yield {"settings": settings, "engine": eng, "sessionmaker": make_sessionmaker(eng)}
        finally:
            if engine is None:
                eng.dispose()

    docs = settings.server.docs_enabled
    application = FastAPI(
        title="Pesisir",
        version=__version__,
        description="Risk mapping of illegal landings and trafficking routes on the coast of Sumenep.",
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    register_error_handlers(application)
    application.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (health, features, risk, mapview, ogc, export, tiles):
        application.include_router(module.router)

    @application.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml")

    @application.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/map")

    return application


app = create_app()
