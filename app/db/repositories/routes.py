"""SQL of the sea routes: places as route ends, the points a smuggler keeps clear of, and the layers
``pesisir routes build`` writes (corridors, ferry routes, corridor exposure per segment, the build record)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import pandas as pd
from sqlalchemy import delete, func, select, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from app.db.models import (
    Corridor,
    FerryRoute,
    Harbour,
    PatrolBase,
    Place,
    RouteBuild,
    SegmentCorridorExposure,
)
from app.db.repositories.sql import collection, feature, frame


def place_lonlat(session: Session, slug: str) -> tuple[float, float] | None:
    """Where the place ``slug`` is (lon, lat), or None."""
    stmt = select(func.ST_X(Place.geom).label("lon"), func.ST_Y(Place.geom).label("lat")).where(Place.slug == slug)
    row = session.execute(stmt).one_or_none()
    return None if row is None else (float(row.lon), float(row.lat))


def watched_points(session: Session) -> list[tuple[float, float]]:
    """Lon/lat of every monitored harbour and every loaded patrol base: where a boat is likely to be seen."""
    harbours = select(func.ST_X(Harbour.geom), func.ST_Y(Harbour.geom)).where(Harbour.monitored.is_(True))
    bases = select(func.ST_X(PatrolBase.geom), func.ST_Y(PatrolBase.geom))
    return [(float(x), float(y)) for x, y in session.execute(union_all(harbours, bases))]


def latest_build(session: Session) -> RouteBuild | None:
    stmt = select(RouteBuild).order_by(RouteBuild.built_at.desc(), RouteBuild.id.desc()).limit(1)
    return session.execute(stmt).scalar_one_or_none()


def _insert(session: Session, model: Any, rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:  # executemany ("insertmanyvalues" batches of one compiled statement), as write_scores
        session.execute(pg_insert(model.__table__), [dict(r) for r in rows])


def replace_layers(
    session: Session,
    *,
    ferries: Sequence[Mapping[str, Any]],
    corridors: Sequence[Mapping[str, Any]],
    exposure: Sequence[Mapping[str, Any]],
    build: Mapping[str, Any],
) -> int:
    """Replace the ferry routes, corridors and corridor exposure as a whole and record the build (the caller's
    transaction makes it all or nothing). Returns the build's id."""
    for model in (FerryRoute, Corridor, SegmentCorridorExposure):
        session.execute(delete(model))
    _insert(session, FerryRoute, ferries)
    _insert(session, Corridor, corridors)
    _insert(session, SegmentCorridorExposure, exposure)
    row = RouteBuild(**build)
    session.add(row)
    session.flush()
    return int(row.id)


def ferry_routes_frame(session: Session) -> gpd.GeoDataFrame:
    f = FerryRoute
    stmt = select(f.route, f.name, f.from_slug, f.to_slug, f.hours, f.distance_km, f.geom).order_by(f.route)
    return frame(session, stmt)


def exposure_frame(session: Session) -> pd.DataFrame:
    """The stored corridor exposure, one row per segment id and one column per ``<risk kind>:<route season>``
    (empty when no build is stored)."""
    e = SegmentCorridorExposure
    rows = session.execute(select(e.segment_id, e.risk_kind, e.season, e.value)).all()
    if not rows:
        return pd.DataFrame(index=pd.Index([], name="segment_id", dtype=object))
    long = pd.DataFrame(rows, columns=["segment_id", "risk_kind", "season", "value"])
    long["column"] = long["risk_kind"].astype(str) + ":" + long["season"].astype(str)
    wide = long.pivot(index="segment_id", columns="column", values="value").fillna(0.0)
    wide.columns.name = None
    return wide


def corridor_properties() -> dict[str, Any]:
    c = Corridor
    return {
        "risk_kind": c.risk_kind,
        "season": c.season,
        "traffic": c.traffic,
        "flows": c.flows,
        "graph_version": c.graph_version,
    }


def corridors_geojson(session: Session, *, kind: str | None, season: str | None) -> str:
    c = Corridor
    stmt = select(feature(c.id, c.geom, corridor_properties()).label("f"))
    if kind is not None:
        stmt = stmt.where(c.risk_kind == kind)
    if season is not None:
        stmt = stmt.where(c.season == season)
    # Heaviest last, so a map draws the busiest lines on top.
    return collection(session, stmt.order_by(c.traffic, c.id))


def count_corridors(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(Corridor)).scalar_one())
