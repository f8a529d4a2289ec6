from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.api.params import SeasonQuery
from app.deps import OptionalUser, SessionDep
from app.errors import Forbidden
from app.security import MAP_READERS
from app.services import maps

router = APIRouter(tags=["map"])


@router.get("/map", response_class=HTMLResponse, responses={303: {"description": "Not signed in: to /login"}})
def show_map(
    who: OptionalUser,
    session: SessionDep,
    tiles: bool = True,
    risk_kind: Annotated[Literal["landing", "tppo"], Query(alias="risk")] = "landing",
    season: SeasonQuery = "annual",
) -> Response:
    """The interactive map with scored segments (planners, intelligence, admin; ``?risk=landing|tppo``,
    ``?season=annual|west|east``; ``?tiles=false`` drops web tiles). Not signed in: a redirect to the login page."""
    if who is None:
        return RedirectResponse("/login?next=/map", status_code=303)
    if who.role not in MAP_READERS:
        raise Forbidden(f"the {who.role} role may not see the risk map")
    return HTMLResponse(maps.render_map(session, web_tiles=tiles, risk_kind=risk_kind, season=season))
