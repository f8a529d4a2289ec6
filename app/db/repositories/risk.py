"""SQL of the risk model: coastal segments, segment scores and stored evaluations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import geopandas as gpd
from sqlalchemy import delete, func, insert, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from app.db.models import CoastalSegment, Incident, Island, Landing, ModelEvaluation, SegmentScore
from app.db.repositories import layers
from app.db.repositories.sql import collection, comparable, feature, frame, was_inserted


def island_ids_by_code(session: Session) -> dict[str, int]:
    return {code: id_ for code, id_ in session.execute(select(Island.code, Island.id))}


def replace_segments(session: Session, rows: Sequence[Mapping[str, Any]]) -> tuple[int, int, int]:
    """Upsert segments by id (unchanged rows untouched), delete the ones no longer produced.

    Returns (inserted, updated, deleted); running it again on the same rows gives (0, 0, 0).
    """
    table: Any = CoastalSegment.__table__
    inserted = updated = 0
    cols = ("island_id", "ordinal", "geom", "length_m", "seaward_bearing")
    for start in range(0, len(rows), 1000):
        ins = pg_insert(table).values(list(rows[start : start + 1000]))
        current = tuple_(*[comparable(table.c[c]) for c in cols])
        proposed = tuple_(*[comparable(ins.excluded[c]) for c in cols])
        stmt = ins.on_conflict_do_update(
            index_elements=["id"],
            set_={c: ins.excluded[c] for c in cols},
            where=current.is_distinct_from(proposed),
        ).returning(was_inserted())
        for (was_insert,) in session.execute(stmt):
            inserted += int(bool(was_insert))
            updated += int(not was_insert)
    keep = [r["id"] for r in rows]
    result: Any = session.execute(delete(CoastalSegment).where(CoastalSegment.id.not_in(keep)))
    deleted = result.rowcount or 0
    return inserted, updated, int(deleted)


def count_segments(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(CoastalSegment)).scalar_one())


def segments_frame(session: Session) -> gpd.GeoDataFrame:
    s, i = CoastalSegment, Island
    stmt = (
        select(s.id, i.code.label("island_code"), s.ordinal, s.length_m, s.seaward_bearing, s.geom)
        .join(i, s.island_id == i.id)
        .order_by(s.id)
    )
    return frame(session, stmt)


def segment_ids(session: Session) -> list[str]:
    return list(session.execute(select(CoastalSegment.id).order_by(CoastalSegment.id)).scalars())


def incidents_for_model(session: Session, *, synthetic: bool | None = None) -> gpd.GeoDataFrame:
    """The incidents the factors and fits see: all of them, or only the real (``synthetic=False``) or only the
    synthetic demo ones (``True``)."""
    n = Incident
    stmt = select(n.id, n.kind, n.occurred_start, n.precision_m, n.review_state, n.geom).order_by(n.id)
    if synthetic is not None:
        stmt = stmt.where(n.synthetic.is_(synthetic))
    return frame(session, stmt)


def count_incidents(session: Session, *, synthetic: bool) -> dict[str, int]:
    """Real (or synthetic) incidents per incident kind."""
    stmt = select(Incident.kind, func.count()).where(Incident.synthetic.is_(synthetic)).group_by(Incident.kind)
    return {str(kind): int(n) for kind, n in session.execute(stmt)}


def newest_incident(session: Session) -> datetime | None:
    """When the most recent incident began, or None without incidents."""
    return session.execute(select(func.max(Incident.occurred_start))).scalar_one()


def landings_for_model(session: Session) -> gpd.GeoDataFrame:
    ld = Landing
    stmt = select(
        ld.id, ld.direction, ld.suspicion_flags, ld.observed_start, ld.precision_m, ld.review_state, ld.geom
    ).order_by(ld.id)
    return frame(session, stmt)


def write_scores(
    session: Session, kind: str, season: str, model_version: str, rows: Sequence[Mapping[str, Any]]
) -> int:
    """Replace this kind's and season's scores under ``model_version``; mark its other versions stale."""
    sc = SegmentScore
    same = (sc.risk_kind == kind, sc.season == season)
    session.execute(delete(sc).where(*same, sc.model_version == model_version))
    session.execute(update(sc).where(*same, sc.model_version != model_version).values(stale=True))
    if rows:
        # executemany: one compiled statement sent in "insertmanyvalues" batches (a 1,000-row VALUES list built
        # per chunk cost seconds to compile per kind and season).
        session.execute(insert(SegmentScore), [dict(r) for r in rows])
    return len(rows)


def current_classes(session: Session) -> dict[tuple[str, str, str], str]:
    """The served class of every segment: (segment id, risk kind, season) -> class."""
    sc = SegmentScore
    rows = session.execute(select(sc.segment_id, sc.risk_kind, sc.season, sc.risk_class).where(sc.stale.is_(False)))
    return {(str(s), str(k), str(n)): str(c) for s, k, n, c in rows}


def _current_scores(kind: str, season: str) -> Any:
    sc = SegmentScore
    return select(sc).where(sc.risk_kind == kind, sc.season == season, sc.stale.is_(False)).subquery()


def segments_geojson(session: Session, kind: str, season: str = "annual") -> str:
    segments = layers.LAYERS["segments"]
    stmt, cols = layers.filtered(segments, layers.risk_key(kind, season), layers.Filters())
    return collection(
        session,
        stmt.with_only_columns(feature(segments.id_col, segments.geom, cols).label("f")).order_by(segments.id_col),
    )


def scored_segments_frame(session: Session, kind: str, season: str = "annual") -> gpd.GeoDataFrame:
    s, i = CoastalSegment, Island
    sc = _current_scores(kind, season)
    stmt = (
        select(
            s.id,
            i.name.label("island_name"),
            s.length_m,
            sc.c.score,
            sc.c.risk_class,
            sc.c.contributions,
            sc.c.model_version,
            sc.c.data_cutoff,
            sc.c.weights_source,
            sc.c.class_stability,
            s.geom,
        )
        .join(sc, sc.c.segment_id == s.id)
        .join(i, s.island_id == i.id)
        .order_by(s.id)
    )
    return frame(session, stmt)


def current_score_versions(session: Session) -> dict[str, tuple[str, datetime]]:
    stmt = (
        select(SegmentScore.risk_kind, SegmentScore.model_version, func.max(SegmentScore.data_cutoff))
        .where(SegmentScore.stale.is_(False), SegmentScore.season == "annual")
        .group_by(SegmentScore.risk_kind, SegmentScore.model_version)
    )
    return {kind: (version, cutoff) for kind, version, cutoff in session.execute(stmt)}


def current_weights_sources(session: Session) -> dict[str, str]:
    """Where the weights of each risk kind's current (annual) scores come from."""
    stmt = (
        select(SegmentScore.risk_kind, func.max(SegmentScore.weights_source))
        .where(SegmentScore.stale.is_(False), SegmentScore.season == "annual")
        .group_by(SegmentScore.risk_kind)
    )
    return {kind: source for kind, source in session.execute(stmt) if source is not None}


def insert_evaluation(session: Session, split: datetime, report: Mapping[str, Any]) -> int:
    row = ModelEvaluation(split=split, report=dict(report))
    session.add(row)
    session.flush()
    return int(row.id)


def delete_synthetic_evaluations(session: Session) -> int:
    """Forget the evaluations measured on synthetic demo data (once the demo data is gone they describe nothing
    stored); returns how many."""
    result: Any = session.execute(
        delete(ModelEvaluation).where(ModelEvaluation.report["synthetic"].as_boolean().is_(True))
    )
    return int(result.rowcount or 0)


def latest_evaluation(session: Session) -> ModelEvaluation | None:
    stmt = select(ModelEvaluation).order_by(ModelEvaluation.computed_at.desc(), ModelEvaluation.id.desc()).limit(1)
    return session.execute(stmt).scalar_one_or_none()
