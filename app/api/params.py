"""Query parameters shared by the routes, as FastAPI dependencies around the one parser (``app.params``):
``bbox``, ``datetime``, the listings' ``<field>_from`` / ``<field>_to``, ``limit``, ``offset``, ``season``, and
the audience a caller belongs to. Each bad value is a 400 naming the parameter and the rule it broke."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query

from app import params
from app.deps import MapReader
from app.params import BBox, Interval
from app.services import layers
from app.services.layers import Audience

MAX_LIMIT = 10_000  # tipg's maximum; larger values are clamped, as OGC API Features asks
DEFAULT_LIMIT = 10
DATE_TIME = "an RFC 3339 date-time with its time zone, e.g. 2025-01-01T00:00:00+07:00"


def parse_bbox(
    bbox: Annotated[str | None, Query(description="minLon,minLat,maxLon,maxLat in WGS 84 (CRS84)")] = None,
) -> BBox | None:
    return params.bbox(bbox)


def parse_datetime(
    datetime_: Annotated[
        str | None,
        Query(
            alias="datetime", description="An instant, or an interval start/end with '..' for an open end (RFC 3339)"
        ),
    ] = None,
) -> Interval | None:
    return params.interval(datetime_)


def parse_observed(
    observed_from: Annotated[str | None, Query(description=f"Observed from ({DATE_TIME})")] = None,
    observed_to: Annotated[str | None, Query(description=f"Observed until ({DATE_TIME})")] = None,
) -> Interval:
    return params.window("observed", observed_from, observed_to)


def parse_occurred(
    occurred_from: Annotated[str | None, Query(description=f"Occurred from ({DATE_TIME})")] = None,
    occurred_to: Annotated[str | None, Query(description=f"Occurred until ({DATE_TIME})")] = None,
) -> Interval:
    return params.window("occurred", occurred_from, occurred_to)


def parse_limit(
    limit: Annotated[int, Query(ge=1, description=f"Page size; values above {MAX_LIMIT} are clamped")] = DEFAULT_LIMIT,
) -> int:
    return min(limit, MAX_LIMIT)


BBoxDep = Annotated[BBox | None, Depends(parse_bbox)]
IntervalDep = Annotated[Interval | None, Depends(parse_datetime)]
ObservedDep = Annotated[Interval, Depends(parse_observed)]
OccurredDep = Annotated[Interval, Depends(parse_occurred)]
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
