"""All of Pesisir's SQL, in SQLAlchemy 2 ``select()`` / ``insert()`` style. Services call these; nothing else
talks to the database. Functions take the session first and never commit (the unit of work does).

This module holds the shared helpers and the base layers; each further area of the domain gets a module of its
own in this package (``app.db.repositories.<area>``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import geopandas as gpd
import psycopg
import shapely
from sqlalchemy import Text, delete, func, literal, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import JSON
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.db.models import AuditLog, Harbour, Incident, Island, Landing, PatrolBase, Place
from geo.crs import WGS84

GEOJSON_DECIMALS = 6  # ~0.1 m: finer than any source we hold


def ewkt(geom: shapely.Geometry) -> str:
    """A shapely geometry (lon/lat) as EWKT with SRID 4326, full precision, for a geometry column."""
    return f"SRID=4326;{shapely.to_wkt(geom, rounding_precision=-1)}"


@contextmanager
def _driver(session: Session) -> Iterator[psycopg.Connection[Any]]:
    """The driver's connection under the session (same transaction). The driver's errors come out as SQLAlchemy's
    (OperationalError, DataError, IntegrityError, ...), so the unit of work maps them like every other database
    error: a lost server is a 503, not a 500."""
    dbapi = session.connection().connection.driver_connection
    assert dbapi is not None
    try:
        yield dbapi
    except psycopg.Error as exc:
        raise DBAPIError.instance(None, None, exc, psycopg.Error) from exc


@contextmanager
def driver_cursor(session: Session) -> Iterator[psycopg.Cursor[Any]]:
    """A cursor of the driver on the session's own connection, for plain SQL on hot paths and its pipelined
    ``executemany`` (errors mapped as in ``_driver``)."""
    with _driver(session) as dbapi, dbapi.cursor() as cur:
        yield cur


@contextmanager
def pipelined(session: Session) -> Iterator[None]:
    """Statements sent through ``driver_cursor`` inside this block are queued and sent together (the driver's
    pipeline mode); reading a result waits for what was sent so far. Errors surface at the latest when the block
    ends, mapped as in ``_driver``."""
    with _driver(session) as dbapi, dbapi.pipeline():
        yield


def statement_timeout(session: Session, seconds: float) -> None:
    """No statement of this transaction may run longer than ``seconds`` (``SET LOCAL statement_timeout``)."""
    session.execute(select(func.set_config("statement_timeout", str(max(1, round(seconds * 1000))), True)))


# -- GeoJSON built by PostGIS (RFC 7946: lon/lat, exterior rings counter-clockwise, no crs member) -------------
def feature(id_col: Any, geom: Any, props: Mapping[str, Any]) -> Any:
    """A GeoJSON Feature built in SQL: RFC 7946 geometry (lon/lat, CCW exteriors) and the given properties."""
    pairs: list[Any] = []
    for name, col in props.items():
        pairs += [literal(name), col]
    return func.json_build_object(
        literal("type"),
        literal("Feature"),
        literal("id"),
        id_col,
        literal("geometry"),
        func.ST_AsGeoJSON(func.ST_ForcePolygonCCW(geom), GEOJSON_DECIMALS).cast(JSON),
        literal("properties"),
        func.json_build_object(*pairs),
    )


def _collection(session: Session, features: Any) -> str:
    sub = features.subquery()
    stmt = select(
        func.json_build_object(
            literal("type"),
            literal("FeatureCollection"),
            literal("features"),
            func.coalesce(func.json_agg(sub.c.f), text("'[]'::json")),
        ).cast(Text)
    )
    return str(session.execute(stmt).scalar_one())


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


def islands_geojson(session: Session) -> str:
    i = Island
    return _collection(session, select(feature(i.code, i.geom, island_properties()).label("f")).order_by(i.code))


def harbours_geojson(session: Session) -> str:
    h, i = Harbour, Island
    stmt = (
        select(feature(h.id, h.geom, harbour_properties()).label("f")).outerjoin(i, h.island_id == i.id).order_by(h.id)
    )
    return _collection(session, stmt)


def place_properties() -> dict[str, Any]:
    p = Place
    return {"slug": p.slug, "name": p.name, "kind": p.kind, "province": p.province, "source": p.source}


def places_geojson(session: Session) -> str:
    p = Place
    return _collection(session, select(feature(p.slug, p.geom, place_properties()).label("f")).order_by(p.slug))


# -- frames for the geo library and the map ---------------------------------------------------------------------
def _frame(session: Session, stmt: Any) -> gpd.GeoDataFrame:
    conn = session.connection()
    return gpd.read_postgis(stmt, conn, geom_col="geom", crs=WGS84).rename_geometry("geometry")


def islands_frame(session: Session) -> gpd.GeoDataFrame:
    i = Island
    return _frame(session, select(i.id, i.code, i.name, i.inhabited, i.area_km2, i.geom).order_by(i.code))


def harbours_frame(session: Session) -> gpd.GeoDataFrame:
    h = Harbour
    return _frame(session, select(h.id, h.slug, h.name, h.kind, h.monitored, h.geom).order_by(h.id))


def places_frame(session: Session) -> gpd.GeoDataFrame:
    p = Place
    return _frame(session, select(p.id, p.slug, p.name, p.kind, p.province, p.harbour_id, p.geom).order_by(p.slug))


def patrol_bases_frame(session: Session) -> gpd.GeoDataFrame:
    p = PatrolBase
    return _frame(session, select(p.id, p.slug, p.name, p.agency, p.geom).order_by(p.id))


def incidents_frame(session: Session, *, limit: int = 5000) -> gpd.GeoDataFrame:
    """Incidents for display, newest first, without the sensitive narrative."""
    n = Incident
    stmt = (
        select(
            n.id,
            n.kind,
            n.occurred_start,
            n.occurred_end,
            n.precision_m,
            n.people,
            n.confidence,
            n.review_state,
            n.synthetic,
            n.geom,
        )
        .order_by(n.occurred_start.desc())
        .limit(limit)
    )
    return _frame(session, stmt)


# -- writes -----------------------------------------------------------------------------------------------------
def upsert_islands(session: Session, rows: Sequence[Mapping[str, Any]]) -> tuple[int, int]:
    """Insert or update islands by code. Unchanged rows are not touched. Returns (inserted, updated)."""
    return _upsert(session, Island, rows, key="code")


def upsert_harbours(session: Session, rows: Sequence[Mapping[str, Any]]) -> tuple[int, int]:
    """Insert or update harbours by slug, then attach each to the island within 2 km of it."""
    counts = _upsert(session, Harbour, rows, key="slug")
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
    counts = _upsert(session, Place, rows, key="slug")
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
    return _upsert(session, PatrolBase, rows, key="slug")


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


def _upsert(session: Session, model: Any, rows: Sequence[Mapping[str, Any]], *, key: str) -> tuple[int, int]:
    if not rows:
        return (0, 0)
    table = model.__table__
    ins = pg_insert(table).values(list(rows))
    cols = [c for c in rows[0] if c != key]
    current = tuple_(*[_comparable(table.c[c]) for c in cols])
    proposed = tuple_(*[_comparable(ins.excluded[c]) for c in cols])
    stmt = ins.on_conflict_do_update(
        index_elements=[key],
        set_={**{c: ins.excluded[c] for c in cols}, "updated_at": func.now()},
        where=current.is_distinct_from(proposed),
    ).returning(literal_column_xmax())
    inserted = updated = 0
    for (was_insert,) in session.execute(stmt):
        if was_insert:
            inserted += 1
        else:
            updated += 1
    return inserted, updated


def _comparable(col: Any) -> Any:
    # Geometries compare by their binary form: ``=`` on geometry only compares bounding boxes.
    if col.type.__class__.__name__ == "Geometry":
        return func.ST_AsBinary(col)
    return col


def literal_column_xmax() -> Any:
    # xmax is 0 on a freshly inserted row version, non-zero on one written by ON CONFLICT DO UPDATE.
    return text("(xmax = 0) AS inserted")


def insert_new(
    session: Session, model: Any, rows: Iterable[Mapping[str, Any]], *, key: str, index: Sequence[Any] | None = None
) -> int:
    """Insert rows whose ``key`` (or unique ``index``, its columns and expressions) is not stored yet; return how
    many were new (deduplicating re-runs)."""
    batch = list(rows)
    if not batch:
        return 0
    table = model.__table__
    inserted = 0
    for start in range(0, len(batch), 1000):
        stmt = (
            pg_insert(table).values(batch[start : start + 1000]).on_conflict_do_nothing(index_elements=index or [key])
        )
        inserted += len(session.execute(stmt.returning(table.c[key])).all())
    return inserted


def insert_incidents(session: Session, rows: Iterable[Mapping[str, Any]]) -> int:
    return insert_new(session, Incident, rows, key="uuid")


def insert_landings(session: Session, rows: Iterable[Mapping[str, Any]]) -> int:
    # Unique per harbour (uq_landings_harbour_client_uuid, migration 0010).
    index = [func.coalesce(Landing.harbour_id, 0), Landing.client_uuid]
    return insert_new(session, Landing, rows, key="client_uuid", index=index)


def harbour_ids_by_slug(session: Session) -> dict[str, int]:
    return {slug: id_ for slug, id_ in session.execute(select(Harbour.slug, Harbour.id))}


def count(session: Session, model: Any, *, synthetic: bool | None = None) -> int:
    stmt = select(func.count()).select_from(model)
    if synthetic is not None:
        stmt = stmt.where(model.synthetic.is_(synthetic))
    return int(session.execute(stmt).scalar_one())


def audit(
    session: Session,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: str | None = None,
    actor_id: int | None = None,
    purpose: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditLog(
            actor=actor,
            actor_id=actor_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            purpose=purpose,
            before=before,
            after=after,
        )
    )
    session.flush()


def last_audit(session: Session, *, action: str, object_type: str) -> tuple[int, Any] | None:
    """The id and time of the newest audit row of this action on this kind of object (None: there is none)."""
    stmt = (
        select(AuditLog.id, AuditLog.at)
        .where(AuditLog.action == action, AuditLog.object_type == object_type)
        .order_by(AuditLog.id.desc())
        .limit(1)
    )
    row = session.execute(stmt).first()
    return None if row is None else (int(row[0]), row[1])


def postgis_version(session: Session) -> str:
    return str(session.execute(select(func.postgis_lib_version())).scalar_one())
