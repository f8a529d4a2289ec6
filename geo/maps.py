"""Folium map builders. They return a ``folium.Map`` and never write files.

The base map is Pesisir's own island layer on a sea-coloured background, so the map is readable without web
tiles; OpenStreetMap tiles are an optional overlay, off by default. Layers go on top of it: risk (GeoJSON or
vector tiles), incidents and landings with a time slider, sea corridors (:func:`add_corridors`) and a route tool
(:func:`add_route_tool`).
"""

from __future__ import annotations

import html
import json
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import Element, MacroElement
from folium.plugins import MarkerCluster
from folium.template import Template

from geo.validation import GeoInputError
from geo.vocabulary import BOAT_CLASSES, ROUTE_SEASONS

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
        "weights": "Bobot",
        "stability": "Stabilitas kelas",
        "stability_text": "{cls} pada {share:.0%} undian bobot",
        "synthetic_banner": "DATA DEMO SINTETIS: basis data ini memuat {incidents} kejadian dan {landings} pendaratan "
        "sintetis, bukan kejadian nyata. Hapus dengan 'pesisir demo-data --remove'.",
        "kinds_risk": {"landing": "pendaratan", "tppo": "TPPO"},
        "seasons": {"annual": "tahunan", "west": "musim barat", "east": "musim timur", "transition": "musim peralihan"},
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
        "corridors": "Koridor",
        "corridor_layer": "Koridor {kind} ({season})",
        "corridor": "Koridor",
        "traffic": "Lalu lintas",
        "traffic_classes": {
            "light": "sepi",
            "moderate": "sedang",
            "heavy": "ramai",
            "very_heavy": "sangat ramai",
        },
        "traffic_share": "{word} ({share} % dari koridor tersibuk)",
        "corridor_widths": "Lebar garis: lalu lintas relatif (kelas kuantil menurut panjang)",
        "corridor_none": "Koridor belum dibangun: jalankan 'pesisir routes build'.",
        "boats": {
            "perahu": "perahu motor kayu",
            "fishing_boat": "kapal ikan",
            "speedboat": "speedboat",
            "steel_ship": "kapal baja",
        },
        "route": {
            "title": "Rute laut",
            "hide": "Sembunyikan",
            "show": "Tampilkan",
            "layer": "Rute",
            "origin": "Asal",
            "destination": "Tujuan",
            "boat": "Kapal",
            "season": "Musim",
            "avoid": "Hindari pelabuhan yang dipantau",
            "pick": "Pilih di peta",
            "pick_hint": "Klik titik di laut pada peta",
            "choose": "— pilih —",
            "point": "Titik {lon}, {lat}",
            "submit": "Cari rute",
            "working": "Menghitung rute …",
            "hours": "Waktu tempuh",
            "hours_unit": "jam",
            "distance": "Jarak",
            "distance_unit": "km",
            "passable": "Dapat dilayari",
            "yes": "ya",
            "no": "tidak",
            "reason": "Alasan",
            "error": "Rute tidak dapat dihitung",
            "places_error": "Daftar tempat tidak dapat dimuat",
            "sumenep": "Sumenep",
            "outside": "Luar Sumenep",
        },
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
        "weights": "Weights",
        "stability": "Class stability",
        "stability_text": "{cls} in {share:.0%} of weight draws",
        "synthetic_banner": "SYNTHETIC DEMO DATA: this database holds {incidents} synthetic incidents and {landings} "
        "landings, not real events. Remove them with 'pesisir demo-data --remove'.",
        "kinds_risk": {"landing": "landing", "tppo": "TPPO"},
        "seasons": {
            "annual": "annual",
            "west": "west monsoon",
            "east": "east monsoon",
            "transition": "transition months",
        },
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
        "corridors": "Corridors",
        "corridor_layer": "Corridors {kind} ({season})",
        "corridor": "Corridor",
        "traffic": "Traffic",
        "traffic_classes": {
            "light": "light",
            "moderate": "moderate",
            "heavy": "heavy",
            "very_heavy": "very heavy",
        },
        "traffic_share": "{word} ({share} % of the busiest corridor)",
        "corridor_widths": "Line width: relative traffic (quantile classes by length)",
        "corridor_none": "No corridors built yet: run 'pesisir routes build'.",
        "boats": {
            "perahu": "wooden motor boat (perahu)",
            "fishing_boat": "fishing boat",
            "speedboat": "speedboat",
            "steel_ship": "steel ship",
        },
        "route": {
            "title": "Sea route",
            "hide": "Hide",
            "show": "Show",
            "layer": "Route",
            "origin": "Origin",
            "destination": "Destination",
            "boat": "Boat",
            "season": "Season",
            "avoid": "Avoid monitored harbours",
            "pick": "Pick on map",
            "pick_hint": "Click a point at sea on the map",
            "choose": "— choose —",
            "point": "Point {lon}, {lat}",
            "submit": "Find route",
            "working": "Finding the route …",
            "hours": "Sailing time",
            "hours_unit": "h",
            "distance": "Distance",
            "distance_unit": "km",
            "passable": "Passable",
            "yes": "yes",
            "no": "no",
            "reason": "Reason",
            "error": "No route",
            "places_error": "The places could not be loaded",
            "sumenep": "Sumenep",
            "outside": "Outside Sumenep",
        },
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
        raise GeoInputError(f"lang: must be one of {', '.join(LANGUAGES)}, got {lang!r}")
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
            raise GeoInputError(f"{name}: must be in EPSG:4326 (got {frame.crs})")
    for col in ("code", "name", "inhabited"):
        if col not in islands.columns:
            raise GeoInputError(f"islands: missing column '{col}'")

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
    >>> seg = gpd.GeoDataFrame({"id": ["X-0001", "X-0002"], "score": [0.8, 0.2], "risk_class": ["critical", "low"],
    ...     "contributions": [{"remoteness": 0.5, "staging": 0.3}, {"remoteness": 0.1, "staging": 0.3}],
    ...     "model_version": ["landing-abc"] * 2},
    ...     geometry=[shapely.LineString([(114, -7), (114.1, -7)]), shapely.LineString([(114.1, -7), (114.1, -6.9)])],
    ...     crs="EPSG:4326")
    >>> page = add_risk_layer(base_map(isl), seg, kind="landing").get_root().render()

    A segment's reasons are the factors that vary between segments (remoteness here; staging is the same on both):

    >>> "remoteness: 0.500" in page, "staging: 0.300" in page
    (True, False)
    """
    if segments.crs is None or segments.crs.to_epsg() != 4326:
        raise GeoInputError(f"segments: must be in EPSG:4326 (got {segments.crs})")
    words = labels(lang)
    frame = segments[["id", "score", "risk_class", "model_version", "geometry"]].copy()
    frame["island"] = [
        html.escape(str(v)) for v in segments.get("island_name", segments["id"].str.rsplit("-", n=1).str[0])
    ]
    frame["class"] = frame["risk_class"].map(lambda c: words["classes"].get(str(c), str(c)))
    varying = _varying_factors(segments["contributions"])
    frame["reasons"] = [
        "<br>".join(
            f"{html.escape(str(k))}: {float(v):.3f}"
            for k, v in sorted(((k, v) for k, v in (c or {}).items() if k in varying), key=lambda kv: -float(kv[1]))[
                :top
            ]
        )
        for c in segments["contributions"]
    ]
    sources = segments["weights_source"] if "weights_source" in segments.columns else [None] * len(segments)
    frame["weights"] = [html.escape(str(v)) if v else "" for v in sources]
    shares = segments["class_stability"] if "class_stability" in segments.columns else [None] * len(segments)
    frame["stability"] = [
        ""
        if share is None or share != share
        else words["stability_text"].format(cls=html.escape(str(cls)), share=float(share))
        for cls, share in zip(frame["class"], shares, strict=True)
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
            fields=["id", "class", "score", "stability", "reasons", "model_version", "weights", "data_cutoff"],
            aliases=[
                words["segment"],
                words["class"],
                words["score"],
                words["stability"],
                words["reasons"],
                words["model"],
                words["weights"],
                words["data_cutoff"],
            ],
        ),
    ).add_to(m)
    _risk_legend(m, words, kind_word, season_word, note)
    return m


def _varying_factors(contributions: Any) -> set[str]:
    """The factors whose contribution differs between segments: a factor that is the same everywhere (the
    monsoon in the annual score) moves every score alike and explains no segment's rank, so it is no "top factor".

    Examples
    --------
    >>> sorted(_varying_factors([{"a": 0.1, "monsoon": 0.2}, {"a": 0.3, "monsoon": 0.2}]))
    ['a']
    """
    values: dict[str, list[float]] = {}
    for c in contributions:
        for k, v in (c or {}).items():
            values.setdefault(k, []).append(float(v))
    return {k for k, v in values.items() if max(v) - min(v) > 1e-9}


def add_synthetic_banner(m: folium.Map, *, incidents: int, landings: int, lang: str = "id") -> folium.Map:
    """A banner across the top of the map saying that the database holds synthetic demo data, how much, and how
    to remove it.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> isl = gpd.GeoDataFrame({"code": ["X"], "name": ["Pulau"], "inhabited": [True]},
    ...                        geometry=[shapely.box(114, -7, 114.1, -6.9)], crs="EPSG:4326")
    >>> "synthetic-banner" in add_synthetic_banner(base_map(isl), incidents=3, landings=0).get_root().render()
    True
    """
    text = labels(lang)["synthetic_banner"].format(incidents=incidents, landings=landings)
    banner = (
        '<div id="synthetic-banner" role="alert" style="position:fixed;top:0;left:50%;transform:translateX(-50%);'
        "z-index:10000;background:#fff3cd;color:#5c4300;border:1px solid #c9a227;padding:4px 12px;"
        f'font:bold 13px sans-serif;max-width:70%;text-align:center">{html.escape(text)}</div>'
    )
    m.get_root().html.add_child(Element(banner))  # type: ignore[attr-defined]
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
    _embed_and_init(m, root, data, element_id=f"pesisir-data-{m.get_name()}", module="PesisirMap")
    return m


def _embed_and_init(m: folium.Map, root: Any, data: Any, *, element_id: str, module: str) -> None:
    """Put ``data`` in the page as inert JSON (``<script type="application/json">``, never run) and call
    ``<module>.init(map, layer control, element id)`` once the page has loaded: how the static scripts get their
    data without any inline code built from it."""
    root.html.add_child(Element(f'<script type="application/json" id="{element_id}">{_safe_json(data)}</script>'))
    control = _control_last(m)
    if control is None:
        raise GeoInputError("m: needs a LayerControl (base_map adds one)")
    init = (
        'document.addEventListener("DOMContentLoaded", function () { '
        f'{module}.init({m.get_name()}, {control.get_name()}, "{element_id}"); }});'
    )
    root.script.add_child(Element(init))


_EVENT_CSS = """<style>
.pesisir-popup table { border-collapse: collapse; font: 12px sans-serif; }
.pesisir-popup th { text-align: left; padding-right: 6px; color: #555; font-weight: normal; }
.pesisir-slider { background: white; padding: 6px 10px; font: 12px sans-serif; min-width: 180px; }
.pesisir-slider input { width: 100%; }
.pesisir-incidents div { background-color: rgba(192, 0, 0, 0.55); }
.pesisir-landings div { background-color: rgba(44, 123, 182, 0.55); }
</style>"""


# --- sea routes: corridors and the route tool ------------------------------------------------------------------

CORRIDOR_COLOURS = {"west": "#6a3d9a", "east": "#1b7837", "transition": "#7f7f7f"}
"""One colour per route season, chosen away from the risk classes' reds, oranges and light blue (and from the sea
and land fills), so a corridor is never read as a risk class; the grey is lighter than the route tool's black
line."""

TRAFFIC_CLASSES = ("light", "moderate", "heavy", "very_heavy")
TRAFFIC_WIDTHS = (1.5, 3.0, 5.0, 8.0)
"""Line width (pixels) of each traffic class."""
TRAFFIC_QUANTILES = (0.5, 0.8, 0.95)
"""Class breaks: the busiest 5 % of corridor length is very heavy, the next 15 % heavy, the next 30 % moderate,
the quieter half light. A few classes read better than a continuous width, and quantiles keep them apart
whatever the unit of the flows' weights."""

