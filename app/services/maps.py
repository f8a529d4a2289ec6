"""The interactive map, assembled from the database for the geo map builders."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from branca.element import Element
from sqlalchemy.orm import Session

from app.db import repositories as repo
from app.db.repositories import maps as map_repo
from app.security import view
from app.services import audit, risk, routes
from app.web import static_url
from geo import i18n
from geo.maps import (
    add_corridors,
    add_event_layers,
    add_risk_layer,
    add_risk_tiles,
    add_route_tool,
    add_sign_out,
    add_synthetic_banner,
    base_map,
)
from geo.vocabulary import ROUTE_SEASONS

SIGN_OUT_URL = "/auth/logout"
PLACES_URL = "/api/v1/places"
ROUTES_URL = "/api/v1/routes"

SEGMENT_GEOJSON_LIMIT: Final = 20_000
"""Beyond this many coastal segments the map draws them from vector tiles (``/tiles/segments/...``) instead of
one GeoJSON layer in the page: Sumenep's ~2,000 segments weigh about 1 MB as GeoJSON, so 20,000 would pass the
page's 3 MB budget."""
TILE_URL = "/tiles/segments/{{z}}/{{x}}/{{y}}.pbf?risk={kind}&season={season}"

CORRIDOR_SEASONS: Final = {"annual": ROUTE_SEASONS, "west": ("west",), "east": ("east",)}
"""The route seasons whose corridors a map of a scoring season shows: the annual score is the mean over the twelve
months (four west, four east, four transition), so its map shows the corridors of all three route seasons, each
its own overlay; a monsoon's map shows that monsoon's."""
ROUTE_TOOL_SEASON: Final = {"annual": "west", "west": "west", "east": "east"}
"""The route season the route tool starts with: the map's monsoon, or the west monsoon (the one that closes the
most seas to small boats) on the annual map."""

EVENT_LIMIT: Final = 10_000
"""Most incidents, and most landings, drawn on one map (the newest); with the demo data the page stays well
under 3 MB. Narrow the time window (``?from=&to=``) to see older ones: the map says when it cut a layer."""


def _assets() -> tuple[str, str, str]:
    """Where the map's scripts are: the vendored plugins, the events script and the route tool, under URLs that
    name this release's static files (``app.web.static_url``), so the browser may keep them for good."""
    return static_url("vendor"), static_url("pesisir-map.js"), static_url("pesisir-routes.js")


def _newest(rows: list[list[Any]] | None, limit: int) -> tuple[list[list[Any]] | None, bool]:
    """The first ``limit`` of ``rows`` (asked with one more than ``limit``), and whether there were more."""
    if rows is None or len(rows) <= limit:
        return rows, False
    return rows[:limit], True


@dataclass(frozen=True)
class MapScope:
    """What one viewer may see on the map: the same as the API lets them read."""

    incidents: bool
    narratives: bool
    landings: bool
    harbour_id: int | None = None  # landings of this harbour only
    routes: bool = False  # corridors and the route tool (no personal data: every map reader)


FULL_SCOPE = MapScope(incidents=True, narratives=True, landings=True, routes=True)


def scope_for(role: str, harbour_id: int | None = None) -> MapScope:
    """What ``role`` sees on the map, as ``app.security.view`` says (admin and intelligence: everything;
    planners: incidents without narratives, no landings, the corridors and route tool; harbourmasters: their own
    harbour's landings, no incidents). ValueError for an unknown role."""
    seen = view(role)
    return MapScope(
        incidents=seen.incidents,
        narratives=seen.narratives,
        landings=seen.landings,
        harbour_id=harbour_id if seen.own_harbour_only else None,
        routes=seen.routes,
    )


