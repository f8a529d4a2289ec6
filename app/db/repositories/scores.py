"""Segment scores: mark stale near new evidence, count what is stale."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.db.models import CoastalSegment, SegmentScore


def mark_stale_near(session: Session, points: Sequence[tuple[float, float]], reach_m: float) -> int:
    """Flag the scores of every segment within ``reach_m`` metres of any point; returns rows flagged."""
    if not points:
        return 0
    wkt = "MULTIPOINT(" + ",".join(f"({lon!r} {lat!r})" for lon, lat in points) + ")"
    pts = func.ST_GeomFromText(wkt, 4326)
    near = select(CoastalSegment.id).where(
        func.ST_DWithin(func.geography(CoastalSegment.geom), func.geography(pts), reach_m)
    )
    result = session.execute(
        update(SegmentScore)
        .where(SegmentScore.segment_id.in_(near), SegmentScore.stale.is_(False))
        .values(stale=True)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def count_stale(session: Session) -> int:
    return int(session.execute(select(func.count()).where(SegmentScore.stale.is_(True))).scalar_one())