CORRIDOR_SIMPLIFY_DEG = 0.0005
"""Corridor lines follow the sea graph's cells (100 m in the regency), a zig-zag the eye does not need: they are
simplified to about 55 m, which keeps them off the land in the narrowest channels (300 m) and the page small."""


def traffic_classes(traffic: Any, length: Any = None) -> Any:
    """Traffic class (0 light ... 3 very heavy) of each corridor line: breaks at the length-weighted quantiles
    :data:`TRAFFIC_QUANTILES` of ``traffic``, so that the widest class covers the busiest 5 % of corridor *length*
    (many short pieces around a junction do not crowd it). A line is placed at the middle of its share of the
    length in traffic order, lines of equal traffic at the middle of theirs.

    Parameters
    ----------
    traffic
        Traffic per line (any non-negative unit).
    length
        Length per line (any unit); ``None`` weights every line the same.

    Examples
    --------
    >>> traffic_classes([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 100]).tolist()
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 3]
    >>> traffic_classes([5.0, 1.0], length=[1.0, 99.0]).tolist()  # the short busy line alone is the top 5 %
    [3, 0]
    >>> traffic_classes([2.0, 2.0, 2.0]).tolist()  # all alike: the middle of the range
    [1, 1, 1]
    >>> traffic_classes([]).tolist()
    []
    """
    t = np.asarray(traffic, dtype=np.float64)
    if t.size == 0:
        return np.zeros(0, dtype=np.int64)
    w = np.ones_like(t) if length is None else np.asarray(length, dtype=np.float64)
    if not w.sum() > 0:
        w = np.ones_like(t)
    order = np.argsort(t, kind="stable")
    ts, ws = t[order], w[order] / w.sum()
    # A line's place is the middle of its share of the length in traffic order (a mid-rank): lines of equal
    # traffic share one place, the middle of their group, so one line alone, or lines all alike, are "moderate".
    first = np.searchsorted(ts, ts, side="left")
    last = np.searchsorted(ts, ts, side="right")
    cum = np.concatenate([[0.0], np.cumsum(ws)])
    mid = np.empty_like(t)
    mid[order] = np.round((cum[first] + cum[last]) / 2, 12)  # equal shares must land exactly on a break
    return np.searchsorted(np.asarray(TRAFFIC_QUANTILES), mid, side="right").astype(np.int64)


