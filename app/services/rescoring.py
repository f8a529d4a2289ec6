"""Re-scoring after new evidence.

New or reviewed landings and incidents flag the current scores of coastal segments within
``app.services.landings.STALE_REACH_M`` (``segment_scores.needs_rescore``); flagged scores stay on the map until
they are replaced. ``refresh_stale`` is called by ``POST /api/v1/scores/refresh`` and by the background
refresher in ``app.main`` (every ``PESISIR_RESCORE_INTERVAL_S`` seconds); both call only this function.

It re-scores every segment, not only the flagged ones: the risk classes are shares of the whole coastline
(``geo.risk.risk_classes``), so one segment's new score can move another's class. On Sumenep (~1,700 segments)
that takes seconds; a national deployment would re-score per region.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.db import rls
from app.db.repositories import scores
from app.security import Principal
from app.services import audit, risk


@dataclass(frozen=True)
class Refresh:
    stale: int
    rescored: int
    model_versions: tuple[str, ...] = ()


BACKGROUND = "background re-scorer"
"""The actor of the background refresher's audit rows."""


def audit_run(session: Session, who: Principal | str, r: Refresh) -> None:
    """One audit row for a run that re-scored (docs/RELIABILITY.md R2-07): who or what ran it, how many stale
    scores set it off, how many segment scores were written and with which model versions."""
    if r.rescored == 0:
        return
    after = {"stale": r.stale, "segment_scores": r.rescored, "model_versions": list(r.model_versions)}
    audit.record(session, who, "rescore", "segment_scores", after=after)


COMMAND_LINE = "command line"
"""The actor of the audit rows of ``pesisir score`` (and ``pesisir run``'s scoring), followed by the OS user."""


def audit_scoring(session: Session, who: str, reports: Sequence[risk.ScoreReport]) -> None:
    """One audit row for a scoring run from the command line (docs/RELIABILITY.md R2-07): every segment score it
    wrote, with the model versions and seasons."""
    if not reports:
        return
    after = {
        "segment_scores": sum(r.segments for r in reports),
        "model_versions": sorted({r.model_version for r in reports}),
        "seasons": sorted({r.season for r in reports}),
    }
    audit.record(session, who, "rescore", "segment_scores", after=after)


def refresh_stale(session: Session, *, store: risk.ModelStore) -> Refresh:
    """Re-score when any score is flagged; flushes, never commits (the caller's unit of work does). Another
    process re-scoring at the same time (each worker of the web server runs a refresher) makes this call a no-op
    (``rescored = 0``), and so does one that finished since this call first counted.

    Scoring counts every harbour's landings whoever triggers it, so the transaction is given the row-level
    security scope "all" first (the background refresher has no caller to take a scope from). ``store``: the
    served weights (``Settings.models_dir``)."""
    rls.see_all(session)
    stale = scores.count_needing_rescore(session)
    if stale == 0 or not scores.try_lock_rescoring(session):
        return Refresh(stale=stale, rescored=0)
    # Counted again under the lock: another worker's refresher may have re-scored and committed between the first
    # count and the lock, and its run must not be repeated (one run, one audit row: docs/RELIABILITY.md R2-07).
    stale = scores.count_needing_rescore(session)
    if stale == 0:
        return Refresh(stale=0, rescored=0)
    reports = risk.score(session, store=store)
    versions = tuple(sorted({r.model_version for r in reports}))
    return Refresh(stale=stale, rescored=sum(r.segments for r in reports), model_versions=versions)
