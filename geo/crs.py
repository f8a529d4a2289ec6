"""Every coordinate reference system Pesisir uses, in one place.

Storage and exchange are WGS 84 longitude/latitude (EPSG:4326, RFC 7946 order). Distances, lengths and areas
are computed in one metric CRS for the whole regency: DGN95 / Indonesia TM-3 zone 50.1 (EPSG:23837), a
transverse Mercator with its central meridian at 115.5 E. Across Sumenep (113.5-116.3 E, 7.4-4.9 S) its
scale error stays below 0.06 % against geodesic distances (UTM 50S reaches 0.15 %, TM-3 zone 49.2 0.21 %);
``tests/geo/test_crs.py`` proves the bound with pyproj's ``Geod``.
"""

from __future__ import annotations

from typing import Final

WGS84: Final = "EPSG:4326"
"""Storage CRS: every geometry column in PostGIS is SRID 4326."""

WGS84_SRID: Final = 4326

METRIC: Final = "EPSG:23837"
"""DGN95 / Indonesia TM-3 zone 50.1: the metric CRS for all distance, length and area maths."""

METRIC_SRID: Final = 23837

REGENCY_BOUNDS: Final = (113.5, -7.45, 116.35, -5.0)
"""Kabupaten Sumenep's extent (min lon, min lat, max lon, max lat), islands and sea included."""

METRIC_BOUNDS: Final = (110.0, -15.0, 121.0, 0.0)
"""Where :data:`METRIC` still measures well (min lon, min lat, max lon, max lat): within 5.5 degrees of its
central meridian its scale error stays under 0.5 %. Geometry beyond it (a layer in the wrong CRS, a point on the
other side of the world) is refused rather than measured wrongly."""
