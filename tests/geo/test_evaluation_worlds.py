"""Rolling-origin evaluation against tuned baselines on the generator's worlds, and the detection offset.

The acceptance (issue 12, points 5 and 6): at 800 incidents, in the ``layered`` and ``routes`` worlds the model's
mean PAI at 10 % of coastline against the known truth is at least 1.1x the best tuned baseline's; in ``null`` and
``hotspots`` at least 0.95x; in ``biased`` the detection offset keeps the fitted remoteness weight positive on
every seed. CI runs ``PESISIR_WORLD_SEEDS`` seeds (default 3: about two minutes beside the sea graph the routes
tests build anyway); the full run is ``PESISIR_WORLD_SEEDS=10 pytest tests/geo/test_evaluation_worlds.py -s``.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.evaluation import (
    flag_weights,
    hit_rate,
    served_score,
    tune_kde_bandwidth,
    tuned_baseline_scores,
)
from geo.risk import fit
from geo.synthetic.acceptance import BARS, KINDS, N_INCIDENTS, world_figures

DATA = Path(__file__).resolve().parents[2] / "data"
SEEDS = tuple(range(int(os.environ.get("PESISIR_WORLD_SEEDS", "3"))))


# ------------------------------------------------------------------------------------------------- unit tests


def test_flag_weights_give_the_hit_rate():
    rng = np.random.default_rng(3)
    scores = rng.integers(0, 5, 200).astype(float)  # many ties
    events, lengths = rng.poisson(1.0, 200).astype(float), rng.uniform(100, 900, 200)
    for share in (0.05, 0.1, 0.2):
        w = flag_weights(scores, lengths, share)
        assert w @ events / events.sum() == pytest.approx(hit_rate(scores, events, lengths, share))
        assert w @ lengths == pytest.approx(share * lengths.sum())


def _line_coast(n: int = 400) -> gpd.GeoDataFrame:
    lines = [shapely.LineString([(i * 500.0, 0.0), ((i + 1) * 500.0, 0.0)]) for i in range(n)]
    return gpd.GeoDataFrame({"length_m": [500.0] * n}, geometry=lines, crs="EPSG:23837")


def _points(x: np.ndarray) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, np.zeros(len(x))), crs="EPSG:23837")


def test_the_kde_bandwidth_follows_the_data():
    seg, rng = _line_coast(), np.random.default_rng(0)
    clustered = _points(np.concatenate([rng.normal(c, 400, 60) for c in (30_000, 90_000, 150_000)]))
    spread = _points(rng.uniform(0, 200_000, 180))
    assert tune_kde_bandwidth(seg, clustered)[0] <= 1.0
    assert tune_kde_bandwidth(seg, spread)[0] >= 4.0


def test_prior_counts_break_ties_by_kde_and_the_ensemble_averages_ranks():
    seg = _line_coast(50)
    past = _points(np.array([1_250.0, 1_300.0, 10_250.0]))  # two events on segment 2, one on segment 20
    scores, bandwidth = tuned_baseline_scores(seg, past, model=np.arange(50.0))
    order = np.argsort(-scores["prior_counts_kde"])
    assert list(order[:2]) == [2, 20]
    empty = np.setdiff1d(np.arange(50), [2, 20])  # the segments without a training event: ordered by the KDE
    assert (
        np.argsort(scores["prior_counts_kde"][empty]) == np.argsort(scores["kde_tuned"][empty], kind="stable")
    ).all()
    assert len(np.unique(scores["prior_counts_kde"])) == 50
    assert scores["ensemble"].shape == (50,) and bandwidth in (0.5, 1.0, 2.0, 4.0, 8.0)


def test_log_detection_joins_the_offset_and_must_be_a_log_probability():
    rng = np.random.default_rng(1)
    factors = pd.DataFrame({"remoteness": rng.uniform(0, 1, 500)})
    lengths = np.full(500, 1000.0)
    detect = np.log(0.1 + 0.9 * (1 - factors["remoteness"].to_numpy()))
    counts = rng.poisson(np.exp(-1 + 2 * factors["remoteness"].to_numpy() + detect))
    now = datetime(2025, 1, 1, tzinfo=UTC)
    naive = fit(factors, counts, lengths_m=lengths, years=1.0, kind="landing", data_cutoff=now)
    aware = fit(factors, counts, lengths_m=lengths, years=1.0, kind="landing", data_cutoff=now, log_detection=detect)
    assert naive.config.weights["remoteness"] < 0.5 < 1.5 < aware.config.weights["remoteness"]
    assert aware.config.fitted["detection_offset"] is True
    with pytest.raises(ValueError, match="log_detection"):
        fit(factors, counts, lengths_m=lengths, years=1.0, kind="landing", data_cutoff=now, log_detection=-detect + 1)


# ------------------------------------------------------------------------------------------------- acceptance


@pytest.fixture(scope="module")
def figures(sumenep, sumenep_segments, sumenep_corridors):
    from geo import routedata

    isl, hb, borders = sumenep
    routes_inputs = {
        "land": gpd.read_file(DATA / "routes" / "land.fgb"),
        "places": routedata.load_places(),
        "flows": routedata.load_flows(),
    }
    frame, table, reports = world_figures(
        sumenep_segments,
        isl,
        hb,
        borders,
        seeds=SEEDS,
        corridor_exposure=sumenep_corridors.exposure,
        routes_inputs=routes_inputs,
    )
    print(f"\nPAI at 10 % of coastline, {len(SEEDS)} seeds x {N_INCIDENTS} incidents, origins 2023-2025:")
    print(table.round(3).to_string())
    print(frame.round(3).to_string())
    return frame, table, reports


@pytest.mark.slow
def test_reports_are_json(figures):
    _, _, reports = figures
    text = json.dumps(reports)
    assert "model_vs_best_baseline_pai_10" in text
    for r in reports:
        for name, metrics in r["observed"].items():
            for v in metrics["pai"].values():
                assert v["low"] <= v["value"] <= v["high"] or name == "ensemble", (name, v)


@pytest.mark.slow
@pytest.mark.parametrize(("world", "bar"), sorted(BARS.items()))
@pytest.mark.parametrize("kind", KINDS)
def test_the_model_against_the_best_tuned_baseline_on_the_truth(figures, world, bar, kind):
    _, table, _ = figures
    row = table.loc[(world, kind)]
    assert row["truth_ratio"] >= bar, row


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_the_detection_offset_keeps_remoteness_positive(figures, kind):
    frame, _, _ = figures
    aware = frame[(frame.world == "biased+offset") & (frame.kind == kind)]
    naive = frame[(frame.world == "biased") & (frame.kind == kind)]
    assert len(aware) == len(SEEDS)
    assert (aware["remoteness_min"] > 0).all(), aware  # every seed, every origin
    assert (naive["remoteness_min"].to_numpy() < aware["remoteness_min"].to_numpy()).all()
    # Knowing where events happen, not where they are seen, ranks the true coast better.
    assert aware["model_truth"].mean() > naive["model_truth"].mean()


def test_the_served_score_falls_back_to_the_blend_only_when_the_model_clearly_loses():
    behind = {"model_vs_best_baseline_pai_10": {"value": 0.8, "low": 0.6, "high": 0.97}, "best_baseline": "kde_tuned"}
    unclear = {"model_vs_best_baseline_pai_10": {"value": 0.9, "low": 0.6, "high": 1.2}, "best_baseline": "kde_tuned"}
    assert served_score(behind)["score"] == "ensemble" and "kde_tuned" in served_score(behind)["reason"]
    assert served_score(unclear)["score"] == "model"
