"""Helpers every repository shares: the one EWKT writer, the driver's cursor and pipeline on the session's own
connection, the statement time limit, GeoJSON built by PostGIS, GeoDataFrames read from SQL, and the
insert-or-update / insert-if-new statements."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import geopandas as gpd
import psycopg
import shapely
from sqlalchemy import Text, func, literal, select, text, tuple_
from sqlalchemy.dialects.postgresql import JSON
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from geo.crs import WGS84

GEOJSON_DECIMALS = 6  # ~0.1 m: finer than any source we hold


def ewkt(geom: shapely.Geometry | tuple[float, float]) -> str:
    """A geometry column's value: a shapely geometry (lon/lat), or a point as ``(lon, lat)``, as EWKT with SRID
    4326 and every digit of each coordinate (the text reads back as the same doubles). A point given as a pair
    skips shapely, for the landing reports' hot path."""
    if isinstance(geom, tuple):
        lon, lat = geom
        return f"SRID=4326;POINT({lon!r} {lat!r})"
    # 20 significant digits, trimmed: the shortest text that reads back exactly (GEOS' own "full precision", -1,
    # drops the last digit of about one coordinate in thirty).
    return f"SRID=4326;{shapely.to_wkt(geom, rounding_precision=20, trim=True)}"


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


def collection(session: Session, features: Any) -> str:
    """A FeatureCollection's text from a statement of one column of features (``feature(...)``)."""
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


def frame(session: Session, stmt: Any) -> gpd.GeoDataFrame:
    """The rows of ``stmt`` (with a ``geom`` column) as a GeoDataFrame in WGS 84, geometry column ``geometry``."""
    conn = session.connection()
    return gpd.read_postgis(stmt, conn, geom_col="geom", crs=WGS84).rename_geometry("geometry")


# -- writes -----------------------------------------------------------------------------------------------------
def upsert(session: Session, model: Any, rows: Sequence[Mapping[str, Any]], *, key: str) -> tuple[int, int]:
    """Insert or update ``rows`` by the unique column ``key``; unchanged rows are not touched (nor their
    ``updated_at``). Returns (inserted, updated)."""
    if not rows:
        return (0, 0)
    table = model.__table__
    ins = pg_insert(table).values(list(rows))
    cols = [c for c in rows[0] if c != key]
    current = tuple_(*[comparable(table.c[c]) for c in cols])
    proposed = tuple_(*[comparable(ins.excluded[c]) for c in cols])
    stmt = ins.on_conflict_do_update(
        index_elements=[key],
        set_={**{c: ins.excluded[c] for c in cols}, "updated_at": func.now()},
        where=current.is_distinct_from(proposed),
    ).returning(was_inserted())
    inserted = updated = 0
    for (was_insert,) in session.execute(stmt):
        if was_insert:
            inserted += 1
        else:
            updated += 1
    return inserted, updated


def comparable(col: Any) -> Any:
    """A column as ``IS DISTINCT FROM`` should compare it: geometries by their binary form (``=`` on geometry only
    compares bounding boxes)."""
    if col.type.__class__.__name__ == "Geometry":
        return func.ST_AsBinary(col)
    return col


def was_inserted() -> Any:
    """A RETURNING column of an upsert: true for a row it inserted, false for one it updated (xmax is 0 on a
    freshly inserted row version, non-zero on one written by ON CONFLICT DO UPDATE)."""
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
