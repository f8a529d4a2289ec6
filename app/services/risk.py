"""Use cases of the risk model: segment the coast, score it, fit and evaluate the models. Flush, never commit."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from app.db import repositories as repo
from app.db.repositories import risk as risk_repo
from app.db.repositories import routes as routes_repo
from app.errors import InvalidInput
from app.services import alerts, base_data
from geo import evaluation, i18n, risk
from geo.factors import FactorInputs, compute_factors, lanes_frame, shared_factors
from geo.io import read_layer
from geo.segmentation import segment_coast
from geo.validation import GeoInputError
from geo.vocabulary import INCIDENT_RISK_KIND, RISK_KINDS, SEASONS

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
LAND_BOUNDARIES = base_data.DEFAULT_LAND_BOUNDARIES
SHIPPING_LANES = DATA_DIR / "shipping_lanes.geojson"  # searoute's network, clipped (data/README.md)

Progress = Callable[[str], None]


def _noop(_: str) -> None:
    return None


@dataclass(frozen=True)
class SegmentReport:
    segments: int
    inserted: int
    updated: int
    deleted: int
    coastline_km: float


def segment(session: Session, *, length_m: float = 500.0) -> SegmentReport:
    """Cut the stored islands into segments and write ``coastal_segments`` (idempotent)."""
    islands = repo.islands_frame(session)
    if islands.empty:
        raise InvalidInput.coded("data.no_islands")
    boundaries = read_layer(LAND_BOUNDARIES) if LAND_BOUNDARIES.is_file() else None
    try:
        seg = segment_coast(islands, length_m=length_m, land_boundaries=boundaries)
    except GeoInputError as exc:
        raise InvalidInput(str(exc)) from None
    ids = risk_repo.island_ids_by_code(session)
    rows = [
        {
            "id": r.id,
            "island_id": ids[r.island_code],
            "ordinal": int(r.ordinal),
            "geom": repo.ewkt(r.geometry),
            "length_m": float(r.length_m),
            "seaward_bearing": float(r.seaward_bearing),
        }
        for r in seg.itertuples(index=False)
    ]
    ins, upd, dele = risk_repo.replace_segments(session, rows)
    session.flush()
    return SegmentReport(len(rows), ins, upd, dele, float(seg["length_m"].sum()) / 1000)


def _inputs(session: Session, *, synthetic: bool | None = None) -> tuple[gpd.GeoDataFrame, FactorInputs]:
    """The stored segments and everything the factors need; ``synthetic`` narrows the incidents to the real
    (False) or the synthetic demo (True) ones, as fits and evaluations use them (scoring sees all)."""
    segments = risk_repo.segments_frame(session)
    if segments.empty:
        raise InvalidInput.coded("data.no_segments")
    harbours = repo.harbours_frame(session)
    ferries = routes_repo.ferry_routes_frame(session)
    places = repo.places_frame(session)
    inputs = FactorInputs(
        islands=repo.islands_frame(session),
        harbours=harbours,
        incidents=risk_repo.incidents_for_model(session, synthetic=synthetic),
        landings=risk_repo.landings_for_model(session),
        lanes=lanes_frame(
            harbours=harbours,
            shipping=read_layer(SHIPPING_LANES) if SHIPPING_LANES.is_file() else None,
            # The ferry routes drawn over the sea graph by 'pesisir routes build'; schematic lines until then.
            ferries=None if ferries.empty else ferries,
        ),
        patrol_bases=repo.patrol_bases_frame(session),
        # The ports of the neighbouring regencies watch their approaches: the coast at the regency's edge is not
        # remote by construction (the places table is empty until 'pesisir load-base' loads the gazetteer).
        outside_ports=places[places["kind"] == "port"],
        corridors=_corridor_exposure(session, segments),
    )
    return segments, inputs


def _corridor_exposure(session: Session, segments: gpd.GeoDataFrame) -> pd.DataFrame | None:
    """The stored corridor exposure (segment id x ``<kind>:<route season>``), None before the first routes build.
    A build that predates the segments (some have no exposure) would score part of the coast without the factor:
    refused, naming the command that brings it up to date."""
    exposure = routes_repo.exposure_frame(session)
    if exposure.empty:
        return None
    missing = ~segments["id"].isin(exposure.index)
    if missing.any():
        raise InvalidInput.coded(
            "risk.corridor_exposure_stale", n=int(missing.sum()), example=str(segments["id"][missing].iloc[0])
        )
    return exposure


def _parse_date(value: str, name: str) -> datetime:
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise InvalidInput.coded("risk.date_format", name=name, value=repr(value)) from None
    if ts is pd.NaT:
        raise InvalidInput.coded("risk.date_format", name=name, value=repr(value))
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.to_pydatetime()


@dataclass(frozen=True)
class ModelStore:
    """Where the served weights come from: a fit in ``fitted_dir`` (``models`` in the data directory, written by
    ``pesisir model fit``) when there is one, else the shipped expert prior in ``prior_dir`` (``data/models``,
    tracked, never written here). ``fitted_dir=None``: the prior only."""

    fitted_dir: Path | None = None
    prior_dir: Path = risk.MODELS_DIR

    def prior(self, kind: str) -> risk.ModelConfig:
        try:
            return risk.load_config(kind, directory=self.prior_dir)
        except GeoInputError as exc:
            raise InvalidInput(str(exc)) from None

    def fitted_path(self, kind: str) -> Path | None:
        return None if self.fitted_dir is None else self.fitted_dir / f"{kind}.json"

    def served(self, kind: str) -> risk.ModelConfig:
        """The fitted weights of ``kind`` when a fit is stored, else the prior."""
        path = self.fitted_path(kind)
        if path is None or not path.is_file():
            return self.prior(kind)
        try:
            return risk.load_config(kind, directory=path.parent)
        except GeoInputError as exc:
            raise InvalidInput.coded("models.fitted_unreadable", error=str(exc)) from None

    def served_all(self) -> dict[str, risk.ModelConfig]:
        return {k: self.served(k) for k in RISK_KINDS}

    def write_fitted(self, config: risk.ModelConfig) -> Path:
        if self.fitted_dir is None:
            raise InvalidInput.coded("models.no_fitted_dir")
        if self.fitted_dir.resolve() == Path(self.prior_dir).resolve():
            raise InvalidInput.coded("models.fitted_dir_is_prior", directory=str(self.fitted_dir))
        return risk.write_config(config, directory=self.fitted_dir)

    def reset(self) -> list[Path]:
        """Remove the fitted weights (the prior is served again); returns the files removed."""
        gone = []
        for kind in RISK_KINDS:
            path = self.fitted_path(kind)
            if path is not None and path.is_file():
                path.unlink()
                gone.append(path)
        return gone


PRIOR_ONLY = ModelStore()


def _seasons(season: str) -> tuple[str, ...]:
    if season == "all":
        return SEASONS
    if season not in SEASONS:
        raise InvalidInput.coded("risk.season_or_all", allowed=", ".join(SEASONS), value=repr(season))
    return (season,)


def check_season(season: str) -> str:
    if season not in SEASONS:
        raise InvalidInput.coded("risk.season", allowed=", ".join(SEASONS), value=repr(season))
    return season


@dataclass(frozen=True)
class ScoreReport:
    kind: str
    season: str
    model_version: str
    segments: int
    data_cutoff: datetime
    classes: dict[str, int]


STABILITY_DRAWS = 200
"""Draws of the weights behind each segment's class stability (``geo.risk.class_stability``)."""


