"""Time and peak memory of segmenting + scoring: (a) Sumenep, (b) a synthetic 200,000-segment coastline.

Each is also done the obvious way, IN FULL, for the speed-up: geopandas ``sjoin_nearest`` per distance factor
(harbours, shipping lanes, ferry links, uninhabited islands) and ``sjoin(predicate="dwithin")`` of segment
midpoints with incidents and landings for the kernel densities (then distances and Gaussian weights summed per
segment), for both risk kinds. A per-segment Python loop is slower still: it is timed on a sample and
extrapolated, for reference only. Prints figures; asserts nothing.
Run: ``.venv/bin/python benchmarks/bench_scoring.py``.
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
from geo.factors import FactorInputs, compute_factors, lanes_frame, midpoints, shared_factors
from geo.risk import load_config, model_for
from geo.segmentation import segment_coast

DATA = Path(__file__).resolve().parents[1] / "data"
CUTOFF = datetime(2026, 1, 1, tzinfo=UTC)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(label: str, islands: gpd.GeoDataFrame, inputs: FactorInputs, boundaries: gpd.GeoDataFrame | None) -> None:
    """Segment + score both kinds and print it; then the same work with the factors done the obvious way."""
    t0 = time.perf_counter()
    seg = segment_coast(islands, land_boundaries=boundaries)
    t1 = time.perf_counter()
    shared = shared_factors(seg, inputs)
    factors = {k: compute_factors(seg, inputs, kind=k, cutoff=CUTOFF, shared=shared) for k in ("landing", "tppo")}
    t2 = time.perf_counter()
    for kind, f in factors.items():
        model_for(load_config(kind)).score(f, lengths=seg.length_m.to_numpy(), data_cutoff=CUTOFF)
    t3 = time.perf_counter()
    ours = t3 - t0
    print(
        f"{label}: {len(seg)} segments segmented+scored in {ours:.2f} s (segmentation {t1 - t0:.2f} s, factors "
        f"{t2 - t1:.2f} s, scoring {t3 - t2:.2f} s); peak RSS {peak_mb():.0f} MB",
        flush=True,
    )
    base = obvious_full(seg, inputs)
    obvious = (t1 - t0) + base + (t3 - t2)  # same segmentation and scoring, factors the obvious way
    print(
        f"    obvious way (sjoin_nearest per distance factor + sjoin dwithin for densities, in full): factors "
        f"{base:.2f} s vs {t2 - t1:.2f} s ({base / (t2 - t1):.1f}x); whole run {obvious:.2f} s, "
        f"speed-up {obvious / ours:.1f}x",
        flush=True,
    )
    sample = len(seg) if len(seg) <= 5000 else 200  # Sumenep in full; 200,000 segments would take hours
    per = obvious_loop_per_segment(seg, inputs, sample)
    loop = (t1 - t0) + per * len(seg) + (t3 - t2)
    how = "in full" if sample == len(seg) else f"{sample} segments timed, extrapolated"
    print(
        f"    obvious way with a per-segment loop for the densities ({how}): whole run {loop:.1f} s, "
        f"speed-up {loop / ours:.0f}x",
        flush=True,
    )


def _midpoints(seg: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=shapely.points(midpoints(seg)), crs="EPSG:23837")


def _density_by_sjoin(mids: gpd.GeoDataFrame, points: gpd.GeoDataFrame, bandwidth_m: float) -> np.ndarray:
    points = points[["geometry"]].reset_index(drop=True)
    pairs = gpd.sjoin(mids, points, predicate="dwithin", distance=3 * bandwidth_m)
    d = shapely.distance(mids.geometry.array[pairs.index.to_numpy()], points.geometry.array[pairs["index_right"]])
    k = np.exp(-0.5 * (np.asarray(d) / bandwidth_m) ** 2)
    return np.bincount(pairs.index.to_numpy(), weights=k, minlength=len(mids))


def obvious_full(seg: gpd.GeoDataFrame, inputs: FactorInputs) -> float:
    """Seconds for every segment's distance and density factors, both kinds, the obvious geopandas way."""
    t = time.perf_counter()
    mids = _midpoints(seg)
    hb = inputs.harbours[inputs.harbours.monitored.astype(bool)].to_crs("EPSG:23837")
    gpd.sjoin_nearest(mids, hb[["geometry"]], distance_col="d")
    lanes = inputs.lanes.to_crs("EPSG:23837")
    for kind in ("shipping", "ferry"):
        gpd.sjoin_nearest(mids, lanes[lanes.kind == kind][["geometry"]], distance_col="d")
    empty = inputs.islands[~inputs.islands.inhabited.astype(bool)].to_crs("EPSG:23837")
    if len(empty):
        gpd.sjoin_nearest(mids, empty[["geometry"]], distance_col="d")
    inc = inputs.incidents.to_crs("EPSG:23837")
    ld = inputs.landings.to_crs("EPSG:23837")
    for direction in ("arrival", "departure"):  # the two kinds: incidents of each kind, landings by direction
        half = inc.iloc[: len(inc) // 2] if direction == "arrival" else inc.iloc[len(inc) // 2 :]
        _density_by_sjoin(mids, half, 3000.0)
        _density_by_sjoin(mids, ld[ld.direction == direction], 5000.0)
    return time.perf_counter() - t


def obvious_loop_per_segment(seg: gpd.GeoDataFrame, inputs: FactorInputs, sample: int) -> float:
    """Seconds per segment with a Python loop over segments for the densities (sampled; reference only)."""
    pts = _midpoints(seg.iloc[:sample])
    inc = inputs.incidents.to_crs("EPSG:23837")
    ld = inputs.landings.to_crs("EPSG:23837")
    t = time.perf_counter()
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
    run("(a) Sumenep", isl, inputs, gpd.read_file(DATA / "land_boundaries.geojson"))

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
    print("(b) synthetic coast with 50,000 incidents and 200,000 landings: running (a minute or two) ...", flush=True)
    run("(b) synthetic coast", world, big, None)


if __name__ == "__main__":
    main()
