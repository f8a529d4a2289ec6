from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from app.api.params import SeasonQuery
from app.deps import SessionDep
from app.services import maps

router = APIRouter(tags=["map"])


@router.get("/map", response_class=HTMLResponse)
def show_map(
    session: SessionDep,
    tiles: bool = True,
    risk_kind: Annotated[Literal["landing", "tppo"], Query(alias="risk")] = "landing",
    season: SeasonQuery = "annual",
) -> HTMLResponse:
    """The interactive map with scored segments (``?risk=landing|tppo``, ``?season=annual|west|east``;
    ``?tiles=false`` drops web tiles)."""
    return HTMLResponse(maps.render_map(session, web_tiles=tiles, risk_kind=risk_kind, season=season))
