"""Argument checks and seeded random streams shared by the generator's modules."""

from __future__ import annotations

import zlib
from datetime import datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import METRIC
from geo.vocabulary import (
    RISK_KINDS,
)

# ---------------------------------------------------------------------------------------------- validation


def _check_kind(kind: str) -> None:
    if kind not in RISK_KINDS:
        raise ValueError(f"kind: must be one of {', '.join(RISK_KINDS)}, got {kind!r}")


def _check_frame(frame: object, name: str, columns: tuple[str, ...], geom_types: tuple[str, ...]) -> None:
    if not isinstance(frame, gpd.GeoDataFrame):
        raise ValueError(f"{name}: must be a GeoDataFrame, got {type(frame).__name__}")
    if frame.empty:
        raise ValueError(f"{name}: must not be empty")
    if frame.crs is None:
        raise ValueError(f"{name}: CRS is not set; it must be EPSG:4326")
    if frame.crs.to_epsg() != 4326:
        raise ValueError(f"{name}: CRS must be EPSG:4326, got {frame.crs.to_string()}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name}: missing required column(s) {', '.join(missing)}")
    geoms = frame.geometry.array
    if bool((shapely.is_missing(geoms) | shapely.is_empty(geoms)).any()):
        raise ValueError(f"{name}: every row needs a non-empty geometry")
    types = set(shapely.get_type_id(geoms).tolist())
    allowed = {shapely.GeometryType[t.upper()].value for t in geom_types}
    if not types <= allowed:
        raise ValueError(f"{name}: geometries must be {' or '.join(geom_types)}")


def _check_bool_column(frame: gpd.GeoDataFrame, name: str, column: str) -> None:
    values = frame[column]
    if values.isna().any() or not all(isinstance(v, bool | np.bool_) for v in values):
        raise ValueError(f"{name}.{column}: must be boolean on every row (no missing values)")


def _check_islands(islands: object) -> None:
    _check_frame(islands, "islands", ("code", "inhabited"), ("Polygon", "MultiPolygon"))
    assert isinstance(islands, gpd.GeoDataFrame)  # narrowed for mypy; _check_frame raised otherwise
    _check_bool_column(islands, "islands", "inhabited")


def _check_harbours(harbours: object) -> None:
    _check_frame(harbours, "harbours", ("slug", "kind", "monitored"), ("Point",))
    assert isinstance(harbours, gpd.GeoDataFrame)
    _check_bool_column(harbours, "harbours", "monitored")
    if harbours["slug"].isna().any() or harbours["slug"].duplicated().any():
        raise ValueError("harbours.slug: must be set and unique on every row")


def _utc(value: object, name: str) -> pd.Timestamp:
    if not isinstance(value, datetime):
        raise ValueError(f"{name}: must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name}: must be timezone-aware (UTC recommended)")
    return pd.Timestamp(value).tz_convert("UTC")


def _stream(seed: int, tag: str) -> np.random.Generator:
    # crc32 rather than hash(): Python salts str hashes per process, which would break determinism.
    return np.random.default_rng([seed, zlib.crc32(tag.encode())])


def _check_boundaries(land_boundaries: object) -> shapely.Geometry | None:
    if land_boundaries is None:
        return None
    if not isinstance(land_boundaries, gpd.GeoDataFrame):
        raise ValueError(f"land_boundaries: must be a GeoDataFrame or None, got {type(land_boundaries).__name__}")
    if land_boundaries.empty:
        return None
    if land_boundaries.crs is None:
        raise ValueError("land_boundaries: CRS is not set")
    return shapely.union_all(land_boundaries.to_crs(METRIC).geometry.array)


def _check_seed(seed: object) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed: must be an int >= 0, got {seed!r}")
