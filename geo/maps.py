"""Folium map builders. They return a ``folium.Map`` and never write files (DESIGN §8.12).

The base map is Pesisir's own island layer on a sea-coloured background, so the map is readable without web
tiles; OpenStreetMap tiles are an optional overlay, off by default.
"""

from __future__ import annotations

import html
from typing import Any

import folium
import geopandas as gpd
from branca.element import Element
from folium.plugins import MarkerCluster

SUMENEP_CENTRE = (-6.6, 114.9)  # lat, lon: between Madura and Sakala, Masalembu in view

HARBOUR_COLOURS = {
    "official_port": "#1f4e79",
    "ferry_terminal": "#2e75b6",
    "special_terminal": "#7030a0",
    "fishing_port": "#548235",
    "informal_landing": "#c55a11",
}

INCIDENT_COLOURS = {
    "tppo": "#c00000",
    "people_smuggling": "#e46c0a",
    "pmi_nonprocedural": "#d4a017",
    "illegal_landing": "#7f3f98",
    "drug_smuggling": "#3a3a3a",
    "illegal_fishing": "#1b7a8c",
    "foreign_vessel": "#00509e",
    "other": "#808080",
}

_SEA_CSS = "<style>.leaflet-container.folium-map { background: #d6e6f2; }</style>"

# The only scripts and stylesheets the map needs; folium's defaults also pull jQuery, Bootstrap and icon fonts
# from CDNs, which a browser with no internet cannot load. Paths are relative to ``assets_url``.
LEAFLET_JS = [("leaflet", "leaflet/leaflet.js")]
LEAFLET_CSS = [("leaflet_css", "leaflet/leaflet.css")]
CLUSTER_JS = [("markerclusterjs", "leaflet.markercluster/leaflet.markercluster.js")]
CLUSTER_CSS = [
    ("markerclustercss", "leaflet.markercluster/MarkerCluster.css"),
    ("markerclusterdefaultcss", "leaflet.markercluster/MarkerCluster.Default.css"),
]


def _local(element: Any, js: list[tuple[str, str]], css: list[tuple[str, str]], assets_url: str | None) -> None:
    """Point an element's scripts and stylesheets at ``assets_url`` (served by Pesisir) instead of CDNs."""
    if assets_url is None:
        return
    base = assets_url.rstrip("/")
    element.default_js = [(name, f"{base}/{path}") for name, path in js]
    element.default_css = [(name, f"{base}/{path}") for name, path in css]


def base_map(
    islands: gpd.GeoDataFrame,
    harbours: gpd.GeoDataFrame | None = None,
    incidents: gpd.GeoDataFrame | None = None,
    *,
    web_tiles: bool = True,
    zoom_start: int = 8,
    assets_url: str | None = None,
) -> folium.Map:
    """The first Pesisir map: islands as the base, harbours by kind, incidents clustered by kind.

    Parameters
    ----------
    islands
        EPSG:4326 frame with ``code``, ``name``, ``inhabited`` and (Multi)Polygon geometries.
    harbours
        Optional EPSG:4326 frame with ``name``, ``kind``, ``monitored`` and Point geometries.
    incidents
        Optional EPSG:4326 frame with ``kind``, ``occurred_start`` and Point geometries. Narratives are never
        drawn by this builder.
    web_tiles
        Add OpenStreetMap tiles as an optional layer (off until the user ticks it).
    assets_url
        Where Leaflet and its plugins are served (for example ``/static/vendor``), so the map needs no internet.
        ``None`` keeps folium's CDN links.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> isl = gpd.GeoDataFrame({"code": ["X"], "name": ["Pulau"], "inhabited": [True]},
    ...                        geometry=[shapely.box(114, -7, 114.1, -6.9)], crs="EPSG:4326")
    >>> m = base_map(isl)
    >>> "Pulau" in m.get_root().render()
    True
    """
    for name, frame in (("islands", islands), ("harbours", harbours), ("incidents", incidents)):
        if frame is not None and (frame.crs is None or frame.crs.to_epsg() != 4326):
            raise ValueError(f"{name}: must be in EPSG:4326 (got {frame.crs})")
    for col in ("code", "name", "inhabited"):
        if col not in islands.columns:
            raise ValueError(f"islands: missing column '{col}'")

    m = folium.Map(location=SUMENEP_CENTRE, zoom_start=zoom_start, tiles=None, control_scale=True, prefer_canvas=True)
    # With no base tile layer the map has no maxZoom, and the cluster plugin refuses such a map.
    m.options["max_zoom"] = 18
    _local(m, LEAFLET_JS, LEAFLET_CSS, assets_url)
    m.get_root().header.add_child(Element(_SEA_CSS))  # type: ignore[attr-defined]
    if web_tiles:
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap (web)", overlay=True, show=False).add_to(m)

    isl = islands[["code", "name", "inhabited", "geometry"]].copy()
    isl["name"] = isl["name"].map(html.escape)
    isl["status"] = isl["inhabited"].map({True: "berpenghuni / inhabited", False: "tak berpenghuni / uninhabited"})
    isl = isl.drop(columns=["inhabited"])
    folium.GeoJson(
        isl.to_json(),
        name="Pulau / Islands",
        style_function=lambda f: {
            "fillColor": "#f2efe6" if "un" not in f["properties"]["status"] else "#e3dccb",
            "color": "#8c7b5a",
            "weight": 1,
            "fillOpacity": 1.0,
        },
        tooltip=folium.GeoJsonTooltip(fields=["name", "code", "status"], aliases=["Pulau", "Kode", "Status"]),
        smooth_factor=0.5,
    ).add_to(m)

    if harbours is not None and not harbours.empty:
        layer = folium.FeatureGroup(name="Pelabuhan / Harbours")
        for row in harbours.itertuples(index=False):
            label = f"{html.escape(str(row.name))} ({row.kind}{', dipantau' if row.monitored else ''})"
            folium.CircleMarker(
                location=(row.geometry.y, row.geometry.x),
                radius=7 if row.monitored else 5,
                color=HARBOUR_COLOURS.get(str(row.kind), "#333333"),
                fill=True,
                fill_opacity=0.9 if row.monitored else 0.5,
                weight=2,
                tooltip=label,
            ).add_to(layer)
        layer.add_to(m)

    if incidents is not None and not incidents.empty:
        cluster = MarkerCluster(name="Kejadian / Incidents", show=True)
        _local(cluster, CLUSTER_JS, CLUSTER_CSS, assets_url)
        for row in incidents.itertuples(index=False):
            when = row.occurred_start.strftime("%Y-%m-%d") if hasattr(row.occurred_start, "strftime") else ""
            folium.CircleMarker(
                location=(row.geometry.y, row.geometry.x),
                radius=5,
                color=INCIDENT_COLOURS.get(str(row.kind), "#808080"),
                fill=True,
                fill_opacity=0.8,
                weight=1,
                tooltip=f"{row.kind} {when}",
            ).add_to(cluster)
        cluster.add_to(m)

    folium.LayerControl(collapsed=False).add_to(m)
    bounds = islands.total_bounds
    m.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    return m


