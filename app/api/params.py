"""Query parameters shared by the feature endpoints: ``bbox``, ``datetime``, ``limit``, ``offset``, and the
audience a caller belongs to.

Each parser names the parameter and the rule it broke (400)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Literal

from fastapi import Depends, Query

from app.deps import MapReader
from app.errors import InvalidParameter
from app.services import layers
from app.services.landings import check_day
from app.services.layers import Audience

MAX_LIMIT = 10_000  # tipg's maximum; larger values are clamped, as OGC API Features asks
DEFAULT_LIMIT = 10

BBox = tuple[float, float, float, float]
Interval = tuple[datetime | None, datetime | None]


def parse_bbox(
    bbox: Annotated[str | None, Query(description="minLon,minLat,maxLon,maxLat in WGS 84 (CRS84)")] = None,
) -> BBox | None:
    if bbox is None:
        return None
    parts = bbox.split(",")
    if len(parts) != 4:
        raise InvalidParameter(f"bbox: needs 4 comma-separated numbers (minLon,minLat,maxLon,maxLat), got {len(parts)}")
    try:
        minx, miny, maxx, maxy = (float(p) for p in parts)
    except ValueError:
        raise InvalidParameter("bbox: every value must be a number") from None
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
        raise InvalidParameter("bbox: values must be finite numbers")
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90):
        raise InvalidParameter("bbox: longitudes must be within ±180 and latitudes within ±90")
    if miny > maxy:
        raise InvalidParameter("bbox: minLat must not exceed maxLat")
    if minx > maxx:
        # Legal in RFC 7946 (it crosses the antimeridian), but nowhere near Sumenep: refuse it plainly.
        raise InvalidParameter("bbox: minLon must not exceed maxLon (antimeridian-crossing boxes are not supported)")
    return (minx, miny, maxx, maxy)


def _instant(text: str) -> datetime | None:
    if text in ("", ".."):
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidParameter(f"datetime: '{text}' is not an RFC 3339 date-time") from None
    if value.tzinfo is None:
        raise InvalidParameter(f"datetime: '{text}' needs a time zone (for example 2025-01-01T00:00:00Z)")
    check_day("datetime", value)
    return value


def parse_datetime(
    datetime_: Annotated[
        str | None,
        Query(
            alias="datetime", description="An instant, or an interval start/end with '..' for an open end (RFC 3339)"
        ),
    ] = None,
) -> Interval | None:
    if datetime_ is None:
        return None
    if "/" in datetime_:
        start_text, _, end_text = datetime_.partition("/")
        start, end = _instant(start_text), _instant(end_text)
        if start is not None and end is not None and start > end:
            raise InvalidParameter("datetime: the interval's start is after its end")
        return (start, end)
    at = _instant(datetime_)
    return (at, at)


def parse_limit(
    limit: Annotated[int, Query(ge=1, description=f"Page size; values above {MAX_LIMIT} are clamped")] = DEFAULT_LIMIT,
) -> int:
    return min(limit, MAX_LIMIT)


BBoxDep = Annotated[BBox | None, Depends(parse_bbox)]
IntervalDep = Annotated[Interval | None, Depends(parse_datetime)]
LimitDep = Annotated[int, Depends(parse_limit)]
OffsetDep = Annotated[int, Query(ge=0, description="Features to skip")]

SeasonQuery = Annotated[
    Literal["annual", "west", "east"],
    Query(
        description="Season the coast orientation is scored against: the year's mean, west (Dec-Mar) or east "
        "(Jun-Sep) monsoon"
    ),
]


def get_audience(principal: MapReader) -> Audience:
    """What the caller may see of the published layers (exports, tiles, OGC API Features): signed in as a planner,
    intelligence officer or admin (else 401 / 403), and ``layers.audience_for`` their role."""
    return layers.audience_for(principal.role)


AudienceDep = Annotated[Audience, Depends(get_audience)]
