"""Folium map builders. They return a ``folium.Map`` and never write files (DESIGN §8.12).

The base map is Pesisir's own island layer on a sea-coloured background, so the map is readable without web
tiles; OpenStreetMap tiles are an optional overlay, off by default.
"""

from __future__ import annotations

import html
import json
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

LANGUAGES = ("id", "en")

LABELS: dict[str, dict[str, Any]] = {
    "id": {
        "islands": "Pulau",
        "island": "Pulau",
        "code": "Kode",
        "status": "Status",
        "inhabited": "berpenghuni",
        "uninhabited": "tak berpenghuni",
        "harbours": "Pelabuhan",
        "monitored": "dipantau",
        "web_tiles": "OpenStreetMap (web)",
        "risk": "Risiko",
        "risk_layer": "Risiko {kind} ({season})",
        "segment": "Segmen",
        "class": "Kelas",
        "score": "Skor",
        "reasons": "Faktor utama",
        "model": "Model",
        "data_cutoff": "Data s.d.",
        "kinds_risk": {"landing": "pendaratan", "tppo": "TPPO"},
        "seasons": {"annual": "tahunan", "west": "musim barat", "east": "musim timur"},
        "classes": {"critical": "kritis", "high": "tinggi", "medium": "sedang", "low": "rendah"},
        "incidents_layer": "Kejadian",
        "landings_layer": "Pendaratan",
        "incident": "Kejadian",
        "landing": "Pendaratan",
        "suspicious_landing": "Pendaratan mencurigakan",
        "date": "Tanggal",
        "kind": "Jenis",
        "people": "Orang",
        "review": "Status tinjauan",
        "narrative": "Narasi",
        "direction": "Arah",
        "directions": {"arrival": "kedatangan", "departure": "keberangkatan"},
        "vessel": "Kapal",
        "origin": "Asal",
        "persons": "Orang di kapal",
        "flags": "Tanda curiga",
        "time": "Waktu",
        "from": "Dari",
        "to": "Sampai",
        "kinds": {
            "tppo": "TPPO",
            "people_smuggling": "penyelundupan manusia",
            "pmi_nonprocedural": "PMI nonprosedural",
            "illegal_landing": "pendaratan ilegal",
            "drug_smuggling": "penyelundupan narkoba",
            "illegal_fishing": "penangkapan ikan ilegal",
            "foreign_vessel": "kapal asing",
            "other": "lainnya",
        },
    },
    "en": {
        "islands": "Islands",
        "island": "Island",
        "code": "Code",
        "status": "Status",
        "inhabited": "inhabited",
        "uninhabited": "uninhabited",
        "harbours": "Harbours",
        "monitored": "monitored",
        "web_tiles": "OpenStreetMap (web)",
        "risk": "Risk",
        "risk_layer": "Risk {kind} ({season})",
        "segment": "Segment",
        "class": "Class",
        "score": "Score",
        "reasons": "Top factors",
        "model": "Model",
        "data_cutoff": "Data up to",
        "kinds_risk": {"landing": "landing", "tppo": "TPPO"},
        "seasons": {"annual": "annual", "west": "west monsoon", "east": "east monsoon"},
        "classes": {"critical": "critical", "high": "high", "medium": "medium", "low": "low"},
        "incidents_layer": "Incidents",
        "landings_layer": "Landings",
        "incident": "Incident",
        "landing": "Landing",
        "suspicious_landing": "Suspicious landing",
        "date": "Date",
        "kind": "Kind",
        "people": "People",
        "review": "Review state",
        "narrative": "Narrative",
        "direction": "Direction",
        "directions": {"arrival": "arrival", "departure": "departure"},
        "vessel": "Vessel",
        "origin": "Origin",
        "persons": "Persons aboard",
        "flags": "Suspicion flags",
        "time": "Time",
        "from": "From",
        "to": "To",
        "kinds": {
            "tppo": "trafficking (TPPO)",
            "people_smuggling": "people smuggling",
            "pmi_nonprocedural": "non-procedural migrant workers",
            "illegal_landing": "illegal landing",
            "drug_smuggling": "drug smuggling",
            "illegal_fishing": "illegal fishing",
            "foreign_vessel": "foreign vessel",
            "other": "other",
        },
    },
}
"""Every word the map shows, in Bahasa Indonesia (the default) and English."""


