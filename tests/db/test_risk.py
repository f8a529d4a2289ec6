"""Segmenting, scoring, fitting and evaluating in the database, and the HTTP view of it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

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


def test_segments_endpoint_serves_scores_with_contributions(client, scored):
    body = client.get("/api/v1/segments", params={"risk": "tppo"}).json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) > 1500
    props = body["features"][0]["properties"]
    assert props["risk_kind"] == "tppo" and 0 <= props["score"] <= 1
    assert props["risk_class"] in ("low", "medium", "high", "critical")
    assert props["model_version"].startswith("tppo-") and props["data_cutoff"]
    assert set(props["contributions"]) >= {"remoteness", "incident_density"}
    assert client.get("/api/v1/segments", params={"risk": "piracy"}).status_code == 422


def test_map_colours_segments_by_class(client, scored):
    html = client.get("/map", params={"risk": "landing", "tiles": "false"}).text
    assert "risk-legend" in html and "critical" in html


def test_evaluation_is_stored_and_served(db, client, scored):
    _, models = scored
    report = risk.evaluate(db, split="2025-01-01", models_dir=models)
    cli_json = json.loads(json.dumps(report, sort_keys=True))  # what `pesisir model evaluate --json` prints
    body = client.get("/api/v1/model").json()
    assert body["evaluation"] == cli_json
    for kind in ("landing", "tppo"):
        assert set(body["evaluation"]["kinds"][kind]["baselines"]) == {"uniform", "prior_counts", "kde"}
        assert body["models"][kind]["scored_version"] == body["models"][kind]["model_version"]


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
    (models / "tppo.json").write_text("{broken")
    with pytest.raises(InvalidInput, match="do not parse"):
        risk.score(db, models_dir=models)


def test_data_paths_exist():
    assert (Path(MODELS_DIR) / "landing.json").is_file()
