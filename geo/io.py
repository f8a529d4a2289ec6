"""Reading users' and Pesisir's own layers: GeoJSON, GeoPackage, Shapefile (through pyogrio) and CSV with lon/lat.

Every reader validates before it returns and names the file, the feature and the rule that was broken, so a
bad file fails with one clear line and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Final

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from geo.crs import METRIC, REGENCY_BOUNDS, WGS84
from geo.validation import GeoInputError
from geo.vocabulary import HARBOUR_KINDS


class LayerError(GeoInputError):
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
    _unique_key(out, "code", what)
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


def _unique_key(out: gpd.GeoDataFrame, key: str, what: str) -> None:
    if out[key].isna().any() or (out[key].astype(str).str.strip() == "").any():
        raise LayerError(f"{what}: column '{key}' must be set on every feature")
    dupes = out[key][out[key].duplicated()]
    if len(dupes):
        raise LayerError(f"{what}: column '{key}' must be unique; '{dupes.iloc[0]}' appears more than once")


def _points(out: gpd.GeoDataFrame, key: str, what: str, *, within: tuple[float, float, float, float] | None) -> None:
    for name, geom in zip(out[key], out.geometry, strict=True):
        if geom is None or geom.is_empty or geom.geom_type != "Point":
            raise LayerError(f"{what}: feature {name}: geometry must be a non-empty Point")
        if within is not None:
            x0, y0, x1, y1 = within
            if not (x0 <= geom.x <= x1 and y0 <= geom.y <= y1):
                raise LayerError(
                    f"{what}: feature {name}: point ({geom.x:.4f}, {geom.y:.4f}) must lie within lon {x0}..{x1}, "
                    f"lat {y0}..{y1} (are lon and lat swapped?)"
                )


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
    _unique_key(out, "slug", what)
    unknown = sorted(set(out["kind"]) - set(HARBOUR_KINDS))
    if unknown:
        raise LayerError(
            f"{what}: column 'kind' has unknown value '{unknown[0]}' (allowed: {', '.join(HARBOUR_KINDS)})"
        )
    _points(out, "slug", what, within=None)
    out["monitored"] = out["monitored"].map(_as_bool(what))
    if "source" not in out.columns:
        out["source"] = str(what)
    return out


PATROL_BASE_REACH: Final = (
    REGENCY_BOUNDS[0] - 1.0,
    REGENCY_BOUNDS[1] - 1.0,
    REGENCY_BOUNDS[2] + 1.0,
    REGENCY_BOUNDS[3] + 1.0,
)
"""Where a patrol base may stand: the regency's extent plus one degree (bases on Madura's mainland coast, in
Situbondo or Banyuwangi patrol Sumenep's waters too)."""


def check_patrol_bases(frame: gpd.GeoDataFrame, *, what: str = "patrol bases") -> gpd.GeoDataFrame:
    """Validate a patrol-bases layer: ``name`` and Points near the regency; ``slug``, ``agency``, ``source`` optional.

    ``slug`` (the key a reload updates by) defaults to the name in lower case with non-alphanumerics as ``-``.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> f = gpd.GeoDataFrame({"name": ["Pos Polairud Kalianget"]}, geometry=[shapely.Point(113.94, -7.06)],
    ...                      crs="EPSG:4326")
    >>> check_patrol_bases(f)["slug"].iloc[0]
    'pos-polairud-kalianget'
    """
    _require(frame, ("name",), what)
    out = frame.copy()
    if out["name"].isna().any() or (out["name"].astype(str).str.strip() == "").any():
        raise LayerError(f"{what}: column 'name' must be set on every feature")
    if "slug" not in out.columns:
        out["slug"] = out["name"].astype(str).str.lower().str.replace(r"[^a-z0-9]+", "-", regex=True).str.strip("-")
    _unique_key(out, "slug", what)
    _points(out, "slug", what, within=PATROL_BASE_REACH)
    out["agency"] = out["agency"].where(out["agency"].notna(), None) if "agency" in out.columns else None
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
