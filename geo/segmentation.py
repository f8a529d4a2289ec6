"""Island outlines -> coastal segments of fixed length, with stable ids and seaward bearings.

Every island's exterior rings (holes are lagoons, not sea coast) are cut into segments in the metric CRS
``geo.crs.METRIC``. The cut is deterministic, so running it again on the same outline gives the same ids:

- each ring is oriented counter-clockwise (the sea lies to the right of travel) and starts at its
  northernmost vertex (the westernmost of equally northern ones);
- a multi-part island's rings are taken largest first (ties by the start vertex);
- a ring of length ``L`` becomes ``max(1, round(L / length_m))`` segments of equal length ``L / n`` (so every
  segment is within 2/3 and 4/3 of the target, and an islet shorter than one segment is one segment);
- an *islet*, a polygon part under :data:`ISLET_AREA_KM2` (0.05 km², about 250 m across), is one segment
  whatever its perimeter (see below);
- outline parts within ``boundary_tolerance_m`` of a land boundary (a cut across land, such as Madura's
  border with Pamekasan) are not coast and are dropped before cutting; each remaining stretch is cut on its own;
- ids are ``<island code>-<ordinal:04d>``, ordinals counting from 1 across the island's rings.

**Islets.** OSM draws 40-odd rocks, sand cays and reef islets under 0.05 km² around the regency. Each is
scored like any coast, and the classes are cut by coastline length (``geo.risk.risk_classes``), so an islet
weighs by its perimeter, not by its count. What put them at the top of the landing map was not their number of
segments but the ``staging`` factor: it was 1 on the coast of *every* uninhabited polygon, so with the landing
model's weights (staging +1.2, not inhabited +0.8 on the log scale) the whole perimeter of every rock ranked
above every inhabited coast, and how many rocks OSM happens to draw decided how much of the critical and high
classes they fill (islets were 2.5 % of the coastline and held 14 % of critical + high). The rule now:

- an islet is one segment (a rock is watched, or landed on, as one place; two 400 m halves of a 0.03 km² cay
  are not two places), so the number of segments on islets is the number of islets;
- an islet is not a staging point (``geo.factors.staging`` counts only uninhabited islands of at least
  :data:`ISLET_AREA_KM2`): a staging point is where people and goods wait for the crossing, which a rock awash
  at high tide cannot hold; an islet's own coast is then as "staging" as its distance to the nearest real
  staging island makes it.

Islets are still segmented, scored and shown, and a landing reported on one is attributed to it.

The seaward bearing is the direction, in degrees clockwise from north in [0, 360), of the normal to the
segment's chord pointing to its right (the sea side of a counter-clockwise ring). A one-segment islet
(closed ring, no chord) faces from the island's centroid towards its midpoint.
"""

from __future__ import annotations

from typing import Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely

from geo import validation
from geo.crs import METRIC, METRIC_BOUNDS, WGS84
from geo.validation import GeoInputError

DEFAULT_LENGTH_M: Final = 500.0
DEFAULT_BOUNDARY_TOLERANCE_M: Final = 50.0
ISLET_AREA_KM2: Final = 0.05
"""A polygon part smaller than this (km², in ``geo.crs.METRIC``) is an islet: one segment, and not a staging point."""
SEGMENT_COLUMNS: Final = ("id", "island_code", "ordinal", "length_m", "seaward_bearing", "geometry")

FloatArray = npt.NDArray[np.float64]


