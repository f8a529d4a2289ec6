from __future__ import annotations

from datetime import date
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
    lang: Annotated[Literal["id", "en"], Query(description="Bahasa Indonesia (default) or English")] = "id",
    first: Annotated[date | None, Query(alias="from", description="First day shown (WIB), YYYY-MM-DD")] = None,
    last: Annotated[date | None, Query(alias="to", description="Last day shown (WIB), YYYY-MM-DD")] = None,
) -> HTMLResponse:
    """The interactive map: scored segments (``?risk=landing|tppo``, ``?season=annual|west|east``), incidents and
    landings with a time slider (``?from=&to=`` narrows them), labels in ``?lang=id|en``; ``?tiles=false`` drops
    the optional web tiles."""
    start, end = maps.time_window(first, last)
    html = maps.render_map(
        session, web_tiles=tiles, risk_kind=risk_kind, season=season, lang=lang, start=start, end=end
    )
    return HTMLResponse(html)
