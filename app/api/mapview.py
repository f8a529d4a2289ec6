from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.api.params import SeasonQuery
from app.deps import OptionalUser, SessionDep
from app.errors import Forbidden
from app.hardening import with_nonce
from app.security import MAP_READERS
from app.services import audit, maps
from app.services.landings import check_day

router = APIRouter(tags=["map"])


@router.get("/map", response_class=HTMLResponse, responses={303: {"description": "Not signed in: to /login"}})
def show_map(
    request: Request,
    who: OptionalUser,
    session: SessionDep,
    tiles: bool = True,
    risk_kind: Annotated[Literal["landing", "tppo"], Query(alias="risk")] = "landing",
    season: SeasonQuery = "annual",
    lang: Annotated[Literal["id", "en"], Query(description="Bahasa Indonesia (default) or English")] = "id",
    first: Annotated[date | None, Query(alias="from", description="First day shown (WIB), YYYY-MM-DD")] = None,
    last: Annotated[date | None, Query(alias="to", description="Last day shown (WIB), YYYY-MM-DD")] = None,
) -> Response:
    """The interactive map: scored segments (``?risk=landing|tppo``, ``?season=annual|west|east``), the sea
    corridors of that risk kind and season (annual: every route season) and a route tool, incidents and landings
    with a time slider (``?from=&to=`` narrows them), labels in ``?lang=id|en``; ``?tiles=false`` drops the
    optional web tiles. Planners, intelligence and admin, each seeing their role's layers (planners: incidents
    without narratives, no landings). Not signed in: a redirect to the login page."""
    if who is None:
        # Back to this very map after signing in, on a login page in the map's language.
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        language = "&lang=en" if lang == "en" else ""
        return RedirectResponse(f"/login?next={quote(target, safe='/')}{language}", status_code=303)
    if who.role not in MAP_READERS:
        raise Forbidden(f"the {who.role} role may not see the risk map")
    check_day("from", first)
    check_day("to", last)
    start, end = maps.time_window(first, last)
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
