from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.api.params import SeasonQuery
from app.deps import MapReader, SessionDep
from app.services import risk

router = APIRouter(prefix="/api/v1", tags=["risk"])

GEOJSON = "application/geo+json"
_FC = {200: {"content": {GEOJSON: {"schema": {"type": "object", "description": "RFC 7946 FeatureCollection"}}}}}


@router.get("/segments", response_class=Response, responses=_FC)  # type: ignore[arg-type]
def list_segments(
    who: MapReader,
    session: SessionDep,
    risk_kind: Annotated[Literal["landing", "tppo"], Query(alias="risk")] = "landing",
    season: SeasonQuery = "annual",
) -> Response:
    """Coastal segments with the chosen risk kind's score, class, contributions, model version and cut-off, for
    the chosen season (``annual``, or the ``west`` / ``east`` monsoon the coast orientation is scored against).
    Planners, intelligence, admin."""
    return Response(risk.segments_geojson(session, kind=risk_kind, season=season), media_type=GEOJSON)


@router.get("/model")
def show_model(who: MapReader, session: SessionDep) -> dict[str, Any]:
    """Current model versions and weights, the scores' data cut-off, and the latest evaluation (planners,
    intelligence, admin)."""
    return risk.model_info(session)