def _features(corridors: str | dict[str, Any]) -> list[dict[str, Any]]:
    doc = json.loads(corridors) if isinstance(corridors, str) else corridors
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise GeoInputError("corridors: must be a GeoJSON FeatureCollection")
    return list(doc.get("features") or [])


def add_corridors(
    m: folium.Map,
    corridors: str | dict[str, Any],
    *,
    kind: str,
    season: str = "annual",
    lang: str = "id",
    simplify_deg: float = CORRIDOR_SIMPLIFY_DEG,
) -> folium.Map:
    """Draw sea corridors on ``m``: one overlay per route season, line width by traffic class, a popup with the
    risk kind, route season and relative traffic in words, and a legend of the widths.

    Parameters
    ----------
    corridors
        A GeoJSON FeatureCollection (text or parsed) of LineStrings with ``risk_kind``, ``season`` (a route season:
        west, east, transition) and ``traffic``, all of risk kind ``kind``. Empty: the legend says how to build
        them.
    kind
        The risk kind the map shows (``landing`` or ``tppo``).
    season
        The map's scoring season (``annual``, ``west``, ``east``), named in the legend; the caller passes the
        corridors of the route seasons it stands for.
    simplify_deg
        Simplification tolerance in degrees (:data:`CORRIDOR_SIMPLIFY_DEG`); 0 keeps every vertex.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> isl = gpd.GeoDataFrame({"code": ["X"], "name": ["Pulau"], "inhabited": [True]},
    ...                        geometry=[shapely.box(114, -7, 114.1, -6.9)], crs="EPSG:4326")
    >>> fc = {"type": "FeatureCollection", "features": [{"type": "Feature",
    ...       "geometry": {"type": "LineString", "coordinates": [[114.2, -7.0], [114.5, -7.1]]},
    ...       "properties": {"risk_kind": "tppo", "season": "west", "traffic": 3.0}}]}
    >>> page = add_corridors(base_map(isl), fc, kind="tppo", season="west", lang="en").get_root().render()
    >>> "Corridors TPPO (west monsoon)" in page, "corridor-legend" in page, "very heavy" in page
    (True, True, True)
    """
    words = labels(lang)
    kind_word = words["kinds_risk"].get(kind, kind)
    features = _features(corridors)
    for i, f in enumerate(features):
        props = f.get("properties") or {}
        if props.get("risk_kind") != kind:
            raise GeoInputError(
                f"corridors: feature {i} has risk_kind {props.get('risk_kind')!r}, the map shows {kind!r}"
            )
        if props.get("season") not in CORRIDOR_COLOURS:
            raise GeoInputError(f"corridors: feature {i} has season {props.get('season')!r}, not a route season")
    seasons_shown: list[str] = []
    if features:
        frame = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")
        geoms = frame.geometry.to_numpy()
        if simplify_deg > 0:
            geoms = shapely.simplify(geoms, simplify_deg, preserve_topology=True)
        frame = gpd.GeoDataFrame(
            {"season": frame["season"].astype(str), "traffic": frame["traffic"].astype(float)},
            geometry=shapely.transform(geoms, lambda c: np.round(c, 5)),  # about a metre: enough, and short
            crs="EPSG:4326",
        )
        # One set of classes over every season shown, so the same width means the same traffic in each.
        cls = traffic_classes(frame["traffic"], shapely.length(frame.geometry.to_numpy()))
        top = float(frame["traffic"].max()) or 1.0
        frame["width"] = np.asarray(TRAFFIC_WIDTHS)[cls]
        frame["kind"] = kind_word
        frame["season_name"] = frame["season"].map(lambda s: words["seasons"].get(s, s))
        frame["traffic_words"] = [
            words["traffic_share"].format(
                word=words["traffic_classes"][TRAFFIC_CLASSES[c]], share=f"{100 * t / top:.0f}"
            )
            for c, t in zip(cls, frame["traffic"], strict=True)
        ]
        for route_season in CORRIDOR_COLOURS:
            part = frame[frame["season"] == route_season]
            if part.empty:
                continue
            seasons_shown.append(route_season)
            colour = CORRIDOR_COLOURS[route_season]
            # Quietest first, so the busy lines are drawn on top where corridors overlap.
            part = part.sort_values("width", kind="stable")[
                ["kind", "season_name", "traffic_words", "width", "geometry"]
            ]
            folium.GeoJson(
                part.to_json(),
                name=words["corridor_layer"].format(kind=kind_word, season=words["seasons"][route_season]),
                style_function=lambda f, colour=colour: {
                    "color": colour,
                    "weight": f["properties"]["width"],
                    "opacity": 0.75,
                    "lineCap": "round",
                },
                tooltip=folium.GeoJsonTooltip(fields=["traffic_words"], aliases=[words["traffic"]]),
                popup=folium.GeoJsonPopup(
                    fields=["kind", "season_name", "traffic_words"],
                    aliases=[words["corridor"], words["route"]["season"], words["traffic"]],
                ),
                smooth_factor=1.0,
            ).add_to(m)
    _corridor_legend(m, words, kind_word, season, seasons_shown)
    return m


