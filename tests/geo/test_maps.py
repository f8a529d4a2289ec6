"""The map builder returns a folium.Map; tests render it and look for the fragments."""

from __future__ import annotations

import json
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


def _corridors(kind="landing", seasons=("west", "east", "transition")):
    """Four corridor lines per season: traffic 1 on half of their length, 40 on a short piece (the busiest 5 %)."""
    lines = ((1.0, 0.5), (2.0, 0.25), (4.0, 0.15), (40.0, 0.03))  # traffic, length in degrees
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [[114.3, -7.0 - 0.01 * i], [114.3 + d, -7.0 - 0.01 * i]]},
            "properties": {"risk_kind": kind, "season": season, "traffic": traffic},
        }
        for season in seasons
        for i, (traffic, d) in enumerate(lines)
    ]
    return json.dumps({"type": "FeatureCollection", "features": features})


def test_corridors_layer_per_season_with_widths_popups_and_legend(islands):
    from geo.maps import CORRIDOR_COLOURS, RISK_COLOURS, TRAFFIC_WIDTHS, add_corridors

    html = add_corridors(base_map(islands), _corridors(), kind="landing", season="annual").get_root().render()
    for season in ("musim barat", "musim timur", "musim peralihan"):  # annual: every route season, one overlay each
        assert f'"Koridor pendaratan ({season})"' in html  # the overlay's name in the layer control
    assert 'id=\\"corridor-legend\\"' in html  # a section of the map's legend
    assert "Koridor pendaratan\\u003c/b\\u003e (tahunan)" in html  # the legend names the map's season
    for word in ("sepi", "sedang", "ramai", "sangat ramai"):
        assert word in html
    assert "sangat ramai (100 % dari koridor tersibuk)" in html  # popups: relative traffic in words
    assert "sepi (2 % dari koridor tersibuk)" in html
    for width in (TRAFFIC_WIDTHS[0], TRAFFIC_WIDTHS[-1]):
        assert f'"weight": {width}' in html
    assert not set(CORRIDOR_COLOURS.values()) & set(RISK_COLOURS.values())
    assert "L.control.layers" in html and html.index("L.control.layers") > html.index("Koridor pendaratan (musim")


def test_corridors_in_english_for_one_season(islands):
    from geo.maps import add_corridors

    html = add_corridors(
        base_map(islands, lang="en"), _corridors("tppo", ("west",)), kind="tppo", season="west", lang="en"
    )
    page = html.get_root().render()
    assert "Corridors TPPO (west monsoon)" in page and "east monsoon)" not in page
    assert "very heavy (100 % of the busiest corridor)" in page and "Line width: relative traffic" in page


def test_corridors_none_built_says_how(islands):
    from geo.maps import add_corridors

    page = add_corridors(base_map(islands), '{"type": "FeatureCollection", "features": []}', kind="landing")
    html = page.get_root().render()
    assert "Koridor belum dibangun" in html and "pesisir routes build" in html


def test_corridors_refuse_another_risk_kind_or_season(islands):
    from geo.maps import add_corridors

    with pytest.raises(ValueError, match="corridors: feature 0 has risk_kind 'tppo'"):
        add_corridors(base_map(islands), _corridors("tppo"), kind="landing")
    bad = json.loads(_corridors())
    bad["features"][0]["properties"]["season"] = "annual"
    with pytest.raises(ValueError, match="corridors: feature 0 has season 'annual'"):
        add_corridors(base_map(islands), bad, kind="landing")
    with pytest.raises(ValueError, match="corridors: must be a GeoJSON FeatureCollection"):
        add_corridors(base_map(islands), "[]", kind="landing")


def test_traffic_classes_follow_length_weighted_quantiles():
    from geo.maps import traffic_classes

    assert traffic_classes([3.0, 3.0, 3.0]).tolist() == [1, 1, 1]  # equal traffic: one class, the middle one
    assert traffic_classes([3.0, 3.0, 9.0, 9.0]).tolist() == [0, 0, 1, 1]  # halves: the busier half is moderate
    # 60 % of the length carries traffic 1, the rest 2, 3 and 10: moderate starts past half the length
    assert traffic_classes([1.0, 2.0, 3.0, 10.0], [60.0, 25.0, 12.0, 3.0]).tolist() == [0, 1, 2, 3]


def test_route_tool_in_both_languages(islands):
    from geo.maps import add_route_tool

    kwargs = {"places_url": "/api/v1/places", "routes_url": "/api/v1/routes", "script_url": "/static/pesisir-routes.js"}
    page = add_route_tool(base_map(islands, web_tiles=False), **kwargs).get_root().render()
    assert '<script src="/static/pesisir-routes.js">' in page
    assert 'addEventListener("DOMContentLoaded", function () { PesisirRoutes.init(' in page  # after the layer control
    assert "Hindari pelabuhan yang dipantau" in page and "perahu motor kayu" in page and '"season":"west"' in page
    english = add_route_tool(base_map(islands, lang="en"), **kwargs, season="east", lang="en").get_root().render()
    assert "Avoid monitored harbours" in english and "steel ship" in english and '"season":"east"' in english
    with pytest.raises(ValueError, match="season: must be one of west, east, transition"):
        add_route_tool(base_map(islands), **kwargs, season="annual")
