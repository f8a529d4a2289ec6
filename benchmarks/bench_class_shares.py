"""Where the risk classes fall on the real coast: shares of critical and high coastline by kind of island.

Scores the committed islands layer with the shipped weights (``data/models``) and the inputs the service has
without a database: the harbours, the ports outside the regency (the places gazetteer), the searoute shipping
lanes and the schematic ferry links; optionally the synthetic demo incidents and landings (``--demo``, what
``pesisir demo-data`` loads). Corridors are left out (they need a routes build), so ``corridor_exposure`` is 0.
Prints, for both risk kinds, the share of each class's coastline on each named island, the unnamed islands by
size and Madura's coast at the land border (``geo.classshares``), and the share of critical + high on islets under
0.05 km².

Run: ``.venv/bin/python benchmarks/bench_class_shares.py [--islands FILE] [--demo]``.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import risk
from geo.classshares import class_shares, island_groups
from geo.factors import FactorInputs, compute_factors, lanes_frame, shared_factors
from geo.io import read_layer
from geo.routedata import load_places
from geo.segmentation import segment_coast

DATA = Path(__file__).resolve().parents[1] / "data"
CUTOFF = datetime(2026, 1, 1, tzinfo=UTC)
ISLET_KM2 = 0.05


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--islands", type=Path, default=DATA / "sumenep_islands.geojson")
    parser.add_argument("--demo", action="store_true", help="add the synthetic demo incidents (seed 7)")
    args = parser.parse_args(argv)

    islands = read_layer(args.islands)
    hb = pd.read_csv(DATA / "harbours.csv")
    harbours = gpd.GeoDataFrame(hb, geometry=gpd.points_from_xy(hb.lon, hb.lat), crs="EPSG:4326")
    places = load_places(DATA / "routes" / "places.csv")
    boundaries = read_layer(DATA / "land_boundaries.geojson")
    segments = segment_coast(islands, land_boundaries=boundaries)
    none = gpd.GeoDataFrame(
        {"kind": [], "occurred_start": [], "direction": [], "suspicion_flags": [], "observed_start": []},
        geometry=[],
        crs="EPSG:4326",
    )
    incidents, landings = none, none
    if args.demo:
        from geo import synthetic

        data = synthetic.generate(
            islands, harbours, seed=7, n_incidents=400, n_landings=2500, land_boundaries=boundaries
        )
        incidents, landings = data.incidents, data.landings
    inputs = FactorInputs(
        islands=islands,
        harbours=harbours,
        incidents=incidents,
        landings=landings,
        lanes=lanes_frame(harbours=harbours, shipping=read_layer(DATA / "shipping_lanes.geojson")),
        outside_ports=places[places["kind"] == "port"],
    )
    area = dict(zip(islands["code"], islands["area_km2"], strict=True))
    group = island_groups(segments, islands, boundaries)
    islet = segments["island_code"].map(lambda c: area[c] < ISLET_KM2).to_numpy()
    lengths = segments["length_m"].to_numpy(dtype=np.float64)
    shared = shared_factors(segments, inputs)
    print(f"{args.islands.name}: {len(islands)} islands, {len(segments)} segments, {lengths.sum() / 1000:.0f} km")
    print(
        f"islets under {ISLET_KM2} km²: {islet.sum()} segments, {lengths[islet].sum() / 1000:.1f} km "
        f"({lengths[islet].sum() / lengths.sum():.1%} of the coastline)"
    )
    for kind in ("landing", "tppo"):
        factors = compute_factors(segments, inputs, kind=kind, cutoff=CUTOFF, shared=shared)
        model = risk.model_for(risk.load_config(kind))
        scored = model.score(factors, lengths=lengths, data_cutoff=CUTOFF)
        cls = scored["risk_class"].to_numpy()
        top = np.isin(cls, ("critical", "high"))
        shares = class_shares(group, cls, lengths)
        print(f"\n{kind}: share of each class's coastline by island, unnamed islets by size, and the land border")
        print(shares.to_string(formatters={c: "{:6.1%}".format for c in shares.columns if c != "km"}))
        print(
            f"{kind}: islets under {ISLET_KM2} km² hold {lengths[top & islet].sum() / lengths[top].sum():.1%} of "
            f"critical + high, {lengths[(cls == 'critical') & islet].sum() / lengths[cls == 'critical'].sum():.1%} "
            "of critical"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
