"""Mapbox vector tiles of the published layers, built by PostGIS (``ST_AsMVT``), with the planners' allow-list
applied to their properties as everywhere else, and never a landing's notes (``layers.NOT_IN_TILES``). Times are
Unix seconds (UTC), arrays and JSON are JSON text.

An empty tile answers 204 No Content (no body to decode; map clients draw nothing). Tiles carry a strong ETag
(a hash of the body) and ``Cache-Control: private`` (they are behind the same authorisation as the API)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.db.repositories import layers as repo
from app.errors import InvalidParameter
from app.services import audit, layers
from app.services.layers import Audience

MAX_ZOOM = 22
MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
CACHE_CONTROL = "private, max-age=300"


@dataclass(frozen=True)
class Tile:
    body: bytes
    etag: str

    def status(self, if_none_match: str | None) -> int:
        """200 with a body, 204 when empty, 304 when the client's copy (``If-None-Match``) is current."""
        if if_none_match is not None and self.etag in (t.strip() for t in if_none_match.split(",")):
            return 304
        return 200 if self.body else 204

    def headers(self) -> dict[str, str]:
        return {"ETag": self.etag, "Cache-Control": CACHE_CONTROL}


def check_tile(z: int, x: int, y: int) -> None:
    """Name the coordinate that is off the tile matrix (400)."""
    if not 0 <= z <= MAX_ZOOM:
        raise InvalidParameter.coded("tiles.zoom_range", max=MAX_ZOOM, z=z)
    top = (1 << z) - 1
    for name, value in (("x", x), ("y", y)):
        if not 0 <= value <= top:
            raise InvalidParameter.coded("tiles.xy_range", name=name, top=top, z=z, value=value)


def tile(
    session: Session,
    layer_name: str,
    z: int,
    x: int,
    y: int,
    *,
    risk: str,
    audience: Audience,
    season: str = "annual",
    reader: audit.BulkRead | None = None,
) -> Tile:
    """One tile of the layer; for segments, ``risk`` and ``season`` pick the scores (score, risk_class) it
    carries."""
    lay = layers.layer(layer_name)
    check_tile(z, x, y)
    filters = layers.Filters(kind=risk if lay.scored else None)
    q = layers.query(layer_name, filters, season=season if lay.scored else "annual")
    props = layers.tile_properties(q.layer, audience)  # never a landing's notes
    body = repo.tile(session, q.layer, q.risk, z, x, y, props)
    sensitive = layers.narrative_object(q.layer, props)
    if body and reader is not None and sensitive is not None:
        count = repo.count_in_tile(session, q.layer, q.risk, z, x, y)
        audit.bulk_read(session, reader, count, object_type=sensitive)
    return Tile(body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')
