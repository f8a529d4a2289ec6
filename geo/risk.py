"""The ``landing`` and ``tppo`` risk models: transparent log-linear combinations of the factors.

A model's relative intensity (events per km of coast, up to a constant) on a segment is

.. math::

    \\log \\lambda = \\beta_0 + \\sum_j w_j x_j, \\qquad x_j \\in [0, 1] \\text{ (see geo.factors)}

and its **score** maps the linear part onto [0, 1] with the bounds the weights allow:
``score = (sum_j w_j x_j - lo) / (hi - lo)`` where ``lo = sum_j min(w_j, 0)`` and ``hi = sum_j max(w_j, 0)``.
The score is therefore the sum of the per-factor **contributions** ``(w_j x_j - min(w_j, 0)) / (hi - lo)``:
each says how many score points a factor adds, and they add up exactly to the score. The score orders
segments like the intensity does.

**Classes** by share of coastline length, after EUROSUR's impact levels: segments sorted by score, the top 5 %
of coastline length is ``critical``, the next 10 % ``high``, the next 25 % ``medium``, the rest ``low``
(:data:`CLASS_SHARES`; a segment belongs to the class in which its top end falls).

**Weights** live in versioned JSON files ``data/models/<kind>.json`` (:func:`load_config`); the **model
version** is ``<kind>-<12 hex>``, a SHA-256 of the canonical weights config and :data:`CODE_VERSION`, so it
changes whenever either does. :func:`fit` estimates weights by a Poisson GLM (statsmodels) of incident counts
per segment with ``log(length in km x years)`` as offset.
"""

from __future__ import annotations

import hashlib
import json
import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Final

import numpy as np
import pandas as pd

from geo.factors import FACTORS
from geo.vocabulary import RISK_CLASSES, RISK_KINDS


def _code_version() -> str:
    digest = hashlib.sha256()
    for module in ("factors.py", "risk.py", "segmentation.py", "vocabulary.py"):
        digest.update((Path(__file__).with_name(module)).read_bytes())
    return digest.hexdigest()[:12]


CODE_VERSION: Final = _code_version()
"""SHA-256 of the source of the factors, the models, the segmentation and the vocabularies: it enters every model
version, so a version changes whenever the code that computes a score does (no bump to forget)."""

CLASS_SHARES: Final = (("critical", 0.05), ("high", 0.15), ("medium", 0.40), ("low", 1.0))
"""Cumulative coastline-length shares at which each class ends (top 5 %, next 10 %, next 25 %, rest)."""

MODELS_DIR: Final = Path(__file__).resolve().parent.parent / "data" / "models"


@dataclass(frozen=True)
class ModelConfig:
    """A model's weights file: ``kind``, ``intercept``, ``weights`` {factor: w}, optional fit report."""

    kind: str
    intercept: float
    weights: Mapping[str, float]
    season: str = "annual"
    fitted: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in RISK_KINDS:
            raise ValueError(f"config.kind: must be one of {', '.join(RISK_KINDS)}, got {self.kind!r}")
        unknown = sorted(set(self.weights) - set(FACTORS))
        if unknown:
            raise ValueError(f"config.weights: unknown factor(s) {', '.join(unknown)}; known: {', '.join(FACTORS)}")
        for name, w in self.weights.items():
            if isinstance(w, bool) or not isinstance(w, int | float) or not math.isfinite(w):
                raise ValueError(f"config.weights.{name}: must be a finite number, got {w!r}")
        if isinstance(self.intercept, bool) or not isinstance(self.intercept, int | float):
            raise ValueError(f"config.intercept: must be a number, got {self.intercept!r}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "intercept": float(self.intercept),
            "season": self.season,
            "weights": {f: float(self.weights.get(f, 0.0)) for f in FACTORS},
            "fitted": dict(self.fitted),
        }

    @property
    def version(self) -> str:
        """``<kind>-<sha256(weights config + CODE_VERSION)[:12]>``."""
        body = self.to_dict()
        payload = json.dumps({**body, "fitted": None, "code": CODE_VERSION}, sort_keys=True)
        return f"{self.kind}-{hashlib.sha256(payload.encode()).hexdigest()[:12]}"


def parse_config(text: str, *, source: str = "config") -> ModelConfig:
    """Parse a weights config (JSON text); a ValueError names ``source`` and the rule broken.

    Examples
    --------
    >>> parse_config('{"kind": "landing", "intercept": 0, "weights": {"remoteness": 1.5}}').weights["remoteness"]
    1.5
    """
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{source}: weights do not parse as JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("weights"), dict):
        raise ValueError(f"{source}: must be a JSON object with 'kind', 'intercept' and a 'weights' object")
    try:
        return ModelConfig(
            kind=raw.get("kind", ""),
            intercept=raw.get("intercept", 0.0),
            weights=raw["weights"],
            season=raw.get("season", "annual"),
            fitted=raw.get("fitted") or {},
        )
    except ValueError as exc:
        raise ValueError(f"{source}: {exc}") from None


