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

**Expert prior.** The shipped weights are an expert prior: each factor's weight is the mean of a Gaussian
:class:`PriorTerm` with a standard deviation, a written rationale and a cited source (``ModelConfig.prior``;
provenance in ``data/models/README.md``). :func:`fit_toward_prior` updates the prior with incidents by a maximum a
posteriori (penalised) Poisson regression, which stays near the prior when incidents are few and follows the data
when they are many; its bootstrap refits are kept as weight draws. :func:`class_stability` gives each segment the
share of weight draws (:func:`weight_draws`: the fit's bootstrap draws, or draws from the prior) under which it keeps
its class.
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
from geo.validation import GeoInputError
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
class PriorTerm:
    """The expert prior on one factor's weight: ``N(weight, sd^2)`` on the log scale, why, and after whom."""

    weight: float
    sd: float
    rationale: str
    source: str


def _prior_term(name: str, raw: object) -> PriorTerm:
    """A :class:`PriorTerm` from its JSON object (or itself); a GeoInputError names ``config.prior.<name>.<field>``."""
    where = f"config.prior.{name}"
    if isinstance(raw, PriorTerm):
        values: dict[str, Any] = dict(raw.__dict__)
    elif isinstance(raw, Mapping):
        values = dict(raw)
    else:
        raise GeoInputError(f"{where}: must be an object with weight, sd, rationale and source, got {raw!r}")
    extra = sorted(set(values) - {"weight", "sd", "rationale", "source"})
    if extra:
        raise GeoInputError(f"{where}: unknown field(s) {', '.join(extra)}")
    for key in ("weight", "sd"):
        v = values.get(key)
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise GeoInputError(f"{where}.{key}: must be a finite number, got {v!r}")
    if not values["sd"] > 0:
        raise GeoInputError(f"{where}.sd: must be > 0, got {values['sd']!r}")
    for key in ("rationale", "source"):
        v = values.get(key)
        if not isinstance(v, str) or not v.strip():
            raise GeoInputError(f"{where}.{key}: must be a non-empty text, got {v!r}")
    return PriorTerm(
        weight=float(values["weight"]), sd=float(values["sd"]), rationale=values["rationale"], source=values["source"]
    )


def _format_count(n: float) -> str:
    return f"{round(n):,}" if float(n).is_integer() else f"{n:,.1f}"


@dataclass(frozen=True)
class ModelConfig:
    """A model's weights file: ``kind``, ``intercept``, ``weights`` {factor: w}, optional expert ``prior``
    {factor: :class:`PriorTerm`} and fit report ``fitted`` (empty for an expert prior)."""

    kind: str
    intercept: float
    weights: Mapping[str, float]
    season: str = "annual"
    fitted: Mapping[str, Any] = field(default_factory=dict)
    prior: Mapping[str, PriorTerm] = field(default_factory=dict)
    intercept_rationale: str = ""

    def __post_init__(self) -> None:
        if self.kind not in RISK_KINDS:
            raise GeoInputError(f"config.kind: must be one of {', '.join(RISK_KINDS)}, got {self.kind!r}")
        unknown = sorted(set(self.weights) - set(FACTORS))
        if unknown:
            raise GeoInputError(f"config.weights: unknown factor(s) {', '.join(unknown)}; known: {', '.join(FACTORS)}")
        for name, w in self.weights.items():
            if isinstance(w, bool) or not isinstance(w, int | float) or not math.isfinite(w):
                raise GeoInputError(f"config.weights.{name}: must be a finite number, got {w!r}")
        if isinstance(self.intercept, bool) or not isinstance(self.intercept, int | float):
            raise GeoInputError(f"config.intercept: must be a number, got {self.intercept!r}")
        if not isinstance(self.prior, Mapping):
            raise GeoInputError(f"config.prior: must be an object {{factor: term}}, got {self.prior!r}")
        unknown = sorted(set(self.prior) - set(FACTORS))
        if unknown:
            raise GeoInputError(f"config.prior: unknown factor(s) {', '.join(unknown)}; known: {', '.join(FACTORS)}")
        terms = {name: _prior_term(name, raw) for name, raw in self.prior.items()}
        object.__setattr__(self, "prior", {f: terms[f] for f in FACTORS if f in terms})
        if not self.fitted:
            # An expert prior's weights are its prior means: one is checked against the other.
            for name, term in terms.items():
                if not math.isclose(float(self.weights.get(name, 0.0)), term.weight, abs_tol=1e-9):
                    raise GeoInputError(
                        f"config.weights.{name}: must equal config.prior.{name}.weight ({term.weight!r}) in an "
                        f"unfitted config, got {self.weights.get(name)!r}"
                    )

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "intercept": float(self.intercept),
            "season": self.season,
            "weights": {f: float(self.weights.get(f, 0.0)) for f in FACTORS},
            "prior": {
                f: {"weight": t.weight, "sd": t.sd, "rationale": t.rationale, "source": t.source}
                for f, t in self.prior.items()
            },
            "intercept_rationale": self.intercept_rationale,
            "fitted": dict(self.fitted),
        }

    @property
    def version(self) -> str:
        """``<kind>-<sha256(weights, intercept, season + CODE_VERSION)[:12]>`` (not of the prior or fit report)."""
        body = self.to_dict()
        payload = json.dumps(
            {
                "kind": body["kind"],
                "intercept": body["intercept"],
                "season": body["season"],
                "weights": body["weights"],
                "fitted": None,
                "code": CODE_VERSION,
            },
            sort_keys=True,
        )
        return f"{self.kind}-{hashlib.sha256(payload.encode()).hexdigest()[:12]}"

    @property
    def is_prior(self) -> bool:
        """True for an expert prior (not fitted on incidents)."""
        return not self.fitted

    @property
    def provenance(self) -> str:
        """Where the weights come from, in words: ``"expert prior"``, ``"fitted on N real incidents until DATE"``
        (N: ``fitted["n_incidents"]``, else the weighted ``n_events``),
        ``"fitted on synthetic demo data (N incidents until DATE)"`` (or ``"fitted on N incidents until DATE"``
        from a plain :func:`fit` that does not say whether its data were synthetic).

        Examples
        --------
        >>> ModelConfig("landing", 0.0, {}, fitted={"n_events": 1234.0, "data_cutoff": "2026-01-01T00:00:00+00:00",
        ...             "synthetic": False}).provenance
        'fitted on 1,234 real incidents until 2026-01-01'
        """
        if self.is_prior:
            return "expert prior"
        n = _format_count(float(self.fitted.get("n_incidents", self.fitted.get("n_events", 0.0))))
        cutoff = self.fitted.get("data_cutoff")
        date = pd.Timestamp(cutoff).date().isoformat() if cutoff else "an unknown date"
        if "synthetic" not in self.fitted:
            return f"fitted on {n} incidents until {date}"
        if self.fitted["synthetic"]:
            return f"fitted on synthetic demo data ({n} incidents until {date})"
        return f"fitted on {n} real incidents until {date}"


