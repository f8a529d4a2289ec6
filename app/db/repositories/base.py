"""SQL of the base layers: islands, harbours, the routes' places and patrol bases. Their GeoJSON for the API,
their frames for the geo library and the map, and their idempotent loads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import geopandas as gpd
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app.db.models import Harbour, Island, PatrolBase, Place
from app.db.repositories.sql import collection, feature, frame, upsert


def island_properties() -> dict[str, Any]:
    i = Island
    return {
        "code": i.code,
        "name": i.name,
        "official_codes": i.official_codes,
        "official_names": i.official_names,
        "inhabited": i.inhabited,
        "kecamatan": i.kecamatan,
        "area_km2": i.area_km2,
        "official_area_km2": i.official_area_km2,
        "source": i.source,
    }


def harbour_properties() -> dict[str, Any]:
    h, i = Harbour, Island
    return {
        "slug": h.slug,
        "name": h.name,
        "kind": h.kind,
        "monitored": h.monitored,
        "island_code": i.code,
        "island_name": i.name,
        "source": h.source,
    }


def place_properties() -> dict[str, Any]:
    p = Place
    return {"slug": p.slug, "name": p.name, "kind": p.kind, "province": p.province, "source": p.source}


def islands_geojson(session: Session) -> str:
    i = Island
    return collection(session, select(feature(i.code, i.geom, island_properties()).label("f")).order_by(i.code))


def harbours_geojson(session: Session) -> str:
    h, i = Harbour, Island
    stmt = (
        select(feature(h.id, h.geom, harbour_properties()).label("f")).outerjoin(i, h.island_id == i.id).order_by(h.id)
    )
    return collection(session, stmt)


def places_geojson(session: Session) -> str:
    p = Place
    return collection(session, select(feature(p.slug, p.geom, place_properties()).label("f")).order_by(p.slug))


# -- frames for the geo library and the map ---------------------------------------------------------------------
def islands_frame(session: Session) -> gpd.GeoDataFrame:
    i = Island
    return frame(session, select(i.id, i.code, i.name, i.inhabited, i.area_km2, i.geom).order_by(i.code))


def harbours_frame(session: Session) -> gpd.GeoDataFrame:
    h = Harbour
    return frame(session, select(h.id, h.slug, h.name, h.kind, h.monitored, h.geom).order_by(h.id))


def places_frame(session: Session) -> gpd.GeoDataFrame:
    p = Place
    return frame(session, select(p.id, p.slug, p.name, p.kind, p.province, p.harbour_id, p.geom).order_by(p.slug))


def patrol_bases_frame(session: Session) -> gpd.GeoDataFrame:
    p = PatrolBase
    return frame(session, select(p.id, p.slug, p.name, p.agency, p.geom).order_by(p.id))


class HarbourRef(NamedTuple):
    """A harbour as a landing report names it: its id and its name."""

    id: int
    name: str


def harbours_by_slug(session: Session) -> dict[str, HarbourRef]:
    """Every harbour by its slug."""
    stmt = select(Harbour.slug, Harbour.id, Harbour.name)
    return {slug: HarbourRef(id_, name) for slug, id_, name in session.execute(stmt)}


# -- writes -----------------------------------------------------------------------------------------------------
def upsert_islands(session: Session, rows: Sequence[Mapping[str, Any]]) -> tuple[int, int]:
    """Insert or update islands by code. Unchanged rows are not touched. Returns (inserted, updated)."""
    return upsert(session, Island, rows, key="code")


def upsert_harbours(session: Session, rows: Sequence[Mapping[str, Any]]) -> tuple[int, int]:
    """Insert or update harbours by slug, then attach each to the island within 2 km of it."""
    counts = upsert(session, Harbour, rows, key="slug")
    nearest = (
        select(Island.id)
        .where(func.ST_DWithin(func.geography(Island.geom), func.geography(Harbour.geom), 2000))
        .order_by(Island.geom.op("<->")(Harbour.geom))
        .limit(1)
        .scalar_subquery()
    )
    session.execute(
        update(Harbour)
        .where(Harbour.slug.in_([r["slug"] for r in rows]))
        .where(Harbour.island_id.is_distinct_from(nearest))
        .values(island_id=nearest)
    )
    return counts


def upsert_places(session: Session, rows: Sequence[Mapping[str, Any]]) -> tuple[int, int]:
    """Insert or update places by slug, then link each to the harbour of the same slug (none when there is none).
    Returns (inserted, updated) of the places themselves."""
    counts = upsert(session, Place, rows, key="slug")
    harbour = select(Harbour.id).where(Harbour.slug == Place.slug).scalar_subquery()
    session.execute(
        update(Place)
        .where(Place.slug.in_([r["slug"] for r in rows]))
        .where(Place.harbour_id.is_distinct_from(harbour))
        .values(harbour_id=harbour)
    )
    return counts


def upsert_patrol_bases(session: Session, rows: Sequence[Mapping[str, Any]]) -> tuple[int, int]:
    """Insert or update patrol bases by slug. Returns (inserted, updated)."""
    return upsert(session, PatrolBase, rows, key="slug")


def delete_generated_islands_except(session: Session, codes: Sequence[str]) -> int:
    """Remove the islands with a generated ``OSM-`` code that is not in ``codes`` (their segments and scores go
    with them; harbours on them are detached until the harbours are reloaded)."""
    stmt = delete(Island).where(Island.code.startswith("OSM-"), Island.code.not_in(list(codes)))
    result: Any = session.execute(stmt)
    return int(result.rowcount or 0)


def delete_patrol_bases_except(session: Session, slugs: Sequence[str]) -> int:
    """Remove the patrol bases whose slug is not in ``slugs`` (a reload with ``--replace``)."""
    result: Any = session.execute(delete(PatrolBase).where(PatrolBase.slug.not_in(list(slugs))))
    return int(result.rowcount or 0)
