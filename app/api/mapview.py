from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from app.deps import SessionDep
from app.services import maps

router = APIRouter(tags=["map"])


@router.get("/map", response_class=HTMLResponse)
def show_map(session: SessionDep, tiles: bool = True) -> HTMLResponse:
    """The interactive map: islands, harbours and incidents (``?tiles=false`` drops the web-tile layer)."""
    return HTMLResponse(maps.render_map(session, web_tiles=tiles))
