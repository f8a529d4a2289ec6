"""Rows for the map's incident and landing layers: compact lists, newest first, within a time window."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.models import Incident, Landing

_DAY = "YYYY-MM-DD"


def _rows(
    session: Session, stmt: Any, first: Any, last: Any, start: datetime | None, end: datetime | None
) -> list[list[Any]]:
    """Run ``stmt`` (lon and lat first) for events whose [first, last] window overlaps [start, end)."""
    if start is not None:
        stmt = stmt.where(last >= start)
    if end is not None:
        stmt = stmt.where(first < end)
    return [[round(r[0], 6), round(r[1], 6), *r[2:]] for r in session.execute(stmt)]


def incident_rows(
    session: Session,
    *,
    start: datetime | None,
    end: datetime | None,
    narratives: bool,
    limit: int,
) -> list[list[Any]]:
    """``[lon, lat, day, kind, people, review_state(, narrative)]`` of incidents overlapping [start, end)."""
    n = Incident
    day = func.to_char(func.timezone("Asia/Jakarta", n.occurred_start), _DAY)
    cols: list[Any] = [
        func.ST_X(n.geom),
        func.ST_Y(n.geom),
        day,
        n.kind,
        n.people,
        n.review_state,
    ]
    if narratives:
        cols.append(n.narrative)
    stmt = select(*cols).order_by(n.occurred_start.desc()).limit(limit)
    return _rows(session, stmt, n.occurred_start, n.occurred_end, start, end)


def landing_rows(
    session: Session,
    *,
    start: datetime | None,
    end: datetime | None,
    harbour_id: int | None,
    limit: int,
) -> list[list[Any]]:
    """``[lon, lat, day, direction, suspicious, vessel_name, origin, persons_aboard, flags, review_state]`` of
    landings overlapping [start, end); only one harbour's when ``harbour_id`` is given."""
    ld = Landing
    day = func.to_char(func.timezone("Asia/Jakarta", ld.observed_start), _DAY)
    stmt = (
        select(
            func.ST_X(ld.geom),
            func.ST_Y(ld.geom),
            day,
            ld.direction,
            ld.suspicious,
            ld.vessel_name,
            ld.origin,
            ld.persons_aboard,
            ld.suspicion_flags,
            ld.review_state,
        )
        .order_by(ld.observed_start.desc())
        .limit(limit)
    )
    if harbour_id is not None:
        stmt = stmt.where(ld.harbour_id == harbour_id)
    return _rows(session, stmt, ld.observed_start, ld.observed_end, start, end)
