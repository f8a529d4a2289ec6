"""Sea routes and corridors: the least-time route between two places for a boat class and season, and where the
flows' traffic goes. Planners, intelligence and admin (no personal data in them); harbourmasters get 403, as for
the risk map."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.deps import MapReader, SessionDep, SettingsDep
from app.services import routes

router = APIRouter(prefix="/api/v1", tags=["routes"])

GEOJSON = "application/geo+json"
_FEATURE = {
    200: {"content": {GEOJSON: {"schema": {"type": "object", "description": "RFC 7946 Feature (LineString)"}}}},
    422: {"description": "a parameter breaks its rule (unknown place, a point on land, origin = destination, ...)"},
    503: {"description": "the sea graph is not built yet: run 'pesisir routes build'"},
}
_FC = {200: {"content": {GEOJSON: {"schema": {"type": "object", "description": "RFC 7946 FeatureCollection"}}}}}
End = Annotated[str, Query(min_length=1, max_length=100, description="A place slug (GET /api/v1/places) or lon,lat")]


@router.get("/routes", response_class=Response, responses=_FEATURE)  # type: ignore[arg-type]
def sea_route(
    who: MapReader,
    session: SessionDep,
    settings: SettingsDep,
    origin: End,
    destination: End,
    boat: Annotated[str, Query(max_length=40, description="perahu, fishing_boat, speedboat or steel_ship")],
    season: Annotated[str, Query(max_length=40, description="west (Dec-Mar), east (Jun-Sep) or transition")],
    avoid: Annotated[
        Literal["monitored"] | None,
        Query(description="monitored: keep clear of monitored harbours and patrol bases (a smuggler's route)"),
    ] = None,
) -> Response:
    """The least-time sea route as a GeoJSON Feature: a LineString with ``hours``, ``distance_km``, ``boat``,
    ``season``, ``passable`` (and the ``reason`` when the sea state closes it for that boat), and the sea graph's
    version. Origins and destinations are place slugs or ``lon,lat``."""
    feature = routes.route_feature(
        session, settings.routes_dir, origin=origin, destination=destination, boat=boat, season=season, avoid=avoid
    )
    return Response(json.dumps(feature), media_type=GEOJSON)


@router.get("/corridors", response_class=Response, responses=_FC)  # type: ignore[arg-type]
def list_corridors(
    who: MapReader,
    session: SessionDep,
    risk: Annotated[str | None, Query(max_length=20, description="landing or tppo; both when omitted")] = None,
    season: Annotated[
        str | None, Query(max_length=20, description="west, east or transition; every season when omitted")
    ] = None,
) -> Response:
    """The corridors of the latest ``pesisir routes build``: lines with the traffic weight of the flows that pass
    along them, per risk kind and route season (heaviest last)."""
    return Response(routes.corridors_geojson(session, kind=risk, season=season), media_type=GEOJSON)