def parse_config(text: str, *, source: str = "config") -> ModelConfig:
    """Parse a weights config (JSON text); a GeoInputError names ``source`` and the rule broken.

    Examples
    --------
    >>> parse_config('{"kind": "landing", "intercept": 0, "weights": {"remoteness": 1.5}}').weights["remoteness"]
    1.5
    """
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise GeoInputError(f"{source}: weights do not parse as JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("weights"), dict):
        raise GeoInputError(f"{source}: must be a JSON object with 'kind', 'intercept' and a 'weights' object")
    prior = raw.get("prior") or {}
    if not isinstance(prior, dict):
        raise GeoInputError(f"{source}: config.prior: must be an object {{factor: term}}, got {prior!r}")
    rationale = raw.get("intercept_rationale", "")
    if not isinstance(rationale, str):
        raise GeoInputError(f"{source}: config.intercept_rationale: must be a text, got {rationale!r}")
    try:
        return ModelConfig(
            kind=raw.get("kind", ""),
            intercept=raw.get("intercept", 0.0),
            weights=raw["weights"],
            season=raw.get("season", "annual"),
            fitted=raw.get("fitted") or {},
            prior=prior,
            intercept_rationale=rationale,
        )
    except (TypeError, ValueError) as exc:  # a field of the wrong JSON type is the file's content, not a bug
        raise GeoInputError(f"{source}: {exc}") from None


def load_config(kind: str, *, directory: Path = MODELS_DIR) -> ModelConfig:
    """Read ``<directory>/<kind>.json``."""
    if kind not in RISK_KINDS:
        raise GeoInputError(f"kind: must be one of {', '.join(RISK_KINDS)}, got {kind!r}")
    path = Path(directory) / f"{kind}.json"
    if not path.is_file():
        raise GeoInputError(f"weights file {path}: does not exist")
    config = parse_config(path.read_text(), source=f"weights file {path}")
    if config.kind != kind:
        raise GeoInputError(f"weights file {path}: kind is {config.kind!r}, expected {kind!r}")
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
            raise GeoInputError(f"config.kind: {config.kind!r} does not fit a {self.kind} model")
        self.config = config

    @property
    def version(self) -> str:
        return self.config.version

    def score(self, factors: pd.DataFrame, *, lengths: np.ndarray, data_cutoff: datetime) -> pd.DataFrame:
        """Score segments: a new frame (index of ``factors``) with ``score``, ``risk_class``, ``contributions``
        (dict factor -> score points, summing to the score), ``model_version``, ``data_cutoff``."""
        if not isinstance(factors, pd.DataFrame):
            raise TypeError(f"factors: must be a DataFrame, got {type(factors).__name__}")
        missing = [f for f in self.config.weights if f not in factors.columns]
        if missing:
            raise GeoInputError(f"factors: missing column(s) {', '.join(missing)}")
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


def _counts_and_offset(
    factors: pd.DataFrame,
    counts: np.ndarray,
    lengths_m: np.ndarray,
    years: float | np.ndarray,
    log_detection: np.ndarray | None,
    *,
    kind: str,
    data_cutoff: datetime,
) -> tuple[np.ndarray, np.ndarray]:
    """The checked event counts and the Poisson offset ``log(length_km * years) (+ log detection)`` of a fit."""
    y = np.asarray(counts, dtype=np.float64)
    if len(y) != len(factors) or len(np.asarray(lengths_m)) != len(factors):
        raise GeoInputError("counts, lengths_m: must have one value per row of factors")
    if not np.isfinite(y).all() or (y < 0).any():
        raise GeoInputError("counts: must be finite and >= 0")
    if not y.sum() > 0:
        raise GeoInputError(f"counts: no {kind} incidents to fit before {pd.Timestamp(data_cutoff).date()}")
    exposure_years = np.broadcast_to(np.asarray(years, dtype=np.float64), y.shape)
    if not (exposure_years > 0).all():
        raise GeoInputError(f"years: must be > 0, got {years!r}")
    offset = np.log(np.asarray(lengths_m, dtype=np.float64) / 1000.0 * exposure_years)
    if log_detection is not None:
        log_p = np.asarray(log_detection, dtype=np.float64)
        if log_p.shape != y.shape or not np.isfinite(log_p).all() or (log_p > 1e-12).any():
            raise GeoInputError("log_detection: must be one finite value <= 0 per row of factors")
        offset = offset + log_p
    return y, offset


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
    GeoInputError
        When there are no events to fit, or shapes disagree.
    """
    import statsmodels.api as sm

    if kind not in RISK_KINDS:
        raise GeoInputError(f"kind: must be one of {', '.join(RISK_KINDS)}, got {kind!r}")
    y, offset = _counts_and_offset(factors, counts, lengths_m, years, log_detection, kind=kind, data_cutoff=data_cutoff)
    usable = [f for f in FACTORS if f in factors.columns and float(factors[f].std()) > 1e-9]
    design = sm.add_constant(factors[usable].to_numpy(dtype=np.float64), has_constant="add")
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


# -- the expert prior and its update ---------------------------------------------------------------------------


def _log_posterior(
    beta: np.ndarray, design: np.ndarray, y: np.ndarray, offset: np.ndarray, mean: np.ndarray, precision: np.ndarray
) -> float:
    eta = offset + design @ beta
    return float(y @ eta - np.exp(eta).sum() - 0.5 * (precision * (beta - mean) ** 2).sum())


def _map_newton(
    design: np.ndarray,
    y: np.ndarray,
    offset: np.ndarray,
    mean: np.ndarray,
    precision: np.ndarray,
    start: np.ndarray,
    *,
    tol: float = 1e-9,
    max_iter: int = 100,
) -> tuple[np.ndarray, np.ndarray]:
    """Mode of the Poisson log likelihood plus a Gaussian log prior (``precision`` 0: flat) and the negative
    Hessian there. Newton steps on the exact gradient and Hessian (the objective is concave), halved until the
    objective does not fall."""
    beta = start.astype(np.float64).copy()
    current = _log_posterior(beta, design, y, offset, mean, precision)
    for _ in range(max_iter):
        mu = np.exp(offset + design @ beta)
        grad = design.T @ (y - mu) - precision * (beta - mean)
        neg_hess = (design.T * mu) @ design + np.diag(precision)
        try:
            step = np.linalg.solve(neg_hess, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(neg_hess, grad, rcond=None)[0]
        size = 1.0
        while True:
            candidate = beta + size * step
            value = _log_posterior(candidate, design, y, offset, mean, precision)
            if value >= current - 1e-12 * abs(current) or size < 1e-6:
                break
            size /= 2.0
        beta, current = candidate, value
        if float(np.max(np.abs(size * step))) < tol:
            break
    mu = np.exp(offset + design @ beta)
    return beta, (design.T * mu) @ design + np.diag(precision)


def fit_toward_prior(
    factors: pd.DataFrame,
    counts: np.ndarray,
    *,
    lengths_m: np.ndarray,
    years: float | np.ndarray,
    prior: ModelConfig,
    data_cutoff: datetime,
    synthetic: bool,
    log_detection: np.ndarray | None = None,
    n_boot: int = 100,
    seed: int = 0,
    n_segments: int | None = None,
    method: str | None = None,
) -> FitResult:
    """Update the expert prior ``prior`` with incident ``counts``: a maximum a posteriori Poisson regression.

    ``counts ~ Poisson(exp(intercept + X w + offset))`` with ``offset = log(length_km * years)`` (``+
    log_detection`` when given, as in :func:`fit`), a Gaussian prior ``N(prior.prior[f].weight, sd^2)`` on each
    factor's weight and a flat prior on the intercept (the prior's intercept is not calibrated: it is estimated
    again). A factor without a prior term gets a flat prior too; a factor with no variation keeps its prior mean
    (its constant value joins the offset). Few incidents leave the weights near the prior; many move them to what
    the incidents say; a very wide prior gives the plain GLM of :func:`fit`.

    The mode is found by Newton iterations on the exact gradient and Hessian (concave: a few steps, each halved
    until the log posterior does not fall); ``std_err`` is the Laplace approximation (inverse negative Hessian at
    the mode). ``n_boot`` bootstrap refits resample the events, a multinomial over the rows with the observed
    total (rounded to whole events, then scaled back to the weighted total), and are kept in ``fitted["draws"]``
    (weights in :data:`FACTORS` order, 4 decimals) for :func:`class_stability`.

    ``synthetic`` says whether the incidents are synthetic demo data (it enters :attr:`ModelConfig.provenance`).

    Raises
    ------
    GeoInputError
        When there are no events to fit, or shapes disagree.
    """
    kind = prior.kind
    if n_boot < 0:
        raise GeoInputError(f"n_boot: must be >= 0, got {n_boot!r}")
    y, offset = _counts_and_offset(factors, counts, lengths_m, years, log_detection, kind=kind, data_cutoff=data_cutoff)
    means = {f: (prior.prior[f].weight if f in prior.prior else float(prior.weights.get(f, 0.0))) for f in FACTORS}
    present = [f for f in FACTORS if f in factors.columns]
    usable = [f for f in present if float(factors[f].std()) > 1e-9]
    for f in present:
        if f not in usable:  # constant: its prior mean times the constant joins the offset
            offset = offset + means[f] * factors[f].to_numpy(dtype=np.float64)
    x = factors[usable].to_numpy(dtype=np.float64)
    design = np.column_stack([np.ones(len(y)), x])
    mean = np.array([0.0, *(means[f] for f in usable)])
    precision = np.array([0.0, *((1.0 / prior.prior[f].sd ** 2) if f in prior.prior else 0.0 for f in usable)])
    start = mean.copy()
    start[0] = math.log(y.sum() / float(np.exp(offset + x @ mean[1:]).sum()))
    beta, neg_hess = _map_newton(design, y, offset, mean, precision, start)
    try:
        cov = np.linalg.inv(neg_hess)
        se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    except np.linalg.LinAlgError:
        se = np.full(len(beta), np.nan)

    rng = np.random.default_rng(seed)
    total = float(y.sum())
    n_draw = max(round(total), 1)
    draws: list[list[float]] = []
    for _ in range(n_boot):
        yb = rng.multinomial(n_draw, y / total).astype(np.float64) * (total / n_draw)
        b, _ = _map_newton(design, yb, offset, mean, precision, beta)
        full = dict(zip(usable, b[1:], strict=True))
        draws.append([round(float(full.get(f, means[f])), 4) for f in FACTORS])

    names = ["intercept", *usable]
    table = pd.DataFrame(
        {"weight": beta, "std_err": se, "ci_low": beta - 1.96 * se, "ci_high": beta + 1.96 * se}, index=names
    )
    for f in FACTORS:
        if f not in usable:
            sd = prior.prior[f].sd if f in prior.prior else np.nan
            table.loc[f] = [means[f], sd, means[f] - 1.96 * sd, means[f] + 1.96 * sd]
    weights = {f: round(float(table.at[f, "weight"]), 6) for f in FACTORS}  # type: ignore[arg-type]
    n_rows = len(y) if n_segments is None else n_segments
    fitted: dict[str, Any] = {
        "method": method
        or (
            "Maximum a posteriori Poisson regression (Gaussian prior on each factor's weight, flat on the "
            "intercept), offset log(length_km * years)"
            + (" + log detection" if log_detection is not None else "")
            + f"; Laplace standard errors; {n_boot} bootstrap refits (multinomial resampling of the events)"
        ),
        "data_cutoff": pd.Timestamp(data_cutoff).isoformat(),
        "n_events": round(total, 3),
        "n_segments": n_rows,
        "synthetic": bool(synthetic),
        "std_err": {n: (None if not np.isfinite(v) else round(float(v), 6)) for n, v in table["std_err"].items()},
        "not_estimable": [f for f in FACTORS if f not in usable],
        "detection_offset": log_detection is not None,
        "prior_sd": {f: t.sd for f, t in prior.prior.items()},
        "draws": draws,
    }
    config = ModelConfig(
        kind=kind,
        intercept=round(float(beta[0]), 6),
        weights=weights,
        season=prior.season,
        fitted=fitted,
        prior=dict(prior.prior),
    )
    return FitResult(config=config, table=table, n_events=total, n_segments=n_rows)


def weight_draws(config: ModelConfig, *, n: int = 200, seed: int = 0) -> np.ndarray:
    """``n`` draws of the weights, shape ``(n, len(FACTORS))`` in :data:`FACTORS` order: the fit's bootstrap
    draws (``fitted["draws"]``, cycled or truncated to ``n``) when there are any, else independent normal draws
    from the prior (``N(weight, sd^2)`` per factor; a weight without a prior term stays fixed)."""
    if n < 1:
        raise GeoInputError(f"n: must be >= 1, got {n!r}")
    stored = config.fitted.get("draws") if config.fitted else None
    if stored:
        arr = np.asarray(stored, dtype=np.float64)
        if arr.ndim != 2 or arr.shape[1] != len(FACTORS):
            raise GeoInputError(f"config.fitted.draws: must be lists of {len(FACTORS)} weights, got shape {arr.shape}")
        return np.asarray(arr[np.arange(n) % len(arr)], dtype=np.float64)
    rng = np.random.default_rng(seed)
    point = np.array([float(config.weights.get(f, 0.0)) for f in FACTORS])
    sd = np.array([config.prior[f].sd if f in config.prior else 0.0 for f in FACTORS])
    mean = np.array([config.prior[f].weight if f in config.prior else point[i] for i, f in enumerate(FACTORS)])
    return np.asarray(mean + sd * rng.standard_normal((n, len(FACTORS))), dtype=np.float64)


def _scores(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """:class:`LogLinearModel` scores (before clipping) of factor matrix ``x`` under weight rows ``w``: (segments,
    draws)."""
    lo = np.minimum(w, 0.0).sum(axis=1)
    hi = np.maximum(w, 0.0).sum(axis=1)
    span = np.where(hi > lo, hi - lo, 1.0)
    return np.asarray(np.clip((x @ w.T - lo) / span, 0.0, 1.0), dtype=np.float64)


def class_stability(
    factors: pd.DataFrame, *, lengths: np.ndarray, config: ModelConfig, n_draws: int = 200, seed: int = 0
) -> np.ndarray:
    """Per segment, the share (0..1) of :func:`weight_draws` under which :func:`risk_classes` of the draw's score
    gives the same class as the point weights. 1 means the class does not depend on the weights' uncertainty.

    The scores of every draw are one matrix product; classes are assigned draw by draw.
    """
    if not isinstance(factors, pd.DataFrame):
        raise TypeError(f"factors: must be a DataFrame, got {type(factors).__name__}")
    used = [f for f in FACTORS if f in config.weights or f in config.prior]
    missing = [f for f in used if f not in factors.columns]
    if missing:
        raise GeoInputError(f"factors: missing column(s) {', '.join(missing)}")
    lengths = np.asarray(lengths, dtype=np.float64)
    if len(lengths) != len(factors):
        raise GeoInputError("lengths: must have one value per row of factors")
    x = np.column_stack(
        [factors[f].to_numpy(dtype=np.float64) if f in used else np.zeros(len(factors)) for f in FACTORS]
    )
    point = np.array([[float(config.weights.get(f, 0.0)) for f in FACTORS]])
    reference = risk_classes(_scores(x, point)[:, 0], lengths)
    draws = weight_draws(config, n=n_draws, seed=seed)
    scores = _scores(x, draws)
    same = np.zeros(len(factors))
    for k in range(n_draws):
        same += risk_classes(scores[:, k], lengths) == reference
    return np.asarray(same / n_draws, dtype=np.float64)