def score(
    session: Session,
    *,
    store: ModelStore = PRIOR_ONLY,
    cutoff: datetime | None = None,
    season: str = "all",
    progress: Progress = _noop,
) -> list[ScoreReport]:
    """Score every segment for both risk kinds with the configured weights; write ``segment_scores``.

    ``season`` is ``annual``, ``west`` or ``east`` (the monsoon the coast orientation is scored against), or
    ``all`` (the default) for the three: the map and the API choose among them. Each score carries where its
    weights come from and its class stability over :data:`STABILITY_DRAWS` draws of the weights.
    """
    seasons = _seasons(season)
    configs = store.served_all()
    segments, inputs = _inputs(session)
    when = cutoff or datetime.now(UTC)
    lengths = segments["length_m"].to_numpy(dtype=np.float64)
    reports = []
    # Classes before, to alert subscriptions whose segments rise (in this transaction, app.services.alerts).
    before = risk_repo.current_classes(session) if alerts.class_rules_exist(session) else None
    changes: list[alerts.ClassChange] = []
    shared = shared_factors(segments, inputs)
    for kind, sn in itertools.product(RISK_KINDS, seasons):
        progress(f"factors for {kind} ({sn})")
        factors = compute_factors(segments, inputs, kind=kind, cutoff=when, season=sn, shared=shared)
        model = risk.model_for(configs[kind])
        scored = model.score(factors, lengths=lengths, data_cutoff=when)
        stability = risk.class_stability(factors, lengths=lengths, config=configs[kind], n_draws=STABILITY_DRAWS)
        source = configs[kind].provenance
        rows = [
            {
                "segment_id": sid,
                "risk_kind": kind,
                "season": sn,
                "model_version": model.version,
                "data_cutoff": when,
                "score": float(s),
                "risk_class": str(c),
                "contributions": contrib,
                "weights_source": source,
                "class_stability": round(float(st), 3),
            }
            for sid, s, c, contrib, st in zip(
                segments["id"], scored["score"], scored["risk_class"], scored["contributions"], stability, strict=True
            )
        ]
        risk_repo.write_scores(session, kind, sn, model.version, rows)
        if before is not None:
            changes.extend(
                alerts.ClassChange(
                    r["segment_id"], kind, sn, before.get((r["segment_id"], kind, sn)), r["risk_class"], r["score"]
                )
                for r in rows
                if before.get((r["segment_id"], kind, sn)) != r["risk_class"]
            )
        progress(f"scored {kind} ({sn})")
        counts = scored["risk_class"].value_counts().to_dict()
        reports.append(
            ScoreReport(kind, sn, model.version, len(rows), when, {str(k): int(v) for k, v in counts.items()})
        )
    alerts.on_rescore(session, changes, when)
    session.flush()
    return reports


