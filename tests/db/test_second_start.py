"""A second ``pesisir run`` with nothing changed loads, segments, scores and measures nothing again, and says so;
a changed input (a new verified incident, other weights) or results changed behind its back make it work again
(``app.services.preparation``). The steps run as ``pesisir run`` runs them, committing into a database of their
own."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from app import cli
from app.db import migrate
from app.db.cluster import LocalCluster
from app.services import preparation
from app.settings import Settings

DB = "pesisir_second_start"


@pytest.fixture
def run_settings(cluster: LocalCluster, settings: Settings) -> Iterator[Settings]:
    """The test cluster's settings on a fresh migrated database; its ledger and the fitted weights go after."""
    cluster.create_database(DB)
    engine = create_engine(cluster.url(DB))
    migrate.upgrade(engine)
    engine.dispose()
    ours = settings.model_copy(update={"database": settings.database.model_copy(update={"name": DB})})
    ledger = cli._ledger(ours)
    try:
        yield ours
    finally:
        if ledger.path is not None:
            ledger.path.unlink(missing_ok=True)
        cli._models(ours).reset()
        cluster.drop_database(DB)


def _prepare(settings: Settings) -> None:
    """``pesisir run``'s preparation steps (the sea routes aside: tests/db/test_routes_build.py)."""
    cli._load_base(settings, skip_when_current=True)
    cli._demo(settings, 3, 200, 300, skip_when_current=True)
    cli._segment(settings, skip_when_current=True)
    cli._score(settings, skip_when_current=True)
    cli._evaluate(settings, skip_when_current=True)


def _written(settings: Settings) -> tuple[object, ...]:
    """When the scores and the evaluations were last written, and how many evaluations are stored."""
    engine = create_engine(LocalCluster(settings.database.data_dir, dbname=DB).url(DB))
    try:
        with engine.connect() as c:
            return tuple(
                c.execute(
                    text(
                        "SELECT (SELECT max(computed_at) FROM segment_scores WHERE NOT stale),"
                        " (SELECT count(*) FROM model_evaluations), (SELECT max(updated_at) FROM islands),"
                        " (SELECT max(created_at) FROM coastal_segments)"
                    )
                ).one()
            )
    finally:
        engine.dispose()


def _lines(printed: str, prefix: str) -> list[str]:
    return [line for line in printed.splitlines() if line.startswith(prefix)]


def test_a_second_start_redoes_nothing_and_a_new_verified_incident_rescores(run_settings, capsys):
    _prepare(run_settings)
    first = capsys.readouterr().out
    assert _lines(first, "scores: scoring (no earlier run noted)")
    assert "segments scored" in first and "accuracy: measuring (no earlier run noted)" in first
    before = _written(run_settings)

    _prepare(run_settings)  # nothing changed
    second = capsys.readouterr().out
    for line in (
        "base layers: not reloaded (inputs unchanged since",
        "demo data: seed 3 already loaded (inputs unchanged since",
        "coastal segments: not re-segmented (inputs unchanged since",
        "scores: not re-scored ('pesisir score' does) (inputs unchanged since",
        "accuracy: not re-measured ('pesisir model evaluate' does) (inputs unchanged since",
    ):
        assert len(_lines(second, line)) == 1, second
    assert "segments scored" not in second and "Generating" not in second
    assert "tppo: Weights: expert prior." in second  # what the map's accuracy panel says is still printed
    assert _written(run_settings) == before

    # A verified incident on the coast: the scores and their evaluation are redone, nothing else.
    engine = create_engine(LocalCluster(run_settings.database.data_dir, dbname=DB).url(DB))
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO incidents (kind, occurred_start, occurred_end, geom, precision_m, source, review_state)"
                " SELECT 'tppo', now() - interval '3 days', now() - interval '3 days',"
                " ST_LineInterpolatePoint(geom, 0.5), 50, 'test', 'verified' FROM coastal_segments LIMIT 1"
            )
        )
    engine.dispose()
    _prepare(run_settings)
    third = capsys.readouterr().out
    assert _lines(third, "scores: scoring (changed since") and "incidents" in _lines(third, "scores:")[0]
    assert "segments scored" in third and _lines(third, "accuracy: measuring (changed since")
    assert _lines(third, "coastal segments: not re-segmented") and _lines(third, "base layers: not reloaded")
    after = _written(run_settings)
    assert after[0] > before[0] and after[1] == before[1] + 1 and after[2:] == before[2:]


def test_changed_weights_or_scores_changed_behind_its_back_make_it_score_again(run_settings, capsys):
    cli._load_base(run_settings)
    cli._segment(run_settings)
    cli._score(run_settings)
    capsys.readouterr()
    store = cli._models(run_settings)
    step = preparation.score_step(store.fitted_dir, store.prior_dir)

    def check() -> preparation.Check:  # as the next 'pesisir run' would, from the ledger file
        return cli._in_transaction(run_settings, lambda s: cli._ledger(run_settings).check(s, step))

    assert check().current

    # Other weights served (a fit written into the data directory): the scores are stale.
    config = json.loads((store.prior_dir / "landing.json").read_text())
    config["intercept"] = float(config["intercept"]) - 0.5
    assert store.fitted_dir is not None
    store.fitted_dir.mkdir(parents=True, exist_ok=True)
    (store.fitted_dir / "landing.json").write_text(json.dumps(config))
    state = check()
    assert not state.current and state.reason.endswith(": landing weights"), state.reason
    store.reset()
    assert check().current

    # The background re-scorer's flag (new evidence nearby) is a reason too, and so are scores rewritten since.
    engine = create_engine(LocalCluster(run_settings.database.data_dir, dbname=DB).url(DB))
    with Session(engine) as s, s.begin():
        s.execute(
            text("UPDATE segment_scores SET needs_rescore = true WHERE id = (SELECT min(id) FROM segment_scores)")
        )
    engine.dispose()
    state = check()
    assert not state.current and state.reason.startswith("stored scores changed since"), state.reason
    cli._score(run_settings, skip_when_current=True)
    assert _lines(capsys.readouterr().out, "scores: scoring (stored scores changed since")
    assert check().current


def test_a_ledger_that_cannot_be_read_or_written_changes_nothing_but_the_work_done(tmp_path):
    ledger = preparation.Ledger.open(tmp_path, "postgresql://x@h/db")
    assert ledger.path is not None and ledger.steps == {}
    ledger.path.parent.mkdir()
    ledger.path.write_text("{not json")
    assert preparation.Ledger.open(tmp_path, "postgresql://x@h/db").steps == {}
    ledger.steps = {"scores": {"inputs": {"a": "1"}, "results": {}, "at": "2026-01-01 00:00:00+00:00"}}
    assert ledger.save() is None
    assert preparation.Ledger.open(tmp_path, "postgresql://x@h/db").steps == ledger.steps
    assert preparation.Ledger.open(tmp_path, "postgresql://x@h/other").steps == {}  # another database's
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    unwritable = preparation.Ledger.open(not_a_folder, "postgresql://x@h/db")
    unwritable.steps = ledger.steps
    problem = unwritable.save()
    assert problem is not None and problem.startswith(f"cannot write {unwritable.path}")
    assert problem.endswith("the next start will redo every step")
