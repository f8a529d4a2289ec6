"""Segmenting, scoring, fitting and evaluating in the database, and the HTTP view of it."""

from __future__ import annotations

import functools
import json
import shutil
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from app.db.models import Incident, ModelEvaluation, SegmentScore
from app.errors import InvalidInput
from app.services import demo, risk
from geo.risk import MODELS_DIR


@pytest.fixture
def scored(db, tmp_path):
    demo.load_demo(db, seed=5, n_incidents=300, n_landings=400)
    first = risk.segment(db)
    models = tmp_path / "models"
    shutil.copytree(MODELS_DIR, models)
    risk.score(db, models_dir=models)
    return first, models


def test_segment_is_idempotent(db, scored):
    first, _ = scored
    assert first.segments > 1500 and first.inserted == first.segments
    again = risk.segment(db)
    assert (again.inserted, again.updated, again.deleted) == (0, 0, 0)


def test_segments_endpoint_serves_scores_with_contributions(as_planner, scored):
    body = as_planner.get("/api/v1/segments", params={"risk": "tppo"}).json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) > 1500
    props = body["features"][0]["properties"]
    assert props["risk_kind"] == "tppo" and 0 <= props["score"] <= 1
    assert props["risk_class"] in ("low", "medium", "high", "critical")
    assert props["model_version"].startswith("tppo-") and props["data_cutoff"]
    assert set(props["contributions"]) >= {"remoteness", "incident_density"}
    assert as_planner.get("/api/v1/segments", params={"risk": "piracy"}).status_code == 422


def test_map_colours_segments_by_class(as_planner, scored):
    html = as_planner.get("/map", params={"risk": "landing", "tiles": "false"}).text
    assert "risk-legend" in html and "critical" in html


def test_the_map_says_how_to_measure_accuracy_until_it_is_measured(as_planner, scored):
    assert (
        "Akurasi belum diukur: jalankan &#x27;pesisir model evaluate&#x27;"
        in as_planner.get("/map", params={"tiles": "false"}).text
    )
    english = as_planner.get("/map", params={"tiles": "false", "lang": "en"}).text
    assert "Accuracy not measured yet" in english and "PAI" not in english


def test_evaluation_holds_out_the_last_year_of_incidents_by_default(db, scored):
    _, models = scored
    newest = db.execute(select(func.max(Incident.occurred_start))).scalar_one()
    report = risk.evaluate(db, models_dir=models)
    expected = (newest.astimezone(UTC).date() - timedelta(days=risk.HOLDOUT_DAYS)).isoformat()
    assert report["split"][:10] == expected and report["kinds"]["tppo"]["n_test"] > 0
    db.execute(delete(Incident))
    with pytest.raises(InvalidInput, match="split: there are no incidents"):
        risk.default_split(db)


def test_pesisir_run_measures_accuracy_and_goes_on_without_enough_incidents(db, scored, monkeypatch, capsys):
    from app import cli

    _, models = scored
    monkeypatch.setattr(cli, "_in_transaction", lambda settings, work: work(db))
    monkeypatch.setattr(risk, "evaluate", functools.partial(risk.evaluate, models_dir=models))
    cli._evaluate(None)  # settings only go to _in_transaction, replaced above
    assert "tppo: PAI at 10 % of coast" in capsys.readouterr().out
    assert db.execute(select(func.count()).select_from(ModelEvaluation)).scalar_one() == 1
    db.execute(delete(Incident))
    cli._evaluate(None)
    assert "accuracy not measured: split: there are no incidents" in capsys.readouterr().out


