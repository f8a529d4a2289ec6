"""All of Pesisir's SQL, in SQLAlchemy 2 ``select()`` / ``insert()`` style. Services call these; nothing else
talks to the database. Functions take the session first and never commit (the unit of work does).

Each area of the domain has a module of its own: ``sql`` (the helpers every repository shares), ``base`` (the
base layers), ``reports`` (landings and incidents as reported), ``layers`` (the published layers), ``risk``,
``routes``, ``maps``, ``users``, ``audit_log``, ``idempotency``, ``limits`` and ``scores``. This package's face
only re-exports the helpers and base layers most services use."""

from app.db.repositories.base import (
    HarbourRef,
    delete_generated_islands_except,
    delete_patrol_bases_except,
    harbour_properties,
    harbours_by_slug,
    harbours_frame,
    harbours_geojson,
    island_properties,
    islands_frame,
    islands_geojson,
    patrol_bases_frame,
    place_properties,
    places_frame,
    places_geojson,
    upsert_harbours,
    upsert_islands,
    upsert_patrol_bases,
    upsert_places,
)
from app.db.repositories.sql import (
    GEOJSON_DECIMALS,
    driver_cursor,
    ewkt,
    pipelined,
    statement_timeout,
)

__all__ = [
    "GEOJSON_DECIMALS",
    "HarbourRef",
    "delete_generated_islands_except",
    "delete_patrol_bases_except",
    "driver_cursor",
    "ewkt",
    "harbour_properties",
    "harbours_by_slug",
    "harbours_frame",
    "harbours_geojson",
    "island_properties",
    "islands_frame",
    "islands_geojson",
    "patrol_bases_frame",
    "pipelined",
    "place_properties",
    "places_frame",
    "places_geojson",
    "statement_timeout",
    "upsert_harbours",
    "upsert_islands",
    "upsert_patrol_bases",
    "upsert_places",
]
