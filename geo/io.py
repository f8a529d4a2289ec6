"""Reading users' and Pesisir's own layers: GeoJSON, GeoPackage, Shapefile (through pyogrio) and CSV with lon/lat.

Every reader validates before it returns and names the file, the feature and the rule that was broken, so a
bad file fails with one clear line and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from geo.crs import METRIC, WGS84
from geo.vocabulary import HARBOUR_KINDS


class LayerError(ValueError):
    """A layer that cannot be used: the message names the file, the feature or column, and the rule."""


def read_layer(path: str | Path, *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a vector layer into WGS 84 lon/lat.

    Parameters
    ----------
    path
        A GeoJSON, GeoPackage, Shapefile or any file GDAL reads; or a CSV with ``lon`` and ``lat`` columns
        (WGS 84 degrees).
    layer
        The layer to read from a multi-layer source (GeoPackage).

    Returns
    -------
    GeoDataFrame in EPSG:4326. A layer in another CRS is reprojected; a layer without a CRS is refused.

    Examples
    --------
    >>> from geo.io import read_layer
    >>> harbours = read_layer("data/harbours.csv")
    >>> harbours.crs.to_epsg()
    4326
    """
    p = Path(path)
    if not p.exists():
        raise LayerError(f"{p}: file not found")
    if not p.is_file():
        raise LayerError(f"{p}: not a file")
    if p.suffix.lower() == ".csv":
        return _read_csv(p)
    try:
        frame = gpd.read_file(p, layer=layer, engine="pyogrio")
    except Exception as exc:  # pyogrio raises several error types for unreadable files
        raise LayerError(f"{p}: cannot read as a vector layer ({exc})") from None
    if frame.crs is None:
        raise LayerError(f"{p}: the layer has no CRS; set one (for example EPSG:4326) and try again")
    if not frame.crs.equals(gpd.GeoSeries(crs=WGS84).crs):
        try:
            frame = frame.to_crs(WGS84)
        except Exception as exc:
            raise LayerError(f"{p}: cannot reproject from {frame.crs} to {WGS84} ({exc})") from None
    return frame


def _read_csv(p: Path) -> gpd.GeoDataFrame:
    try:
        df = pd.read_csv(p)
    except Exception as exc:
        raise LayerError(f"{p}: cannot read as CSV ({exc})") from None
    for col in ("lon", "lat"):
        if col not in df.columns:
            raise LayerError(f"{p}: column '{col}' is missing (a CSV layer needs lon and lat in WGS 84 degrees)")
        if not pd.api.types.is_numeric_dtype(df[col]) or df[col].isna().any():
            raise LayerError(f"{p}: column '{col}' must hold a number on every row")
    bad = df[(df.lon.abs() > 180) | (df.lat.abs() > 90)]
    if len(bad):
        raise LayerError(f"{p}: row {int(bad.index[0]) + 2}: lon must be within ±180 and lat within ±90")
    geometry = gpd.points_from_xy(df.pop("lon"), df.pop("lat"))
    return gpd.GeoDataFrame(df, geometry=geometry, crs=WGS84)


