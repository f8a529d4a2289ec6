from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from app.deps import AnyUser, SessionDep
from app.services import catalog

router = APIRouter(prefix="/api/v1", tags=["layers"])

GEOJSON = "application/geo+json"
_FC = {200: {"content": {GEOJSON: {"schema": {"type": "object", "description": "RFC 7946 FeatureCollection"}}}}}


@router.get("/islands", response_class=Response, responses=_FC)  # type: ignore[arg-type]
def list_islands(who: AnyUser, session: SessionDep) -> Response:
    """Every island (and the regency's part of Madura) as a GeoJSON FeatureCollection."""
    return Response(catalog.islands_geojson(session), media_type=GEOJSON)


@router.get("/harbours", response_class=Response, responses=_FC)  # type: ignore[arg-type]
def list_harbours(who: AnyUser, session: SessionDep) -> Response:
    """Every harbour, with its kind, monitoring status and island, as a GeoJSON FeatureCollection."""
    return Response(catalog.harbours_geojson(session), media_type=GEOJSON)


@router.get("/places", response_class=Response, responses=_FC)  # type: ignore[arg-type]
def list_places(who: AnyUser, session: SessionDep) -> Response:
    """The routes' gazetteer: every harbour of the regency and the ports and staging areas outside it (slug, name,
    kind, province, source). Any signed-in role: a harbourmaster picks a landing's ``origin_place`` from it."""
    return Response(catalog.places_geojson(session), media_type=GEOJSON)
