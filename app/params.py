"""The one parser of the filters a caller gives as text: bounding boxes, date-times, intervals and time windows,
for the API's routes, OGC API Features and the ``pesisir`` command alike. Services receive what comes out of
here, never the raw text.

Every refusal is an ``InvalidParameter`` (400, as OGC API Features asks) whose message starts with the
parameter's name and says the rule it broke. No FastAPI, no database: ``app.api`` and ``app.cli`` both import
it (import-linter keeps ``app.api`` away from the database layer)."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.errors import InvalidParameter

BBox = tuple[float, float, float, float]
"""minLon, minLat, maxLon, maxLat in WGS 84 (CRS84)."""
Interval = tuple[datetime | None, datetime | None]
"""[start, end] of aware date-times; None is an open end."""

MAX_TEXT = 200
"""The longest text a bbox or date-time parameter may be (none needs more than a few dozen characters)."""
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2199, 12, 31)
"""The days a date or date-time parameter may name (docs/RELIABILITY.md R2-04): far wider than any data, and far
from the calendar's ends, where a day more, a time zone or the database's own range would overflow."""
WIB = ZoneInfo("Asia/Jakarta")
"""Western Indonesian Time: the zone of the days the map's ``from`` / ``to`` name."""


def _text(name: str, text: str) -> str:
    if len(text) > MAX_TEXT:
        raise InvalidParameter.coded("params.too_long", name=name, max=MAX_TEXT, length=len(text))
    return text


def _shown(text: str) -> str:
    """The caller's text quoted in a message, cut short (a message repeats a value, never a page of it)."""
    return repr(text if len(text) <= 40 else text[:40] + "...")


def bbox(text: str | None, name: str = "bbox") -> BBox | None:
    """``minLon,minLat,maxLon,maxLat`` in WGS 84. A box crossing the antimeridian (minLon > maxLon, legal in RFC
    7946) is refused: Sumenep is nowhere near it."""
    if text is None:
        return None
    parts = _text(name, text).split(",")
    if len(parts) != 4:
        raise InvalidParameter.coded("params.bbox_count", name=name, count=len(parts))
    try:
        minx, miny, maxx, maxy = (float(p) for p in parts)
    except ValueError:
        raise InvalidParameter.coded("params.bbox_number", name=name) from None
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
        raise InvalidParameter.coded("params.bbox_finite", name=name)
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90):
        raise InvalidParameter.coded("params.bbox_range", name=name)
    if miny > maxy:
        raise InvalidParameter.coded("params.bbox_lat_order", name=name)
    if minx > maxx:
        raise InvalidParameter.coded("params.bbox_lon_order", name=name)
    return (minx, miny, maxx, maxy)


def check_day(name: str, value: date | datetime | None) -> None:
    """Refuse a date (or a date-time, on its own time zone's calendar) outside [EARLIEST_DAY, LATEST_DAY]."""
    if value is None:
        return
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise InvalidParameter.coded(
            "params.day_range", name=name, earliest=str(EARLIEST_DAY), latest=str(LATEST_DAY), day=str(day)
        )


def instant(text: str | None, name: str = "datetime") -> datetime | None:
    """An RFC 3339 date-time with its time zone (``Z`` or an offset); None for no text, '' or '..' (an open end)."""
    if text is None or text in ("", ".."):
        return None
    try:
        value = datetime.fromisoformat(_text(name, text).replace("Z", "+00:00"))
    except ValueError:
        raise InvalidParameter.coded("params.datetime_format", name=name, value=_shown(text)) from None
    if value.tzinfo is None:
        raise InvalidParameter.coded("params.datetime_zone", name=name, value=_shown(text))
    check_day(name, value)
    return value


def interval(text: str | None, name: str = "datetime") -> Interval | None:
    """OGC API Features' ``datetime``: an instant, or ``start/end`` with '..' (or nothing) for an open end."""
    if text is None:
        return None
    if "/" in text:
        start_text, _, end_text = _text(name, text).partition("/")
        start, end = instant(start_text, name), instant(end_text, name)
        if start is not None and end is not None and start > end:
            raise InvalidParameter.coded("params.interval_order", name=name)
        return (start, end)
    at = instant(text, name)
    return (at, at)


def window(field: str, start: str | None, end: str | None) -> Interval:
    """The pair ``<field>_from`` / ``<field>_to`` of the listings (each an RFC 3339 date-time with a time zone, or
    absent) as an interval; the end may not precede the start."""
    first, last = instant(start, f"{field}_from"), instant(end, f"{field}_to")
    if first is not None and last is not None and last < first:
        raise InvalidParameter.coded("params.window_order", field=field)
    return (first, last)


def day(text: str | None, name: str) -> date | None:
    """A calendar day, ``YYYY-MM-DD``."""
    if text is None or text == "":
        return None
    try:
        value = date.fromisoformat(_text(name, text))
    except ValueError:
        raise InvalidParameter.coded("params.day_format", name=name, value=_shown(text)) from None
    check_day(name, value)
    return value


def day_window(first: str | None, last: str | None) -> Interval:
    """The map's ``?from=&to=`` (days in WIB, both included) as a [start, end) interval of aware date-times."""
    start_day, end_day = day(first, "from"), day(last, "to")
    if start_day is not None and end_day is not None and end_day < start_day:
        raise InvalidParameter.coded("params.day_order", end=str(end_day), start=str(start_day))
    start = datetime.combine(start_day, time(), WIB) if start_day is not None else None
    end = datetime.combine(end_day + timedelta(days=1), time(), WIB) if end_day is not None else None
    return start, end
