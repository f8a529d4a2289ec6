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
import shapely
from sqlalchemy.orm import Session

from app.db import repositories as repo
from app.db.repositories import risk as risk_repo
from app.db.repositories import routes as routes_repo
from app.errors import InvalidInput, NotFound
from app.services import base_data
from geo import evaluation, risk
from geo.factors import FactorInputs, compute_factors, lanes_frame, shared_factors
from geo.io import read_layer
from geo.segmentation import segment_coast
from geo.vocabulary import RISK_KINDS, SEASONS

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
        raise InvalidInput("islands: none stored; run 'pesisir load-base' first")
    boundaries = read_layer(LAND_BOUNDARIES) if LAND_BOUNDARIES.is_file() else None
    try:
        seg = segment_coast(islands, length_m=length_m, land_boundaries=boundaries)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    ids = risk_repo.island_ids_by_code(session)
    rows = [
        {
            "id": r.id,
            "island_id": ids[r.island_code],
            "ordinal": int(r.ordinal),
            "geom": f"SRID=4326;{shapely.to_wkt(r.geometry, rounding_precision=-1)}",
            "length_m": float(r.length_m),
            "seaward_bearing": float(r.seaward_bearing),
        }
        for r in seg.itertuples(index=False)
    ]
    ins, upd, dele = risk_repo.replace_segments(session, rows)
    session.flush()
    return SegmentReport(len(rows), ins, upd, dele, float(seg["length_m"].sum()) / 1000)


def _inputs(session: Session) -> tuple[gpd.GeoDataFrame, FactorInputs]:
    segments = risk_repo.segments_frame(session)
    if segments.empty:
        raise InvalidInput("coastal_segments: none stored; run 'pesisir segment' first")
    harbours = repo.harbours_frame(session)
    ferries = routes_repo.ferry_routes_frame(session)
    places = repo.places_frame(session)
    inputs = FactorInputs(
        islands=repo.islands_frame(session),
        harbours=harbours,
        incidents=risk_repo.incidents_for_model(session),
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
        raise InvalidInput(
            f"corridor exposure: {int(missing.sum())} coastal segments (e.g. {segments['id'][missing].iloc[0]}) "
            "have none, as the coast was segmented after the last routes build: run 'pesisir routes build'"
        )
    return exposure


def _parse_date(value: str, name: str) -> datetime:
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise InvalidInput(f"{name}: must be a date like 2025-01-01, got {value!r}") from None
    if ts is pd.NaT:
        raise InvalidInput(f"{name}: must be a date like 2025-01-01, got {value!r}")
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.to_pydatetime()


def _configs(models_dir: Path) -> dict[str, risk.ModelConfig]:
    try:
        return {k: risk.load_config(k, directory=models_dir) for k in RISK_KINDS}
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def _seasons(season: str) -> tuple[str, ...]:
    if season == "all":
        return SEASONS
    if season not in SEASONS:
        raise InvalidInput(f"season: must be one of {', '.join(SEASONS)} or all, got {season!r}")
    return (season,)


def check_season(season: str) -> str:
    if season not in SEASONS:
        raise InvalidInput(f"season: must be one of {', '.join(SEASONS)}, got {season!r}")
    return season


@dataclass(frozen=True)
class ScoreReport:
    kind: str
    season: str
    model_version: str
    segments: int
    data_cutoff: datetime
    classes: dict[str, int]


def score(
    session: Session,
    *,
    models_dir: Path = risk.MODELS_DIR,
    cutoff: datetime | None = None,
    season: str = "all",
    progress: Progress = _noop,
) -> list[ScoreReport]:
    """Score every segment for both risk kinds with the configured weights; write ``segment_scores``.

    ``season`` is ``annual``, ``west`` or ``east`` (the monsoon the coast orientation is scored against), or
    ``all`` (the default) for the three: the map and the API choose among them.
    """
    seasons = _seasons(season)
    configs = _configs(models_dir)
    segments, inputs = _inputs(session)
    when = cutoff or datetime.now(UTC)
    lengths = segments["length_m"].to_numpy(dtype=np.float64)
    reports = []
    shared = shared_factors(segments, inputs)
    for kind, sn in itertools.product(RISK_KINDS, seasons):
        progress(f"factors for {kind} ({sn})")
        factors = compute_factors(segments, inputs, kind=kind, cutoff=when, season=sn, shared=shared)
        model = risk.model_for(configs[kind])
        scored = model.score(factors, lengths=lengths, data_cutoff=when)
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
            }
            for sid, s, c, contrib in zip(
                segments["id"], scored["score"], scored["risk_class"], scored["contributions"], strict=True
            )
        ]
        risk_repo.write_scores(session, kind, sn, model.version, rows)
        progress(f"scored {kind} ({sn})")
        counts = scored["risk_class"].value_counts().to_dict()
        reports.append(
            ScoreReport(kind, sn, model.version, len(rows), when, {str(k): int(v) for k, v in counts.items()})
        )
    session.flush()
    return reports