def _corridor_legend(m: folium.Map, words: dict[str, Any], kind_word: str, season: str, shown: list[str]) -> None:
    """The corridors' legend as a Leaflet control (bottom right, stacked with the time slider rather than over
    it): each season's colour, then each traffic class as a line of its width."""
    title = (
        f"<b>{html.escape(words['corridors'])} {html.escape(kind_word)}</b> ({html.escape(words['seasons'][season])})"
    )
    if not shown:
        body = f"<div>{html.escape(words['corridor_none'])}</div>"
    else:
        colours = "".join(
            f'<div><span style="background:{CORRIDOR_COLOURS[s]};display:inline-block;width:22px;height:4px;'
            f'vertical-align:middle"></span> {html.escape(words["seasons"][s])}</div>'
            for s in shown
        )
        widths = "".join(
            f'<div><span style="background:#555;display:inline-block;width:22px;height:{w}px;'
            f'vertical-align:middle"></span> {html.escape(words["traffic_classes"][c])}</div>'
            for c, w in zip(TRAFFIC_CLASSES, TRAFFIC_WIDTHS, strict=True)
        )
        body = f'{colours}<div style="margin-top:4px">{html.escape(words["corridor_widths"])}</div>{widths}'
    legend = _LegendControl(f"{title}{body}", element_id="corridor-legend", position="bottomright")
    legend.add_to(m)
    _control_last(m)


