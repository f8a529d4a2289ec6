"""Exports of the published layers (GeoJSON, CSV, GeoPackage), filtered and streamed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from app.api.params import AudienceDep, BBoxDep, IntervalDep, SeasonQuery
from app.deps import StreamingSessionDep
from app.services import export

router = APIRouter(prefix="/api/v1", tags=["export"])
_FILES = {200: {"content": {t: {} for t in export.MEDIA_TYPES.values()}, "description": "the layer as a file"}}


@router.get("/export/{layer}.{fmt}", response_class=StreamingResponse, responses=_FILES)  # type: ignore[arg-type]
def export_layer(
    layer: str,
    fmt: export.Format,
    session: StreamingSessionDep,
    audience: AudienceDep,
    bbox: BBoxDep,
    interval: IntervalDep,
    kind: Annotated[str | None, Query(description="harbour or incident kind; for segments the risk kind")] = None,
    risk_class: Annotated[str | None, Query(alias="class", description="segments: low|medium|high|critical")] = None,
    min_score: Annotated[float | None, Query(description="segments: the lowest score, 0 to 1")] = None,
    season: SeasonQuery = "annual",
) -> StreamingResponse:
    """A layer as GeoJSON (RFC 7946), CSV or GeoPackage, with generated_at, model_version and data_cutoff."""
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
    )
    return StreamingResponse(out.chunks, media_type=out.media_type, headers=out.headers)
