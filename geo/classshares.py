"""Where the risk classes fall: the share of each class's coastline by island, unnamed islets by size, and the
coast at the land border with Pamekasan.

Classes are cut by coastline length (``geo.risk.CLASS_SHARES``), so what matters is which coasts fill them. An
analyst reads this table before trusting a map: if unnamed rocks or the regency's edge fill the critical class,
the map says more about the geometry than about the sea.
"""

from __future__ import annotations

from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.crs import METRIC
from geo.factors import midpoints
from geo.vocabulary import RISK_CLASSES

MADURA: Final = "35.29"
BORDER_REACH_M: Final = 10_000.0
"""Madura's coast within this distance of the land border with Pamekasan is the group ``land border``."""
SIZE_BINS: Final = ((0.05, "unnamed islets < 0.05 km²"), (0.5, "unnamed 0.05-0.5 km²"), (np.inf, "unnamed >= 0.5 km²"))
CLASS_ORDER: Final = ("critical", "high", "medium", "low")


def island_groups(
    segments: gpd.GeoDataFrame, islands: gpd.GeoDataFrame, land_boundaries: gpd.GeoDataFrame | None = None
) -> pd.Series:
    """The group of each segment: the named island (official code) by its name, Madura's coast within
    :data:`BORDER_REACH_M` of ``land_boundaries`` as ``land border``, unnamed islands (``OSM-`` codes) by size
    (:data:`SIZE_BINS`).

    Examples
    --------
    >>> import shapely
    >>> isl = gpd.GeoDataFrame({"code": ["35.29.1", "OSM-1"], "name": ["Sapudi", ""], "area_km2": [126.0, 0.01]},
    ...                        geometry=[shapely.box(114, -7, 114.1, -6.9), shapely.box(114.2, -7, 114.201, -6.999)],
    ...                        crs="EPSG:4326")
    >>> seg = gpd.GeoDataFrame({"island_code": ["35.29.1", "OSM-1"]},
    ...     geometry=[shapely.LineString([(114, -7), (114.1, -7)]), shapely.LineString([(114.2, -7), (114.201, -7)])],
    ...     crs="EPSG:4326")
    >>> island_groups(seg, isl).tolist()
    ['Sapudi', 'unnamed islets < 0.05 km²']
    """
    info = islands.set_index("code")
    out = []
    for code in segments["island_code"]:
        if str(code).startswith("OSM-"):
            area = float(info.at[code, "area_km2"])
            out.append(next(label for limit, label in SIZE_BINS if area < limit))
        else:
            out.append(str(info.at[code, "name"]))
    groups = pd.Series(out, index=segments.index, name="group")
    if land_boundaries is not None and len(land_boundaries):
        border = land_boundaries.to_crs(METRIC).geometry.union_all()
        mids = gpd.GeoSeries(gpd.points_from_xy(*midpoints(segments).T), crs=METRIC)
        near = (mids.distance(border).to_numpy() <= BORDER_REACH_M) & (segments["island_code"] == MADURA).to_numpy()
        groups[near] = "land border"
    return groups


def class_shares(groups: pd.Series, classes: np.ndarray, lengths_m: np.ndarray) -> pd.DataFrame:
    """Per group: its coastline (km) and the share of each class's coastline it holds (columns sum to 1), sorted
    by the share of critical then high.

    Examples
    --------
    >>> t = class_shares(pd.Series(["a", "b", "b"]), np.array(["critical", "low", "critical"]), np.ones(3) * 1000)
    >>> float(t.loc["a", "critical"]), float(t.loc["b", "low"])
    (0.5, 1.0)
    """
    frame = pd.DataFrame({"group": groups.to_numpy(), "class": classes, "km": np.asarray(lengths_m) / 1000.0})
    assert set(frame["class"]) <= set(RISK_CLASSES)
    table = frame.pivot_table(index="group", columns="class", values="km", aggfunc="sum", fill_value=0.0)
    table = table.reindex(columns=list(CLASS_ORDER), fill_value=0.0)
    shares = table / table.sum().replace(0.0, np.nan)
    shares.insert(0, "km", table.sum(axis=1).round(1))
    return shares.fillna(0.0).sort_values(["critical", "high"], ascending=False)
