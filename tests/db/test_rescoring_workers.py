"""Every worker of the web server runs a background refresher (docs/RELIABILITY.md R2-17): one re-scores at a
time, and a run another worker has just finished is not repeated. The lock is PostgreSQL's; the counting and the
scoring are stood in for, so that the test decides what the other worker has done in between."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.db.repositories import scores
from app.services import rescoring, risk


def _stand_ins(monkeypatch, counts: list[int]) -> list[str]:
    runs: list[str] = []
    monkeypatch.setattr(scores, "count_needing_rescore", lambda _s: counts.pop(0))
    monkeypatch.setattr(risk, "score", lambda _s, **_kw: runs.append("scored") or [])
    return runs


def test_a_refresher_does_nothing_while_another_worker_rescores(engine, monkeypatch):
    runs = _stand_ins(monkeypatch, [3])
    with Session(engine) as other, Session(engine) as this:
        assert scores.try_lock_rescoring(other)  # another worker's refresher, mid-run
        assert rescoring.refresh_stale(this, store=risk.PRIOR_ONLY) == rescoring.Refresh(stale=3, rescored=0)
        other.rollback()
    assert runs == []


def test_a_run_another_worker_finished_meanwhile_is_not_repeated(engine, monkeypatch):
    """Stale when first counted; by the time this refresher holds the lock, another has re-scored and committed."""
    runs = _stand_ins(monkeypatch, [3, 0])
    with Session(engine) as this:
        assert rescoring.refresh_stale(this, store=risk.PRIOR_ONLY) == rescoring.Refresh(stale=0, rescored=0)
        this.rollback()
    assert runs == []
    runs = _stand_ins(monkeypatch, [3, 3])  # still stale under the lock: this one re-scores
    with Session(engine) as this:
        rescoring.refresh_stale(this, store=risk.PRIOR_ONLY)
        this.rollback()
    assert runs == ["scored"]
