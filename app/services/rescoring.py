"""Re-scoring of stale segment scores: THE hook where issue 3's risk model plugs in.

New or reviewed landings and incidents mark the scores of coastal segments within
``app.services.landings.STALE_REACH_M`` as stale (``segment_scores.stale = true``). ``refresh_stale`` is then
called by ``POST /api/v1/scores/refresh`` and by the background refresher in ``app.main`` (every
``PESISIR_RESCORE_INTERVAL_S`` seconds). Both call only this function.

Until issue 3's scorer lands, the body only counts the stale rows it would re-score and returns that count with
``rescored = 0``: no score is invented and no stale flag is cleared (clearing one without recomputing the score
would hide that the map is out of date). Issue 3 replaces the marked block with: load the stale segments, score
them with the current model version, write the scores with ``stale = false``, and return how many it wrote.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.db.repositories import scores


@dataclass(frozen=True)
class Refresh:
    stale: int
    rescored: int


def refresh_stale(session: Session) -> Refresh:
    """Re-score what is stale; flushes, never commits (the caller's unit of work does)."""
    stale = scores.count_stale(session)
    # --- issue 3: score the stale segments here and set rescored to the number written -----------------------
    rescored = 0
    return Refresh(stale=stale, rescored=rescored)
