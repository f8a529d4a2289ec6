"""Mapbox vector tiles of the published layers, for layers too large for one GeoJSON document."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from app.api.params import SeasonQuery
from app.deps import SessionDep, TokenUser, authorize, request_transaction
from app.security import MAP_READERS
from app.services import audit, layers, tiles

router = APIRouter(tags=["tiles"])
_MVT = {
    200: {"content": {tiles.MEDIA_TYPE: {}}, "description": "the tile"},
    204: {"description": "no feature in this tile"},
    304: {"description": "the client's copy (If-None-Match) is current"},
}


@router.get("/tiles/{layer}/{z}/{x}/{y}.pbf", response_class=Response, responses=_MVT)  # type: ignore[arg-type]
async def vector_tile(
    request: Request,
    layer: str,
    z: int,
    x: int,
    y: int,
    session: SessionDep,
    user: TokenUser,
    risk: Annotated[Literal["landing", "tppo"], Query(description="segments: the risk kind of the scores")] = "landing",
    season: SeasonQuery = "annual",
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """One web-mercator tile (z/x/y, XYZ scheme) of islands, harbours, segments, incidents or landings, for
    planners, intelligence and admin (each seeing their role's properties, as in exports and OGC API Features)."""

    # The caller's look-up, the tile and the commit in one thread-pool hop: maps ask for tiles by the dozen.
    def work() -> tiles.Tile:
        with request_transaction(session):
            caller = authorize(session, user, MAP_READERS)
            audience = layers.audience_for(caller.role)
            reader = audit.BulkRead(caller, request.url.path, dict(request.query_params))
            return tiles.tile(session, layer, z, x, y, risk=risk, audience=audience, season=season, reader=reader)

    t = await run_in_threadpool(work)
    status = t.status(if_none_match)
    return Response(
        t.body if status == 200 else None, status_code=status, media_type=tiles.MEDIA_TYPE, headers=t.headers()
    )