def _ring_pieces(ring: shapely.LinearRing, boundary: shapely.Geometry | None) -> list[FloatArray]:
    """The ring's coordinates, CCW from its northernmost vertex, minus parts near a land boundary."""
    if not shapely.is_ccw(ring):
        ring = shapely.reverse(ring)
    xy = shapely.get_coordinates(ring)[:-1]
    start = int(np.lexsort((xy[:, 0], -xy[:, 1]))[0])  # max y, then min x
    xy = np.vstack([xy[start:], xy[:start], xy[start : start + 1]])
    if boundary is None:
        return [xy]
    line = shapely.LineString(xy)
    if not shapely.intersects(line, boundary):
        return [xy]
    kept = shapely.difference(line, boundary)
    parts = [p for p in shapely.get_parts(kept) if not p.is_empty and p.length > 0]
    # Order stretches along the ring from its start vertex; a stretch through the start vertex was split
    # in two by the difference and is joined back so the outline is cut the same way on every run.
    parts.sort(key=lambda p: line.project(shapely.Point(p.coords[0])))
    pieces = [shapely.get_coordinates(p) for p in parts]
    if len(pieces) > 1 and np.allclose(pieces[-1][-1], xy[-1]) and np.allclose(pieces[0][0], xy[0]):
        pieces = [np.vstack([pieces[-1], pieces[0][1:]]), *pieces[1:-1]]
    return pieces


def _cut(xy: FloatArray, target: float, closed: bool) -> tuple[list[FloatArray], FloatArray]:
    """Cut a polyline into n equal-length parts; returns the parts' coordinates and their lengths."""
    step = np.hypot(*np.diff(xy, axis=0).T)
    chain = np.concatenate([[0.0], np.cumsum(step)])
    total = float(chain[-1])
    n = max(1, round(total / target))
    cuts = np.linspace(0.0, total, n + 1)
    at = np.column_stack([np.interp(cuts, chain, xy[:, 0]), np.interp(cuts, chain, xy[:, 1])])
    # Interior vertices of part k are those strictly between its cut points.
    lo = np.searchsorted(chain, cuts[:-1], side="right")
    hi = np.searchsorted(chain, cuts[1:], side="left")
    parts = [np.vstack([at[k : k + 1], xy[lo[k] : hi[k]], at[k + 1 : k + 2]]) for k in range(n)]
    if closed and n == 1:
        parts = [xy]
    return parts, np.full(n, total / n)


