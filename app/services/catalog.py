"""Read-only views of the base layers and the service's health."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app import __version__
from app.db import repositories as repo
from app.db.session import probe
from app.errors import DatabaseUnavailable

log = logging.getLogger(__name__)


def harbour_slug(session: Session, harbour_id: int) -> str | None:
    """The slug of the harbour with this id (a harbourmaster's own), None when there is none."""
    return next((slug for slug, h in repo.harbours_by_slug(session).items() if h.id == harbour_id), None)


def islands_geojson(session: Session) -> str:
    return repo.islands_geojson(session)


def harbours_geojson(session: Session) -> str:
    return repo.harbours_geojson(session)


def places_geojson(session: Session) -> str:
    return repo.places_geojson(session)


@dataclass(frozen=True)
class Health:
    status: str
    database: str
    postgis: str | None
    version: str
    detail: str | None = None


def health(engine: Engine) -> Health:
    """``ok``; ``degraded`` (reason ``read-only``) when the database refuses writes; ``unavailable`` when it cannot
    be reached. The answer is public: why the database is unreachable (its socket path, data directory, host) is
    logged, never returned."""
    try:
        postgis, read_only = probe(engine)
    except DatabaseUnavailable as exc:
        log.warning("health check: %s", exc)
        return Health("unavailable", "unreachable", None, __version__, "the database cannot be reached")
    if read_only:
        return Health("degraded", "degraded", postgis, __version__, "read-only")
    return Health("ok", "ok", postgis, __version__)
