"""Read-only views of the base layers and the service's health."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app import __version__
from app.db import repositories as repo
from app.db.session import check_connection
from app.errors import DatabaseUnavailable


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
    try:
        postgis = check_connection(engine)
    except DatabaseUnavailable as exc:
        return Health("unavailable", "unreachable", None, __version__, str(exc))
    return Health("ok", "ok", postgis, __version__)