def load_config(kind: str, *, directory: Path = MODELS_DIR) -> ModelConfig:
    """Read ``<directory>/<kind>.json``."""
    if kind not in RISK_KINDS:
        raise ValueError(f"kind: must be one of {', '.join(RISK_KINDS)}, got {kind!r}")
    path = Path(directory) / f"{kind}.json"
    if not path.is_file():
        raise ValueError(f"weights file {path}: does not exist")
    config = parse_config(path.read_text(), source=f"weights file {path}")
    if config.kind != kind:
        raise ValueError(f"weights file {path}: kind is {config.kind!r}, expected {kind!r}")
    return config


def write_config(config: ModelConfig, *, directory: Path = MODELS_DIR) -> Path:
    """Write ``<directory>/<kind>.json`` (sorted, indented, trailing newline) and return its path."""
    path = Path(directory) / f"{config.kind}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config.to_dict(), indent=2, sort_keys=False) + "\n")
    return path


def risk_classes(scores: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Class of each segment by share of coastline length (:data:`CLASS_SHARES`), ties kept together.

    Examples
    --------
    >>> risk_classes(np.array([0.9, 0.5, 0.4, 0.1]), np.array([1.0, 2.0, 5.0, 12.0])).tolist()
    ['critical', 'high', 'medium', 'low']
    """
    scores = np.asarray(scores, dtype=np.float64)
    lengths = np.asarray(lengths, dtype=np.float64)
    order = np.argsort(-scores, kind="stable")
    before = np.concatenate([[0.0], np.cumsum(lengths[order])[:-1]]) / max(float(lengths.sum()), 1e-12)
    share = np.empty(len(scores))
    share[order] = before
    # Equal scores share the class of the first of them.
    first = pd.Series(share).groupby(scores).transform("min").to_numpy()
    out = np.full(len(scores), "low", dtype=object)
    for name, end in reversed(CLASS_SHARES):
        out[first < end] = name
    assert set(out) <= set(RISK_CLASSES)
    return out


class RiskModel(ABC):
    """A risk model: public :meth:`score`; subclasses override :meth:`_contributions`.

    Parameters
    ----------
    config
        The weights (:class:`ModelConfig`) of this model's kind.
    """

    kind: ClassVar[str]

    def __init__(self, config: ModelConfig) -> None:
        if config.kind != self.kind:
            raise ValueError(f"config.kind: {config.kind!r} does not fit a {self.kind} model")
        self.config = config

    @property
    def version(self) -> str:
        return self.config.version

    def score(self, factors: pd.DataFrame, *, lengths: np.ndarray, data_cutoff: datetime) -> pd.DataFrame:
        """Score segments: a new frame (index of ``factors``) with ``score``, ``risk_class``, ``contributions``
        (dict factor -> score points, summing to the score), ``model_version``, ``data_cutoff``."""
        if not isinstance(factors, pd.DataFrame):
            raise ValueError(f"factors: must be a DataFrame, got {type(factors).__name__}")
        missing = [f for f in self.config.weights if f not in factors.columns]
        if missing:
            raise ValueError(f"factors: missing column(s) {', '.join(missing)}")
        contrib = self._contributions(factors)
        score = np.clip(contrib.sum(axis=1).to_numpy(), 0.0, 1.0)
        rounded = contrib.round(4)
        records = rounded.to_dict("records")
        return pd.DataFrame(
            {
                "score": score,
                "risk_class": risk_classes(score, np.asarray(lengths)),
                "contributions": records,
                "model_version": self.version,
                "data_cutoff": pd.Timestamp(data_cutoff),
            },
            index=factors.index,
        )

    @abstractmethod
    def _contributions(self, factors: pd.DataFrame) -> pd.DataFrame:
        """Per-factor score points, one column per factor, summing to the score in [0, 1]."""


class LogLinearModel(RiskModel):
    """Contributions of a log-linear intensity rescaled to [0, 1] (see the module docstring)."""

    kind: ClassVar[str] = ""

    def _contributions(self, factors: pd.DataFrame) -> pd.DataFrame:
        w = {f: float(self.config.weights.get(f, 0.0)) for f in FACTORS if f in self.config.weights}
        lo = sum(min(v, 0.0) for v in w.values())
        hi = sum(max(v, 0.0) for v in w.values())
        span = hi - lo if hi > lo else 1.0
        return pd.DataFrame(
            {f: (v * factors[f].to_numpy(dtype=np.float64) - min(v, 0.0)) / span for f, v in w.items()},
            index=factors.index,
        )

    def log_intensity(self, factors: pd.DataFrame) -> np.ndarray:
        """``intercept + sum_j w_j x_j``: log events per km of coast per year."""
        eta = np.full(len(factors), float(self.config.intercept))
        for f, v in self.config.weights.items():
            eta += float(v) * factors[f].to_numpy(dtype=np.float64)
        return eta


class LandingModel(LogLinearModel):
    """Illegal landing of people or goods."""

    kind: ClassVar[str] = "landing"


class TppoModel(LogLinearModel):
    """Trafficking in persons and non-procedural departures."""

    kind: ClassVar[str] = "tppo"


MODELS: Final[dict[str, type[LogLinearModel]]] = {"landing": LandingModel, "tppo": TppoModel}
"""The static registry of risk models by kind."""


def model_for(config: ModelConfig) -> LogLinearModel:
    """The registered model of ``config.kind`` with these weights."""
    return MODELS[config.kind](config)


@dataclass(frozen=True)
class FitResult:
    """Fitted config plus a table of weights with standard errors and 95 % confidence intervals."""

    config: ModelConfig
    table: pd.DataFrame
    n_events: float
    n_segments: int


def fit(
    factors: pd.DataFrame,
    counts: np.ndarray,
    *,
    lengths_m: np.ndarray,
    years: float | np.ndarray,
    kind: str,
    data_cutoff: datetime,
    ridge: float = 0.0,
    n_segments: int | None = None,
    method: str = "Poisson GLM (statsmodels), offset log(length_km * years)",
    log_detection: np.ndarray | None = None,
) -> FitResult:
    """Estimate weights by a Poisson GLM: ``counts ~ factors`` with offset ``log(length_km * years)``.

    ``years`` is the exposure time, one number or one per row (a segment x season panel gives each row the
    years of its season's months). Factors with no variation (for example ``patrol_remoteness`` with no patrol
    base loaded) get weight 0 and are reported as not estimable. ``counts`` may be weighted (non-integer)
    counts. ``n_segments`` (reported) defaults to the number of rows.

    ``log_detection`` (one value per row, <= 0) is the log of the probability that an event there is *recorded*:
    it joins the offset, so the weights describe where events happen, not where they are seen. The recording
    probability must be known from outside the incidents (where patrols and monitored harbours are, how reports
    reach the desk): from incident locations alone it cannot be told apart from a factor of the same distances,
    such as ``remoteness``.

    Raises
    ------
    ValueError
        When there are no events to fit, or shapes disagree.
    """
    import statsmodels.api as sm

    if kind not in RISK_KINDS:
        raise ValueError(f"kind: must be one of {', '.join(RISK_KINDS)}, got {kind!r}")
    y = np.asarray(counts, dtype=np.float64)
    if len(y) != len(factors) or len(np.asarray(lengths_m)) != len(factors):
        raise ValueError("counts, lengths_m: must have one value per row of factors")
    if not y.sum() > 0:
        raise ValueError(f"counts: no {kind} incidents to fit before {pd.Timestamp(data_cutoff).date()}")
    exposure_years = np.broadcast_to(np.asarray(years, dtype=np.float64), y.shape)
    if not (exposure_years > 0).all():
        raise ValueError(f"years: must be > 0, got {years!r}")
    usable = [f for f in FACTORS if f in factors.columns and float(factors[f].std()) > 1e-9]
    design = sm.add_constant(factors[usable].to_numpy(dtype=np.float64), has_constant="add")
    offset = np.log(np.asarray(lengths_m, dtype=np.float64) / 1000.0 * exposure_years)
    if log_detection is not None:
        log_p = np.asarray(log_detection, dtype=np.float64)
        if log_p.shape != y.shape or not np.isfinite(log_p).all() or (log_p > 1e-12).any():
            raise ValueError("log_detection: must be one finite value <= 0 per row of factors")
        offset = offset + log_p
    model = sm.GLM(y, design, family=sm.families.Poisson(), offset=offset)
    res = model.fit() if ridge == 0 else model.fit_regularized(alpha=ridge, L1_wt=0.0)
    params = np.asarray(res.params)
    try:
        bse = np.asarray(res.bse)
    except (AttributeError, NotImplementedError):
        bse = np.full(len(params), np.nan)
    names = ["intercept", *usable]
    table = pd.DataFrame(
        {"weight": params, "std_err": bse, "ci_low": params - 1.96 * bse, "ci_high": params + 1.96 * bse},
        index=names,
    )
    for f in FACTORS:
        if f not in usable:
            table.loc[f] = [0.0, np.nan, np.nan, np.nan]
    weights = {f: round(float(table.at[f, "weight"]), 6) for f in FACTORS}  # type: ignore[arg-type]
    fitted = {
        "method": method,
        "data_cutoff": pd.Timestamp(data_cutoff).isoformat(),
        "n_events": round(float(y.sum()), 3),
        "n_segments": len(y) if n_segments is None else n_segments,
        "std_err": {n: (None if not np.isfinite(v) else round(float(v), 6)) for n, v in table["std_err"].items()},
        "not_estimable": [f for f in FACTORS if f not in usable],
    }
    if log_detection is not None:
        fitted["detection_offset"] = True
    config = ModelConfig(kind=kind, intercept=round(float(params[0]), 6), weights=weights, fitted=fitted)
    return FitResult(
        config=config, table=table, n_events=float(y.sum()), n_segments=len(y) if n_segments is None else n_segments
    )
