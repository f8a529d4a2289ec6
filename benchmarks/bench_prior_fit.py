"""How long the shrinkage fit and the class stability take on Sumenep's size, against the plain GLM.

Times ``geo.risk.fit_toward_prior`` (without and with its 100 bootstrap refits) and ``geo.risk.class_stability``
(200 weight draws) on 1,985 segments x 3 seasons of random factors, interleaved with the plain Poisson GLM
(``geo.risk.fit``, statsmodels) in the same run, and prints medians and ratios (this machine's speed drifts, so the
ratio to the baseline in the same run is the figure to compare).

Run: ``.venv/bin/python benchmarks/bench_prior_fit.py [--rounds 7]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from geo.factors import FACTORS
from geo.risk import ModelConfig, PriorTerm, class_stability, fit, fit_toward_prior

NOW = datetime(2026, 1, 1, tzinfo=UTC)
SEGMENTS = 1985


def _data(seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.uniform(0, 1, (3 * SEGMENTS, len(FACTORS))), columns=list(FACTORS))
    eta = -4.0 + x.to_numpy() @ rng.normal(0.5, 0.5, len(FACTORS))
    lengths = np.full(len(x), 500.0)
    return x, rng.poisson(np.exp(eta) * 0.5 * 5).astype(float), lengths


def _timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (default 7)")
    args = parser.parse_args(argv)
    x, counts, lengths = _data()
    terms = {f: PriorTerm(0.5, 0.5, "benchmark", "benchmark") for f in FACTORS}
    prior = ModelConfig("landing", -4.0, {f: 0.5 for f in FACTORS}, prior=terms)
    kw = {"lengths_m": lengths, "years": 5.0, "data_cutoff": NOW}
    print(f"{len(x)} rows ({SEGMENTS} segments x 3 seasons), {counts.sum():.0f} events; {args.rounds} rounds ...")
    cases: dict[str, Callable[[], object]] = {
        "plain GLM (statsmodels)": lambda: fit(x, counts, kind="landing", **kw),
        "fit_toward_prior, no bootstrap": lambda: fit_toward_prior(
            x, counts, prior=prior, synthetic=True, n_boot=0, **kw
        ),
        "fit_toward_prior, 100 bootstrap refits": lambda: fit_toward_prior(
            x, counts, prior=prior, synthetic=True, **kw
        ),
        "class_stability, 200 draws": lambda: class_stability(
            x.iloc[:SEGMENTS], lengths=lengths[:SEGMENTS], config=prior, n_draws=200
        ),
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    for r in range(args.rounds):
        order = list(cases)[r % len(cases) :] + list(cases)[: r % len(cases)]  # rotate who goes first
        for name in order:
            times[name].append(_timed(cases[name]))
        print(f"  round {r + 1}/{args.rounds} done", flush=True)
    base = statistics.median(times["plain GLM (statsmodels)"])
    for name, t in times.items():
        med = statistics.median(t)
        print(f"{name:42s} median {med * 1000:8.1f} ms  ({med / base:5.2f}x the plain GLM)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