RISK_COLOURS = {"critical": "#b10026", "high": "#fc4e2a", "medium": "#feb24c", "low": "#9ecae1"}


def add_risk_layer(
    m: folium.Map,
    segments: gpd.GeoDataFrame,
    *,
    kind: str,
    season: str = "annual",
    top: int = 3,
    note: str | None = None,
) -> folium.Map:
    """Colour scored segments by class on ``m``, with a legend and a popup of each segment's top reasons.

    ``segments``: EPSG:4326 frame with ``id``, ``score``, ``risk_class``, ``contributions`` (dict factor ->
    score points) and ``model_version``; ``season`` (annual, west, east) is named in the layer and legend.
    ``note`` (plain text, for example the model's measured accuracy) is shown under the legend. Returns the map.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> isl = gpd.GeoDataFrame({"code": ["X"], "name": ["Pulau"], "inhabited": [True]},
    ...                        geometry=[shapely.box(114, -7, 114.1, -6.9)], crs="EPSG:4326")
    >>> seg = gpd.GeoDataFrame({"id": ["X-0001"], "score": [0.8], "risk_class": ["critical"],
    ...     "contributions": [{"remoteness": 0.5, "staging": 0.3}], "model_version": ["landing-abc"]},
    ...     geometry=[shapely.LineString([(114, -7), (114.1, -7)])], crs="EPSG:4326")
    >>> "remoteness" in add_risk_layer(base_map(isl), seg, kind="landing").get_root().render()
    True
    """
    if segments.crs is None or segments.crs.to_epsg() != 4326:
        raise ValueError(f"segments: must be in EPSG:4326 (got {segments.crs})")
    frame = segments[["id", "score", "risk_class", "model_version", "geometry"]].copy()
    frame["reasons"] = [
        "<br>".join(
            f"{html.escape(str(k))}: {float(v):.3f}"
            for k, v in sorted((c or {}).items(), key=lambda kv: -float(kv[1]))[:top]
        )
        for c in segments["contributions"]
    ]
    frame["score"] = frame["score"].round(3)
    folium.GeoJson(
        frame.to_json(),
        name=f"Risiko / Risk ({kind}, {season})",
        style_function=lambda f: {"color": RISK_COLOURS.get(f["properties"]["risk_class"], "#777777"), "weight": 4},
        popup=folium.GeoJsonPopup(
            fields=["id", "risk_class", "score", "reasons", "model_version"],
            aliases=["Segmen", "Kelas / class", "Skor / score", "Alasan / top factors", "Model"],
        ),
    ).add_to(m)
    items = "".join(
        f'<div><span style="background:{c};display:inline-block;width:14px;height:4px"></span> {k}</div>'
        for k, c in RISK_COLOURS.items()
    )
    legend = (
        '<div id="risk-legend" style="position:fixed;bottom:20px;left:20px;z-index:9999;background:white;'
        f'padding:6px 10px;border:1px solid #999;font:12px sans-serif"><b>Risiko {html.escape(kind)}</b> '
        f"({html.escape(season)}){items}"
        + (f'<div id="risk-accuracy" style="max-width:260px">{html.escape(note)}</div>' if note else "")
        + "</div>"
    )
    m.get_root().html.add_child(Element(legend))  # type: ignore[attr-defined]
    return m
