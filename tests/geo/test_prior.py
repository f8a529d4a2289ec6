"""The expert prior in the weights config, the shrinkage fit toward it, weight draws, class stability, and the
evaluation of the served model (geo.risk, geo.evaluation.evaluate_served)."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geo import synthetic
from geo.evaluation import MIN_TEST_INCIDENTS, default_origins, evaluate_served, fit_kind
from geo.factors import FACTORS, FactorInputs, lanes_frame
from geo.risk import (
    ModelConfig,
    PriorTerm,
    class_stability,
    fit,
    fit_toward_prior,
    parse_config,
    risk_classes,
    weight_draws,
)
from geo.vocabulary import INCIDENT_RISK_KIND

DATA = Path(__file__).resolve().parents[2] / "data"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
W_TRUE = dict(zip(FACTORS, (1.5, -0.6, 1.0, 0.8, 0.0, 1.2, 0.9, 0.4, -0.3, 0.0), strict=True))


def _prior(mean: float = 0.0, sd: float = 0.5, kind: str = "landing") -> ModelConfig:
    terms = {f: PriorTerm(mean, sd, f"why {f}", "a source") for f in FACTORS}
    return ModelConfig(kind=kind, intercept=-3.0, weights={f: mean for f in FACTORS}, prior=terms)


def _world(n: int, *, seed: int = 0, scale: float = 1.0) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Random factors (patrol_remoteness constant 0) and Poisson counts from W_TRUE, about ``n`` events."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.uniform(0, 1, (3000, len(FACTORS))), columns=list(FACTORS))
    x["patrol_remoteness"] = 0.0
    eta = x.to_numpy() @ np.array([W_TRUE[f] for f in FACTORS])
    lengths = np.full(len(x), 500.0)
    base = n / float((np.exp(eta) * 0.5).sum())
    counts = rng.poisson(base * np.exp(eta) * 0.5).astype(float)
    return x, counts, lengths


# -- the config ------------------------------------------------------------------------------------------------


def _text(**prior_of_remoteness: object) -> str:
    term = {"weight": 1.0, "sd": 0.5, "rationale": "far from harbours", "source": "CIRAM", **prior_of_remoteness}
    return json.dumps(
        {"kind": "landing", "intercept": -5, "weights": {"remoteness": 1.0}, "prior": {"remoteness": term}}
    )


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"sd": 0}, r"config\.prior\.remoteness\.sd: must be > 0"),
        ({"sd": -1}, r"config\.prior\.remoteness\.sd: must be > 0"),
        ({"sd": "wide"}, r"config\.prior\.remoteness\.sd: must be a finite number"),
        ({"weight": None}, r"config\.prior\.remoteness\.weight: must be a finite number"),
        ({"rationale": " "}, r"config\.prior\.remoteness\.rationale: must be a non-empty text"),
        ({"source": None}, r"config\.prior\.remoteness\.source"),
        ({"weight": 2.0}, r"config\.weights\.remoteness: must equal config\.prior\.remoteness\.weight"),
        ({"colour": "red"}, r"config\.prior\.remoteness: unknown field"),
    ],
)
def test_a_bad_prior_term_is_refused_naming_the_field(override, message):
    with pytest.raises(ValueError, match=message) as err:
        parse_config(_text(**override), source="weights file x.json")
    assert str(err.value).startswith("weights file x.json: ")


def test_a_prior_for_an_unknown_factor_is_refused():
    text = json.dumps({"kind": "landing", "intercept": 0, "weights": {}, "prior": {"moon": {}}})
    with pytest.raises(ValueError, match=r"config\.prior: unknown factor\(s\) moon"):
        parse_config(text)


def test_the_prior_round_trips_and_does_not_enter_the_version():
    config = parse_config(_text())
    assert config.prior["remoteness"] == PriorTerm(1.0, 0.5, "far from harbours", "CIRAM")
    again = parse_config(json.dumps(config.to_dict()))
    assert again.prior == config.prior and again.version == config.version
    bare = ModelConfig(kind="landing", intercept=-5.0, weights={"remoteness": 1.0})
    assert bare.version == config.version  # the version hashes weights, intercept, season and code only
    moved = ModelConfig(kind="landing", intercept=-5.0, weights={"remoteness": 1.2}, fitted={"n_events": 3})
    assert moved.version != config.version


def test_provenance_says_prior_real_or_synthetic():
    prior = _prior()
    assert prior.is_prior and prior.provenance == "expert prior"
    cut = "2026-03-31T00:00:00+00:00"
    real = ModelConfig("tppo", 0.0, {}, fitted={"n_events": 1234.0, "data_cutoff": cut, "synthetic": False})
    fake = ModelConfig("tppo", 0.0, {}, fitted={"n_events": 87, "data_cutoff": cut, "synthetic": True})
    plain = ModelConfig("tppo", 0.0, {}, fitted={"n_events": 138.1, "data_cutoff": cut})
    assert not real.is_prior
    assert real.provenance == "fitted on 1,234 real incidents until 2026-03-31"
    assert fake.provenance == "fitted on synthetic demo data (87 incidents until 2026-03-31)"
    assert plain.provenance == "fitted on 138.1 incidents until 2026-03-31"
    x, counts, lengths = _world(300)
    old = fit(x, counts, lengths_m=lengths, years=1.0, kind="landing", data_cutoff=NOW).config
    assert old.provenance == f"fitted on {counts.sum():,.0f} incidents until 2026-01-01"


# -- the shrinkage fit ------------------------------------------------------------------------------------------


def test_few_events_leave_the_weights_near_the_prior():
    prior = _prior(0.0, 0.5)
    x, counts, lengths = _world(15, seed=1)
    assert 0 < counts.sum() < 40
    r = fit_toward_prior(
        x, counts, lengths_m=lengths, years=1.0, prior=prior, data_cutoff=NOW, synthetic=True, n_boot=20
    )
    moved = np.array([r.config.weights[f] for f in FACTORS])
    assert np.all(np.abs(moved) <= 1.5 * 0.5), r.config.weights  # within about one prior sd (0.5) ...
    assert np.abs(moved).mean() < 0.5 * 0.5, r.config.weights  # ... and on average well within it
    plain = fit(x, counts, lengths_m=lengths, years=1.0, kind="landing", data_cutoff=NOW).config
    assert np.abs(moved).max() < max(abs(plain.weights[f]) for f in FACTORS)  # the GLM strays further
    assert r.config.prior == prior.prior and r.config.provenance.startswith("fitted on synthetic demo data")


def test_many_events_recover_the_true_weights_against_the_prior():
    prior = _prior(-1.0, 0.5)  # far from W_TRUE
    x, counts, lengths = _world(5000, seed=2)
    r = fit_toward_prior(x, counts, lengths_m=lengths, years=1.0, prior=prior, data_cutoff=NOW, synthetic=False)
    for f in FACTORS:
        if f != "patrol_remoteness":
            assert abs(r.config.weights[f] - W_TRUE[f]) < 0.3, (f, r.config.weights[f])
    # a constant factor has no information: it keeps the prior mean, with the prior's sd
    assert r.config.weights["patrol_remoteness"] == -1.0
    assert r.config.fitted["std_err"]["patrol_remoteness"] == 0.5
    assert r.config.provenance.startswith("fitted on") and "real incidents until 2026-01-01" in r.config.provenance


def test_a_wide_prior_gives_the_plain_glm():
    x, counts, lengths = _world(800, seed=3)
    years = np.random.default_rng(0).uniform(0.5, 2.0, len(x))
    wide = fit_toward_prior(
        x, counts, lengths_m=lengths, years=years, prior=_prior(2.0, 1e4), data_cutoff=NOW, synthetic=True, n_boot=0
    )
    glm = fit(x, counts, lengths_m=lengths, years=years, kind="landing", data_cutoff=NOW)
    for f in FACTORS:
        if f != "patrol_remoteness":
            assert wide.config.weights[f] == pytest.approx(glm.config.weights[f], abs=1e-3), f
            assert wide.table.at[f, "std_err"] == pytest.approx(glm.table.at[f, "std_err"], rel=1e-3), f
    assert wide.config.intercept == pytest.approx(glm.config.intercept, abs=1e-3)


def test_the_fit_reports_its_method_draws_and_detection_offset():
    x, counts, lengths = _world(400, seed=4)
    detect = np.full(len(x), np.log(0.5))
    kw = {"lengths_m": lengths, "years": 2.0, "prior": _prior(), "data_cutoff": NOW, "synthetic": True}
    r = fit_toward_prior(x, counts, log_detection=detect, n_boot=30, seed=5, **kw)
    f = r.config.fitted
    assert {"method", "data_cutoff", "n_events", "n_segments", "synthetic", "std_err", "detection_offset"} <= set(f)
    assert f["detection_offset"] is True and f["synthetic"] is True and f["n_events"] == counts.sum()
    assert f["prior_sd"] == {name: 0.5 for name in FACTORS}
    assert np.asarray(f["draws"]).shape == (30, len(FACTORS))
    assert (
        f["draws"] == fit_toward_prior(x, counts, log_detection=detect, n_boot=30, seed=5, **kw).config.fitted["draws"]
    )
    assert (
        f["draws"] != fit_toward_prior(x, counts, log_detection=detect, n_boot=30, seed=6, **kw).config.fitted["draws"]
    )
    # the draws spread like the Laplace errors (the bootstrap and the curvature agree in size)
    spread = np.asarray(f["draws"]).std(axis=0)[0]
    assert 0.4 < spread / f["std_err"]["remoteness"] < 2.5
    with pytest.raises(ValueError, match="counts: no landing incidents to fit before 2026-01-01"):
        fit_toward_prior(x, np.zeros(len(x)), **kw)
    with pytest.raises(ValueError, match="log_detection"):
        fit_toward_prior(x, counts, log_detection=-detect, **kw)


# -- draws and class stability ----------------------------------------------------------------------------------


def test_weight_draws_come_from_the_fit_or_the_prior():
    prior = _prior(0.5, 0.2)
    a = weight_draws(prior, n=500, seed=1)
    assert a.shape == (500, len(FACTORS))
    assert np.array_equal(a, weight_draws(prior, n=500, seed=1)) and not np.array_equal(a, weight_draws(prior, n=500))
    assert np.allclose(a.mean(axis=0), 0.5, atol=0.05) and np.allclose(a.std(axis=0), 0.2, atol=0.03)
    partial = ModelConfig(
        "landing", 0.0, {"remoteness": 1.0, "staging": 0.5}, prior={"staging": prior.prior["staging"]}
    )
    b = weight_draws(partial, n=50)
    assert (b[:, FACTORS.index("remoteness")] == 1.0).all() and b[:, FACTORS.index("staging")].std() > 0.1
    stored = [[float(i)] * len(FACTORS) for i in range(3)]
    fitted = ModelConfig("landing", 0.0, {}, fitted={"draws": stored, "n_events": 3})
    assert weight_draws(fitted, n=7)[:, 0].tolist() == [0, 1, 2, 0, 1, 2, 0]
    assert weight_draws(fitted, n=2).shape == (2, len(FACTORS))


def test_class_stability_is_one_without_uncertainty_and_falls_with_a_wide_prior():
    rng = np.random.default_rng(7)
    x = pd.DataFrame(rng.uniform(0, 1, (2000, len(FACTORS))), columns=list(FACTORS))
    lengths = rng.uniform(200, 800, 2000)
    point = {f: W_TRUE[f] for f in FACTORS}
    same = ModelConfig("landing", 0.0, point, fitted={"draws": [[point[f] for f in FACTORS]] * 4, "n_events": 1})
    assert (class_stability(x, lengths=lengths, config=same, n_draws=50) == 1.0).all()
    terms = {f: PriorTerm(point[f], 1e-9, "r", "s") for f in FACTORS}
    exact = ModelConfig("landing", 0.0, point, prior=terms)
    assert class_stability(x, lengths=lengths, config=exact, n_draws=20).min() == 1.0

    def stability(sd: float) -> np.ndarray:
        wide = ModelConfig("landing", 0.0, point, prior={f: PriorTerm(point[f], sd, "r", "s") for f in FACTORS})
        return class_stability(x, lengths=lengths, config=wide, n_draws=200, seed=3)

    narrow, broad = stability(0.1), stability(1.0)
    assert ((broad >= 0) & (broad <= 1)).all()
    assert 1.0 > narrow.mean() > broad.mean()
    assert np.array_equal(broad, stability(1.0))  # deterministic for a seed
    # a segment deep inside its class is more stable than one at a class boundary
    classes = risk_classes(x.to_numpy() @ np.array([point[f] for f in FACTORS]), lengths)
    assert broad[classes == "low"].mean() > broad[classes == "high"].mean()


# -- fit_kind and the served model's evaluation on the Sumenep coast --------------------------------------------


def _inputs(sumenep, n_incidents: int, seed: int = 0) -> FactorInputs:
    isl, hb, borders = sumenep
    world = synthetic.generate_world("layered", isl, hb, seed=seed, n_incidents=n_incidents, land_boundaries=borders)
    none = gpd.GeoDataFrame({"direction": [], "suspicion_flags": [], "observed_start": []}, geometry=[], crs=4326)
    return FactorInputs(isl, hb, world.incidents, none, lanes_frame(harbours=hb))


def test_default_origins_end_one_window_before_the_newest_incident(sumenep):
    inputs = _inputs(sumenep, 200)
    kinds = inputs.incidents["kind"].map(INCIDENT_RISK_KIND)
    inc = inputs.incidents[kinds == "landing"]
    newest = pd.to_datetime(inc["occurred_start"], utc=True).max().floor("D")
    origins = default_origins(inputs.incidents, kind="landing")
    assert len(origins) == 3 and origins == sorted(origins)
    assert pd.Timestamp(origins[-1]) == newest - pd.Timedelta(days=364)
    assert all((b - a).days == 365 for a, b in itertools.pairwise(origins))
    assert default_origins(inputs.incidents, kind="landing", n=50)[0] > pd.to_datetime(inc["occurred_start"]).min()
    assert default_origins(inputs.incidents.iloc[:0], kind="tppo") == []


def test_fit_kind_toward_a_prior_uses_the_same_panel(sumenep, sumenep_segments):
    inputs = _inputs(sumenep, 400)
    prior = _prior(0.0, 0.3, kind="tppo")
    r = fit_kind(sumenep_segments, inputs, kind="tppo", until=NOW, prior=prior, synthetic=True)
    plain = fit_kind(sumenep_segments, inputs, kind="tppo", until=NOW)
    assert r.config.prior == prior.prior and r.n_segments == len(sumenep_segments)
    assert r.config.fitted["n_events"] == pytest.approx(plain.config.fitted["n_events"], abs=1e-3)
    assert "segment x season panel" in r.config.fitted["method"] and r.config.fitted["synthetic"] is True
    shrunk = max(abs(r.config.weights[f]) for f in FACTORS)
    assert shrunk < max(abs(plain.config.weights[f]) for f in FACTORS)


def test_evaluate_served_says_too_few_below_the_minimum(sumenep, sumenep_segments):
    inputs = _inputs(sumenep, 60)
    prior = _prior(0.5, 0.5)
    report = evaluate_served(sumenep_segments, inputs, kind="landing", config=prior, n_boot=50)
    assert report["status"] == "too_few" and report["n_test"] < MIN_TEST_INCIDENTS == report["min_test"]
    assert report["provenance"] == "expert prior" and report["model_version"] == prior.version
    assert "observed" not in report and "calibration" not in report and len(report["origins"]) == 3
    none = evaluate_served(
        sumenep_segments, inputs, kind="landing", config=prior, origins=[datetime(1990, 1, 1, tzinfo=UTC)]
    )
    assert none["status"] == "too_few" and none["n_test"] == 0


@pytest.mark.parametrize("fitted", [False, True])
def test_evaluate_served_measures_the_served_model_with_calibration(sumenep, sumenep_segments, fitted):
    inputs = _inputs(sumenep, 600, seed=1)
    prior = _prior(0.5, 0.5)
    config = prior
    if fitted:
        config = fit_kind(sumenep_segments, inputs, kind="landing", until=NOW, prior=prior, synthetic=True).config
    report = evaluate_served(sumenep_segments, inputs, kind="landing", config=config, n_boot=50)
    assert report["status"] == "measured" and report["n_test"] >= MIN_TEST_INCIDENTS
    assert report["provenance"] == config.provenance and report["model_version"] == config.version
    assert {"observed", "best_baseline", "model_vs_best_baseline_pai_10", "origins"} <= set(report)
    assert report["n_test"] == sum(o["n_test"] for o in report["origins"])
    rows = report["calibration"]
    assert [r["class"] for r in rows] == ["critical", "high", "medium", "low"]
    assert sum(r["observed"] for r in rows) == pytest.approx(report["n_test"])
    assert sum(r["km"] for r in rows) == pytest.approx(sumenep_segments["length_m"].sum() / 1000, rel=1e-3)
    assert all(r["predicted"] > 0 for r in rows)
    # the prior's weights are used as they are; a fitted config is refitted toward its prior at each origin
    weights = {o["remoteness_weight"] for o in report["origins"]}
    assert weights == {0.5} if not fitted else weights != {0.5}
    json.dumps(report)
