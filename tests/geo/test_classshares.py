"""The class-shares table the notebook prints: every segment in one group, every named island its own row."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np

from geo import classshares
from geo.risk import risk_classes

DATA = Path(__file__).resolve().parents[2] / "data"


def test_groups_on_the_real_coast(sumenep_segments):
    islands = gpd.read_file(DATA / "sumenep_islands.geojson")
    borders = gpd.read_file(DATA / "land_boundaries.geojson")
    groups = classshares.island_groups(sumenep_segments, islands, borders)
    named = set(islands.loc[~islands["code"].str.startswith("OSM-"), "name"])
    assert named <= set(groups) | {"Madura (Sumenep)"}
    assert {"land border", "unnamed islets < 0.05 km²"} <= set(groups)
    border = sumenep_segments[(groups == "land border").to_numpy()]
    assert (border["island_code"] == classshares.MADURA).all() and 5 < border["length_m"].sum() / 1000 < 60
    lengths = sumenep_segments["length_m"].to_numpy()
    rng = np.random.default_rng(0)
    shares = classshares.class_shares(groups, risk_classes(rng.random(len(lengths)), lengths), lengths)
    assert np.allclose(shares[["critical", "high", "medium", "low"]].sum().to_numpy(), 1.0)
    assert abs(shares["km"].sum() - lengths.sum() / 1000) < 1  # every segment in one group (km rounded per group)
