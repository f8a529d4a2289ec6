"""Exports of the published layers (GeoJSON, CSV, GeoPackage), filtered and streamed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from app.api.params import AudienceDep, BBoxDep, IntervalDep, SeasonQuery
from app.deps import MapReader, SettingsDep, StreamingSessionDep
from app.security import Principal
from app.services import export

router = APIRouter(prefix="/api/v1", tags=["export"])
_FILES = {
    200: {"content": {t: {} for t in export.MEDIA_TYPES.values()}, "description": "the layer as a file"},
    429: {"description": "another export of yours is still running (Retry-After)"},
    503: {"description": "the export reached its time limit before its first byte (PESISIR_EXPORT_TIMEOUT_S)"},
}


def export_turn(caller: MapReader, session: StreamingSessionDep) -> Principal:
    """The caller's turn to export (docs/RELIABILITY.md LD-03: one export at a time per user), taken in the
    export's own transaction, so it is held until the last byte is sent or the client goes away, and seen by
    every worker process (an advisory lock in PostgreSQL)."""
    export.take_turn(session, caller.id)
    return caller


@router.get("/export/{layer}.{fmt}", response_class=StreamingResponse, responses=_FILES)  # type: ignore[arg-type]
def export_layer(
    layer: str,
    fmt: export.Format,
    session: StreamingSessionDep,
    _turn: Annotated[Principal, Depends(export_turn)],
    audience: AudienceDep,
    settings: SettingsDep,
    bbox: BBoxDep,
    interval: IntervalDep,
    kind: Annotated[str | None, Query(description="harbour or incident kind; for segments the risk kind")] = None,
    risk_class: Annotated[str | None, Query(alias="class", description="segments: low|medium|high|critical")] = None,
    min_score: Annotated[float | None, Query(description="segments: the lowest score, 0 to 1")] = None,
    season: SeasonQuery = "annual",
) -> StreamingResponse:
    """A layer as GeoJSON (RFC 7946), CSV or GeoPackage, with generated_at, model_version and data_cutoff. One
    export at a time per user (429 otherwise), each stopped at PESISIR_EXPORT_TIMEOUT_S (default 600 s)."""
    out = export.export_layer(
        session,
        layer,
        fmt,
        audience=audience,
        bbox=bbox,
        interval=interval,
        kind=kind,
        risk_class=risk_class,
        min_score=min_score,
        season=season,
        timeout_s=settings.server.export_timeout_s,
    )
    return StreamingResponse(out.chunks, media_type=out.media_type, headers=out.headers)
