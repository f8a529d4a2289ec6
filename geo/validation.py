"""Checks of geo/'s inputs, in one place, with one rule for what they raise.

- A wrong *type* (a list where a GeoDataFrame goes, a string for a number) is a ``TypeError``: a programming
  error of the caller.
- Bad *content* (no CRS, a missing column, an empty or invalid geometry, a value out of range, an unknown choice)
  is a :class:`GeoInputError`, a ``ValueError`` whose message names the argument (and the row or column when
  there is one) and the rule. It is what the service turns into a 422 for the user, and the only error it does:
  any other exception from inside geo/ (or pandas, shapely, numpy) is a bug and stays a 500.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import geopandas as gpd
import numpy as np
import shapely

from geo.crs import WGS84


class GeoInputError(ValueError):
    """Input that breaks a rule of geo/; the message names the argument and the rule.

    Examples
    --------
    >>> choice("dry", ("west", "east"), "season")
    Traceback (most recent call last):
    ...
    geo.validation.GeoInputError: season: must be one of west, east, got 'dry'
    """


def frame(
    value: object,
    name: str,
    *,
    columns: Sequence[str] = (),
    geom_types: Collection[str] = (),
    crs: bool = True,
    min_rows: int = 0,
    valid: bool = False,
    within: tuple[float, float, float, float] | None = None,
    key: str | None = None,
) -> gpd.GeoDataFrame:
    """``value`` as a GeoDataFrame, checked.

    A ``TypeError`` if it is not a GeoDataFrame. A :class:`GeoInputError` if its CRS is not set (``crs``, when it
    has rows), a column of ``columns`` is missing or it has fewer than ``min_rows`` rows. With ``geom_types``
    (e.g. ``("Polygon", "MultiPolygon")``), also if a geometry is missing or empty, of another type, or has a
    coordinate that is not a finite number; with ``valid``, if a geometry is not valid (a self-intersecting
    ring, ...); with ``within`` (lon/lat bounds), if a geometry reaches outside them. Messages name the row
    (1-based) and, with ``key``, that row's value of the column ``key``.

    Examples
    --------
    >>> import shapely
    >>> frame([], "islands")
    Traceback (most recent call last):
    ...
    TypeError: islands: must be a GeoDataFrame, got list
    >>> pts = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0), None], crs="EPSG:4326")
    >>> frame(pts, "harbours", geom_types=("Point",))
    Traceback (most recent call last):
    ...
    geo.validation.GeoInputError: harbours: every row needs a non-empty geometry (row 2 has none)
    >>> bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    >>> isl = gpd.GeoDataFrame({"code": ["B"]}, geometry=[bowtie], crs="EPSG:4326")
    >>> frame(isl, "islands", geom_types=("Polygon",), valid=True, key="code")
    Traceback (most recent call last):
    ...
    geo.validation.GeoInputError: islands: every geometry must be valid; row 1 (code 'B') is not (Self-intersection...)
    """
    if not isinstance(value, gpd.GeoDataFrame):
        raise TypeError(f"{name}: must be a GeoDataFrame, got {type(value).__name__}")
    if crs and value.crs is None and len(value):
        raise GeoInputError(f"{name}: CRS is not set; set it (for example EPSG:4326) first")
    missing = [c for c in columns if c not in value.columns]
    if missing:
        raise GeoInputError(f"{name}: missing required column(s) {', '.join(missing)}")
    if len(value) < min_rows:
        raise GeoInputError(f"{name}: needs at least {min_rows} row(s), got {len(value)}")
    if not (geom_types or valid or within) or not len(value):
        return value

    def row(i: int) -> str:
        label = f" ({key} {value[key].iloc[i]!r})" if key is not None and key in value.columns else ""
        return f"row {i + 1}{label}"

    geoms = value.geometry.array
    blank = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if blank.any():
        raise GeoInputError(f"{name}: every row needs a non-empty geometry ({row(int(blank.argmax()))} has none)")
    if geom_types:
        allowed = {shapely.GeometryType[t.upper()].value for t in geom_types}
        wrong = ~np.isin(shapely.get_type_id(geoms), sorted(allowed))
        if wrong.any():
            i = int(wrong.argmax())
            raise GeoInputError(
                f"{name}: geometries must be {' or '.join(geom_types)} ({row(i)} is a {geoms[i].geom_type})"
            )
    xy, owner = shapely.get_coordinates(geoms, return_index=True)
    bad = ~np.isfinite(xy).all(axis=1)
    if bad.any():
        raise GeoInputError(f"{name}: coordinates must be finite numbers ({row(int(owner[bad][0]))} has NaN or inf)")
    if valid:
        invalid = ~shapely.is_valid(geoms)
        if invalid.any():
            i = int(invalid.argmax())
            reason = shapely.is_valid_reason(geoms[i])
            raise GeoInputError(f"{name}: every geometry must be valid; {row(i)} is not ({reason})")
    if within is not None:
        x0, y0, x1, y1 = within
        b = (
            value.geometry.to_crs(WGS84).bounds.to_numpy()
            if value.crs is not None
            else value.geometry.bounds.to_numpy()
        )
        outside = (b[:, 0] < x0) | (b[:, 1] < y0) | (b[:, 2] > x1) | (b[:, 3] > y1)
        if outside.any():
            i = int(outside.argmax())
            raise GeoInputError(
                f"{name}: {row(i)} lies outside {x0}-{x1} E, {y0}-{y1} N (lon/lat), the area Pesisir's metric CRS "
                f"measures; is its CRS right?"
            )
    return value


def choice(value: object, allowed: Collection[str], name: str) -> str:
    """``value`` if it is one of ``allowed``, else a :class:`GeoInputError` naming ``name`` and the choices."""
    if not isinstance(value, str) or value not in allowed:
        raise GeoInputError(f"{name}: must be one of {', '.join(allowed)}, got {value!r}")
    return value