def _require(frame: gpd.GeoDataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise LayerError(f"{what}: missing column(s) {', '.join(missing)}")
    if frame.empty:
        raise LayerError(f"{what}: the layer has no features")


def check_islands(frame: gpd.GeoDataFrame, *, what: str = "islands") -> gpd.GeoDataFrame:
    """Validate an islands layer and return a normalised copy (MultiPolygons, ``area_km2`` in km²).

    Needs ``code`` and ``name``; ``inhabited``, ``official_codes``, ``official_names``, ``official_area_km2``,
    ``kecamatan`` and ``source`` are optional. Invalid polygons are refused, never repaired silently.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> f = gpd.GeoDataFrame({"code": ["X1"], "name": ["Pulau Contoh"]},
    ...                      geometry=[shapely.box(114.0, -7.0, 114.01, -6.99)], crs="EPSG:4326")
    >>> check_islands(f).geometry.iloc[0].geom_type
    'MultiPolygon'
    """
    _require(frame, ("code", "name"), what)
    out = frame.copy()
    if out["code"].isna().any() or (out["code"].astype(str).str.strip() == "").any():
        raise LayerError(f"{what}: column 'code' must be set on every feature")
    dupes = out["code"][out["code"].duplicated()]
    if len(dupes):
        raise LayerError(f"{what}: column 'code' must be unique; '{dupes.iloc[0]}' appears more than once")
    for code, geom in zip(out["code"], out.geometry, strict=True):
        if geom is None or geom.is_empty:
            raise LayerError(f"{what}: feature {code}: geometry is empty")
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise LayerError(
                f"{what}: feature {code}: geometry must be a Polygon or MultiPolygon, not {geom.geom_type}"
            )
        if not geom.is_valid:
            raise LayerError(f"{what}: feature {code}: invalid polygon ({shapely.is_valid_reason(geom)})")
    out["geometry"] = [g if g.geom_type == "MultiPolygon" else shapely.MultiPolygon([g]) for g in out.geometry]
    defaults: dict[str, object] = {
        "inhabited": False,
        "kecamatan": None,
        "official_area_km2": None,
        "source": str(what),
    }
    for col, default in defaults.items():
        if col not in out.columns:
            out[col] = default
    for col in ("official_codes", "official_names"):
        if col not in out.columns:
            out[col] = [[] for _ in range(len(out))]
    out["area_km2"] = (out.geometry.to_crs(METRIC).area / 1e6).round(3)
    return out


def check_harbours(frame: gpd.GeoDataFrame, *, what: str = "harbours") -> gpd.GeoDataFrame:
    """Validate a harbours layer: ``slug``, ``name``, ``kind`` (one of HARBOUR_KINDS), ``monitored``, Points.

    Examples
    --------
    >>> from geo.io import read_layer, check_harbours
    >>> len(check_harbours(read_layer("data/harbours.csv"))) >= 20
    True
    """
    _require(frame, ("slug", "name", "kind", "monitored"), what)
    out = frame.copy()
    dupes = out["slug"][out["slug"].duplicated()]
    if len(dupes):
        raise LayerError(f"{what}: column 'slug' must be unique; '{dupes.iloc[0]}' appears more than once")
    unknown = sorted(set(out["kind"]) - set(HARBOUR_KINDS))
    if unknown:
        raise LayerError(
            f"{what}: column 'kind' has unknown value '{unknown[0]}' (allowed: {', '.join(HARBOUR_KINDS)})"
        )
    for slug, geom in zip(out["slug"], out.geometry, strict=True):
        if geom is None or geom.is_empty or geom.geom_type != "Point":
            raise LayerError(f"{what}: feature {slug}: geometry must be a non-empty Point")
    out["monitored"] = out["monitored"].map(_as_bool(what))
    if "source" not in out.columns:
        out["source"] = str(what)
    return out


def _as_bool(what: str) -> Callable[[object], bool]:
    truth = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}

    def convert(value: object) -> bool:
        if isinstance(value, bool):
            return value
        key = str(value).strip().lower()
        if key not in truth:
            raise LayerError(f"{what}: column 'monitored' must be true or false, not '{value}'")
        return truth[key]

    return convert


def write_geopackage(
    frames: Iterable[gpd.GeoDataFrame],
    path: str | Path,
    *,
    layer: str,
    geometry_type: str,
    metadata: Mapping[str, str] | None = None,
    empty: gpd.GeoDataFrame | None = None,
) -> int:
    """Write frames, one after another, as one layer of a new GeoPackage; memory holds one frame at a time.

    Parameters
    ----------
    frames
        GeoDataFrames in EPSG:4326 with the same columns and dtypes (the first one fixes the fields' types).
    path
        The GeoPackage to create (an existing file is replaced).
    layer
        The layer name.
    geometry_type
        The layer's geometry type (``"Point"``, ``"LineString"``, ``"MultiPolygon"``, ...).
    metadata
        Key/value pairs written as the layer's and the dataset's metadata (GDAL stores them in ``gpkg_metadata``).
    empty
        A frame with no rows and the columns, written when ``frames`` yields no row, so the layer still exists.

    Returns
    -------
    The number of features written.

    Examples
    --------
    >>> import geopandas as gpd, shapely, tempfile, pathlib
    >>> f = gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(115.4, -6.9)], crs="EPSG:4326")
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "x.gpkg"
    >>> write_geopackage([f], out, layer="points", geometry_type="Point", metadata={"source": "test"})
    1
    """
    p = Path(path)
    p.unlink(missing_ok=True)
    written = 0
    created = False
    for i, frame in enumerate(frames):
        if frame.crs is None or frame.crs != WGS84:
            raise LayerError(f"{p}: frame {i} must be in {WGS84}, got {frame.crs}")
        if frame.empty:
            continue
        _write(frame, p, layer, geometry_type, metadata, append=created)
        created = True
        written += len(frame)
    if not created and empty is not None:
        _write(empty, p, layer, geometry_type, metadata, append=False)
    return written


def _write(
    frame: gpd.GeoDataFrame,
    p: Path,
    layer: str,
    geometry_type: str,
    metadata: Mapping[str, str] | None,
    *,
    append: bool,
) -> None:
    meta = {} if append else {"dataset_metadata": dict(metadata or {}), "layer_metadata": dict(metadata or {})}
    pyogrio.write_dataframe(frame, p, layer=layer, driver="GPKG", geometry_type=geometry_type, append=append, **meta)
