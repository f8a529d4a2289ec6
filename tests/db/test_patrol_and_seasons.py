"""Patrol bases (a layer users load; empty by default) and scores per season."""

from __future__ import annotations

import json
import shutil

import pytest
from sqlalchemy import func, select

from app.db.models import AuditLog, PatrolBase, SegmentScore
from app.errors import InvalidInput
from app.services import base_data, demo, risk
from geo.risk import MODELS_DIR

BASES = (
    "name,agency,lon,lat,source\n"
    "Pos Polairud Kalianget,Polairud,113.94,-7.06,test\n"
    "Pos KPLP Kangean,KPLP,115.33,-6.92,test\n"
)


@pytest.fixture
def models(tmp_path):
    out = tmp_path / "models"
    shutil.copytree(MODELS_DIR, out)
    return out


def _with_weight(models, factor, weight=1.0):
    for kind in ("landing", "tppo"):
        path = models / f"{kind}.json"
        cfg = json.loads(path.read_text())
        cfg["weights"][factor] = weight
        cfg["prior"][factor]["weight"] = weight  # a prior: its weights are its terms' means
        path.write_text(json.dumps(cfg))
        path.write_text(json.dumps(cfg))


def _count(db, model):
    return db.scalar(select(func.count()).select_from(model))


def test_patrol_bases_load_idempotently_and_replace(db, tmp_path):
    assert _count(db, PatrolBase) == 0  # empty by default
    f = tmp_path / "bases.csv"
    f.write_text(BASES)
    r = base_data.load_patrol_bases(db, f)
    assert (r.total, r.inserted, r.updated, r.deleted) == (2, 2, 0, 0)
    assert base_data.load_patrol_bases(db, f).inserted == 0
    slugs = set(db.scalars(select(PatrolBase.slug)))
    assert slugs == {"pos-polairud-kalianget", "pos-kplp-kangean"}
    f.write_text(BASES.splitlines()[0] + "\n" + BASES.splitlines()[1] + "\n")
    assert base_data.load_patrol_bases(db, f).deleted == 0  # without --replace nothing is removed
    r = base_data.load_patrol_bases(db, f, replace=True)
    assert r.deleted == 1 and set(db.scalars(select(PatrolBase.slug))) == {"pos-polairud-kalianget"}
    loads = db.scalars(select(AuditLog.after).where(AuditLog.object_type == "patrol_bases")).all()
    assert len(loads) == 2 and loads[-1]["deleted"] == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("agency,lon,lat\nPolairud,113.9,-7.0\n", "missing column(s) name"),
        ("name,lon,lat\nPos A,106.8,-6.2\n", "feature pos-a: point (106.8000, -6.2000) must lie within"),
        ("name,lon,lat\nPos A,113.9,-7.0\nPos A,114.0,-7.0\n", "column 'slug' must be unique; 'pos-a'"),
        ("name,lon,lat\n,113.9,-7.0\n", "column 'name' must be set on every feature"),
    ],
)
def test_bad_patrol_files_write_nothing(db, tmp_path, text, message):
    f = tmp_path / "bases.csv"
    f.write_text(text)
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        base_data.load_patrol_bases(db, f)
    assert _count(db, PatrolBase) == 0


def test_patrol_bases_lower_the_remoteness_of_the_coast_near_them(db, tmp_path, models):
    demo.load_demo(db, seed=5, n_incidents=200, n_landings=200)
    risk.segment(db)
    _with_weight(models, "patrol_remoteness")
    risk.score(db, store=risk.ModelStore(prior_dir=models), season="annual")
    before = risk.scored_segments(db, kind="landing")
    assert all(c.get("patrol_remoteness", 0.0) == 0.0 for c in before["contributions"])  # no base: no effect
    f = tmp_path / "bases.csv"
    f.write_text(BASES)
    base_data.load_patrol_bases(db, f)
    risk.score(db, store=risk.ModelStore(prior_dir=models), season="annual")
    after = risk.scored_segments(db, kind="landing").set_index("id")
    patrol = after["contributions"].map(lambda c: c["patrol_remoteness"])
    near, far = patrol.filter(like="35.29-").min(), patrol.max()  # Kalianget is on Madura (35.29)
    assert far > near >= 0 and far > 0
    assert (after["model_version"] == before["model_version"].iloc[0]).all()


def test_scores_are_kept_per_season_and_served_by_season(db, as_planner, models):
    demo.load_demo(db, seed=5, n_incidents=200, n_landings=200)
    n = risk.segment(db).segments
    _with_weight(models, "monsoon_shelter")
    reports = risk.score(db, store=risk.ModelStore(prior_dir=models))
    assert sorted((r.kind, r.season) for r in reports) == sorted(
        (k, s) for k in ("landing", "tppo") for s in ("annual", "west", "east")
    )
    assert _count(db, SegmentScore) == 6 * n
    west = as_planner.get("/api/v1/segments", params={"risk": "landing", "season": "west"}).json()["features"]
    east = as_planner.get("/api/v1/segments", params={"risk": "landing", "season": "east"}).json()["features"]
    assert {f["properties"]["season"] for f in west} == {"west"} and len(west) == n
    shelter_w = {f["id"]: f["properties"]["contributions"]["monsoon_shelter"] for f in west}
    shelter_e = {f["id"]: f["properties"]["contributions"]["monsoon_shelter"] for f in east}
    # A coast sheltered from the west monsoon faces the east one: the season changes the orientation term.
    assert sum(shelter_w[k] != shelter_e[k] for k in shelter_w) > n // 2
    bad = as_planner.get("/api/v1/segments", params={"season": "monsoon"})
    assert bad.status_code == 422 and "season" in bad.text
    html = as_planner.get("/map", params={"season": "east", "tiles": "false", "lang": "en"}).text
    assert "Risk landing (east monsoon)" in html
    assert "Risiko pendaratan (musim timur)" in as_planner.get("/map", params={"season": "east"}).text
    with pytest.raises(InvalidInput, match="season: must be one of annual, west, east or all"):
        risk.score(db, store=risk.ModelStore(prior_dir=models), season="summer")


def test_cli_loads_patrol_bases_and_scores_one_season(db, tmp_path, models, monkeypatch):
    from typer.testing import CliRunner

    from app import cli

    demo.load_demo(db, seed=5, n_incidents=100, n_landings=100)
    risk.segment(db)
    monkeypatch.setattr(cli, "_in_transaction", lambda settings, work: work(db))
    monkeypatch.setenv("PESISIR_DATA_DIR", str(tmp_path))  # no fitted weights there: the prior is served
    f = tmp_path / "bases.csv"
    f.write_text(BASES)
    runner = CliRunner()
    loaded = runner.invoke(cli.cli, ["load-patrol-bases", str(f)])
    assert loaded.exit_code == 0, loaded.output
    assert "patrol_bases: 2 in file, 2 added, 0 updated, 0 removed" in loaded.stdout
    assert "pesisir score" in loaded.stdout
    scored = runner.invoke(cli.cli, ["score", "--season", "west"])
    assert scored.exit_code == 0, scored.output
    assert "landing (west):" in scored.stdout and "(annual)" not in scored.stdout
    bad = runner.invoke(cli.cli, ["score", "--season", "summer"])
    assert bad.exit_code != 0 and isinstance(bad.exception, InvalidInput)