class _LegendControl(MacroElement):
    """A Leaflet control holding fixed HTML (``body``, escaped by the caller): unlike a ``position: fixed`` box
    it stacks with the other controls of its corner instead of covering them."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
        {{ this.get_name() }}.onAdd = function () {
            var box = L.DomUtil.create("div", "pesisir-legend leaflet-bar");
            box.id = {{ this.element_id|tojson }};
            box.innerHTML = {{ this.body|tojson }};
            L.DomEvent.disableClickPropagation(box);
            return box;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}"""
    )

    def __init__(self, body: str, *, element_id: str, position: str) -> None:
        super().__init__()
        self._name = "LegendControl"
        self.body = body
        self.element_id = element_id
        self.position = position


def add_route_tool(
    m: folium.Map,
    *,
    places_url: str,
    routes_url: str,
    script_url: str,
    season: str = "west",
    lang: str = "id",
) -> folium.Map:
    """A route tool on ``m`` (the script at ``script_url``, Pesisir's ``app/static/pesisir-routes.js``): origin and
    destination from the places at ``places_url`` (or a click on the map), boat class, route season and "avoid
    monitored harbours"; it asks ``routes_url`` with the page's own credentials and draws the route with its hours,
    distance and whether it is passable, or shows the API's message.

    ``season`` is the route season selected at first (``west``, ``east`` or ``transition``). The settings travel
    as JSON data, not script. Needs the layer control :func:`base_map` adds (the route is one of its overlays).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> isl = gpd.GeoDataFrame({"code": ["X"], "name": ["Pulau"], "inhabited": [True]},
    ...                        geometry=[shapely.box(114, -7, 114.1, -6.9)], crs="EPSG:4326")
    >>> m = add_route_tool(base_map(isl), places_url="/api/v1/places", routes_url="/api/v1/routes",
    ...                    script_url="/static/pesisir-routes.js", lang="en")
    >>> page = m.get_root().render()
    >>> "PesisirRoutes.init" in page, "/static/pesisir-routes.js" in page, "Avoid monitored harbours" in page
    (True, True, True)
    """
    if season not in ROUTE_SEASONS:
        raise GeoInputError(f"season: must be one of {', '.join(ROUTE_SEASONS)}, got {season!r}")
    words = labels(lang)
    root = m.get_root()
    m.default_js = [*m.default_js, ("pesisirroutes", script_url)]
    root.header.add_child(Element(_ROUTE_CSS))  # type: ignore[attr-defined]
    config = {
        "labels": words["route"],
        "boats": [[b, words["boats"][b]] for b in BOAT_CLASSES],
        "seasons": [[s, words["seasons"][s]] for s in ROUTE_SEASONS],
        "season": season,
        "locale": "id-ID" if lang == "id" else "en-GB",
        "places_url": places_url,
        "routes_url": routes_url,
    }
    _embed_and_init(m, root, config, element_id=f"pesisir-routes-{m.get_name()}", module="PesisirRoutes")
    return m


_ROUTE_CSS = """<style>
.pesisir-legend { background: white; padding: 6px 10px; font: 12px sans-serif; max-width: 260px; }
.pesisir-route { background: white; padding: 6px 10px; font: 12px sans-serif; width: 230px; }
.pesisir-route-head { display: flex; justify-content: space-between; align-items: center; }
.pesisir-route-head button { border: none; background: none; cursor: pointer; font: bold 14px sans-serif; }
.pesisir-route.collapsed form { display: none; }
.pesisir-route label { display: block; margin-top: 4px; color: #444; }
.pesisir-route select { width: 100%; font: 12px sans-serif; }
.pesisir-route .pesisir-route-pick { font: 11px sans-serif; margin-top: 2px; }
.pesisir-route button[type=submit] { margin-top: 6px; width: 100%; }
.pesisir-route-error { color: #8b0000; margin-top: 6px; }
.pesisir-route-result { margin-top: 6px; }
.pesisir-route-result th { text-align: left; padding-right: 6px; color: #555; font-weight: normal; }
.pesisir-picking { cursor: crosshair; }
</style>"""