def _data_label(synthetic: bool) -> str:
    return "synthetic demo data" if synthetic else "real incidents"


def _detection(session: Session, segments: gpd.GeoDataFrame) -> np.ndarray:
    """Log recording probability per segment (``geo.evaluation.log_detection``) from the monitored harbours and
    patrol bases: fits describe where incidents happen, not where they are recorded."""
    return evaluation.log_detection(
        segments, repo.harbours_frame(session), patrol_bases=repo.patrol_bases_frame(session)
    )


def fit(
    session: Session, *, until: str | None = None, synthetic: bool = False, store: ModelStore = PRIOR_ONLY
) -> list[risk.FitResult]:
    """Fit both models on the real incidents (``synthetic=True``: the synthetic demo incidents instead) before
    ``until`` (default: now), shrunk toward the expert prior, with the detection offset; write the fitted weights
    into ``store.fitted_dir`` (never over the shipped prior) and return them."""
    t = _parse_date(until, "until") if until is not None else datetime.now(UTC)
    segments, inputs = _inputs(session, synthetic=synthetic)
    if inputs.incidents.empty:
        raise InvalidInput.coded("risk.no_synthetic_incidents" if synthetic else "risk.no_real_incidents")
    detect = _detection(session, segments)
    results = []
    for kind in RISK_KINDS:
        try:
            results.append(
                evaluation.fit_kind(
                    segments,
                    inputs,
                    kind=kind,
                    until=t,
                    prior=store.prior(kind),
                    synthetic=synthetic,
                    log_detection=detect,
                )
            )
        except GeoInputError as exc:
            raise InvalidInput(f"{exc} ({_data_label(synthetic)})") from None
    for r in results:
        store.write_fitted(r.config)
    return results


def reset(store: ModelStore) -> list[Path]:
    """Forget the fitted weights: the expert prior is served from the next scoring on."""
    return store.reset()


def _synthetic_only(session: Session) -> bool:
    """Whether the incidents stored are synthetic demo ones only (none real, some synthetic): what evaluations
    measure on by default."""
    if any(risk_repo.count_incidents(session, synthetic=False).values()):
        return False
    return any(risk_repo.count_incidents(session, synthetic=True).values())