def test_evaluation_is_stored_and_served(db, as_planner, scored):
    _, models = scored
    report = risk.evaluate(db, split="2025-01-01", models_dir=models)
    assert "PAI pada 10 % pantai" in as_planner.get("/map", params={"risk": "tppo", "tiles": "false"}).text
    assert "PAI at 10 % of coast" in as_planner.get("/map", params={"risk": "tppo", "lang": "en"}).text
    cli_json = json.loads(json.dumps(report, sort_keys=True))  # what `pesisir model evaluate --json` prints
    body = as_planner.get("/api/v1/model").json()
    assert body["evaluation"] == cli_json
    for kind in ("landing", "tppo"):
        assert set(body["evaluation"]["kinds"][kind]["baselines"]) == {"uniform", "prior_counts", "kde"}
        assert body["models"][kind]["scored_version"] == body["models"][kind]["model_version"]


def test_cli_evaluate_json_equals_the_api_body(db, as_planner, scored, monkeypatch):
    from typer.testing import CliRunner

    from app import cli

    _, models = scored
    monkeypatch.setattr(cli, "_in_transaction", lambda settings, work: work(db))
    monkeypatch.setattr(risk, "evaluate", functools.partial(risk.evaluate, models_dir=models))
    monkeypatch.setattr(risk, "model_info", functools.partial(risk.model_info, models_dir=models))
    result = CliRunner().invoke(cli.cli, ["model", "evaluate", "--split", "2025-01-01", "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert as_planner.get("/api/v1/model").json()["evaluation"] == printed
    assert printed["kinds"]["tppo"]["model"]["pai"]["10%"] > 0


def test_fit_writes_configs_with_uncertainty(db, scored):
    _, models = scored
    results = risk.fit(db, until="2025-01-01", models_dir=models)
    assert {r.config.kind for r in results} == {"landing", "tppo"}
    saved = json.loads((models / "landing.json").read_text())
    assert saved["fitted"]["std_err"]["remoteness"] > 0


def test_bad_dates_and_weights_are_refused(db, scored):
    _, models = scored
    with pytest.raises(InvalidInput, match="split: no landing incidents on or after"):
        risk.evaluate(db, split="2031-01-01", models_dir=models)
    with pytest.raises(InvalidInput, match="until: must be a date"):
        risk.fit(db, until="soon", models_dir=models)
    evaluations = db.scalar(select(func.count()).select_from(ModelEvaluation))
    scores = db.scalar(select(func.count()).select_from(SegmentScore))
    (models / "tppo.json").write_text("{broken")
    with pytest.raises(InvalidInput, match="do not parse"):
        risk.score(db, models_dir=models)
    assert db.scalar(select(func.count()).select_from(SegmentScore)) == scores  # nothing written
    assert db.scalar(select(func.count()).select_from(ModelEvaluation)) == evaluations


def test_data_paths_exist():
    assert (Path(MODELS_DIR) / "landing.json").is_file()


def test_cli_segment_score_and_fit_print_their_results(db, scored, monkeypatch):
    from typer.testing import CliRunner

    from app import cli

    _, models = scored
    monkeypatch.setattr(cli, "_in_transaction", lambda settings, work: work(db))
    monkeypatch.setattr(risk, "fit", functools.partial(risk.fit, models_dir=models))
    monkeypatch.setattr(risk, "score", functools.partial(risk.score, models_dir=models))
    runner = CliRunner()
    seg = runner.invoke(cli.cli, ["segment"])
    assert seg.exit_code == 0 and "0 added, 0 updated, 0 removed" in seg.stdout, seg.output
    fit = runner.invoke(cli.cli, ["model", "fit", "--until", "2025-01-01"])
    assert fit.exit_code == 0, fit.output
    assert "remoteness" in fit.stdout and "not estimable" in fit.stdout  # patrol_remoteness: no bases loaded
    sc = runner.invoke(cli.cli, ["score"])
    assert sc.exit_code == 0 and "critical" in sc.stdout, sc.output
    assert all(f"{k} ({s}):" in sc.stdout for k in ("landing", "tppo") for s in ("annual", "west", "east"))
    bad = runner.invoke(cli.cli, ["model", "evaluate", "--split", "2031-01-01"])
    assert bad.exit_code != 0 and isinstance(bad.exception, InvalidInput)
