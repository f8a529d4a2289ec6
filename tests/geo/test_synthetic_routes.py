"""The synthetic routes world (geo.synthetic.routes_world) and the acceptance bar of the corridor_exposure factor:
on a world whose landings come from simulated boat trips, the model fitted with the factor ranks the coast better
against the known truth than the same model fitted without it."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo import synthetic
from geo.evaluation import fit_kind, pai
from geo.factors import FactorInputs, compute_factors, lanes_frame
from geo.risk import model_for

DATA = Path(__file__).resolve().parents[2] / "data"
SPLIT = datetime(2025, 1, 1, tzinfo=UTC)


# ------------------------------------------------------------------------------------------------ a small world


@pytest.fixture(scope="module")
def small():
    isl = gpd.GeoDataFrame(
        {"code": ["A", "B"], "inhabited": [True, False]},
        geometry=[shapely.box(114.0, -7.1, 114.1, -7.0), shapely.box(114.25, -7.1, 114.3, -7.05)],
        crs="EPSG:4326",
    )
    hb = gpd.GeoDataFrame(
        {"slug": ["a"], "kind": ["official_port"], "monitored": [True]},
        geometry=[shapely.Point(114.0, -7.05)],
        crs="EPSG:4326",
    )
    places = gpd.GeoDataFrame(
        {"slug": ["far-east", "far-west"]},
        geometry=[shapely.Point(114.6, -7.05), shapely.Point(113.6, -7.05)],
        crs="EPSG:4326",
    )
    flows = pd.DataFrame(
        {
            "origin": ["far-east", "sumenep-coast", "far-west"],
            "destination": ["sumenep-coast", "far-east", "far-east"],
            "kind": ["landing", "tppo", "landing"],
            "boats": ["perahu|speedboat", "fishing_boat", "steel_ship"],
            "seasons": ["all", "east", "west|transition"],
            "weight": [2.0, 1.0, 1.0],
        }
    )
    return isl, hb, places, flows


def test_the_truth_is_the_trips_that_land(small):
    isl, hb, places, flows = small
    world = synthetic.routes_world(isl, hb, isl, places, flows, seed=3, n_incidents=50)
    coast = world.coast
    trips = synthetic.RoutesWorldParams().trips_per_year
    # tppo: its one flow departs from the coast: every trip of it leaves from somewhere on the coast, in its season.
    assert coast["tppo"].sum() == pytest.approx(trips)
    assert coast["tppo:east"].sum() == pytest.approx(trips) and coast["tppo:west"].sum() == 0
    # landing: two thirds of the trips go to the coast; of the rest (between two other places) a fifth drops off.
    drop = synthetic.RoutesWorldParams().drop_share
    assert coast["landing"].sum() == pytest.approx(trips * (2 / 3 + drop / 3))
    # Boats from the east land mostly on the east island (the nearer one).
    on_b = coast.geometry.x > 114.2
    assert coast.loc[on_b, "landing"].sum() > 0.5 * coast["landing"].sum()
    # Incidents: 50 per kind, inside the period, near the coast.
    assert len(world.incidents) == 100
    assert tuple(world.incidents.columns) == synthetic.INCIDENT_COLUMNS
    kinds = world.incidents["kind"].map(synthetic.RISK_KIND_OF)
    assert (kinds == "landing").sum() == 50 and (kinds == "tppo").sum() == 50
    tppo_months = world.incidents.loc[kinds == "tppo", "occurred_start"].dt.month
    assert tppo_months.isin((6, 7, 8, 9)).all()  # the tppo flow sails only in the east monsoon


def test_the_same_seed_gives_the_same_world(small):
    isl, hb, places, flows = small
    a = synthetic.routes_world(isl, hb, isl, places, flows, seed=5, n_incidents=20)
    b = synthetic.routes_world(isl, hb, isl, places, flows, seed=5, n_incidents=20)
    c = synthetic.routes_world(isl, hb, isl, places, flows, seed=6, n_incidents=20)
    pd.testing.assert_frame_equal(pd.DataFrame(a.incidents), pd.DataFrame(b.incidents))
    assert not np.allclose(a.coast["landing"], c.coast["landing"])


def test_bad_input_is_refused(small):
    isl, hb, places, flows = small
    with pytest.raises(ValueError, match=r"flows: row 1 \(origin\): unknown place 'atlantis'"):
        synthetic.routes_world(isl, hb, isl, places, flows.assign(origin="atlantis"), seed=1)
    with pytest.raises(ValueError, match="seed"):
        synthetic.routes_world(isl, hb, isl, places, flows, seed=-1)
    with pytest.raises(ValueError, match="params.habits"):
        synthetic.RoutesWorldParams(habits=0)


def test_the_world_is_not_built_from_the_models_routes():
    # Circularity guard: the world's trips use neither the model's sea graph nor its corridor code.
    modules = [importlib.import_module(f"geo.synthetic.{m.name}") for m in pkgutil.iter_modules(synthetic.__path__)]
    tree = ast.parse("\n".join(inspect.getsource(m) for m in [synthetic, *modules]))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    assert not {m for m in imported if m and m.startswith(("geo.corridors", "geo.seagraph", "geo.routedata"))}


# -------------------------------------------------------------------------------------------------- acceptance
# Sumenep's coast, the committed flows and places; 100 incidents per risk kind over 2021-2025, the model fitted on
# those before 2025 (geo.evaluation.fit_kind), scored at the split, and judged against the world's expected
# events per segment (all of 2021-2025 alike: the truth does not change with time).
N_INCIDENTS = 100
SEEDS = tuple(range(5))


@pytest.fixture(scope="module")
def acceptance(sumenep_corridors, sumenep_segments):
    from geo import routedata

    isl = gpd.read_file(DATA / "sumenep_islands.geojson")
    hb = pd.read_csv(DATA / "harbours.csv")
    hb = gpd.GeoDataFrame(hb, geometry=gpd.points_from_xy(hb.lon, hb.lat), crs="EPSG:4326")
    borders = gpd.read_file(DATA / "land_boundaries.geojson")
    land = gpd.read_file(DATA / "routes" / "land.fgb")
    places, flows = routedata.load_places(), routedata.load_flows()
    seg = sumenep_segments
    lengths = seg["length_m"].to_numpy()
    none = gpd.GeoDataFrame(
        {"direction": [], "suspicion_flags": [], "observed_start": []}, geometry=[], crs="EPSG:4326"
    )
    lanes = lanes_frame(harbours=hb)
    rows = []
    for seed in SEEDS:
        world = synthetic.routes_world(
            isl, hb, land, places, flows, seed=seed, n_incidents=N_INCIDENTS, land_boundaries=borders
        )
        for kind in ("landing", "tppo"):
            truth = world.expected(seg, kind=kind)
            row = {"seed": seed, "kind": kind, "best": pai(truth / lengths, truth, lengths, 0.10)}
            for label, corridors in (("with", sumenep_corridors.exposure), ("without", None)):
                inputs = FactorInputs(isl, hb, world.incidents, none, lanes, corridors=corridors)
                config = fit_kind(seg, inputs, kind=kind, until=SPLIT).config
                factors = compute_factors(seg, inputs, kind=kind, cutoff=SPLIT)
                row[label] = pai(model_for(config).log_intensity(factors), truth, lengths, 0.10)
                if corridors is not None:
                    row["weight"] = config.weights["corridor_exposure"]
            rows.append(row)
    frame = pd.DataFrame(rows)
    print(frame.round(3).to_string())
    return frame


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["landing", "tppo"])
def test_corridor_exposure_raises_the_pai_on_every_seed(acceptance, kind):
    rows = acceptance[acceptance.kind == kind]
    assert len(rows) == len(SEEDS)
    assert (rows["with"] > rows["without"]).all(), rows  # PAI at 10 % of coastline against the known truth
    assert (rows["weight"] > 0).all(), rows  # more corridor traffic, more landings: the fit finds the sign
    assert (rows["with"] <= rows["best"] + 1e-9).all()  # nothing beats the truth's own ranking