def evaluate(session: Session, *, synthetic: bool | None = None, store: ModelStore = PRIOR_ONLY) -> dict[str, Any]:
    """Measure the served model of each kind (the one that colours the map) by rolling origins against the tuned
    baselines (``geo.evaluation.evaluate_served``); store and return the report.

    ``synthetic``: measure on the synthetic demo incidents (True) or the real ones (False); None, the default:
    the real ones when any is stored, else the synthetic ones. Too few incidents is a report too
    (``status: too_few``), not an error: the map then says so."""
    if synthetic is None:
        synthetic = _synthetic_only(session)
    segments, inputs = _inputs(session, synthetic=synthetic)
    detect = _detection(session, segments)
    configs = store.served_all()
    kinds: dict[str, Any] = {}
    for kind in RISK_KINDS:
        of_kind = inputs.incidents[inputs.incidents["kind"].map(INCIDENT_RISK_KIND).eq(kind).to_numpy()]
        origins = evaluation.default_origins(of_kind, kind=kind)
        try:
            kinds[kind] = evaluation.evaluate_served(
                segments, inputs, kind=kind, config=configs[kind], origins=origins, log_detection=detect
            )
        except GeoInputError as exc:
            raise InvalidInput(str(exc)) from None
    first = min((o["origin"] for k in kinds.values() for o in k.get("origins", [])), default=None)
    report = {
        "data": _data_label(synthetic),
        "synthetic": synthetic,
        "n_incidents": len(inputs.incidents),
        "first_origin": first,
        "kinds": kinds,
    }
    split = pd.Timestamp(first).to_pydatetime() if first is not None else datetime.now(UTC)
    risk_repo.insert_evaluation(session, split, report)
    return report


def _prior_table(config: risk.ModelConfig) -> dict[str, Any]:
    return {
        f: {"weight": t.weight, "sd": t.sd, "rationale": t.rationale, "source": t.source}
        for f, t in config.prior.items()
    }


def model_info(session: Session, *, store: ModelStore = PRIOR_ONLY) -> dict[str, Any]:
    """Per kind: the served weights, where they come from, the prior they were set or shrunk toward (with its
    rationale and sources), the scores' version and cut-off, and the accuracy of the model that colours the map
    (``accuracy``: measured, too few incidents, or not measured, with the calibration table); plus the latest
    stored evaluation as it was printed."""
    configs = store.served_all()
    scored = risk_repo.current_score_versions(session)
    latest = risk_repo.latest_evaluation(session)
    return {
        "models": {
            kind: {
                "model_version": c.version,
                "provenance": c.provenance,
                "intercept": c.intercept,
                "weights": dict(c.weights),
                "prior": _prior_table(store.prior(kind)),
                "fitted": {k: v for k, v in c.fitted.items() if k != "draws"},
                "scored_version": scored[kind][0] if kind in scored else None,
                "data_cutoff": scored[kind][1].isoformat() if kind in scored else None,
                "accuracy": accuracy(session, kind=kind),
            }
            for kind, c in configs.items()
        },
        "synthetic_data": synthetic_data(session),
        "evaluation": latest.report if latest is not None else None,
        "evaluated_at": latest.computed_at.isoformat() if latest is not None else None,
    }


def synthetic_data(session: Session) -> dict[str, int] | None:
    """How many synthetic demo incidents and landings are stored, or None when there are none (no banner)."""
    from app.db.repositories import reports

    n_inc, n_land = reports.count_synthetic(session)
    return {"incidents": n_inc, "landings": n_land} if n_inc or n_land else None


def _check_kind(kind: str) -> str:
    if kind not in RISK_KINDS:
        raise InvalidInput.coded("risk.kind", allowed=", ".join(RISK_KINDS), value=repr(kind))
    return kind


def segments_geojson(session: Session, *, kind: str, season: str = "annual") -> str:
    return risk_repo.segments_geojson(session, _check_kind(kind), check_season(season))


def scored_segments(session: Session, *, kind: str, season: str = "annual") -> gpd.GeoDataFrame:
    return risk_repo.scored_segments_frame(session, _check_kind(kind), check_season(season))


def count_segments(session: Session) -> int:
    return risk_repo.count_segments(session)


