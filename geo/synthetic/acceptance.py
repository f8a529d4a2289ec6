"""The acceptance of the risk model on the generator's five worlds: rolling-origin PAI of the model and the tuned
baselines against the known truth, per world, seed and risk kind. The test (``tests/geo/test_evaluation_worlds.py``)
asserts the bars on it and the notebook prints it; both call :func:`world_figures`.

The bars (:data:`BARS`): in the ``layered`` and ``routes`` worlds the model's mean PAI at 10 % of coastline
against the truth is at least 1.1x the best tuned baseline's; in ``null`` (no factor matters) and ``hotspots``
(strong structure no layer explains) at least 0.95x; in ``biased`` (recording falls with distance from monitored
harbours and patrol bases) the fit with the detection offset keeps a positive remoteness weight on every seed
and origin (row ``biased+offset``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Final

import geopandas as gpd
import pandas as pd

from geo.evaluation import TUNED_BASELINES, log_detection, rolling_evaluation, served_score
from geo.factors import FactorInputs, lanes_frame
from geo.synthetic.worlds import generate_world

ORIGINS: Final = tuple(datetime(y, 1, 1, tzinfo=UTC) for y in (2023, 2024, 2025))
N_INCIDENTS: Final = 800
KINDS: Final = ("landing", "tppo")
WORLD_NAMES: Final = ("layered", "null", "hotspots", "biased", "routes")
BARS: Final = {"layered": 1.1, "routes": 1.1, "null": 0.95, "hotspots": 0.95}
"""The least ratio of the model's mean PAI at 10 % against the truth to the best tuned baseline's, per world."""


def _row(world: str, seed: int, kind: str, report: dict[str, Any]) -> dict[str, Any]:
    truth = {name: v["pai"]["10%"] for name, v in report["truth"].items()}
    best = max(TUNED_BASELINES, key=lambda b: truth[b])
    ratio = report["model_vs_best_baseline_pai_10"]
    return {
        "world": world,
        "seed": seed,
        "kind": kind,
        "model_truth": truth["model"],
        "best_truth": truth[best],
        "best": best,
        "ensemble_truth": truth["ensemble"],
        "model_obs": report["observed"]["model"]["pai"]["10%"]["value"],
        "obs_ratio": ratio["value"],
        "obs_ratio_low": ratio["low"],
        "obs_ratio_high": ratio["high"],
        "remoteness_min": min(o["remoteness_weight"] for o in report["origins"]),
        "served": served_score(report)["score"],
    }


def world_figures(
    segments: gpd.GeoDataFrame,
    islands: gpd.GeoDataFrame,
    harbours: gpd.GeoDataFrame,
    land_boundaries: gpd.GeoDataFrame,
    *,
    seeds: Sequence[int],
    corridor_exposure: pd.DataFrame | None,
    routes_inputs: dict[str, Any],
    worlds: Sequence[str] = WORLD_NAMES,
    n_incidents: int = N_INCIDENTS,
    origins: Sequence[datetime] = ORIGINS,
    progress: Callable[[str], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, list[dict[str, Any]]]:
    """Run the rolling evaluation on every world x seed x kind; returns the rows (one per world, seed, kind), the
    table (per world and kind: the means over seeds, ``truth_ratio`` = model / best tuned baseline against the
    truth, the least observed ratio, the least remoteness weight, how many seeds the served score would blend) and
    the reports.

    ``corridor_exposure``: the committed flows' corridor exposure of ``segments`` (``geo.corridors``), for the
    ``routes`` world, whose landings come from boat trips; ``routes_inputs``: its ``land``, ``places`` and
    ``flows``.
    """
    lanes = lanes_frame(harbours=harbours)
    none = gpd.GeoDataFrame({"direction": [], "suspicion_flags": [], "observed_start": []}, geometry=[], crs=4326)
    detect = log_detection(segments, harbours)
    rows, reports = [], []
    for world in worlds:
        for seed in seeds:
            if progress is not None:
                progress(f"{world} world, seed {seed}")
            extra = routes_inputs if world == "routes" else {}
            w = generate_world(
                world, islands, harbours, seed=seed, n_incidents=n_incidents, land_boundaries=land_boundaries, **extra
            )
            inputs = FactorInputs(
                islands, harbours, w.incidents, none, lanes, corridors=corridor_exposure if world == "routes" else None
            )
            for kind in KINDS:
                truth = w.expected(segments, kind=kind)
                runs = ((world, None), ("biased+offset", detect)) if world == "biased" else ((world, None),)
                for label, offset in runs:
                    report = rolling_evaluation(
                        segments, inputs, kind=kind, origins=origins, truth=truth, log_detection=offset, seed=seed
                    )
                    reports.append(report)
                    rows.append(_row(label, seed, kind, report))
    frame = pd.DataFrame(rows)
    table = frame.groupby(["world", "kind"]).agg(
        seeds=("seed", "size"),
        model_truth=("model_truth", "mean"),
        best_truth=("best_truth", "mean"),
        ensemble_truth=("ensemble_truth", "mean"),
        min_seed_ratio=("obs_ratio", "min"),
        obs_ratio=("obs_ratio", "mean"),
        remoteness_min=("remoteness_min", "min"),
        served_blend=("served", lambda s: int((s == "ensemble").sum())),
    )
    table.insert(3, "truth_ratio", table["model_truth"] / table["best_truth"])
    table["bar"] = [BARS.get(world, float("nan")) for world, _ in table.index]
    return frame, table, reports
