"""SQL of the fingerprints that let ``pesisir run`` skip a step whose inputs and results did not change
(``app.services.preparation``): digests of stored rows, the scores' identity, the latest evaluation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

DIGESTED: dict[str, str] = {
    "islands": "code",
    "harbours": "slug",
    "places": "slug",
    "patrol_bases": "slug",
    "coastal_segments": "id",
    "incidents": "id",
    "landings": "id",
}
"""The tables a digest may be taken of, with the key that orders their rows (names are never taken from input)."""


def table_digest(session: Session, table: str) -> str:
    """``<rows>:<md5>`` of every column of every row of ``table`` (its text form, in key order): any insert, update
    or delete changes it. Milliseconds for Sumenep's tables; linear in the rows (a few seconds for a million)."""
    key = DIGESTED[table]
    sql = f"SELECT count(*), md5(coalesce(string_agg(md5(t::text), '' ORDER BY t.{key}), '')) FROM {table} t"  # noqa: S608 (fixed names)
    n, digest = session.execute(text(sql)).one()
    return f"{n}:{digest}"


def synthetic_ids_digest(session: Session, table: str) -> str:
    """``<rows>:<md5>`` of the ids of the synthetic rows of ``incidents`` or ``landings``."""
    if table not in ("incidents", "landings"):
        raise ValueError(f"table: incidents or landings, got {table!r}")
    sql = f"SELECT count(*), md5(coalesce(string_agg(id::text, ',' ORDER BY id), '')) FROM {table} WHERE synthetic"  # noqa: S608
    n, digest = session.execute(text(sql)).one()
    return f"{n}:{digest}"


def latest_route_build(session: Session) -> str:
    """``<id>:<inputs hash>`` of the latest sea-routes build (what the corridor exposure and ferry lines come from),
    or ``none``."""
    row = session.execute(text("SELECT id, inputs_hash FROM route_builds ORDER BY id DESC LIMIT 1")).first()
    return "none" if row is None else f"{row[0]}:{row[1]}"


def current_scores(session: Session) -> tuple[str, datetime | None]:
    """The identity of the served scores (risk kind, season, model version, cut-off, rows, whether any is flagged
    for re-scoring), and their earliest cut-off (None without scores)."""
    rows = session.execute(
        text(
            "SELECT risk_kind, season, model_version, data_cutoff, count(*), bool_or(needs_rescore) "
            "FROM segment_scores WHERE NOT stale GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
        )
    ).all()
    identity = ";".join(f"{k}/{s}/{v}/{c.isoformat()}/{n}/{'flagged' if f else 'clean'}" for k, s, v, c, n, f in rows)
    return identity or "none", min((r[3] for r in rows), default=None)


def events_due_since(session: Session, cutoff: datetime) -> int:
    """Incidents and landings dated after ``cutoff`` and no later than now: scores cut off at ``cutoff`` gave them
    no weight, and they count now."""
    sql = text(
        "SELECT (SELECT count(*) FROM incidents WHERE occurred_start > :c AND occurred_start <= now())"
        " + (SELECT count(*) FROM landings WHERE observed_start > :c AND observed_start <= now())"
    )
    return int(session.execute(sql, {"c": cutoff}).scalar_one())


def latest_evaluation(session: Session) -> str:
    """``<id>:<computed at>`` of the latest stored evaluation, or ``none``."""
    row = session.execute(
        text("SELECT id, computed_at FROM model_evaluations ORDER BY computed_at DESC, id DESC LIMIT 1")
    ).first()
    return "none" if row is None else f"{row[0]}:{row[1].isoformat()}"
