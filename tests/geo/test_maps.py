"""The map builder returns a folium.Map; tests render it and look for the fragments (DESIGN §8.12)."""

from __future__ import annotations

from datetime import UTC, datetime

import folium
import geopandas as gpd
import pytest
import shapely

from geo.maps import base_map


@pytest.fixture
def islands():
    return gpd.GeoDataFrame(
        {
            "code": ["35.29.1", "X2"],
            "name": ["Pulau <script>alert(1)</script>", "Gili Kecil"],
            "inhabited": [True, False],
        },
        geometry=[shapely.box(114, -7, 114.1, -6.9), shapely.box(114.2, -7, 114.25, -6.95)],
        crs="EPSG:4326",
    )


def test_map_has_islands_harbours_incidents_and_layer_control(islands):
    harbours = gpd.GeoDataFrame(
        {"name": ["Pelabuhan A"], "kind": ["official_port"], "monitored": [True]},
        geometry=[shapely.Point(114.05, -6.95)],
        crs="EPSG:4326",
    )
    incidents = gpd.GeoDataFrame(
        {"kind": ["tppo"], "occurred_start": [datetime(2024, 3, 1, tzinfo=UTC)]},
        geometry=[shapely.Point(114.2, -6.97)],
        crs="EPSG:4326",
    )
    m = base_map(islands, harbours, incidents)
    assert isinstance(m, folium.Map)
    html = m.get_root().render()
    assert '"Pulau"' in html and "Gili Kecil" in html  # Bahasa Indonesia by default
    assert "Pelabuhan A" in html and '"Kejadian"' in html and "TPPO 2024-03-01" in html
    english = base_map(islands, harbours, incidents, lang="en").get_root().render()
    assert '"Islands"' in english and '"Incidents"' in english and "trafficking (TPPO) 2024-03-01" in english
    with pytest.raises(ValueError, match="lang: must be one of id, en"):
        base_map(islands, lang="fr")
    assert "L.control.layers" in html
    assert "openstreetmap" in html.lower()  # optional web tiles, off by default


def test_island_names_are_escaped(islands):
    html = base_map(islands).get_root().render()
    assert "<script>alert(1)</script>" not in html
    # HTML-escaped for the tooltip's innerHTML, then JSON-encoded into the page
    assert "\\u0026lt;script\\u0026gt;" in html


def test_web_tiles_can_be_left_out(islands):
    assert "tile.openstreetmap.org" not in base_map(islands, web_tiles=False).get_root().render()


def test_refuses_frames_not_in_wgs84(islands):
    with pytest.raises(ValueError, match="islands: must be in EPSG:4326"):
        base_map(islands.to_crs(32750))
    with pytest.raises(ValueError, match="islands: missing column 'inhabited'"):
        base_map(islands.drop(columns=["inhabited"]))


def test_local_assets_replace_every_cdn(islands):
    incidents = gpd.GeoDataFrame(
        {"kind": ["tppo"], "occurred_start": [datetime(2024, 3, 1, tzinfo=UTC)]},
        geometry=[shapely.Point(114.2, -6.97)],
        crs="EPSG:4326",
    )
    html = base_map(islands, incidents=incidents, assets_url="/static/vendor", web_tiles=False).get_root().render()
    import re

    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert "/static/vendor/leaflet/leaflet.js" in sources
    assert "/static/vendor/leaflet.markercluster/leaflet.markercluster.js" in sources
    assert [s for s in sources if s.startswith(("http:", "https:", "//"))] == []
    # without a base tile layer the map itself must carry maxZoom, or the cluster plugin throws
    assert '"maxZoom": 18' in html
