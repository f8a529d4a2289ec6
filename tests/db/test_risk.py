"""Segmenting, scoring, fitting and evaluating in the database, and the HTTP view of it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from app.db.models import AuditLog, Incident, ModelEvaluation, SegmentScore
from app.errors import InvalidInput
from app.services import demo, risk
from geo.risk import MODELS_DIR


@pytest.fixture
def scored(db, settings):
    """Demo data, segments and scores; fits go where the service reads them (``settings.models_dir``) and are
    removed after the test."""
    demo.load_demo(db, seed=5, n_incidents=300, n_landings=400)
    first = risk.segment(db)
    store = risk.ModelStore(fitted_dir=settings.models_dir)
    assert not store.reset(), "a test left fitted weights behind"
    risk.score(db, store=store, season="annual")  # what the map and API show by default
    yield first, store
    store.reset()


def test_segment_is_idempotent(db, scored):
    first, _ = scored
    assert first.segments > 1500 and first.inserted == first.segments
    again = risk.segment(db)
    assert (again.inserted, again.updated, again.deleted) == (0, 0, 0)


def test_segments_endpoint_serves_scores_with_contributions_provenance_and_stability(as_planner, scored):
    body = as_planner.get("/api/v1/segments", params={"risk": "tppo"}).json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) > 1500
    props = body["features"][0]["properties"]
    assert props["risk_kind"] == "tppo" and 0 <= props["score"] <= 1
    assert props["risk_class"] in ("low", "medium", "high", "critical")
    assert props["model_version"].startswith("tppo-") and props["data_cutoff"]
    assert set(props["contributions"]) >= {"remoteness", "incident_density"}
    assert props["weights_source"] == "expert prior"
    shares = [f["properties"]["class_stability"] for f in body["features"]]
    assert all(0 <= s <= 1 for s in shares) and min(shares) < 1.0  # the prior is wide enough to move some classes
    assert as_planner.get("/api/v1/segments", params={"risk": "piracy"}).status_code == 422


def test_map_colours_segments_by_class_with_provenance_and_stability(as_planner, scored):
    html = as_planner.get("/map", params={"risk": "landing", "tiles": "false", "lang": "en"}).text
    assert "risk-legend" in html and "critical" in html
    assert "Weights: expert prior." in html and "of weight draws" in html


def test_the_map_says_the_accuracy_is_not_measured_until_it_is(as_planner, scored):
    html = as_planner.get("/map", params={"tiles": "false"}).text
    # In the legend's HTML, carried as a JSON string: the quotes escaped for HTML, then '&' for JSON.
    assert "Akurasi model ini belum diukur: jalankan \\u0026#x27;pesisir model evaluate\\u0026#x27;" in html
    english = as_planner.get("/map", params={"tiles": "false", "lang": "en"}).text
    assert "Accuracy of this model not measured yet" in english and "PAI" not in english


def test_a_synthetic_database_shows_the_banner(as_planner, scored):
    html = as_planner.get("/map", params={"tiles": "false", "lang": "en"}).text
    assert 'id="synthetic-banner"' in html and "SYNTHETIC DEMO DATA" in html
    assert as_planner.get("/api/v1/model").json()["synthetic_data"]["incidents"] == 300


def test_evaluation_measures_the_served_model_on_rolling_origins(db, as_planner, scored):
    _, store = scored
    report = risk.evaluate(db, store=store)
    assert report["data"] == "synthetic demo data" and report["synthetic"] is True
    served = store.served("tppo")
    for kind in ("landing", "tppo"):
        ev = report["kinds"][kind]
        assert ev["model_version"] == store.served(kind).version and ev["provenance"] == "expert prior"
        assert len(ev["origins"]) >= 3
    tppo = report["kinds"]["tppo"]
    assert tppo["status"] == "measured" and tppo["n_test"] >= tppo["min_test"]
    pai = tppo["observed"]["model"]["pai"]["10%"]
    assert pai["low"] <= pai["value"] <= pai["high"]
    assert sum(row["observed"] for row in tppo["calibration"]) == pytest.approx(tppo["n_test"])
    body = as_planner.get("/api/v1/model").json()
    assert body["evaluation"] == json.loads(json.dumps(report))
    acc = body["models"]["tppo"]["accuracy"]
    assert acc["status"] == "measured" and acc["data"] == "synthetic demo data"
    assert acc["model_version"] == served.version and acc["pai_10"] == pai
    assert [r["class"] for r in acc["calibration"]] == ["critical", "high", "medium", "low"]
    html = as_planner.get("/map", params={"risk": "tppo", "tiles": "false", "lang": "en"}).text
    assert "Accuracy of this model on synthetic demo incidents" in html and "95 % interval" in html
    assert "PAI pada 10 % pantai" in as_planner.get("/map", params={"risk": "tppo", "tiles": "false"}).text


def test_an_evaluation_of_another_model_is_not_shown(db, as_planner, scored):
    _, store = scored
    risk.evaluate(db, store=store)
    risk.fit(db, synthetic=True, store=store)
    risk.score(db, store=store, season="annual")  # the map is now coloured by the fitted model
    acc = as_planner.get("/api/v1/model").json()["models"]["tppo"]["accuracy"]
    assert acc["status"] == "not_measured"
    assert "not measured yet" in risk.accuracy_note(db, kind="tppo", lang="en")


def test_too_few_incidents_to_measure(db, as_planner, scored):
    _, store = scored
    keep = db.execute(select(Incident.id).order_by(Incident.occurred_start.desc()).limit(12)).scalars().all()
    db.execute(delete(Incident).where(Incident.id.not_in(keep)))
    report = risk.evaluate(db, store=store)
    assert {ev["status"] for ev in report["kinds"].values()} == {"too_few"}
    note = risk.accuracy_note(db, kind="landing", lang="en")
    assert "Too few incidents to measure accuracy" in note and "PAI" not in note
    assert as_planner.get("/api/v1/model").json()["models"]["landing"]["accuracy"]["status"] == "too_few"
    db.execute(delete(Incident))  # a fresh deployment without demo data: nothing to measure, nothing raised
    assert {ev["status"] for ev in risk.evaluate(db, store=store)["kinds"].values()} == {"too_few"}
    assert "Too few incidents to measure accuracy: 0 real incidents" in risk.accuracy_note(db, kind="tppo", lang="en")


def test_pesisir_run_measures_accuracy_and_says_so(db, scored, monkeypatch, capsys, tmp_path):
    from app import cli

    monkeypatch.setattr(cli, "_in_transaction", lambda settings, work: work(db))
    monkeypatch.setenv("PESISIR_DATA_DIR", str(tmp_path))
    cli._evaluate(cli._settings())
    printed = capsys.readouterr().out
    assert "tppo: Weights: expert prior. Accuracy of this model on synthetic demo incidents" in printed
    assert db.execute(select(func.count()).select_from(ModelEvaluation)).scalar_one() == 1


def test_cli_evaluate_json_equals_the_api_body(db, as_planner, scored, monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from app import cli

    monkeypatch.setattr(cli, "_in_transaction", lambda settings, work: work(db))
    monkeypatch.setenv("PESISIR_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(cli.cli, ["model", "evaluate", "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert as_planner.get("/api/v1/model").json()["evaluation"] == printed
    assert printed["kinds"]["tppo"]["observed"]["model"]["pai"]["10%"]["value"] > 0
    table = CliRunner().invoke(cli.cli, ["model", "evaluate"])
    assert table.exit_code == 0 and "calibration" in table.stdout and "kde_tuned" in table.stdout, table.output


def test_fit_needs_real_incidents_unless_told_and_never_writes_tracked_files(db, scored):
    _, store = scored
    shipped = {p.name: p.read_bytes() for p in Path(MODELS_DIR).glob("*.json")}
    with pytest.raises(InvalidInput, match="no real incidents stored: import them with 'pesisir import incidents"):
        risk.fit(db, store=store)
    results = risk.fit(db, until="2025-06-01", synthetic=True, store=store)
    assert {r.config.kind for r in results} == {"landing", "tppo"}
    saved = json.loads((store.fitted_dir / "landing.json").read_text())
    assert saved["fitted"]["synthetic"] is True and saved["fitted"]["std_err"]["remoteness"] > 0
    assert store.served("landing").provenance.startswith("fitted on synthetic demo data (")
    assert {p.name: p.read_bytes() for p in Path(MODELS_DIR).glob("*.json")} == shipped
    with pytest.raises(InvalidInput, match="holds the shipped prior"):
        risk.ModelStore(fitted_dir=Path(MODELS_DIR)).write_fitted(results[0].config)
    assert risk.reset(store) and store.served("landing").provenance == "expert prior"


def test_a_few_real_incidents_update_the_prior_and_say_so(db, scored, as_planner):
    _, store = scored
    db.execute(Incident.__table__.update().where(Incident.id.in_(select(Incident.id).limit(8))).values(synthetic=False))
    db.flush()
    risk.fit(db, store=store)
    risk.score(db, store=store)
    landing = store.served("landing")
    assert landing.provenance.startswith("fitted on ") and " real incidents until " in landing.provenance
    prior = store.prior("landing")
    for f, term in prior.prior.items():
        assert abs(landing.weights[f] - term.weight) <= 2 * term.sd + 1e-9, f  # a few incidents update, not replace
    body = as_planner.get("/api/v1/model").json()["models"]["landing"]
    assert body["provenance"] == landing.provenance and body["prior"]["remoteness"]["source"]
    props = as_planner.get("/api/v1/segments", params={"risk": "landing"}).json()["features"][0]["properties"]
    assert props["weights_source"] == landing.provenance


def test_bad_dates_and_weights_are_refused(db, scored):
    _, store = scored
    with pytest.raises(InvalidInput, match="until: must be a date"):
        risk.fit(db, until="soon", synthetic=True, store=store)
    evaluations = db.scalar(select(func.count()).select_from(ModelEvaluation))
    scores = db.scalar(select(func.count()).select_from(SegmentScore))
    store.fitted_dir.mkdir(parents=True, exist_ok=True)
    (store.fitted_dir / "tppo.json").write_text("{broken")
    with pytest.raises(InvalidInput, match="do not parse.*'pesisir model reset'"):
        risk.score(db, store=store)
    assert db.scalar(select(func.count()).select_from(SegmentScore)) == scores  # nothing written
    assert db.scalar(select(func.count()).select_from(ModelEvaluation)) == evaluations


def test_data_paths_exist():
    assert (Path(MODELS_DIR) / "landing.json").is_file()


def test_cli_segment_score_fit_and_reset_print_their_results(db, scored, monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from app import cli

    monkeypatch.setattr(cli, "_in_transaction", lambda settings, work: work(db))
    monkeypatch.setenv("PESISIR_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    seg = runner.invoke(cli.cli, ["segment"])
    assert seg.exit_code == 0 and "0 added, 0 updated, 0 removed" in seg.stdout, seg.output
    refused = runner.invoke(cli.cli, ["model", "fit"])
    assert refused.exit_code != 0 and "no real incidents" in str(refused.exception)
    fit = runner.invoke(cli.cli, ["model", "fit", "--synthetic", "--until", "2025-01-01"])
    assert fit.exit_code == 0, fit.output
    assert "remoteness" in fit.stdout and "fitted on synthetic demo data" in fit.stdout
    assert (tmp_path / "models" / "landing.json").is_file()
    audited = select(AuditLog).where(AuditLog.action == "rescore", AuditLog.actor.like("command line (%)"))
    before = len(db.scalars(audited).all())
    sc = runner.invoke(cli.cli, ["score"])
    assert sc.exit_code == 0 and "critical" in sc.stdout, sc.output
    rows = db.scalars(audited.order_by(AuditLog.id)).all()
    assert len(rows) == before + 1  # one row per run (docs/RELIABILITY.md R2-07)
    assert rows[-1].after["seasons"] == ["annual", "east", "west"] and rows[-1].after["segment_scores"] > 0
    assert all(f"{k} ({s}):" in sc.stdout for k in ("landing", "tppo") for s in ("annual", "west", "east"))
    reset = runner.invoke(cli.cli, ["model", "reset"])
    assert reset.exit_code == 0 and "landing.json" in reset.stdout
    assert not (tmp_path / "models" / "landing.json").exists()


def test_demo_removal_leaves_no_synthetic_row_no_banner_and_too_few_to_measure(db, as_planner, scored, users):
    _, store = scored
    risk.evaluate(db, store=store)
    risk.fit(db, synthetic=True, store=store)
    demo.remove_demo(db, store=store, actor="cli:test")
    assert db.scalar(select(func.count()).select_from(Incident).where(Incident.synthetic)) == 0
    assert db.scalar(select(func.count()).select_from(ModelEvaluation)) == 0
    assert store.served("landing").provenance == "expert prior"  # the fit on the demo data went with it
    html = as_planner.get("/map", params={"tiles": "false", "lang": "en"}).text
    assert "synthetic-banner" not in html and "Too few incidents to measure accuracy" in html
    body = as_planner.get("/api/v1/model").json()
    assert body["synthetic_data"] is None
    assert {body["models"][k]["accuracy"]["status"] for k in ("landing", "tppo")} == {"too_few"}


@pytest.mark.parametrize("kind", ["landing", "tppo"])
def test_top_factors_leave_out_factors_the_same_everywhere(as_planner, scored, kind):
    body = as_planner.get("/api/v1/segments", params={"risk": kind}).json()
    contributions = [f["properties"]["contributions"] for f in body["features"]]
    constant = {k for k in contributions[0] if len({round(c[k], 6) for c in contributions}) == 1}
    html = as_planner.get("/map", params={"risk": kind, "tiles": "false"}).text
    reasons = html.split('"reasons": "')[1:]
    assert reasons and constant  # the annual score's monsoon shelter is the same on every segment
    assert not any(f"{k}: " in r.split('"')[0] for r in reasons for k in constant)


def test_the_legend_says_when_the_model_is_clearly_behind_a_baseline(db, scored):
    _, store = scored
    report = risk.evaluate(db, store=store)
    ev = report["kinds"]["landing"]
    assert ev["status"] == "measured"
    # The same evaluation, had the model's PAI ratio to the best baseline had its whole interval below 1.
    behind = {**ev, "model_vs_best_baseline_pai_10": {"value": 0.7, "low": 0.55, "high": 0.9}}
    db.add(ModelEvaluation(split=datetime.now(UTC), report={**report, "kinds": {**report["kinds"], "landing": behind}}))
    db.flush()
    note = risk.accuracy_note(db, kind="landing", lang="en")
    assert f"clearly behind the {ev['best_baseline']} baseline here (PAI ratio 0.70" in note
    assert "clearly behind" not in risk.accuracy_note(db, kind="tppo", lang="en")
