"""The interactive map, assembled from the database for the geo map builders."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.db import repositories as repo
from geo.maps import base_map

ASSETS_URL = "/static/vendor"


def render_map(session: Session, *, web_tiles: bool = True) -> str:
    """The map as one HTML document."""
    m = base_map(
        repo.islands_frame(session),
        repo.harbours_frame(session),
        repo.incidents_frame(session),
        web_tiles=web_tiles,
        assets_url=ASSETS_URL,
    )
    return m.get_root().render()
