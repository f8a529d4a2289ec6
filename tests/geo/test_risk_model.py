"""Factors, risk models, evaluation metrics, and the acceptance bar on synthetic data."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.stats import spearmanr

from geo import synthetic
from geo.evaluation import best_baseline_pai, evaluate_kind, fit_kind, hit_rate, pai, season_months
from geo.factors import FACTORS, FactorInputs, compute_factors, lanes_frame, midpoints
from geo.risk import MODELS, ModelConfig, load_config, model_for, parse_config, risk_classes
from geo.segmentation import segment_coast

DATA = Path(__file__).resolve().parents[2] / "data"
SPLIT = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def sumenep():
    isl = gpd.read_file(DATA / "sumenep_islands.geojson")
    hb = pd.read_csv(DATA / "harbours.csv")
    hb = gpd.GeoDataFrame(hb, geometry=gpd.points_from_xy(hb.lon, hb.lat), crs="EPSG:4326")
    seg = segment_coast(isl, land_boundaries=gpd.read_file(DATA / "land_boundaries.geojson"))
    return isl, hb, seg


def test_factors_are_in_unit_range_and_rejected_incidents_do_not_count(sumenep):
    isl, hb, seg = sumenep
    data = synthetic.generate(isl, hb, seed=3, n_incidents=300, n_landings=500)
    inputs = FactorInputs(isl, hb, data.incidents, data.landings, lanes_frame(harbours=hb))
    f = compute_factors(seg, inputs, kind="landing", cutoff=SPLIT)
    assert list(f.columns) == list(FACTORS)
    assert ((f >= 0) & (f <= 1)).all().all()
    assert (f["patrol_remoteness"] == 0).all()  # no patrol base loaded
    rejected = data.incidents.assign(review_state="rejected")
    g = compute_factors(seg, dataclasses.replace(inputs, incidents=rejected), kind="landing", cutoff=SPLIT)
    assert (g["incident_density"] == 0).all()


def test_scores_sum_their_contributions_and_classes_follow_coastline_shares(sumenep):
    isl, hb, seg = sumenep
    data = synthetic.generate(isl, hb, seed=3, n_incidents=300, n_landings=500)
    inputs = FactorInputs(isl, hb, data.incidents, data.landings, lanes_frame(harbours=hb))
    model = model_for(load_config("tppo"))
    out = model.score(
        compute_factors(seg, inputs, kind="tppo", cutoff=SPLIT), lengths=seg.length_m.to_numpy(), data_cutoff=SPLIT
    )
    assert out["score"].between(0, 1).all()
    sums = np.array([sum(c.values()) for c in out["contributions"]])
    assert np.allclose(sums, out["score"], atol=1e-3)
    share = seg.length_m.groupby(out["risk_class"]).sum() / seg.length_m.sum()
    assert share["critical"] == pytest.approx(0.05, abs=0.01)
    assert share["high"] == pytest.approx(0.10, abs=0.01)
    assert out["model_version"].iloc[0].startswith("tppo-")


def test_model_version_changes_with_the_weights():
    a = ModelConfig(kind="landing", intercept=0.0, weights={"remoteness": 1.0})
    b = ModelConfig(kind="landing", intercept=0.0, weights={"remoteness": 1.1})
    assert a.version != b.version and a.version == ModelConfig("landing", 0.0, {"remoteness": 1.0}).version
    assert set(MODELS) == {"landing", "tppo"}


def test_model_version_changes_with_the_scoring_code(monkeypatch):
    import geo.risk

    a = ModelConfig(kind="landing", intercept=0.0, weights={"remoteness": 1.0})
    before = a.version
    assert len(geo.risk.CODE_VERSION) == 12  # a digest of geo's scoring sources, not a number to bump
    monkeypatch.setattr(geo.risk, "CODE_VERSION", "edited-code")
    assert a.version != before


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "do not parse as JSON"),
        ('{"kind": "landing", "intercept": 0, "weights": {"moon": 1}}', "unknown factor"),
        ('{"kind": "landing", "intercept": 0, "weights": {"remoteness": "high"}}', "weights.remoteness"),
        ('{"kind": "piracy", "intercept": 0, "weights": {}}', "kind"),
    ],
)
def test_weights_that_do_not_parse_are_refused(text, message):
    with pytest.raises(ValueError, match=message):
        parse_config(text, source="weights file x.json")


def test_classes_and_pai_by_coastline_length():
    assert risk_classes(np.array([0.9, 0.5, 0.4, 0.1]), np.array([1.0, 2.0, 5.0, 12.0])).tolist() == [
        "critical",
        "high",
        "medium",
        "low",
    ]
    # ties are one block: all equal scores flag events in proportion to length
    assert hit_rate(np.zeros(4), np.array([4.0, 0, 0, 0]), np.ones(4), 0.25) == pytest.approx(0.25)
    assert pai(np.array([3.0, 2, 1, 0]), np.array([5.0, 3, 1, 1]), np.ones(4), 0.25) == pytest.approx(2.0)


def test_split_with_no_incidents_after_is_refused(sumenep):
    isl, hb, seg = sumenep
    data = synthetic.generate(isl, hb, seed=3, n_incidents=100, n_landings=100)
    inputs = FactorInputs(isl, hb, data.incidents, data.landings, lanes_frame(harbours=hb))
    with pytest.raises(ValueError, match="split: no landing incidents on or after"):
        evaluate_kind(seg, inputs, kind="landing", split=datetime(2030, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="split: no landing incidents before"):
        evaluate_kind(seg, inputs, kind="landing", split=datetime(2000, 1, 1, tzinfo=UTC))


# -- acceptance -----------------------------------------------------------------------------------------------
# The generator's default world (geo.synthetic.SurfaceParams) with 800 incidents over 2021-2025; fit on the
# first four years, test on 2025. The model's factors use their documented defaults (geo.factors.FactorParams).
N_INCIDENTS = 800
SEEDS = tuple(range(10))


@pytest.fixture(scope="module")
def acceptance(sumenep):
    isl, hb, seg = sumenep
    mids = gpd.GeoSeries(shapely.points(midpoints(seg)), crs="EPSG:23837")
    borders = gpd.read_file(DATA / "land_boundaries.geojson")
    rows = []
    for seed in SEEDS:
        data = synthetic.generate(isl, hb, seed=seed, n_incidents=N_INCIDENTS, n_landings=2500, land_boundaries=borders)
        inputs = FactorInputs(isl, hb, data.incidents, data.landings, lanes_frame(harbours=hb))
        for kind in ("landing", "tppo"):
            ev, _, scored = evaluate_kind(seg, inputs, kind=kind, split=SPLIT)
            rho = spearmanr(scored["log_intensity"], data.surface.intensity(mids, kind=kind)).statistic
            ratio = ev.model["pai"]["10%"] / best_baseline_pai(ev)
            rows.append({"seed": seed, "kind": kind, "ratio": ratio, "rho": rho, "pai": ev.model["pai"]["10%"]})
    frame = pd.DataFrame(rows)
    print(frame.to_string())
    return frame


@pytest.mark.slow
def test_scores_correlate_with_the_true_surface(acceptance):
    assert (acceptance["rho"] >= 0.7).all(), acceptance


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["landing", "tppo"])
def test_model_beats_the_best_baseline_by_a_quarter(acceptance, kind):
    rows = acceptance[acceptance.kind == kind]
    assert rows["ratio"].mean() >= 1.25, rows  # PAI at 10 % of coastline / best of uniform, prior counts, KDE
    # The minimum is reported (printed with -s); on single seeds the hold-out year is small (~100-150 events),
    # so a seed may tie with the best baseline, but none falls clearly below it.
    assert rows["ratio"].min() >= 0.95, rows


def test_the_seasonal_panel_recovers_the_monsoon_effect(sumenep):
    # The generator's landing surface has log-effect B = 0.6 per unit of -cos(bearing - wind): 2B = 1.2 per unit
    # of monsoon_shelter. Yearly counts cannot see it (the monsoons blow from opposite sides); the panel can.
    isl, hb, seg = sumenep
    borders = gpd.read_file(DATA / "land_boundaries.geojson")
    assert season_months() == {"west": (12, 1, 2, 3), "east": (6, 7, 8, 9), "calm": (4, 5, 10, 11)}
    true = 2 * synthetic.SurfaceParams().landing.monsoon_shelter
    for seed in (0, 1):
        data = synthetic.generate(isl, hb, seed=seed, n_incidents=800, n_landings=500, land_boundaries=borders)
        inputs = FactorInputs(isl, hb, data.incidents, data.landings, lanes_frame(harbours=hb))
        r = fit_kind(seg, inputs, kind="landing", until=SPLIT)
        row = r.table.loc["monsoon_shelter"]
        assert row["ci_low"] > 0, row  # detected
        assert 0.3 * true < row["weight"] < 1.3 * true, row  # of the right size (segment bearings are coarser)
        assert "monsoon_shelter" not in r.config.fitted["not_estimable"]
        assert r.n_segments == len(seg)


def test_searoute_shipping_lanes_replace_the_schematic_ones(sumenep):
    isl, hb, seg = sumenep
    ships = gpd.read_file(DATA / "shipping_lanes.geojson")
    assert len(ships) > 5 and ships.crs.to_epsg() == 4326 and (ships["kind"] == "shipping").all()
    lanes = lanes_frame(harbours=hb, shipping=ships)
    assert (lanes["kind"] == "shipping").sum() == len(ships) and (lanes["kind"] == "ferry").sum() == 3
    none = gpd.GeoDataFrame(
        {"kind": [], "occurred_start": [], "direction": [], "suspicion_flags": [], "observed_start": []},
        geometry=[],
        crs="EPSG:4326",
    )
    f = compute_factors(seg, FactorInputs(isl, hb, none, none, lanes), kind="landing", cutoff=SPLIT)
    assert f["shipping_exposure"].between(0, 1).all() and f["shipping_exposure"].std() > 0
