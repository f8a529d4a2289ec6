"""The interactive map, assembled from the database for the geo map builders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from app.db import repositories as repo
from app.db.repositories import maps as map_repo
from app.errors import InvalidParameter
from app.services import risk
from geo.maps import add_event_layers, add_risk_layer, add_risk_tiles, base_map

ASSETS_URL = "/static/vendor"
SCRIPT_URL = "/static/pesisir-map.js"
WIB = ZoneInfo("Asia/Jakarta")

SEGMENT_GEOJSON_LIMIT: Final = 20_000
"""Beyond this many coastal segments the map draws them from vector tiles (``/tiles/segments/...``) instead of
one GeoJSON layer in the page: Sumenep's ~2,000 segments weigh about 1 MB as GeoJSON, so 20,000 would pass the
page's 3 MB budget."""
TILE_URL = "/tiles/segments/{{z}}/{{x}}/{{y}}.pbf?risk={kind}&season={season}"

EVENT_LIMIT: Final = 10_000
"""Most incidents, and most landings, drawn on one map (the newest); with the demo data the page stays well
under 3 MB. Narrow the time window (``?from=&to=``) to see older ones."""


@dataclass(frozen=True)
class MapScope:
    """What one viewer may see on the map: the same as the API lets them read."""

    incidents: bool
    narratives: bool
    landings: bool
    harbour_id: int | None = None  # landings of this harbour only


FULL_SCOPE = MapScope(incidents=True, narratives=True, landings=True)


def scope_for(role: str, harbour_id: int | None = None) -> MapScope:
    """admin and intelligence see everything; planners see incidents without narratives and no landings;
    harbourmasters see their own harbour's landings and no incidents."""
    if role in ("admin", "intelligence"):
        return FULL_SCOPE
    if role == "planner":
        return MapScope(incidents=True, narratives=False, landings=False)
    if role == "harbourmaster":
        return MapScope(incidents=False, narratives=False, landings=True, harbour_id=harbour_id)
    raise ValueError(f"role: unknown role {role!r}")


def time_window(first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """``?from=&to=`` (days in WIB, both included) as a [start, end) interval of aware datetimes."""
    if first is not None and last is not None and last < first:
        raise InvalidParameter(f"to: must not be before from ({last} < {first})")
    start = datetime.combine(first, time(), WIB) if first is not None else None
    end = datetime.combine(last + timedelta(days=1), time(), WIB) if last is not None else None
    return start, end


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
) -> str:
    """The map as one HTML document, its layers limited to ``scope``."""
    m = base_map(
        repo.islands_frame(session),
        repo.harbours_frame(session),
        None,
        web_tiles=web_tiles,
        assets_url=ASSETS_URL,
        lang=lang,
    )
    note = risk.accuracy_note(session, kind=risk_kind, lang=lang)
    if risk.count_segments(session) > SEGMENT_GEOJSON_LIMIT:
        url = TILE_URL.format(kind=risk_kind, season=season)
        add_risk_tiles(m, url, kind=risk_kind, season=season, note=note, lang=lang, assets_url=ASSETS_URL)
    else:
        scored = risk.scored_segments(session, kind=risk_kind, season=season)
        if not scored.empty:
            add_risk_layer(m, scored, kind=risk_kind, season=season, note=note, lang=lang)
    incidents = (
        map_repo.incident_rows(session, start=start, end=end, narratives=scope.narratives, limit=EVENT_LIMIT)
        if scope.incidents
        else None
    )
    landings = (
        map_repo.landing_rows(session, start=start, end=end, harbour_id=scope.harbour_id, limit=EVENT_LIMIT)
        if scope.landings
        else None
    )
    add_event_layers(m, incidents=incidents, landings=landings, assets_url=ASSETS_URL, script_url=SCRIPT_URL, lang=lang)
    return m.get_root().render()
