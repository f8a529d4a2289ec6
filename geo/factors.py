"""Risk factors of coastal segments: each a pure, documented function of data we hold.

Every factor takes the segments (from :func:`geo.segmentation.segment_coast`, any CRS) and returns a new
``pandas.Series`` indexed like them, **in [0, 1]**, so that a model's weight is the log of the largest
multiplier the factor can contribute. Distances are measured in ``geo.crs.METRIC`` from each segment's
midpoint, with spatial indexes (``shapely.STRtree``, ``scipy.spatial.cKDTree``): no per-segment Python loop.

=======================  =====================================================================================
factor                   definition (``d`` in km)
=======================  =====================================================================================
``remoteness``           ``1 - exp(-d / scale_km)``, ``d`` to the nearest *monitored* harbour of the regency
                         or port outside it (the places gazetteer's kind ``port``: Branta in Pamekasan,
                         Jangkar, Kamal, ...; scale 20 km); 1 everywhere when there is neither. Far from
                         surveillance, boats land unseen; a port of the next regency watches its approaches
                         too, so the coast at the regency's edge is not remote by construction.
``shipping_exposure``    ``exp(-d / scale_km)``, ``d`` to the nearest shipping lane (scale 25 km): goods and
                         people are transshipped from passing ships.
``ferry_exposure``       ``exp(-d / scale_km)``, ``d`` to the nearest ferry link (scale 4 km): the routes
                         migrant workers travel along. The links are the scheduled ferry routes drawn over the
                         sea graph (``geo.corridors.ferry_routes``) when given, else schematic straight lines.
``corridor_exposure``    Corridor traffic within reach of the segment that could land there (``geo.corridors``:
                         the landing choice of flows to or from "any Sumenep coast" and trips to or from its
                         places within a 4 km kernel, plus a quarter of the traffic passing within it on the
                         flows' randomised least-time routes), for the risk kind and the season scored (annual:
                         the month-weighted mean of the west, east and transition route seasons), relative to
                         the coastline's annual mean ``r``: ``log1p(r) / log1p(cap)`` clipped to 1 (cap 20). 0
                         everywhere when no corridors are built.
``staging``              ``exp(-d / scale_km)``, ``d`` to the nearest uninhabited island of at least
                         0.05 km² (scale 3 km; 1 on its own coast): empty islands serve as staging points. An
                         islet under 0.05 km² is not one (``geo.segmentation.ISLET_AREA_KM2``: a rock cannot
                         hold people and goods waiting for a crossing), so a rock's coast is not 1 by default.
``inhabited``            1 on an inhabited island's coast, else 0 (people leave from where they live).
``monsoon_shelter``      ``-cos(bearing - wind_from)`` averaged over the season scored for: +1 on a coast
                         sheltered from the monsoon (lee shore, where small boats land), -1 facing it; mapped
                         to [0, 1] as ``(1 + s) / 2``. The two monsoons blow from opposite sides (west from
                         290 deg in Dec-Mar, east from 110 deg in Jun-Sep), so over a whole year it is 0.5.
``incident_density``     Time-decayed Gaussian kernel density of past incidents of the risk kind's incident
                         kinds (bandwidth 3 km, half-life 365 days), each weighted by location precision
                         (``1 / (1 + precision_m / bandwidth)``) and review state (verified 1, reported 0.7,
                         rejected 0), relative to the coastline-average density ``r``; reported as
                         ``log1p(r) / log1p(cap)`` clipped to 1 (cap 20).
``suspicious_landings``  The same density for landing reports that are suspicious or off-harbour (arrivals for
                         ``landing``, departures for ``tppo``; bandwidth 5 km, half-life 365 days).
``patrol_remoteness``    ``1 - exp(-d / scale_km)``, ``d`` to the nearest patrol base (scale 15 km); 0 when no
                         patrol base is loaded (the layer is empty by default), so it contributes nothing.
=======================  =====================================================================================
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from geo import validation
from geo.crs import METRIC, METRIC_BOUNDS
from geo.segmentation import ISLET_AREA_KM2
from geo.validation import GeoInputError
from geo.vocabulary import (
    EAST_MONSOON_FROM_DEG,
    EAST_MONSOON_MONTHS,
    INCIDENT_RISK_KIND,
    RISK_KINDS,
    ROUTE_SEASON_MONTHS,
    ROUTE_SEASONS,
    SEASONS,
    WEST_MONSOON_FROM_DEG,
    WEST_MONSOON_MONTHS,
)

FloatArray = npt.NDArray[np.float64]

FACTORS: Final = (
    "remoteness",
    "shipping_exposure",
    "ferry_exposure",
    "corridor_exposure",
    "staging",
    "inhabited",
    "monsoon_shelter",
    "incident_density",
    "suspicious_landings",
    "patrol_remoteness",
)
"""Every factor, in the order models list them."""

LINES: Final = ("LineString", "LinearRing", "MultiLineString")
"""The geometry types a segment may have (a point along it is its midpoint)."""
STAGING_STEP_M: Final = 20.0
REVIEW_WEIGHT: Final = {"verified": 1.0, "reported": 0.7, "rejected": 0.0}
"""How much an incident or report counts by review state: a rejected one not at all."""


@dataclass(frozen=True)
class FactorParams:
    """Parameters of the factors (units in the names); defaults in the module docstring."""

    harbour_scale_km: float = 20.0
    shipping_scale_km: float = 25.0
    ferry_scale_km: float = 4.0
    staging_scale_km: float = 3.0
    patrol_scale_km: float = 15.0
    incident_bandwidth_m: float = 3000.0
    incident_half_life_days: float = 365.0
    landing_bandwidth_m: float = 5000.0
    landing_half_life_days: float = 365.0
    density_cap: float = 20.0
    west_monsoon_from_deg: float = WEST_MONSOON_FROM_DEG
    east_monsoon_from_deg: float = EAST_MONSOON_FROM_DEG
    west_monsoon_months: tuple[int, ...] = WEST_MONSOON_MONTHS
    east_monsoon_months: tuple[int, ...] = EAST_MONSOON_MONTHS

    def __post_init__(self) -> None:
        for name, value in self.__dict__.items():
            if isinstance(value, float) and not value > 0 and "deg" not in name:
                raise GeoInputError(f"params.{name}: must be > 0, got {value!r}")


def _check_segments(segments: object, columns: Sequence[str] = ()) -> gpd.GeoDataFrame:
    """Segments as :func:`geo.segmentation.segment_coast` makes them: a CRS, non-empty lines, ``columns``."""
    return validation.frame(segments, "segments", columns=columns, geom_types=LINES, within=METRIC_BOUNDS, key="id")


def _check_layer(frame: object, name: str, columns: Sequence[str] = ()) -> gpd.GeoDataFrame:
    return validation.frame(frame, name, columns=columns)


def _check_points(frame: object, name: str, columns: Sequence[str] = ()) -> gpd.GeoDataFrame:
    """A layer of places or events: each row one non-empty, finite Point (a distance is measured from each)."""
    return validation.frame(frame, name, columns=columns, geom_types=("Point",))


def midpoints(segments: gpd.GeoDataFrame) -> FloatArray:
    """Segment midpoints (half-way along each line) as an (n, 2) array in ``geo.crs.METRIC`` metres.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> seg = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (100, 0)])], crs="EPSG:23837")
    >>> midpoints(seg).tolist()
    [[50.0, 0.0]]
    """
    seg = _check_segments(segments)
    geoms = seg.to_crs(METRIC).geometry.array
    return shapely.get_coordinates(shapely.line_interpolate_point(geoms, 0.5, normalized=True))


def _xy(frame: gpd.GeoDataFrame) -> FloatArray:
    if frame.empty:
        return np.empty((0, 2))
    return shapely.get_coordinates(frame.to_crs(METRIC).geometry.array)


def _nearest_km(xy: FloatArray, geoms: npt.NDArray[np.object_]) -> FloatArray:
    """Distance (km) from each point to the nearest of ``geoms`` (inf when there are none)."""
    if len(geoms) == 0:
        return np.full(len(xy), np.inf)
    tree = shapely.STRtree(geoms)
    idx, dist = tree.query_nearest(shapely.points(xy), return_distance=True, all_matches=False)
    out = np.full(len(xy), np.inf)
    out[idx[0]] = dist / 1000.0
    return out


def densify(lines: npt.NDArray[np.object_], step_m: float) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """Vertices of ``lines`` (metric) with added points so none is more than ``step_m`` from the next, and the
    index of the line each vertex belongs to. A nearest-vertex distance is then exact to within ``step_m / 2``.

    Examples
    --------
    >>> import shapely
    >>> xy, owner = densify(np.array([shapely.LineString([(0, 0), (100, 0)])]), 25.0)
    >>> xy[:, 0].tolist(), owner.tolist()
    ([0.0, 25.0, 50.0, 75.0, 100.0], [0, 0, 0, 0, 0])
    """
    xy, owner = shapely.get_coordinates(shapely.segmentize(lines, step_m), return_index=True)
    return np.asarray(xy, dtype=np.float64), np.asarray(owner, dtype=np.int64)


def _nearest_point_km(xy: FloatArray, targets: FloatArray) -> FloatArray:
    if len(targets) == 0:
        return np.full(len(xy), np.inf)
    dist, _ = cKDTree(targets).query(xy, k=1)
    return np.asarray(dist, dtype=np.float64) / 1000.0


def _series(segments: gpd.GeoDataFrame, values: FloatArray, name: str) -> pd.Series:
    return pd.Series(np.clip(values, 0.0, 1.0), index=segments.index, name=name, dtype=np.float64)


def remoteness(
    segments: gpd.GeoDataFrame,
    harbours: gpd.GeoDataFrame,
    *,
    scale_km: float = 20.0,
    outside_ports: gpd.GeoDataFrame | None = None,
) -> pd.Series:
    """Remoteness from surveillance: ``1 - exp(-d / scale_km)``, ``d`` (km) to the nearest monitored harbour or
    port outside the regency.

    ``harbours`` (the regency's own) needs a boolean ``monitored`` column; only monitored ones count.
    ``outside_ports`` (optional, any CRS): the ports outside the regency, for instance the places gazetteer's
    rows of kind ``port``. Every one of them counts as watched, since each is an official port with a harbour
    master; without them the coast facing Pamekasan, 11 km from Branta, would look as remote as an empty reef.
    With no monitored harbour and no outside port the factor is 1 everywhere.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> seg = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (0, 100)])], crs="EPSG:23837")
    >>> hb = gpd.GeoDataFrame({"monitored": [True]}, geometry=[shapely.Point(20_050, 50)], crs="EPSG:23837")
    >>> round(float(remoteness(seg, hb, scale_km=20).iloc[0]), 3)
    0.633

    A port of the next regency, 2 km away, makes the same segment far less remote:

    >>> port = gpd.GeoDataFrame({"slug": ["branta"]}, geometry=[shapely.Point(-2_000, 50)], crs="EPSG:23837")
    >>> round(float(remoteness(seg, hb, scale_km=20, outside_ports=port).iloc[0]), 3)
    0.095
    """
    hb = _check_points(harbours, "harbours", ("monitored",))
    monitored = _xy(hb[hb["monitored"].astype(bool)])
    if outside_ports is not None and len(outside_ports):
        monitored = np.vstack([monitored, _xy(_check_points(outside_ports, "outside_ports"))])
    d = _nearest_point_km(midpoints(segments), monitored)
    return _series(segments, 1.0 - np.exp(-d / scale_km), "remoteness")


def lane_exposure(
    segments: gpd.GeoDataFrame, lanes: gpd.GeoDataFrame, *, scale_km: float, name: str = "lane_exposure"
) -> pd.Series:
    """Exposure to lanes: ``exp(-d / scale_km)``, ``d`` (km) to the nearest line of ``lanes`` (0 with none).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> seg = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (0, 100)])], crs="EPSG:23837")
    >>> lanes = gpd.GeoDataFrame(geometry=[shapely.LineString([(8000, -1e5), (8000, 1e5)])], crs="EPSG:23837")
    >>> round(float(lane_exposure(seg, lanes, scale_km=8).iloc[0]), 3)
    0.368
    """
    ln = validation.frame(lanes, "lanes", geom_types=LINES)
    geoms = ln.to_crs(METRIC).geometry.array if len(ln) else np.array([], dtype=object)
    d = _nearest_km(midpoints(segments), np.asarray(geoms))
    return _series(segments, np.exp(-d / scale_km), name)


def staging(
    segments: gpd.GeoDataFrame,
    islands: gpd.GeoDataFrame,
    *,
    scale_km: float = 3.0,
    min_area_km2: float = ISLET_AREA_KM2,
) -> pd.Series:
    """Staging points: ``exp(-d / scale_km)``, ``d`` (km) to the nearest uninhabited island (1 on its coast).

    ``islands`` needs a boolean ``inhabited`` column. Only polygon parts of at least ``min_area_km2`` are
    staging points: an islet is too small to hold people and goods waiting for a crossing, and counting every
    rock made the coast of every rock 1 (see ``geo.segmentation``).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> seg = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (0, 100)])], crs="EPSG:23837")
    >>> isl = gpd.GeoDataFrame({"inhabited": [False]}, geometry=[shapely.box(3000, 0, 4000, 100)], crs="EPSG:23837")
    >>> round(float(staging(seg, isl).iloc[0]), 3)
    0.368

    A 0.01 km² rock next to the segment is not a staging point:

    >>> rock = gpd.GeoDataFrame({"inhabited": [False]}, geometry=[shapely.box(10, 0, 110, 100)], crs="EPSG:23837")
    >>> round(float(staging(seg, pd.concat([isl, rock])).iloc[0]), 3)
    0.368
    """
    polygons = ("Polygon", "MultiPolygon")
    isl = validation.frame(islands, "islands", columns=("inhabited",), geom_types=polygons, valid=True, key="code")
    empty = isl[~isl["inhabited"].astype(bool)]
    parts = shapely.get_parts(empty.to_crs(METRIC).geometry.array) if len(empty) else np.array([], dtype=object)
    parts = parts[shapely.area(parts) >= min_area_km2 * 1e6] if len(parts) else parts
    # Distance to the outlines densified every 20 m (exact to 10 m; a nearest-polygon query through an STRtree
    # is ten times slower on 200,000 segments). Segments never lie inside another island, so the outline is
    # the nearest part of it; a segment of an uninhabited island lies on its outline (within metres of it).
    outlines = shapely.boundary(parts) if len(parts) else np.array([], dtype=object)
    d = _nearest_point_km(midpoints(segments), densify(np.asarray(outlines), STAGING_STEP_M)[0])
    d = np.where(d < 0.05, 0.0, d)
    return _series(segments, np.exp(-d / scale_km), "staging")


def inhabited(segments: gpd.GeoDataFrame, islands: gpd.GeoDataFrame) -> pd.Series:
    """1 where the segment's island (``segments.island_code`` = ``islands.code``) is inhabited, else 0.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> seg = gpd.GeoDataFrame({"island_code": ["A"]}, geometry=[shapely.LineString([(0, 0), (0, 1)])],
    ...                        crs="EPSG:23837")
    >>> isl = gpd.GeoDataFrame({"code": ["A"], "inhabited": [True]}, geometry=[shapely.box(0, 0, 1, 1)],
    ...                        crs="EPSG:23837")
    >>> float(inhabited(seg, isl).iloc[0])
    1.0
    """
    seg = _check_segments(segments)
    if "island_code" not in seg.columns:
        raise GeoInputError("segments: missing required column island_code")
    isl = _check_layer(islands, "islands", ("code", "inhabited"))
    lookup = dict(zip(isl["code"].astype(str), isl["inhabited"].astype(bool), strict=True))
    values = seg["island_code"].astype(str).map(lookup).fillna(False).to_numpy(dtype=np.float64)
    return _series(seg, values, "inhabited")


def monsoon_shelter(
    segments: gpd.GeoDataFrame, *, season: str = "annual", params: FactorParams | None = None
) -> pd.Series:
    """Coast orientation against the season's monsoon, in [0, 1] (1 sheltered, 0 facing the wind).

    ``season`` is ``annual`` (the year's mean: 4 months of each monsoon and 4 calm), ``west`` (Dec-Mar) or
    ``east`` (Jun-Sep). Needs ``segments.seaward_bearing`` (degrees from north).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> seg = gpd.GeoDataFrame({"seaward_bearing": [110.0]}, geometry=[shapely.LineString([(0, 0), (0, 1)])],
    ...                        crs="EPSG:23837")
    >>> float(monsoon_shelter(seg, season="west").iloc[0]), float(monsoon_shelter(seg, season="east").iloc[0])
    (1.0, 0.0)
    """
    seg = _check_segments(segments)
    if season not in SEASONS:
        raise GeoInputError(f"season: must be one of {', '.join(SEASONS)}, got {season!r}")
    if "seaward_bearing" not in seg.columns:
        raise GeoInputError("segments: missing required column seaward_bearing")
    p = params or FactorParams()
    b = seg["seaward_bearing"].to_numpy(dtype=np.float64)
    s_w = -np.cos(np.radians(b - p.west_monsoon_from_deg))
    s_e = -np.cos(np.radians(b - p.east_monsoon_from_deg))
    if season == "west":
        s = s_w
    elif season == "east":
        s = s_e
    else:
        s = (len(p.west_monsoon_months) * s_w + len(p.east_monsoon_months) * s_e) / 12.0
    return _series(seg, (1.0 + s) / 2.0, "monsoon_shelter")


def point_weights(
    frame: gpd.GeoDataFrame,
    *,
    time_column: str,
    cutoff: datetime,
    half_life_days: float,
    bandwidth_m: float,
) -> FloatArray:
    """Weight of each point event: time decay x location precision x review state (0 after ``cutoff``).

    ``0.5 ** (age_days / half_life_days)`` for events before ``cutoff`` (0 at or after it), times
    ``1 / (1 + precision_m / bandwidth_m)`` (a point known to 2 km says less than a GPS fix), times
    :data:`REVIEW_WEIGHT` of ``review_state`` (rejected 0).
    """
    if frame.empty:
        return np.empty(0)
    t = pd.to_datetime(frame[time_column], utc=True)
    age = (pd.Timestamp(cutoff).tz_convert("UTC") - t).dt.total_seconds().to_numpy() / 86_400.0
    w = np.where(age > 0, np.power(0.5, np.maximum(age, 0.0) / half_life_days), 0.0)
    if "precision_m" in frame.columns:
        w = w / (1.0 + frame["precision_m"].fillna(bandwidth_m).to_numpy(dtype=np.float64) / bandwidth_m)
    if "review_state" in frame.columns:
        w = w * frame["review_state"].astype(str).map(REVIEW_WEIGHT).fillna(1.0).to_numpy(dtype=np.float64)
    return np.asarray(w, dtype=np.float64)


def kernel_density(
    xy: FloatArray, points: FloatArray, weights: FloatArray, *, bandwidth_m: float, exclude: FloatArray | None = None
) -> FloatArray:
    """Weighted Gaussian kernel sum at ``xy`` of ``points`` (metres), truncated at 3 bandwidths.

    ``exclude`` (optional, one flag per ``xy`` x ``points`` pair is too big): an array of the index in ``xy``
    that each point belongs to; a point then does not count at its own location (leave-one-out when fitting).
    """
    out = np.zeros(len(xy))
    if len(points) == 0 or len(xy) == 0:
        return out
    keep = weights > 0
    pts, w = points[keep], weights[keep]
    if not len(pts):
        return out
    own = exclude[keep] if exclude is not None else None
    pairs = cKDTree(pts).sparse_distance_matrix(cKDTree(xy), 3.0 * bandwidth_m, output_type="coo_matrix")
    k = np.exp(-0.5 * (pairs.data / bandwidth_m) ** 2) * w[pairs.row]
    if own is not None:
        k = np.where(own[pairs.row] == pairs.col, 0.0, k)
    np.add.at(out, pairs.col, k)
    # Zero-distance pairs are not stored by sparse_distance_matrix: add them back.
    _, hit = cKDTree(xy).query(pts, k=1, distance_upper_bound=1e-9)
    exact = hit < len(xy)
    if exact.any():
        extra = w[exact] if own is None else np.where(own[exact] == hit[exact], 0.0, w[exact])
        np.add.at(out, hit[exact], extra)
    return out


def _relative_density(
    segments: gpd.GeoDataFrame, density: FloatArray, total_weight: float, bandwidth_m: float, cap: float
) -> FloatArray:
    # Density relative to events spread evenly along the whole coastline (per metre of coast, the kernel
    # integrates to about sqrt(2 pi) * bandwidth across the shore).
    coast_m = float(segments["length_m"].sum()) if "length_m" in segments.columns else float(len(segments))
    even = total_weight / max(coast_m, 1.0) * math.sqrt(2 * math.pi) * bandwidth_m
    rel = density / even if even > 0 else np.zeros_like(density)
    return np.asarray(np.log1p(rel) / math.log1p(cap), dtype=np.float64)


def incident_density(
    segments: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    *,
    kind: str,
    cutoff: datetime,
    params: FactorParams | None = None,
    exclude_own_segment: bool = False,
) -> pd.Series:
    """Time-decayed, precision- and review-weighted kernel density of past incidents of risk kind ``kind``.

    Only incidents that started before ``cutoff`` count. ``exclude_own_segment`` drops each incident's
    weight on its nearest segment (used when fitting, so a segment's own events do not explain themselves).

    Examples
    --------
    >>> import geopandas as gpd, shapely, pandas as pd
    >>> from datetime import datetime, UTC
    >>> seg = gpd.GeoDataFrame({"length_m": [100.0, 100.0]},
    ...     geometry=[shapely.LineString([(0, 0), (0, 100)]), shapely.LineString([(90000, 0), (90000, 100)])],
    ...     crs="EPSG:23837")
    >>> inc = gpd.GeoDataFrame({"kind": ["tppo"], "occurred_start": [pd.Timestamp("2024-01-01", tz="UTC")],
    ...     "precision_m": [50.0], "review_state": ["verified"]}, geometry=[shapely.Point(10, 50)], crs="EPSG:23837")
    >>> d = incident_density(seg, inc, kind="tppo", cutoff=datetime(2025, 1, 1, tzinfo=UTC))
    >>> bool(d.iloc[0] > d.iloc[1]), float(d.iloc[1])
    (True, 0.0)
    """
    if kind not in RISK_KINDS:
        raise GeoInputError(f"kind: must be one of {', '.join(RISK_KINDS)}, got {kind!r}")
    inc = _check_points(incidents, "incidents", ("kind", "occurred_start"))
    p = params or FactorParams()
    sel = inc[inc["kind"].astype(str).map(INCIDENT_RISK_KIND) == kind]
    w = point_weights(
        sel,
        time_column="occurred_start",
        cutoff=cutoff,
        half_life_days=p.incident_half_life_days,
        bandwidth_m=p.incident_bandwidth_m,
    )
    xy = midpoints(segments)
    pts = _xy(sel)
    own = None
    if exclude_own_segment and len(pts):
        _, own = cKDTree(xy).query(pts, k=1)
    dens = kernel_density(xy, pts, w, bandwidth_m=p.incident_bandwidth_m, exclude=own)
    rel = _relative_density(segments, dens, float(w.sum()), p.incident_bandwidth_m, p.density_cap)
    return _series(segments, rel, "incident_density")


def suspicious_landings(
    segments: gpd.GeoDataFrame,
    landings: gpd.GeoDataFrame,
    *,
    direction: str,
    cutoff: datetime,
    params: FactorParams | None = None,
) -> pd.Series:
    """Density of suspicious or off-harbour landing reports (``direction`` arrival or departure) before cutoff.

    A report counts when it carries any suspicion flag (``off_harbour`` included). Weighted like incidents
    (:func:`point_weights`, bandwidth and half-life from ``params``) and scaled like :func:`incident_density`.
    """
    if direction not in ("arrival", "departure"):
        raise GeoInputError(f"direction: must be arrival or departure, got {direction!r}")
    ld = _check_points(landings, "landings", ("direction", "suspicion_flags", "observed_start"))
    p = params or FactorParams()
    flagged = ld["suspicion_flags"].map(lambda f: f is not None and len(f) > 0).to_numpy(dtype=bool)
    sel = ld[flagged & (ld["direction"].astype(str) == direction).to_numpy()]
    w = point_weights(
        sel,
        time_column="observed_start",
        cutoff=cutoff,
        half_life_days=p.landing_half_life_days,
        bandwidth_m=p.landing_bandwidth_m,
    )
    dens = kernel_density(midpoints(segments), _xy(sel), w, bandwidth_m=p.landing_bandwidth_m)
    rel = _relative_density(segments, dens, float(w.sum()), p.landing_bandwidth_m, p.density_cap)
    return _series(segments, rel, "suspicious_landings")


def patrol_remoteness(
    segments: gpd.GeoDataFrame, patrol_bases: gpd.GeoDataFrame | None, *, scale_km: float = 15.0
) -> pd.Series:
    """Remoteness from patrol bases, ``1 - exp(-d / scale_km)``; 0 everywhere when no base is loaded."""
    seg = _check_segments(segments)
    if patrol_bases is None or len(patrol_bases) == 0:
        return _series(seg, np.zeros(len(seg)), "patrol_remoteness")
    pb = _check_points(patrol_bases, "patrol_bases")
    d = _nearest_point_km(midpoints(seg), _xy(pb))
    return _series(seg, 1.0 - np.exp(-d / scale_km), "patrol_remoteness")


def corridor_exposure(
    segments: gpd.GeoDataFrame,
    exposure: pd.DataFrame | None,
    *,
    kind: str,
    season: str = "annual",
    cap: float = 20.0,
) -> pd.Series:
    """Exposure to the corridors of risk kind ``kind`` in scoring season ``season``, in [0, 1].

    ``exposure`` is ``geo.corridors.Corridors.exposure``: raw traffic within reach per segment (indexed by the
    segments' ``id``), one column per ``<risk kind>:<route season>``. A scoring season reads its route season
    (``west``, ``east``); ``annual`` reads the mean of the three route seasons weighted by their months (4
    each). The raw value is divided by the coastline's length-weighted mean of the *annual* exposure ``r`` and
    reported as ``log1p(r) / log1p(cap)``, clipped to 1, like the density factors. One reference for every
    season, so that a monsoon in which fewer boats sail shows less exposure (the weights are fitted on the
    annual factor). 0 everywhere when ``exposure`` is None or empty of traffic.

    Examples
    --------
    >>> import geopandas as gpd, shapely, pandas as pd
    >>> seg = gpd.GeoDataFrame({"id": ["A-0001", "A-0002"], "length_m": [500.0, 500.0]},
    ...     geometry=[shapely.LineString([(0, 0), (0, 500)]), shapely.LineString([(0, 500), (0, 1000)])],
    ...     crs="EPSG:23837")
    >>> raw = pd.DataFrame({f"{k}:{s}": [3.0, 1.0] for k in ("landing", "tppo") for s in ("west", "east",
    ...     "transition")}, index=["A-0001", "A-0002"])
    >>> f = corridor_exposure(seg, raw, kind="landing")
    >>> [round(v, 3) for v in f], float(corridor_exposure(seg, None, kind="tppo").sum())
    ([0.301, 0.133], 0.0)
    """
    seg = _check_segments(segments)
    if kind not in RISK_KINDS:
        raise GeoInputError(f"kind: must be one of {', '.join(RISK_KINDS)}, got {kind!r}")
    if season not in SEASONS:
        raise GeoInputError(f"season: must be one of {', '.join(SEASONS)}, got {season!r}")
    if exposure is None:
        return _series(seg, np.zeros(len(seg)), "corridor_exposure")
    if not isinstance(exposure, pd.DataFrame):
        raise TypeError(f"corridors: must be a DataFrame or None, got {type(exposure).__name__}")
    columns = [f"{kind}:{s}" for s in ROUTE_SEASONS]
    missing = [c for c in columns if c not in exposure.columns]
    if missing:
        raise GeoInputError(f"corridors: missing column(s) {', '.join(missing)}")
    if "id" not in seg.columns:
        raise GeoInputError("segments: missing required column id (corridor exposure is indexed by segment id)")
    ids = seg["id"].astype(str)
    frame = exposure.set_axis(exposure.index.astype(str))
    absent = ~ids.isin(frame.index)
    if absent.any():
        raise GeoInputError(
            f"corridors: no exposure for {int(absent.sum())} segment(s), e.g. {ids[absent].iloc[0]!r}; "
            "rebuild the corridors for these segments"
        )
    raw = frame.loc[ids.to_numpy(), columns].to_numpy(dtype=np.float64)
    months = np.array([len(ROUTE_SEASON_MONTHS[s]) for s in ROUTE_SEASONS], dtype=np.float64)
    annual = raw @ months / months.sum()
    value = annual if season == "annual" else raw[:, ROUTE_SEASONS.index(season)]
    lengths = seg["length_m"].to_numpy(dtype=np.float64) if "length_m" in seg.columns else np.ones(len(seg))
    mean = float(np.sum(annual * lengths) / max(float(lengths.sum()), 1e-12))
    if not mean > 0:
        return _series(seg, np.zeros(len(seg)), "corridor_exposure")
    return _series(seg, np.log1p(np.maximum(value, 0.0) / mean) / math.log1p(cap), "corridor_exposure")


@dataclass(frozen=True)
class FactorInputs:
    """Everything the factors read, in any CRS each (set). Empty frames are allowed except ``islands``."""

    islands: gpd.GeoDataFrame
    harbours: gpd.GeoDataFrame
    incidents: gpd.GeoDataFrame
    landings: gpd.GeoDataFrame
    lanes: gpd.GeoDataFrame
    patrol_bases: gpd.GeoDataFrame | None = None
    outside_ports: gpd.GeoDataFrame | None = None
    """Ports outside the regency (points; the places gazetteer's kind ``port``), which :func:`remoteness` counts
    as watched like a monitored harbour; None or empty: only the regency's own harbours count."""
    corridors: pd.DataFrame | None = None
    """Raw corridor exposure (``geo.corridors.Corridors.exposure``): indexed by segment id, one column per
    ``<risk kind>:<route season>``; None when no corridors are built (the factor is then 0)."""


SHARED_FACTORS: Final = (
    "remoteness",
    "shipping_exposure",
    "ferry_exposure",
    "staging",
    "inhabited",
    "patrol_remoteness",
)
"""The factors that depend neither on the risk kind nor on the season nor on the cut-off."""


def shared_factors(
    segments: gpd.GeoDataFrame, inputs: FactorInputs, *, params: FactorParams | None = None
) -> pd.DataFrame:
    """The :data:`SHARED_FACTORS`, computed once for every kind and season (pass to ``compute_factors``)."""
    p = params or FactorParams()
    lanes = _check_layer(inputs.lanes, "lanes", ("kind",))
    cols = {
        "remoteness": remoteness(
            segments, inputs.harbours, scale_km=p.harbour_scale_km, outside_ports=inputs.outside_ports
        ),
        "shipping_exposure": lane_exposure(
            segments, lanes[lanes["kind"] == "shipping"], scale_km=p.shipping_scale_km, name="shipping_exposure"
        ),
        "ferry_exposure": lane_exposure(
            segments, lanes[lanes["kind"] == "ferry"], scale_km=p.ferry_scale_km, name="ferry_exposure"
        ),
        "staging": staging(segments, inputs.islands, scale_km=p.staging_scale_km),
        "inhabited": inhabited(segments, inputs.islands),
        "patrol_remoteness": patrol_remoteness(segments, inputs.patrol_bases, scale_km=p.patrol_scale_km),
    }
    return pd.DataFrame(cols, index=segments.index)


def compute_factors(
    segments: gpd.GeoDataFrame,
    inputs: FactorInputs,
    *,
    kind: str,
    cutoff: datetime,
    season: str = "annual",
    params: FactorParams | None = None,
    exclude_own_segment: bool = False,
    shared: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every factor of :data:`FACTORS` for risk kind ``kind`` as a new frame indexed like ``segments``.

    ``inputs.lanes`` needs a ``kind`` column (``shipping`` or ``ferry``). ``shared``: the result of
    :func:`shared_factors` on the same segments, inputs and params, to avoid computing it again for each kind
    and season.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> from datetime import datetime, UTC
    >>> from geo.segmentation import segment_coast
    >>> isl = gpd.GeoDataFrame({"code": ["A"], "inhabited": [True]}, geometry=[shapely.box(0, 0, 2000, 1000)],
    ...                        crs="EPSG:23837")
    >>> none = gpd.GeoDataFrame({"monitored": [], "kind": [], "occurred_start": [], "direction": [],
    ...     "suspicion_flags": [], "observed_start": []}, geometry=[], crs="EPSG:23837")
    >>> f = compute_factors(segment_coast(isl), FactorInputs(isl, none, none, none, none), kind="landing",
    ...                     cutoff=datetime(2025, 1, 1, tzinfo=UTC))
    >>> list(f.columns) == list(FACTORS), bool(((f >= 0) & (f <= 1)).all().all())
    (True, True)
    """
    p = params or FactorParams()
    if kind not in RISK_KINDS:
        raise GeoInputError(f"kind: must be one of {', '.join(RISK_KINDS)}, got {kind!r}")
    if shared is None:
        shared = shared_factors(segments, inputs, params=p)
    elif len(shared) != len(segments) or set(shared.columns) != set(SHARED_FACTORS):
        raise GeoInputError("shared: must be shared_factors() of the same segments")
    direction = "arrival" if kind == "landing" else "departure"
    cols = {
        **{c: shared[c].to_numpy() for c in SHARED_FACTORS},
        "monsoon_shelter": monsoon_shelter(segments, season=season, params=p),
        "incident_density": incident_density(
            segments, inputs.incidents, kind=kind, cutoff=cutoff, params=p, exclude_own_segment=exclude_own_segment
        ),
        "suspicious_landings": suspicious_landings(
            segments, inputs.landings, direction=direction, cutoff=cutoff, params=p
        ),
        "corridor_exposure": corridor_exposure(segments, inputs.corridors, kind=kind, season=season, cap=p.density_cap),
    }
    return pd.DataFrame(cols, index=segments.index)[list(FACTORS)]


def lanes_frame(
    lanes: Sequence[object] | None = None,
    harbours: gpd.GeoDataFrame | None = None,
    *,
    shipping: gpd.GeoDataFrame | None = None,
    ferries: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """The regency's lanes as an EPSG:4326 frame (``name``, ``kind``, LineString).

    Defaults to :data:`geo.synthetic.LANES`: the schematic Java Sea and Madura Strait shipping lanes and the
    regency's three ferry links from Kalianget, their harbour waypoints taken from ``harbours`` when given.
    ``shipping`` (a line layer in any CRS, for example ``data/shipping_lanes.geojson`` from ``searoute``'s
    network) replaces the schematic shipping lanes. ``ferries`` (a line layer in any CRS, for example
    ``geo.corridors.ferry_routes``: the scheduled ferry routes drawn over the sea graph, which never cross land)
    replaces the schematic straight ferry links, which do.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> real = gpd.GeoDataFrame({"name": ["lane"]}, geometry=[shapely.LineString([(113, -6), (116, -6)])],
    ...                         crs="EPSG:4326")
    >>> sorted(lanes_frame(shipping=real).kind.value_counts().items())
    [('ferry', 3), ('shipping', 1)]
    >>> boat = gpd.GeoDataFrame({"name": ["Kalianget-Talango"]},
    ...     geometry=[shapely.LineString([(113.94, -7.05), (113.96, -7.05)])], crs="EPSG:4326")
    >>> sorted(lanes_frame(shipping=real, ferries=boat).kind.value_counts().items())
    [('ferry', 1), ('shipping', 1)]
    """
    from geo.synthetic import LANES

    chosen = LANES if lanes is None else lanes
    where: dict[str, tuple[float, float]] = {}
    if harbours is not None and len(harbours):
        hb = harbours.to_crs("EPSG:4326")
        where = {str(s): (float(g.x), float(g.y)) for s, g in zip(hb["slug"], hb.geometry, strict=True)}
    rows = []
    for lane in chosen:
        pts = [where.get(slug, (lon, lat)) if slug else (lon, lat) for slug, lon, lat in lane.waypoints]  # type: ignore[attr-defined]
        rows.append({"name": lane.name, "kind": lane.kind, "geometry": shapely.LineString(pts)})  # type: ignore[attr-defined]
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    for kind, layer in (("shipping", shipping), ("ferry", ferries)):
        if layer is None:
            continue
        real = _check_layer(layer, kind if kind == "shipping" else "ferries").to_crs("EPSG:4326")
        names = real["name"] if "name" in real.columns else [f"{kind} {i + 1}" for i in range(len(real))]
        extra = gpd.GeoDataFrame({"name": list(names), "kind": kind}, geometry=real.geometry.array, crs="EPSG:4326")
        merged = pd.concat([frame[frame["kind"] != kind], extra], ignore_index=True)
        frame = gpd.GeoDataFrame(merged, geometry="geometry", crs="EPSG:4326")
    return frame