def render_map(
    session: Session,
    *,
    web_tiles: bool = True,
    risk_kind: str = "landing",
    season: str = "annual",
    lang: str = "id",
    start: datetime | None = None,
    end: datetime | None = None,
    scope: MapScope = FULL_SCOPE,
    reader: audit.BulkRead | None = None,
) -> str:
    """The map as one HTML document, its layers limited to ``scope``; with narratives, audited as ``reader``."""
    assets_url, script_url, routes_script_url = _assets()
    m = base_map(
        repo.islands_frame(session),
        repo.harbours_frame(session),
        None,
        web_tiles=web_tiles,
        assets_url=assets_url,
        lang=lang,
    )
    add_sign_out(m, action=SIGN_OUT_URL, lang=lang)
    if scope.routes:
        # Before the risk layer: the coast's risk colours are drawn over the corridors that reach it.
        corridors = corridor_collection(session, kind=risk_kind, season=season)
        add_corridors(m, corridors, kind=risk_kind, season=season, lang=lang)
    note = risk.accuracy_note(session, kind=risk_kind, lang=lang)
    synthetic = risk.synthetic_data(session)
    if synthetic is not None:
        add_synthetic_banner(m, incidents=synthetic["incidents"], landings=synthetic["landings"], lang=lang)
    if risk.count_segments(session) > SEGMENT_GEOJSON_LIMIT:
        url = TILE_URL.format(kind=risk_kind, season=season)
        add_risk_tiles(m, url, kind=risk_kind, season=season, note=note, lang=lang, assets_url=assets_url)
    else:
        scored = risk.scored_segments(session, kind=risk_kind, season=season)
        if "weights_source" in scored.columns:  # the popups' "weights" in the map's language, as the legend's
            scored["weights_source"] = [risk.provenance_words(v, lang) if v else v for v in scored["weights_source"]]
        if not scored.empty:
            add_risk_layer(m, scored, kind=risk_kind, season=season, note=note, lang=lang)
    # One row more than drawn: whether the layer was cut, which the map then says.
    incidents, incidents_cut = _newest(
        map_repo.incident_rows(session, start=start, end=end, narratives=scope.narratives, limit=EVENT_LIMIT + 1)
        if scope.incidents
        else None,
        EVENT_LIMIT,
    )
    if scope.narratives and incidents:
        audit.bulk_read(session, reader, len(incidents))
    landings, landings_cut = _newest(
        map_repo.landing_rows(session, start=start, end=end, harbour_id=scope.harbour_id, limit=EVENT_LIMIT + 1)
        if scope.landings
        else None,
        EVENT_LIMIT,
    )
    capped = {name: EVENT_LIMIT for name, cut in (("incidents", incidents_cut), ("landings", landings_cut)) if cut}
    add_event_layers(
        m,
        incidents=incidents,
        landings=landings,
        assets_url=assets_url,
        script_url=script_url,
        lang=lang,
        capped=capped,
    )
    if scope.routes:
        add_route_tool(
            m,
            places_url=PLACES_URL,
            routes_url=ROUTES_URL,
            script_url=routes_script_url,
            season=ROUTE_TOOL_SEASON[season],
            lang=lang,
        )
    # The alerts bell (issue 14): the reader's own alerts, drawn by app/static/pesisir-alerts.js into this element.
    m.default_js = [*m.default_js, ("pesisiralerts", static_url("pesisir-alerts.js"))]
    m.default_css = [*m.default_css, ("pesisiralertscss", static_url("pesisir-alerts.css"))]
    bell_lang = "en" if lang == "en" else "id"
    bell_words = html.escape(json.dumps(i18n.tree(bell_lang, "alerts"), ensure_ascii=False), quote=True)
    bell = (
        f'<div id="pesisir-alerts" class="pesisir-alerts" data-lang="{bell_lang}" data-words="{bell_words}" '
        "hidden></div>"
    )
    m.get_root().html.add_child(Element(bell))  # type: ignore[attr-defined]
    return m.get_root().render()


def corridor_collection(session: Session, *, kind: str, season: str) -> str:
    """The stored corridors of risk kind ``kind`` for the scoring season ``season`` (:data:`CORRIDOR_SEASONS`), as
    one GeoJSON FeatureCollection."""
    seasons = CORRIDOR_SEASONS[season]
    # Every route season at once is one query without a season filter.
    one = None if set(seasons) == set(ROUTE_SEASONS) else seasons[0]
    return routes.corridors_geojson(session, kind=kind, season=one)
