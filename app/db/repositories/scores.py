"""Segment scores: flag for re-scoring near new evidence, count what is flagged."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.db.models import CoastalSegment, SegmentScore


def mark_stale_near(session: Session, points: Sequence[tuple[float, float]], reach_m: float) -> int:
    """Flag the current scores of every segment within ``reach_m`` metres of any point for re-scoring; returns rows
    flagged. Flagged scores stay served (``stale`` is another thing: superseded by a newer model version)."""
    if not points:
        return 0
    wkt = "MULTIPOINT(" + ",".join(f"({lon!r} {lat!r})" for lon, lat in points) + ")"
    pts = func.ST_GeomFromText(wkt, 4326)
    near = select(CoastalSegment.id).where(
        func.ST_DWithin(func.geography(CoastalSegment.geom), func.geography(pts), reach_m)
    )
    result = session.execute(
        update(SegmentScore)
        .where(
            SegmentScore.segment_id.in_(near),
            SegmentScore.stale.is_(False),
            SegmentScore.needs_rescore.is_(False),
        )
        .values(needs_rescore=True)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def count_needing_rescore(session: Session) -> int:
    flagged = SegmentScore.needs_rescore.is_(True) & SegmentScore.stale.is_(False)
    return int(session.execute(select(func.count()).where(flagged)).scalar_one())


def try_lock_rescoring(session: Session) -> bool:
    """Take the transaction-scoped advisory lock that lets one process re-score at a time (several workers each
    run a refresher); False when another transaction holds it."""
    return bool(session.execute(select(func.pg_try_advisory_xact_lock(RESCORE_LOCK))).scalar_one())


RESCORE_LOCK = 0x50455349  # "PESI": any constant unique to this use