def _bearing(parts: list[FloatArray], centroid: tuple[float, float]) -> FloatArray:
    out = np.empty(len(parts))
    for i, xy in enumerate(parts):
        dx, dy = xy[-1] - xy[0]
        if np.hypot(dx, dy) < 1e-6:  # a closed one-segment islet: face away from its centre
            mid = xy[len(xy) // 2]
            nx, ny = mid[0] - centroid[0], mid[1] - centroid[1]
        else:
            nx, ny = dy, -dx  # right-hand normal of the chord: seaward on a counter-clockwise ring
        out[i] = np.degrees(np.arctan2(nx, ny)) % 360.0
    return out


def segment_coast(
    islands: gpd.GeoDataFrame,
    *,
    length_m: float = DEFAULT_LENGTH_M,
    land_boundaries: gpd.GeoDataFrame | None = None,
    boundary_tolerance_m: float = DEFAULT_BOUNDARY_TOLERANCE_M,
) -> gpd.GeoDataFrame:
    """Cut island outlines into coastal segments of (about) ``length_m`` metres.

    Parameters
    ----------
    islands
        GeoDataFrame with a ``code`` column (unique) and valid, non-empty (Multi)Polygon geometries, in any CRS
        (it must be set).
    length_m
        Target segment length in metres (10-100,000). Each ring is cut into equal parts as close to it as
        possible; rings shorter than that, and every islet (a part under :data:`ISLET_AREA_KM2`), are one
        segment.
    land_boundaries
        Optional (Multi)LineString layer of land borders (any CRS, set): outline parts within
        ``boundary_tolerance_m`` of them are not coast and produce no segment.
    boundary_tolerance_m
        Distance in metres within which an outline part counts as lying on a land boundary (> 0).

    Returns
    -------
    geopandas.GeoDataFrame
        A new EPSG:4326 frame with columns ``id`` (``<code>-<ordinal:04d>``), ``island_code``, ``ordinal``
        (from 1), ``length_m`` (metres, in ``geo.crs.METRIC``), ``seaward_bearing`` (degrees from north in
        [0, 360)) and LineString geometry, ordered by island code and ordinal.

    Raises
    ------
    GeoInputError
        Naming the argument and the rule: empty outlines, CRS not set, invalid polygons, a bad length.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> isl = gpd.GeoDataFrame({"code": ["A"]}, geometry=[shapely.box(0, 0, 2000, 1000)], crs="EPSG:23837")
    >>> seg = segment_coast(isl, length_m=500)
    >>> len(seg), seg.id.iloc[0], round(float(seg.length_m.sum()))
    (12, 'A-0001', 6000)

    A 0.04 km² islet with an 800 m perimeter is one segment:

    >>> cay = gpd.GeoDataFrame({"code": ["C"]}, geometry=[shapely.box(0, 0, 200, 200)], crs="EPSG:23837")
    >>> len(segment_coast(cay, length_m=500)), round(float(segment_coast(cay).length_m.iloc[0]))
    (1, 800)
    """
    polygons = ("Polygon", "MultiPolygon")
    validation.frame(islands, "islands", geom_types=polygons, valid=True, within=METRIC_BOUNDS, key="code")
    if islands.empty:
        raise GeoInputError("islands: must not be empty (no outlines to segment)")
    if "code" not in islands.columns:
        raise GeoInputError("islands: missing required column code")
    if islands["code"].isna().any() or islands["code"].duplicated().any():
        raise GeoInputError("islands.code: must be set and unique on every row")
    if isinstance(length_m, bool) or not isinstance(length_m, int | float) or not 10.0 <= length_m <= 100_000.0:
        raise GeoInputError(f"length_m: must be a number within 10-100000 metres, got {length_m!r}")
    if not boundary_tolerance_m > 0:
        raise GeoInputError(f"boundary_tolerance_m: must be > 0, got {boundary_tolerance_m!r}")
    boundary = None
    if land_boundaries is not None:
        lines = ("LineString", "MultiLineString")
        validation.frame(land_boundaries, "land_boundaries", geom_types=lines, within=METRIC_BOUNDS)
        if len(land_boundaries):
            lines = shapely.union_all(land_boundaries.to_crs(METRIC).geometry.array)
            boundary = shapely.buffer(lines, boundary_tolerance_m)

    metric = islands.to_crs(METRIC)
    ids: list[str] = []
    codes: list[str] = []
    ordinals: list[int] = []
    lengths: list[FloatArray] = []
    bearings: list[FloatArray] = []
    coords: list[FloatArray] = []
    for code, geom in zip(metric["code"].astype(str), metric.geometry.array, strict=True):
        polys = sorted(shapely.get_parts(geom), key=lambda p: (-p.area, *p.exterior.coords[0]))
        centroid = geom.centroid
        ordinal = 0
        for poly in polys:
            # An islet is one segment whatever its perimeter (see the module docstring).
            target = np.inf if poly.area < ISLET_AREA_KM2 * 1e6 else float(length_m)
            for piece in _ring_pieces(poly.exterior, boundary):
                closed = bool(np.allclose(piece[0], piece[-1]))
                parts, lens = _cut(piece, target, closed)
                coords.extend(parts)
                lengths.append(lens)
                bearings.append(_bearing(parts, (centroid.x, centroid.y)))
                for _ in parts:
                    ordinal += 1
                    ids.append(f"{code}-{ordinal:04d}")
                    codes.append(code)
                    ordinals.append(ordinal)
    if not coords:
        raise GeoInputError("islands: no coastline left to segment (every outline lies on a land boundary)")
    sizes = np.array([len(c) for c in coords])
    lines = shapely.linestrings(np.vstack(coords), indices=np.repeat(np.arange(len(coords)), sizes))
    frame = gpd.GeoDataFrame(
        {
            "id": ids,
            "island_code": codes,
            "ordinal": np.array(ordinals, dtype=np.int64),
            "length_m": np.concatenate(lengths),
            "seaward_bearing": np.concatenate(bearings),
        },
        geometry=lines,
        crs=METRIC,
    ).to_crs(WGS84)
    return frame[list(SEGMENT_COLUMNS)]