def labels(lang: str) -> dict[str, Any]:
    if lang not in LABELS:
        raise ValueError(f"lang: must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    return LABELS[lang]


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
    lang: str = "id",
) -> folium.Map:
    """The Pesisir base map: islands as the base, harbours by kind, incidents clustered by kind.

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
    lang
        ``id`` (Bahasa Indonesia, the default) or ``en``: the language of every label.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> isl = gpd.GeoDataFrame({"code": ["X"], "name": ["Pulau"], "inhabited": [True]},
    ...                        geometry=[shapely.box(114, -7, 114.1, -6.9)], crs="EPSG:4326")
    >>> m = base_map(isl)
    >>> "Pulau" in m.get_root().render()
    True
    """
    words = labels(lang)
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
        folium.TileLayer("OpenStreetMap", name=words["web_tiles"], overlay=True, show=False).add_to(m)

    isl = islands[["code", "name", "inhabited", "geometry"]].copy()
    isl["name"] = isl["name"].map(html.escape)
    isl["status"] = isl["inhabited"].map({True: words["inhabited"], False: words["uninhabited"]})
    isl["inhabited"] = isl["inhabited"].astype(bool)
    folium.GeoJson(
        isl.to_json(),
        name=words["islands"],
        style_function=lambda f: {
            "fillColor": "#f2efe6" if f["properties"]["inhabited"] else "#e3dccb",
            "color": "#8c7b5a",
            "weight": 1,
            "fillOpacity": 1.0,
        },
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "code", "status"], aliases=[words["island"], words["code"], words["status"]]
        ),
        smooth_factor=0.5,
    ).add_to(m)

    if harbours is not None and not harbours.empty:
        layer = folium.FeatureGroup(name=words["harbours"])
        for row in harbours.itertuples(index=False):
            watched = f", {words['monitored']}" if row.monitored else ""
            label = f"{html.escape(str(row.name))} ({html.escape(str(row.kind))}{watched})"
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
        cluster = MarkerCluster(name=words["incidents_layer"], show=True)
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
                tooltip=f"{html.escape(words['kinds'].get(str(row.kind), str(row.kind)))} {when}",
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
    lang: str = "id",
) -> folium.Map:
    """Colour scored segments by class on ``m``, with a legend, a tooltip (island, class, score) and a popup of
    each segment's top reasons, model version and data cut-off.

    ``segments``: EPSG:4326 frame with ``id``, ``score``, ``risk_class``, ``contributions`` (dict factor ->
    score points) and ``model_version``; optional ``island_name`` and ``data_cutoff``. ``season`` (annual,
    west, east) is named in the layer and legend. ``note`` (plain text, for example the model's measured
    accuracy) is shown under the legend. Returns the map.

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
    words = labels(lang)
    frame = segments[["id", "score", "risk_class", "model_version", "geometry"]].copy()
    frame["island"] = [
        html.escape(str(v)) for v in segments.get("island_name", segments["id"].str.rsplit("-", n=1).str[0])
    ]
    frame["class"] = frame["risk_class"].map(lambda c: words["classes"].get(str(c), str(c)))
    frame["reasons"] = [
        "<br>".join(
            f"{html.escape(str(k))}: {float(v):.3f}"
            for k, v in sorted((c or {}).items(), key=lambda kv: -float(kv[1]))[:top]
        )
        for c in segments["contributions"]
    ]
    cutoff = segments["data_cutoff"] if "data_cutoff" in segments.columns else [None] * len(segments)
    frame["data_cutoff"] = [str(t)[:10] if t is not None else "" for t in cutoff]
    frame["score"] = frame["score"].round(3)
    frame["model_version"] = frame["model_version"].map(lambda v: html.escape(str(v)))
    kind_word = words["kinds_risk"].get(kind, kind)
    season_word = words["seasons"].get(season, season)
    folium.GeoJson(
        frame.to_json(),
        name=words["risk_layer"].format(kind=kind_word, season=season_word),
        style_function=lambda f: {"color": RISK_COLOURS.get(f["properties"]["risk_class"], "#777777"), "weight": 4},
        tooltip=folium.GeoJsonTooltip(
            fields=["island", "class", "score"], aliases=[words["island"], words["class"], words["score"]]
        ),
        popup=folium.GeoJsonPopup(
            fields=["id", "class", "score", "reasons", "model_version", "data_cutoff"],
            aliases=[
                words["segment"],
                words["class"],
                words["score"],
                words["reasons"],
                words["model"],
                words["data_cutoff"],
            ],
        ),
    ).add_to(m)
    _risk_legend(m, words, kind_word, season_word, note)
    return m


def _risk_legend(m: folium.Map, words: dict[str, Any], kind_word: str, season_word: str, note: str | None) -> None:
    items = "".join(
        f'<div><span style="background:{c};display:inline-block;width:14px;height:4px"></span> '
        f"{html.escape(words['classes'][k])}</div>"
        for k, c in RISK_COLOURS.items()
    )
    legend = (
        '<div id="risk-legend" style="position:fixed;bottom:20px;left:20px;z-index:9999;background:white;'
        f'padding:6px 10px;border:1px solid #999;font:12px sans-serif"><b>{html.escape(words["risk"])} '
        f"{html.escape(kind_word)}</b> ({html.escape(season_word)}){items}"
        + (f'<div id="risk-accuracy" style="max-width:260px">{html.escape(note)}</div>' if note else "")
        + "</div>"
    )
    m.get_root().html.add_child(Element(legend))  # type: ignore[attr-defined]
    _control_last(m)


VECTORGRID_JS = [("vectorgrid", "leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js")]


def add_risk_tiles(
    m: folium.Map,
    url: str,
    *,
    kind: str,
    season: str = "annual",
    note: str | None = None,
    lang: str = "id",
    assets_url: str,
    layer: str = "segments",
) -> folium.Map:
    """Scored segments as Mapbox vector tiles (Leaflet.VectorGrid) from ``url`` (``{z}/{x}/{y}`` template): for
    coasts with more segments than one GeoJSON document should carry. Coloured by ``risk_class``; a click shows
    the segment's island, class, score and model (written by ``app/static/pesisir-map.js`` as text).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> isl = gpd.GeoDataFrame({"code": ["X"], "name": ["Pulau"], "inhabited": [True]},
    ...                        geometry=[shapely.box(114, -7, 114.1, -6.9)], crs="EPSG:4326")
    >>> m = add_risk_tiles(base_map(isl, assets_url="/static/vendor"), "/tiles/segments/{z}/{x}/{y}.pbf",
    ...                    kind="landing", assets_url="/static/vendor")
    >>> page = m.get_root().render()
    >>> "L.vectorGrid.protobuf" in page, "/static/vendor/leaflet.vectorgrid/" in page, "risk-legend" in page
    (True, True, True)
    """
    from folium.plugins import VectorGridProtobuf

    words = labels(lang)
    kind_word = words["kinds_risk"].get(kind, kind)
    season_word = words["seasons"].get(season, season)
    colours = json.dumps(RISK_COLOURS)
    options = (
        '{"interactive": true, "maxNativeZoom": 16, "getFeatureId": function (f) { return f.properties.id; }, '
        f'"vectorTileLayerStyles": {{"{layer}": function (p) {{ var c = {colours}; '
        'return {"color": c[p.risk_class] || "#777777", "weight": 4}; }}}'
    )
    tiles = VectorGridProtobuf(url, words["risk_layer"].format(kind=kind_word, season=season_word), options)
    _local(tiles, VECTORGRID_JS, [], assets_url)
    tiles.add_to(m)
    m.get_root().script.add_child(  # type: ignore[attr-defined]
        Element(
            'document.addEventListener("DOMContentLoaded", function () { '
            f"PesisirMap.segmentPopups({tiles.get_name()}, {_safe_json(words)}); }});"
        )
    )
    _risk_legend(m, words, kind_word, season_word, note)
    return m


def _control_last(m: folium.Map) -> folium.LayerControl | None:
    """Move the layer control after every layer: its script lists the layers, which must exist by then (a layer
    added after it would be ``undefined`` there and break the whole map)."""
    for key, child in list(m._children.items()):
        if isinstance(child, folium.LayerControl):
            del m._children[key]
            m._children[key] = child
            return child
    return None


def _safe_json(value: Any) -> str:
    """JSON to put inside a <script type="application/json"> element: '<', '>' and '&' as \\u escapes, so no
    text can close the element or open another."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def add_event_layers(
    m: folium.Map,
    *,
    incidents: list[list[Any]] | None,
    landings: list[list[Any]] | None,
    assets_url: str,
    script_url: str,
    lang: str = "id",
) -> folium.Map:
    """Incidents and landings as clustered layers with a time slider (the script at ``script_url``, Pesisir's
    ``app/static/pesisir-map.js``; Leaflet's cluster plugin from ``assets_url``).

    ``incidents``: rows ``[lon, lat, "YYYY-MM-DD", kind, people, review_state(, narrative)]``; ``landings``:
    rows ``[lon, lat, "YYYY-MM-DD", direction, suspicious, vessel_name, origin, persons_aboard, flags,
    review_state]``. ``None`` leaves a layer out (the viewer may not see it). The rows travel as JSON data,
    not script, and the script writes every text with ``textContent``: nothing a user typed can run.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> isl = gpd.GeoDataFrame({"code": ["X"], "name": ["Pulau"], "inhabited": [True]},
    ...                        geometry=[shapely.box(114, -7, 114.1, -6.9)], crs="EPSG:4326")
    >>> m = add_event_layers(base_map(isl, assets_url="/static/vendor"), incidents=None,
    ...     landings=[[114.0, -7.0, "2025-01-01", "arrival", True, "</script><b>x", None, 3, [], "reported"]],
    ...     assets_url="/static/vendor", script_url="/static/pesisir-map.js")
    >>> page = m.get_root().render()
    >>> "</script><b>x" in page, r"\\u003c/script\\u003e\\u003cb\\u003ex" in page
    (False, True)
    """
    words = labels(lang)
    base = assets_url.rstrip("/")
    root = m.get_root()
    # After Leaflet itself: the map element renders its own scripts in this order, before any other element's.
    m.default_js = [*m.default_js, *[(n, f"{base}/{p}") for n, p in CLUSTER_JS], ("pesisirmap", script_url)]
    m.default_css = [*m.default_css, *[(n, f"{base}/{p}") for n, p in CLUSTER_CSS]]
    root.header.add_child(Element(_EVENT_CSS))  # type: ignore[attr-defined]
    data = {
        "labels": words,
        "incident_colours": INCIDENT_COLOURS,
        "incidents": incidents,
        "landings": landings,
    }
    element_id = f"pesisir-data-{m.get_name()}"
    root.html.add_child(  # type: ignore[attr-defined]
        Element(f'<script type="application/json" id="{element_id}">{_safe_json(data)}</script>')
    )
    control = _control_last(m)
    if control is None:
        raise ValueError("m: needs a LayerControl (base_map adds one)")
    init = (
        'document.addEventListener("DOMContentLoaded", function () { '
        f'PesisirMap.init({m.get_name()}, {control.get_name()}, "{element_id}"); }});'
    )
    root.script.add_child(Element(init))  # type: ignore[attr-defined]
    return m


_EVENT_CSS = """<style>
.pesisir-popup table { border-collapse: collapse; font: 12px sans-serif; }
.pesisir-popup th { text-align: left; padding-right: 6px; color: #555; font-weight: normal; }
.pesisir-slider { background: white; padding: 6px 10px; font: 12px sans-serif; min-width: 180px; }
.pesisir-slider input { width: 100%; }
.pesisir-incidents div { background-color: rgba(192, 0, 0, 0.55); }
.pesisir-landings div { background-color: rgba(44, 123, 182, 0.55); }
</style>"""
