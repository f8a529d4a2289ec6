"""Argument checks and seeded random streams shared by the generator's modules."""

from __future__ import annotations

import zlib
from datetime import datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import validation
from geo.crs import METRIC
from geo.validation import GeoInputError
from geo.vocabulary import (
    RISK_KINDS,
)

# ---------------------------------------------------------------------------------------------- validation


def _check_kind(kind: str) -> None:
    if kind not in RISK_KINDS:
        raise GeoInputError(f"kind: must be one of {', '.join(RISK_KINDS)}, got {kind!r}")


def _check_frame(frame: object, name: str, columns: tuple[str, ...], geom_types: tuple[str, ...]) -> None:
    """A non-empty EPSG:4326 layer with ``columns`` and non-empty geometries of ``geom_types``."""
    if isinstance(frame, gpd.GeoDataFrame) and frame.empty:
        raise GeoInputError(f"{name}: must not be empty")
    checked = validation.frame(frame, name, columns=columns, geom_types=geom_types)
    if checked.crs.to_epsg() != 4326:
        raise GeoInputError(f"{name}: CRS must be EPSG:4326, got {checked.crs.to_string()}")


def _check_bool_column(frame: gpd.GeoDataFrame, name: str, column: str) -> None:
    values = frame[column]
    if values.isna().any() or not all(isinstance(v, bool | np.bool_) for v in values):
        raise GeoInputError(f"{name}.{column}: must be boolean on every row (no missing values)")


def _check_islands(islands: object) -> None:
    _check_frame(islands, "islands", ("code", "inhabited"), ("Polygon", "MultiPolygon"))
    assert isinstance(islands, gpd.GeoDataFrame)  # narrowed for mypy; _check_frame raised otherwise
    _check_bool_column(islands, "islands", "inhabited")


def _check_harbours(harbours: object) -> None:
    _check_frame(harbours, "harbours", ("slug", "kind", "monitored"), ("Point",))
    assert isinstance(harbours, gpd.GeoDataFrame)
    _check_bool_column(harbours, "harbours", "monitored")
    if harbours["slug"].isna().any() or harbours["slug"].duplicated().any():
        raise GeoInputError("harbours.slug: must be set and unique on every row")


def _utc(value: object, name: str) -> pd.Timestamp:
    if not isinstance(value, datetime):
        raise TypeError(f"{name}: must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise GeoInputError(f"{name}: must be timezone-aware (UTC recommended)")
    return pd.Timestamp(value).tz_convert("UTC")


def _stream(seed: int, tag: str) -> np.random.Generator:
    # crc32 rather than hash(): Python salts str hashes per process, which would break determinism.
    return np.random.default_rng([seed, zlib.crc32(tag.encode())])


def _check_boundaries(land_boundaries: object) -> shapely.Geometry | None:
    if land_boundaries is None:
        return None
    if not isinstance(land_boundaries, gpd.GeoDataFrame):
        raise TypeError(f"land_boundaries: must be a GeoDataFrame or None, got {type(land_boundaries).__name__}")
    if land_boundaries.empty:
        return None
    if land_boundaries.crs is None:
        raise GeoInputError("land_boundaries: CRS is not set")
    return shapely.union_all(land_boundaries.to_crs(METRIC).geometry.array)


def _check_seed(seed: object) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise GeoInputError(f"seed: must be an int >= 0, got {seed!r}")
