"""Synthetic demo data: enough of every kind, flagged synthetic, idempotent for a seed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text

from app.db.models import Incident, Landing
from app.errors import InvalidInput
from app.services import demo, risk
from geo.vocabulary import INCIDENT_KINDS


def test_demo_data_loads_once_per_seed(db):
    first = demo.load_demo(db, seed=11)
    assert first.incidents_inserted == first.incidents_generated >= 300
    assert first.landings_inserted == first.landings_generated >= 2000

    kinds = set(db.execute(select(Incident.kind).distinct()).scalars())
    assert kinds == set(INCIDENT_KINDS)
    assert db.execute(select(func.count()).where(Incident.synthetic.is_(False))).scalar_one() == 0
    assert db.execute(select(func.count()).select_from(Landing).where(Landing.synthetic.is_(False))).scalar_one() == 0
    at_harbour = db.execute(
        select(func.count()).select_from(Landing).where(Landing.harbour_id.is_not(None))
    ).scalar_one()
    suspicious = db.execute(select(func.count()).select_from(Landing).where(Landing.suspicious)).scalar_one()
    total = first.landings_inserted
    assert at_harbour > total / 2 and at_harbour < total  # most at harbours, some off-harbour
    assert 0 < suspicious < total / 2

    again = demo.load_demo(db, seed=11)
    assert (again.incidents_inserted, again.landings_inserted) == (0, 0)
    assert db.execute(select(func.count()).select_from(Landing)).scalar_one() == total


def test_demo_data_needs_the_base_layers(db):
    db.execute(text("DELETE FROM harbours"))
    with pytest.raises(InvalidInput, match="run 'pesisir load-base' first"):
        demo.load_demo(db, seed=1)


# -- pesisir demo-data --remove -------------------------------------------------------------------------------------
def test_no_foreign_key_references_incidents_or_landings(db):
    """Removing demo data deletes rows of both tables: nothing may hang on them by foreign key (audit rows and
    idempotency keys name a row by its id in text). A new foreign key must decide what removal does to it."""
    refs = db.execute(
        text(
            "SELECT conrelid::regclass::text FROM pg_constraint "
            "WHERE contype = 'f' AND confrelid IN ('incidents'::regclass, 'landings'::regclass)"
        )
    ).scalars()
    assert list(refs) == []


def test_remove_deletes_every_synthetic_row_audits_and_rescores(db, users, tmp_path):
    from typer.testing import CliRunner

    from app import cli
    from app.db.models import AuditLog, IdempotencyKey, SegmentScore

    demo.load_demo(db, seed=3, n_incidents=60, n_landings=120)
    real = Incident(
        kind="tppo",
        occurred_start=datetime(2024, 1, 1, tzinfo=UTC),
        occurred_end=datetime(2024, 1, 1, tzinfo=UTC),
        geom="SRID=4326;POINT(113.95 -7.07)",
        precision_m=100,
        source="Polres Sumenep",
        source_ref="LP/1",
    )
    db.add(real)
    db.flush()
    risk.segment(db)
    risk.score(db, season="annual")
    cutoff_before = db.execute(select(func.max(SegmentScore.data_cutoff))).scalar_one()
    # Rows that name a synthetic landing by id, as an API landing's would: they must not stop the removal.
    landing_id = db.execute(select(Landing.id).where(Landing.synthetic).limit(1)).scalar_one()
    db.add(
        IdempotencyKey(
            user_id=users["admin"].id, key="k1", request_hash="0" * 64, response_body=f'{{"id": {landing_id}}}'
        )
    )
    db.add(AuditLog(actor="t", action="review", object_type="landing", object_id=str(landing_id)))
    db.flush()
    counts = (
        db.execute(select(func.count()).select_from(Incident).where(Incident.synthetic)).scalar_one(),
        db.execute(select(func.count()).select_from(Landing).where(Landing.synthetic)).scalar_one(),
    )
    assert counts[0] > 0 and counts[1] > 0

    monkey = pytest.MonkeyPatch()
    monkey.setattr(cli, "_in_transaction", lambda settings, work: work(db))
    monkey.setenv("PESISIR_DATA_DIR", str(tmp_path))
    try:
        result = CliRunner().invoke(cli.cli, ["demo-data", "--remove"])
    finally:
        monkey.undo()
    assert result.exit_code == 0, result.output
    assert f"demo data removed: {counts[0]} synthetic incidents, {counts[1]} synthetic landings" in result.stdout
    assert "re-scored:" in result.stdout

    assert db.execute(select(func.count()).select_from(Incident).where(Incident.synthetic)).scalar_one() == 0
    assert db.execute(select(func.count()).select_from(Landing).where(Landing.synthetic)).scalar_one() == 0
    assert db.execute(select(Incident.source_ref).where(Incident.id == real.id)).scalar_one() == "LP/1"
    (row,) = db.execute(
        select(AuditLog).where(AuditLog.object_type == "demo_data", AuditLog.action == "remove")
    ).scalars()
    assert (row.after["incidents"], row.after["landings"]) == counts and row.actor.startswith("cli:")
    assert (
        db.execute(select(func.count()).select_from(IdempotencyKey).where(IdempotencyKey.key == "k1")).scalar_one() == 1
    )
    cutoff_after = db.execute(select(func.max(SegmentScore.data_cutoff))).scalar_one()
    assert cutoff_after > cutoff_before  # the coast was scored again, without the demo data
    assert db.execute(select(func.count()).where(SegmentScore.needs_rescore)).scalar_one() == 0

    # pesisir run loads no demo data after a removal, and removing again changes nothing.
    assert "removed on" in (demo.reason_not_to_load(db) or "")
    again = demo.remove_demo(db, actor="cli:test", store=risk.PRIOR_ONLY)
    assert (again.incidents, again.landings, again.rescored) == (0, 0, 0)
    assert (
        len(db.execute(select(AuditLog).where(AuditLog.object_type == "demo_data", AuditLog.action == "remove")).all())
        == 1
    )


def test_run_loads_no_demo_data_over_real_incidents(db):
    assert demo.reason_not_to_load(db) is None
    db.add(
        Incident(
            kind="tppo",
            occurred_start=datetime(2024, 1, 1, tzinfo=UTC),
            occurred_end=datetime(2024, 1, 1, tzinfo=UTC),
            geom="SRID=4326;POINT(113.95 -7.07)",
            precision_m=100,
            source="Polres Sumenep",
        )
    )
    db.flush()
    assert "real incidents" in (demo.reason_not_to_load(db) or "")
