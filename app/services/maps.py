"""The interactive map, assembled from the database for the geo map builders."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.db import repositories as repo
from app.services import risk
from geo.maps import add_risk_layer, base_map

ASSETS_URL = "/static/vendor"


def render_map(session: Session, *, web_tiles: bool = True, risk_kind: str = "landing", season: str = "annual") -> str:
    """The map as one HTML document."""
    m = base_map(
        repo.islands_frame(session),
        repo.harbours_frame(session),
        repo.incidents_frame(session),
        web_tiles=web_tiles,
        assets_url=ASSETS_URL,
    )
    scored = risk.scored_segments(session, kind=risk_kind, season=season)
    if not scored.empty:
        add_risk_layer(m, scored, kind=risk_kind, season=season, note=risk.accuracy_note(session, kind=risk_kind))
    return m.get_root().render()
