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
) -> gpd.GeoDataFrame:
    """``value`` as a GeoDataFrame, checked: a ``TypeError`` if it is not one; a :class:`GeoInputError` if its CRS
    is not set (``crs``, when it has rows), a column of ``columns`` is missing, it has fewer than ``min_rows``
    rows, or (with ``geom_types``, e.g. ``("Polygon", "MultiPolygon")``) a geometry is missing, empty or of
    another type.

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
    if geom_types and len(value):
        geoms = value.geometry.array
        blank = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        if blank.any():
            row = int(blank.argmax())
            raise GeoInputError(f"{name}: every row needs a non-empty geometry (row {row + 1} has none)")
        allowed = {shapely.GeometryType[t.upper()].value for t in geom_types}
        wrong = ~np.isin(shapely.get_type_id(geoms), sorted(allowed))
        if wrong.any():
            row = int(wrong.argmax())
            raise GeoInputError(
                f"{name}: geometries must be {' or '.join(geom_types)} (row {row + 1} is a {geoms[row].geom_type})"
            )
    return value


def choice(value: object, allowed: Collection[str], name: str) -> str:
    """``value`` if it is one of ``allowed``, else a :class:`GeoInputError` naming ``name`` and the choices."""
    if not isinstance(value, str) or value not in allowed:
        raise GeoInputError(f"{name}: must be one of {', '.join(allowed)}, got {value!r}")
    return value