def accuracy(session: Session, *, kind: str) -> dict[str, Any]:
    """The accuracy of the model that colours the map for ``kind``, from the latest evaluation of that very model
    version on the data now stored; else why there is none.

    ``status``: ``measured`` (with ``data``, ``n_test``, PAI and hit rate at 10 % with 95 % intervals, the best
    tuned baseline, the calibration table), ``too_few`` (fewer test incidents than
    ``geo.evaluation.MIN_TEST_INCIDENTS``: no number is better than a flattering one) or ``not_measured``."""
    scored = risk_repo.current_score_versions(session)
    version = scored[kind][0] if kind in scored else None
    synthetic = _synthetic_only(session)
    real = risk_repo.count_incidents(session, synthetic=synthetic)
    n_stored = sum(n for k, n in real.items() if INCIDENT_RISK_KIND.get(k) == kind)
    base = {
        "model_version": version,
        "data": _data_label(synthetic),
        "n_incidents": n_stored,
        "min_test": evaluation.MIN_TEST_INCIDENTS,
    }
    latest = risk_repo.latest_evaluation(session)
    ev = (latest.report.get("kinds") or {}).get(kind) if latest is not None else None
    valid = (
        ev is not None
        and latest is not None
        and ev.get("model_version") == version
        and bool(latest.report.get("synthetic")) == synthetic
    )
    if not valid or ev is None:
        if n_stored < evaluation.MIN_TEST_INCIDENTS:
            return {**base, "status": "too_few", "n_test": 0}
        return {**base, "status": "not_measured"}
    if ev.get("status") != "measured":
        when = latest.computed_at.isoformat() if latest is not None else None
        return {**base, "status": "too_few", "n_test": ev.get("n_test", 0), "evaluated_at": when}
    origins = ev["origins"]
    return {
        **base,
        "status": "measured",
        "evaluated_at": latest.computed_at.isoformat() if latest is not None else None,
        "n_test": ev["n_test"],
        "origins": [o["origin"][:10] for o in origins],
        "window_days": ev["window_days"],
        "pai_10": ev["observed"]["model"]["pai"]["10%"],
        "hit_rate_10": ev["observed"]["model"]["hit_rate"]["10%"],
        "best_baseline": ev["best_baseline"],
        "best_baseline_pai_10": ev["observed"][ev["best_baseline"]]["pai"]["10%"],
        "model_vs_best_baseline_pai_10": ev["model_vs_best_baseline_pai_10"],
        "calibration": ev.get("calibration", []),
    }


_DATA_WORDS = {"real incidents": "real", "synthetic demo data": "synthetic"}
""":func:`accuracy`'s ``data`` values and their messages in the catalogue (``notes.data.*``)."""


def provenance_words(provenance: str, lang: str) -> str:
    """A weights provenance (``geo.risk.ModelConfig.provenance``) in the map's language."""
    if lang == i18n.DEFAULT:
        return provenance
    english, words = i18n.tree(i18n.DEFAULT, "notes.provenance"), i18n.tree(lang, "notes.provenance")
    for key in sorted(english, key=lambda k: -len(english[k])):  # "fitted on synthetic demo data" before "fitted on"
        provenance = provenance.replace(english[key], words[key])
    return provenance


def accuracy_note(session: Session, *, kind: str, lang: str = "en") -> str:
    """The legend's lines for ``kind``: where the weights come from and what is known of the accuracy of the model
    that colours the map (:func:`accuracy`), in ``lang`` (``id`` or ``en``)."""
    words = i18n.tree(lang, "notes")
    acc = accuracy(session, kind=kind)
    source = risk_repo.current_weights_sources(session).get(kind)
    lines = [words["weights"].format(provenance=provenance_words(source, lang))] if source else []
    data = words["data"][_DATA_WORDS[acc["data"]]]
    if acc["status"] == "measured":
        pai, hr = acc["pai_10"], acc["hit_rate_10"]
        lines.append(
            words["measured"].format(
                data=data,
                n=acc["n_test"],
                k=len(acc["origins"]),
                first=acc["origins"][0],
                pai=pai["value"],
                lo=pai["low"],
                hi=pai["high"],
                hr=hr["value"],
                hrlo=hr["low"],
                hrhi=hr["high"],
                name=acc["best_baseline"],
                best=acc["best_baseline_pai_10"]["value"],
            )
        )
        ratio = acc["model_vs_best_baseline_pai_10"]
        if float(ratio["high"]) < 1.0:  # geo.evaluation.served_score's rule: the model clearly loses
            lines.append(words["behind"].format(name=acc["best_baseline"], ratio=ratio["value"], high=ratio["high"]))
    elif acc["status"] == "too_few":
        measured = "evaluated_at" in acc
        n = acc["n_test"] if measured else acc["n_incidents"]
        lines.append(words["too_few" if measured else "too_few_stored"].format(n=n, data=data, min=acc["min_test"]))
    else:
        lines.append(words["not_measured"])
    return " ".join(lines)
