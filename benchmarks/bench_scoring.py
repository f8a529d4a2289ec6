"""Time and peak memory of segmenting + scoring: (a) Sumenep, (b) a synthetic 200,000-segment coastline.

Each is also done the obvious way (geopandas ``sjoin_nearest`` per distance factor and a per-segment loop for
the kernel densities) on a sample, extrapolated per segment, to give the speed-up. Prints figures; asserts
nothing. Run: ``.venv/bin/python benchmarks/bench_scoring.py``.
"""

from __future__ import annotations

import resource
import time
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import synthetic
from geo.factors import FactorInputs, compute_factors, lanes_frame, midpoints
from geo.risk import load_config, model_for
from geo.segmentation import segment_coast

DATA = Path(__file__).resolve().parents[1] / "data"
CUTOFF = datetime(2026, 1, 1, tzinfo=UTC)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fast(islands: gpd.GeoDataFrame, inputs: FactorInputs) -> tuple[float, int]:
    t = time.perf_counter()
    seg = segment_coast(islands, land_boundaries=gpd.read_file(DATA / "land_boundaries.geojson"))
    for kind in ("landing", "tppo"):
        f = compute_factors(seg, inputs, kind=kind, cutoff=CUTOFF)
        model_for(load_config(kind)).score(f, lengths=seg.length_m.to_numpy(), data_cutoff=CUTOFF)
    return time.perf_counter() - t, len(seg)


def obvious_per_segment(seg: gpd.GeoDataFrame, inputs: FactorInputs, sample: int) -> float:
    """Seconds per segment the obvious way: sjoin_nearest per distance factor, a loop for the densities."""
    sub = seg.iloc[:sample].copy()
    sub["geometry"] = gpd.GeoSeries(shapely.points(midpoints(sub)), crs="EPSG:23837").to_crs(4326).values
    pts = sub.to_crs("EPSG:23837")
    t = time.perf_counter()
    hb = inputs.harbours[inputs.harbours.monitored].to_crs("EPSG:23837")
    gpd.sjoin_nearest(pts, hb[["geometry"]], distance_col="d")
    lanes = inputs.lanes.to_crs("EPSG:23837")
    for kind in ("shipping", "ferry"):
        gpd.sjoin_nearest(pts, lanes[lanes.kind == kind][["geometry"]], distance_col="d")
    empty = inputs.islands[~inputs.islands.inhabited].to_crs("EPSG:23837")
    gpd.sjoin_nearest(pts, empty[["geometry"]], distance_col="d")
    inc = inputs.incidents.to_crs("EPSG:23837")
    ld = inputs.landings.to_crs("EPSG:23837")
    for p in pts.geometry:
        for frame in (inc, ld, inc, ld):  # two kinds x (incidents, landings)
            d = frame.distance(p).to_numpy()
            np.exp(-0.5 * (d[d < 9000] / 3000) ** 2).sum()
    return (time.perf_counter() - t) / sample


def synthetic_world(n_islands: int, seed: int = 1) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n_islands)))
    i = np.arange(n_islands)
    x, y = 300_000 + (i % side) * 20_000.0, 9_000_000 + (i // side) * 20_000.0
    geoms = shapely.buffer(shapely.points(x + rng.uniform(-2e3, 2e3, n_islands), y), 7_950.0, quad_segs=32)
    return gpd.GeoDataFrame(
        {"code": [f"S{k:05d}" for k in i], "inhabited": rng.random(n_islands) < 0.4},
        geometry=geoms,
        crs="EPSG:23837",
    )


def main() -> None:
    isl = gpd.read_file(DATA / "sumenep_islands.geojson")
    hb = pd.read_csv(DATA / "harbours.csv")
    hb = gpd.GeoDataFrame(hb, geometry=gpd.points_from_xy(hb.lon, hb.lat), crs="EPSG:4326")
    demo = synthetic.generate(isl, hb, seed=7, n_incidents=400, n_landings=2500)
    inputs = FactorInputs(isl, hb, demo.incidents, demo.landings, lanes_frame(harbours=hb))
    secs, n = fast(isl, inputs)
    seg = segment_coast(isl)
    per = obvious_per_segment(seg, inputs, 200)
    print(f"(a) Sumenep: {n} segments segmented+scored in {secs:.2f} s; peak RSS {peak_mb():.0f} MB")
    print(f"    obvious way: {per * n:.1f} s (from 200 segments); speed-up {per * n / secs:.1f}x")

    world = synthetic_world(2000)
    rng = np.random.default_rng(2)
    seg_w = segment_coast(world)
    mids = midpoints(seg_w)
    pick = rng.integers(0, len(mids), 250_000)
    pts = gpd.GeoSeries(shapely.points(mids[pick] + rng.normal(0, 300, (len(pick), 2))), crs="EPSG:23837")
    kinds = rng.choice(list(synthetic.INCIDENT_KIND_SHARES), 50_000)
    when = pd.Timestamp("2022-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 1400, 250_000), unit="D")
    incidents = gpd.GeoDataFrame(
        {"kind": kinds, "occurred_start": when[:50_000], "precision_m": 100.0, "review_state": "verified"},
        geometry=pts.iloc[:50_000].to_numpy(),
        crs="EPSG:23837",
    )
    flags = [["off_harbour"] if r < 0.1 else [] for r in rng.random(200_000)]
    landings = gpd.GeoDataFrame(
        {
            "direction": rng.choice(["arrival", "departure"], 200_000),
            "suspicion_flags": flags,
            "observed_start": when[50_000:],
            "precision_m": 50.0,
            "review_state": "verified",
        },
        geometry=pts.iloc[50_000:].to_numpy(),
        crs="EPSG:23837",
    )
    harbours = gpd.GeoDataFrame(
        {"slug": ["h1", "h2"], "monitored": [True, True]},
        geometry=shapely.points(mids[[0, len(mids) // 2]]),
        crs="EPSG:23837",
    )
    lanes = gpd.GeoDataFrame(
        {"kind": ["shipping", "ferry"]},
        geometry=[shapely.LineString(mids[[0, -1]]), shapely.LineString(mids[[10, len(mids) // 3]])],
        crs="EPSG:23837",
    )
    big = FactorInputs(world, harbours, incidents, landings, lanes)
    t = time.perf_counter()
    seg_w = segment_coast(world)
    for kind in ("landing", "tppo"):
        f = compute_factors(seg_w, big, kind=kind, cutoff=CUTOFF)
        model_for(load_config(kind)).score(f, lengths=seg_w.length_m.to_numpy(), data_cutoff=CUTOFF)
    secs = time.perf_counter() - t
    print(
        f"(b) synthetic coast: {len(seg_w)} segments, 50,000 incidents, 200,000 landings: {secs:.1f} s; "
        f"peak RSS {peak_mb():.0f} MB"
    )
    per = obvious_per_segment(seg_w, big, 50)
    print(f"    obvious way: {per * len(seg_w):.0f} s (from 50 segments); speed-up {per * len(seg_w) / secs:.0f}x")


if __name__ == "__main__":
    main()
