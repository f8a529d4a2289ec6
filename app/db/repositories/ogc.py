"""SQL behind OGC API Features: one description per collection, and paged, filtered item queries.

Items are built as GeoJSON by PostGIS (see ``feature``); filters use the GiST index (``&&`` on the envelope) and
the time columns' btree index. Paging is limit/offset over a stable order (the collection's id)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, String, cast, func, select
from sqlalchemy.orm import Session

from app.db.models import Harbour, Island
from app.db.repositories import feature, harbour_properties, island_properties


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    description: str
    id_col: Any
    geom: Any
    properties: Callable[[], dict[str, Any]]
    base: Callable[[], Select[Any]]
    time_start: Any = None
    time_end: Any = None


COLLECTIONS: dict[str, Collection] = {
    "islands": Collection(
        id="islands",
        title="Pulau / Islands",
        description="Islands of Kabupaten Sumenep and its part of Madura (OpenStreetMap, official codes).",
        id_col=Island.code,
        geom=Island.geom,
        properties=island_properties,
        base=lambda: select(Island.code).select_from(Island),
    ),
    "harbours": Collection(
        id="harbours",
        title="Pelabuhan / Harbours",
        description="Ports, fishing ports, ferry and special terminals, with kind and monitoring status.",
        id_col=cast(Harbour.id, String),
        geom=Harbour.geom,
        properties=harbour_properties,
        base=lambda: select(Harbour.id).select_from(Harbour).outerjoin(Island, Harbour.island_id == Island.id),
    ),
}


def _filtered(
    c: Collection,
    *,
    bbox: tuple[float, float, float, float] | None,
    interval: tuple[datetime | None, datetime | None] | None,
) -> Select[Any]:
    stmt = c.base()
    if bbox is not None:
        envelope = func.ST_MakeEnvelope(*bbox, 4326)
        stmt = stmt.where(c.geom.op("&&")(envelope)).where(func.ST_Intersects(c.geom, envelope))
    if interval is not None and c.time_start is not None:
        start, end = interval
        if end is not None:
            stmt = stmt.where(c.time_start <= end)
        if start is not None:
            stmt = stmt.where(c.time_end >= start)
    return stmt


def items(
    session: Session,
    c: Collection,
    *,
    bbox: tuple[float, float, float, float] | None,
    interval: tuple[datetime | None, datetime | None] | None,
    limit: int,
    offset: int,
) -> tuple[list[str], int]:
    """Features (GeoJSON text each) of one page, and how many match in all."""
    stmt = _filtered(c, bbox=bbox, interval=interval)
    matched = int(session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one())
    page = (
        stmt.with_only_columns(feature(c.id_col, c.geom, c.properties()).cast(String))
        .order_by(c.id_col)
        .limit(limit)
        .offset(offset)
    )
    return [str(f) for f in session.execute(page).scalars()], matched


def item(session: Session, c: Collection, feature_id: str) -> str | None:
    stmt = (
        c.base().with_only_columns(feature(c.id_col, c.geom, c.properties()).cast(String)).where(c.id_col == feature_id)
    )
    found = session.execute(stmt).scalar_one_or_none()
    return None if found is None else str(found)


def extent(session: Session, c: Collection) -> tuple[list[float] | None, list[str | None] | None]:
    """Spatial extent [minx, miny, maxx, maxy] and, for collections with time, the temporal extent."""
    box = session.execute(
        c.base().with_only_columns(
            func.ST_XMin(func.ST_Extent(c.geom)),
            func.ST_YMin(func.ST_Extent(c.geom)),
            func.ST_XMax(func.ST_Extent(c.geom)),
            func.ST_YMax(func.ST_Extent(c.geom)),
        )
    ).one()
    spatial = None if box[0] is None else [round(float(v), 6) for v in box]
    temporal = None
    if c.time_start is not None:
        lo, hi = session.execute(c.base().with_only_columns(func.min(c.time_start), func.max(c.time_end))).one()
        temporal = [lo.isoformat() if lo else None, hi.isoformat() if hi else None]
    return spatial, temporal
