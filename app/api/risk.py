from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.api.params import SeasonQuery
from app.deps import MapReader, SessionDep, SettingsDep
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
def show_model(who: MapReader, session: SessionDep, settings: SettingsDep) -> dict[str, Any]:
    """Per risk kind: the served weights and where they come from (``provenance``: expert prior, or fitted on N
    real incidents until a date, or on synthetic demo data), the prior with its rationale and sources, the scores'
    version and cut-off, and the accuracy of the model that colours the map (``accuracy``: measured with 95 %
    intervals and a calibration table, or too few incidents to measure); whether synthetic demo data is stored;
    the latest stored evaluation (planners, intelligence, admin)."""
    return risk.model_info(session, store=risk.ModelStore(settings.models_dir))
