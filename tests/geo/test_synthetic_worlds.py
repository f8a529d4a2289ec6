"""The generator's worlds (geo.synthetic.generate_world): each returns recorded incidents and the known truth."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo import synthetic
from geo.synthetic import WORLDS, WorldParams, generate_world


@pytest.fixture(scope="module")
def small():
    isl = gpd.GeoDataFrame(
        {"code": ["A", "B"], "inhabited": [True, False]},
        geometry=[shapely.box(114.0, -7.1, 114.3, -7.0), shapely.box(114.4, -7.1, 114.45, -7.05)],
        crs="EPSG:4326",
    )
    hb = gpd.GeoDataFrame(
        {"slug": ["a"], "kind": ["official_port"], "monitored": [True]},
        geometry=[shapely.Point(114.0, -7.05)],
        crs="EPSG:4326",
    )
    return isl, hb


def test_every_world_but_routes_returns_its_incidents_and_truth(small):
    isl, hb = small
    for name in WORLDS:
        if name == "routes":
            continue
        w = generate_world(name, isl, hb, seed=2, n_incidents=300)
        assert w.name == name and len(w.incidents) == 300
        assert tuple(w.incidents.columns) == synthetic.INCIDENT_COLUMNS
        assert w.incidents.crs.to_epsg() == 4326 and w.incidents["synthetic"].all()
        assert {"length_m", "landing", "tppo", "detection"} <= set(w.coast.columns)
        assert (w.coast[["landing", "tppo"]] >= 0).all().all()
        assert w.coast["detection"].between(0, 1).all()


def test_the_null_world_is_uniform_per_km(small):
    isl, hb = small
    w = generate_world("null", isl, hb, seed=1, n_incidents=500)
    per_km = w.coast["landing"] / w.coast["length_m"]
    assert per_km.std() / per_km.mean() < 1e-9
    # 500 incidents over five years: the truth's total is the yearly rate.
    assert float(w.coast["landing"].sum() + w.coast["tppo"].sum()) == pytest.approx(100.0, rel=1e-3)


def test_hotspots_concentrate_the_truth(small):
    isl, hb = small
    w = generate_world("hotspots", isl, hb, seed=1, n_incidents=200)
    per_km = np.sort((w.coast["landing"] / w.coast["length_m"]).to_numpy())[::-1]
    top = per_km[: len(per_km) // 10].sum() / per_km.sum()
    assert top > 0.3  # the top tenth of the coast holds far more than a tenth of the truth


def test_the_biased_world_records_less_far_from_the_watchers(small):
    isl, hb = small
    p = WorldParams(detection_floor=0.1, detection_km=5.0)
    w = generate_world("biased", isl, hb, seed=4, n_incidents=400, params=p)
    near_port = w.coast.geometry.x < 114.05
    assert w.coast.loc[near_port, "detection"].min() > w.coast.loc[~near_port, "detection"].min()
    assert w.coast["detection"].min() == pytest.approx(0.1, abs=0.02)
    # The truth counts the events, recorded or not: more than the records.
    assert w.coast["landing"].sum() + w.coast["tppo"].sum() > 400 / 5
    seg = gpd.GeoDataFrame(geometry=[isl.geometry.iloc[0].exterior, isl.geometry.iloc[1].exterior], crs=4326)
    assert w.expected(seg, kind="landing", recorded=True).sum() < w.expected(seg, kind="landing").sum()


def test_the_same_seed_gives_the_same_world(small):
    isl, hb = small
    a = generate_world("hotspots", isl, hb, seed=5, n_incidents=50)
    b = generate_world("hotspots", isl, hb, seed=5, n_incidents=50)
    pd.testing.assert_frame_equal(pd.DataFrame(a.incidents), pd.DataFrame(b.incidents))
    assert np.allclose(a.coast["landing"], b.coast["landing"])


def test_bad_arguments_are_refused(small):
    isl, hb = small
    with pytest.raises(ValueError, match="world: must be one of"):
        generate_world("flat", isl, hb, seed=1)
    with pytest.raises(ValueError, match="n_incidents"):
        generate_world("null", isl, hb, seed=1, n_incidents=0)
    with pytest.raises(ValueError, match="land, places, flows"):
        generate_world("routes", isl, hb, seed=1)
    with pytest.raises(ValueError, match="detection_floor"):
        WorldParams(detection_floor=0.0)