def fit(session: Session, *, until: str, models_dir: Path = risk.MODELS_DIR) -> list[risk.FitResult]:
    """Fit both models on incidents before ``until`` and write their weight files."""
    t = _parse_date(until, "until")
    segments, inputs = _inputs(session)
    results = []
    for kind in RISK_KINDS:
        try:
            results.append(evaluation.fit_kind(segments, inputs, kind=kind, until=t))
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
    for r in results:
        risk.write_config(r.config, directory=models_dir)
    return results


HOLDOUT_DAYS = 365
"""Without a split, the evaluation tests on the last year of incidents and fits on everything before."""


def default_split(session: Session) -> str:
    """The day ``HOLDOUT_DAYS`` before the newest incident began (YYYY-MM-DD)."""
    newest = risk_repo.newest_incident(session)
    if newest is None:
        raise InvalidInput("split: there are no incidents to evaluate the model on")
    return (pd.Timestamp(newest).tz_convert("UTC").normalize() - pd.Timedelta(days=HOLDOUT_DAYS)).strftime("%Y-%m-%d")


def evaluate(session: Session, *, split: str | None = None, models_dir: Path = risk.MODELS_DIR) -> dict[str, Any]:
    """Temporal hold-out at ``split`` (default: ``default_split``) for both kinds (weights fitted before it);
    store and return the report."""
    t = _parse_date(default_split(session) if split is None else split, "split")
    segments, inputs = _inputs(session)
    kinds: dict[str, Any] = {}
    for kind in RISK_KINDS:
        try:
            ev, _, _ = evaluation.evaluate_kind(segments, inputs, kind=kind, split=t)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
        kinds[kind] = ev.to_dict()
    report = {"split": t.isoformat(), "shares": ["5%", "10%", "20%"], "kinds": kinds}
    risk_repo.insert_evaluation(session, t, report)
    return report


def model_info(session: Session, *, models_dir: Path = risk.MODELS_DIR) -> dict[str, Any]:
    """Current weights and version per kind, the scores' data cut-off, and the latest stored evaluation."""
    configs = _configs(models_dir)
    scored = risk_repo.current_score_versions(session)
    latest = risk_repo.latest_evaluation(session)
    return {
        "models": {
            kind: {
                "model_version": c.version,
                "intercept": c.intercept,
                "weights": dict(c.weights),
                "fitted": dict(c.fitted),
                "scored_version": scored[kind][0] if kind in scored else None,
                "data_cutoff": scored[kind][1].isoformat() if kind in scored else None,
            }
            for kind, c in configs.items()
        },
        "evaluation": latest.report if latest is not None else None,
        "evaluated_at": latest.computed_at.isoformat() if latest is not None else None,
    }


def _check_kind(kind: str) -> str:
    if kind not in RISK_KINDS:
        raise InvalidInput(f"risk: must be one of {', '.join(RISK_KINDS)}, got {kind!r}")
    return kind


def segments_geojson(session: Session, *, kind: str, season: str = "annual") -> str:
    return risk_repo.segments_geojson(session, _check_kind(kind), check_season(season))


def scored_segments(session: Session, *, kind: str, season: str = "annual") -> gpd.GeoDataFrame:
    return risk_repo.scored_segments_frame(session, _check_kind(kind), check_season(season))


def count_segments(session: Session) -> int:
    return risk_repo.count_segments(session)


def require_scores(session: Session, kind: str, season: str = "annual") -> None:
    if risk_repo.scored_segments_frame(session, kind, season).empty:
        raise NotFound(f"no {kind} scores for season {season} yet; run 'pesisir score'")


_ACCURACY = {
    "id": "Akurasi (uji sejak {split}, {n} kejadian): PAI pada 10 % pantai {model:.2f} vs {best:.2f} untuk "
    "baseline terbaik ({name})",
    "en": "Accuracy (hold-out from {split}, {n} incidents): PAI at 10 % of coast {model:.2f} vs {best:.2f} for the "
    "best baseline ({name})",
}


_UNMEASURED = {
    "id": "Akurasi belum diukur: jalankan 'pesisir model evaluate'",
    "en": "Accuracy not measured yet: run 'pesisir model evaluate'",
}


def pai_at_10(ev: dict[str, Any]) -> tuple[float, str, float]:
    """From one kind's evaluation: the model's PAI at 10 % of coast, and the best baseline's name and PAI there."""
    name, best = max(((n, b["pai"]["10%"]) for n, b in ev["baselines"].items()), key=lambda t: t[1])
    return ev["model"]["pai"]["10%"], name, best


def accuracy_note(session: Session, *, kind: str, lang: str = "en") -> str:
    """One line on the latest evaluation of ``kind`` for the map, or how to make one when none is stored."""
    latest = risk_repo.latest_evaluation(session)
    if latest is None or kind not in latest.report.get("kinds", {}):
        return _UNMEASURED.get(lang, _UNMEASURED["en"])
    ev = latest.report["kinds"][kind]
    model, name, best = pai_at_10(ev)
    return _ACCURACY.get(lang, _ACCURACY["en"]).format(
        split=latest.report["split"][:10], n=ev["n_test"], model=model, best=best, name=name
    )
