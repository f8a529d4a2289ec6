from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from app import params
from app.api.params import SeasonQuery
from app.deps import MapViewer, SessionDep
from app.hardening import with_nonce
from app.services import audit, maps

router = APIRouter(tags=["map"])


@router.get("/map", response_class=HTMLResponse, responses={303: {"description": "Not signed in: to /login"}})
def show_map(
    request: Request,
    who: MapViewer,
    session: SessionDep,
    tiles: bool = True,
    risk_kind: Annotated[Literal["landing", "tppo"], Query(alias="risk")] = "landing",
    season: SeasonQuery = "annual",
    lang: Annotated[Literal["id", "en"], Query(description="Bahasa Indonesia (default) or English")] = "id",
    first: Annotated[str | None, Query(alias="from", description="First day shown (WIB), YYYY-MM-DD")] = None,
    last: Annotated[str | None, Query(alias="to", description="Last day shown (WIB), YYYY-MM-DD")] = None,
) -> Response:
    """The interactive map: scored segments (``?risk=landing|tppo``, ``?season=annual|west|east``), the sea
    corridors of that risk kind and season (annual: every route season) and a route tool, incidents and landings
    with a time slider (``?from=&to=`` narrows them), labels in ``?lang=id|en``; ``?tiles=false`` drops the
    optional web tiles. Planners, intelligence and admin, each seeing their role's layers (planners: incidents
    without narratives, no landings). Not signed in: a redirect to the login page."""
    start, end = params.day_window(first, last)
    html = maps.render_map(
        session,
        web_tiles=tiles,
        risk_kind=risk_kind,
        season=season,
        lang=lang,
        start=start,
        end=end,
        scope=maps.scope_for(who.role, who.harbour_id),
        reader=audit.BulkRead(who, request.url.path, dict(request.query_params)),
    )
    # folium writes inline scripts: each gets this response's CSP nonce (app.hardening).
    return HTMLResponse(with_nonce(html, request.state.csp_nonce))
