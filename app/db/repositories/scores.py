"""Segment scores: flag for re-scoring near new evidence, count what is flagged."""

from __future__ import annotations

import math
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.models import SegmentScore
from app.db.repositories.sql import driver_cursor

# Each point finds its segments through the GiST index on their geometry (a box ``deg`` degrees around the point,
# larger than ``reach_m`` at these latitudes), then they are measured on the spheroid. Point by point: a batch of
# 500 reports spread over the regency would otherwise measure every segment against all 500.
_MARK_STALE = """
UPDATE segment_scores SET needs_rescore = true
WHERE NOT stale AND NOT needs_rescore AND segment_id IN (
    SELECT s.id
    FROM (SELECT (ST_Dump(ST_GeomFromText(%(wkt)s, 4326))).geom AS pt) p
    JOIN coastal_segments s
      ON s.geom && ST_Expand(p.pt, %(deg)s) AND ST_DWithin(s.geom::geography, p.pt::geography, %(reach)s)
)
"""


def mark_stale_near(session: Session, points: Sequence[tuple[float, float]], reach_m: float) -> None:
    """Flag the current scores of every segment within ``reach_m`` metres of any point for re-scoring. Flagged
    scores stay served (``stale`` is another thing: superseded by a newer model version).

    Plain SQL through the driver, and no result to wait for: this runs with every landing report, and may be
    queued in a pipeline (``repositories.pipelined``)."""
    if not points:
        return
    wkt = "MULTIPOINT(" + ",".join(f"({lon!r} {lat!r})" for lon, lat in points) + ")"
    # A degree of longitude shrinks with latitude: widen the box for the point furthest from the equator.
    max_lat = min(89.0, max(abs(lat) for _, lat in points) + 1.0)
    deg = reach_m / (110_000.0 * math.cos(math.radians(max_lat)))
    with driver_cursor(session) as cur:
        cur.execute(_MARK_STALE, {"wkt": wkt, "deg": deg, "reach": reach_m})


def count_needing_rescore(session: Session) -> int:
    flagged = SegmentScore.needs_rescore.is_(True) & SegmentScore.stale.is_(False)
    return int(session.execute(select(func.count()).where(flagged)).scalar_one())


def try_lock_rescoring(session: Session) -> bool:
    """Take the transaction-scoped advisory lock that lets one process re-score at a time (several workers each
    run a refresher); False when another transaction holds it."""
    return bool(session.execute(select(func.pg_try_advisory_xact_lock(RESCORE_LOCK))).scalar_one())


RESCORE_LOCK = 0x50455349  # "PESI": any constant unique to this use
