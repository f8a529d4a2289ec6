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

from geo import i18n
from geo.validation import GeoInputError
from geo.vocabulary import BOAT_CLASSES, ROUTE_SEASONS

VIEWS: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {
    "main": ((-7.30, 113.55), (-6.85, 114.75)),
    "kangean": ((-7.25, 115.15), (-6.85, 116.30)),
    "masalembu": ((-5.62, 114.33), (-5.02, 114.70)),
}
"""Where the map's view buttons go, as ``((south, west), (north, east))``: the Sumenep part of Madura with the
islands near it (Poteran, Giligenting, Giliraja, Giliyang, Sapudi, Ra'as; the first view), the Kangean and
Sapeken islands to the east, and Masalembu, Masakambing and Karamian 150 km out in the Java Sea to the north. A
first view of the whole regency would be mostly empty sea because of the northern islands; a fourth button
("all") fits every island."""

OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
"""The islands are OpenStreetMap land polygons (ODbL, ``data/README.md``): every map credits them. The same text as
the OpenStreetMap tile layer's, so Leaflet shows it once when the tiles are on too."""

HARBOUR_COLOURS = {
    "official_port": "#1f4e79",
    "ferry_terminal": "#2e75b6",
    "special_terminal": "#4d6b73",
    "fishing_port": "#548235",
    "informal_landing": "#8c6d31",
}
"""Harbours are squares (landings circles, incidents diamonds), in colours away from the risk classes' reds and
ambers."""

ISLAND_FILLS = {"inhabited": "#f2efe6", "uninhabited": "#e3dccb"}
ISLAND_OUTLINE = "#8c7b5a"

INCIDENT_COLOURS = {
    "tppo": "#e7298a",
    "people_smuggling": "#1b9e77",
    "pmi_nonprocedural": "#66a61e",
    "illegal_landing": "#a6761d",
    "drug_smuggling": "#222222",
    "illegal_fishing": "#00838f",
    "foreign_vessel": "#607d8b",
    "other": "#9e9e9e",
}
"""Incidents are diamonds, one colour per kind (after ColorBrewer's Dark2), chosen away from the risk classes' dark
red, orange, amber and light blue and from the landings' blue and purple: a diamond is never read as a risk class
or a landing. Filled when verified, hollow when only reported, faded when rejected."""

LANDING_COLOURS = {"normal": "#3f51b5", "suspicious": "#7b1fa2"}
"""Landings are circles in a blue/purple family (the risk scale is red to amber, plus a light blue for "low"): an
ordinary landing a small indigo dot, a suspicious one a larger purple ring."""

CLUSTER_COLOURS = {"incidents": "#5a5a5a", "landings": "#3f51b5"}
"""Groups of nearby reports are neutral bubbles (grey for incidents, indigo for landings) whose number is the
count: Leaflet.markercluster's own green-yellow-orange bubbles read like a risk scale."""

LANGUAGES = ("id", "en")
"""The map speaks Bahasa Indonesia (the default) and English."""


def labels(lang: str) -> dict[str, Any]:
    """Every word the map shows in ``lang``: the catalogue's ``map.*`` messages (geo/i18n) as a nested table,
    ``labels("en")["classes"]["high"]`` for ``map.classes.high``."""
    if lang not in LANGUAGES:
        raise GeoInputError(f"lang: must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    return i18n.tree(lang, "map")


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
    zoom_start: int = 9,
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

    # Centred on the main islands; once the page has loaded, the view buttons' script fits them in what the
    # controls leave free (a fit here would still be animating then, and Leaflet drops a fit during a zoom).
    (south, west), (north, east) = VIEWS["main"]
    centre = ((south + north) / 2, (west + east) / 2)
    m = folium.Map(location=centre, zoom_start=zoom_start, tiles=None, prefer_canvas=True)
    # With no base tile layer the map has no maxZoom, and the cluster plugin refuses such a map.
    m.options["max_zoom"] = 18
    _local(m, LEAFLET_JS, LEAFLET_CSS, assets_url)
    m.get_root().header.add_child(Element(_SEA_CSS))  # type: ignore[attr-defined]
    m.get_root().header.add_child(Element(_LEGEND_CSS))  # type: ignore[attr-defined]
    _MapFrame(osm_attribution=OSM_ATTRIBUTION).add_to(m)  # metric scale, OSM credit
    legend = _Legend(words)
    legend.add_to(m)
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
            "fillColor": ISLAND_FILLS["inhabited" if f["properties"]["inhabited"] else "uninhabited"],
            "color": ISLAND_OUTLINE,
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
            kind_word = words["harbour_kinds"].get(str(row.kind), str(row.kind))
            label = f"{html.escape(str(row.name))} ({html.escape(kind_word)}{watched})"
            size = 12 if row.monitored else 9
            folium.Marker(
                location=(row.geometry.y, row.geometry.x),
                icon=folium.DivIcon(
                    html=_harbour_symbol(str(row.kind), bool(row.monitored)),
                    icon_size=(size, size),
                    icon_anchor=(size // 2, size // 2),
                    class_name="pesisir-harbour",
                ),
                tooltip=label,
            ).add_to(layer)
        layer.add_to(m)
        legend.section("harbours", _harbours_key(words, sorted(set(harbours["kind"].astype(str)))))

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
        legend.section("incidents", _incident_key(words, sorted(set(incidents["kind"].astype(str))), statuses=False))
    legend.section("islands", _islands_key(words))

    control = folium.LayerControl(collapsed=False)
    control.add_to(m)
    bounds = islands.total_bounds
    views = {**VIEWS, "all": ((float(bounds[1]), float(bounds[0])), (float(bounds[3]), float(bounds[2])))}
    _ViewButtons(words["views"], views, layers=control.get_name()).add_to(m)
    return m


# --- the map's frame: scale, credits, view buttons, legend, sign-out -------------------------------------------

_LEGEND_CSS = (
    """<style>
.pesisir-legend { background: white; padding: 4px 8px; font: 12px sans-serif; max-width: 270px; }
.pesisir-legend-head { display: flex; justify-content: space-between; align-items: center; gap: 8px; }
.pesisir-legend-head button { border: none; background: none; cursor: pointer; font: bold 12px sans-serif;
  padding: 2px 0; }
.pesisir-legend.collapsed .pesisir-legend-body { display: none; }
.pesisir-legend-body { overflow-y: auto; }
.pesisir-legend section { margin-top: 6px; }
.pesisir-legend section > .title { margin-bottom: 1px; }
.pesisir-legend .key { display: flex; align-items: center; gap: 6px; margin: 1px 0; }
.pesisir-legend .key > span:first-child { flex: 0 0 22px; display: flex; justify-content: center; }
.pesisir-legend .note { color: #444; margin-top: 2px; }
.pesisir-line { display: inline-block; width: 22px; }
.pesisir-dot { display: inline-block; border-radius: 50%; box-sizing: border-box; }
.pesisir-fill { display: inline-block; width: 16px; height: 12px; border: 1px solid #8c7b5a; }
.pesisir-incident span { display: block; width: 10px; height: 10px; margin: 1px; box-sizing: border-box;
  transform: rotate(45deg); border: 2px solid var(--c); background: var(--c); }
.pesisir-incident.pesisir-status-reported span { background: white; }
.pesisir-incident.pesisir-status-rejected span { background: white; opacity: 0.45; border-style: dotted; }
.pesisir-views { background: white; font: 12px sans-serif; }
.pesisir-views button { display: block; width: 100%; border: none; border-bottom: 1px solid #ccc; background: white;
  padding: 4px 8px; text-align: left; cursor: pointer; font: 12px sans-serif; }
.pesisir-views button:last-child { border-bottom: none; }
.pesisir-views button:hover { background: #f4f4f4; }
.pesisir-signout { background: white; }
.pesisir-signout button { border: none; background: white; padding: 4px 10px; cursor: pointer;
  font: bold 12px sans-serif; }
.leaflet-control-scale-line { background: rgba(255, 255, 255, 0.8); }
.leaflet-control-layers-list { font: 13px sans-serif; }
@media (max-width: 600px) {
  .pesisir-legend { max-width: calc(100vw - 200px); }
  .pesisir-views button { padding: 3px 6px; font-size: 11px; }
}
"""
    + "".join(f".pesisir-kind-{k} {{ --c: {c}; }}\n" for k, c in INCIDENT_COLOURS.items())
    + "</style>"
)


class _MapFrame(MacroElement):
    """A metric scale only (bottom left) and the OpenStreetMap credit for the islands in the attribution line."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        L.control.scale({metric: true, imperial: false, maxWidth: 120}).addTo({{ this._parent.get_name() }});
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.osm_attribution|tojson }});
        {% endmacro %}"""
    )

    def __init__(self, *, osm_attribution: str) -> None:
        super().__init__()
        self._name = "MapFrame"
        self.osm_attribution = osm_attribution


class _ViewButtons(MacroElement):
    """Buttons (top left, under the zoom) that fit the map on one group of islands (:data:`VIEWS`); and on a narrow
    screen the layer control starts folded to its button (a tap opens it, a tap on the map folds it)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        (function (map) {
          var views = {{ this.views|tojson }};
          var words = {{ this.words|tojson }};
          // Fit the part of the map the controls leave free (on a wide screen; on a phone they are folded).
          function fit(bounds, options) {
            var c = map.getContainer();
            var opts = Object.assign({}, options || {});
            if (c.clientWidth > 600) {
              var left = c.querySelector(".leaflet-top.leaflet-left");
              var right = c.querySelector(".leaflet-bottom.leaflet-right");
              opts.paddingTopLeft = [left ? left.offsetWidth : 0, 0];
              opts.paddingBottomRight = [right ? right.offsetWidth : 0, 0];
            }
            map.fitBounds(bounds, opts);
          }
          var control = L.control({position: "topleft"});
          control.onAdd = function () {
            var box = L.DomUtil.create("div", "pesisir-views leaflet-bar");
            box.id = "map-views";
            box.setAttribute("role", "group");
            box.setAttribute("aria-label", words.title);
            views.forEach(function (view) {
              var button = L.DomUtil.create("button", "", box);
              button.type = "button";
              button.id = "view-" + view[0];
              button.textContent = words[view[0]];
              button.addEventListener("click", function () { fit(view[1]); });
            });
            L.DomEvent.disableClickPropagation(box);
            return box;
          };
          control.addTo(map);
          document.addEventListener("DOMContentLoaded", function () {
            if (!window.matchMedia("(max-width: 600px)").matches) return;
            var layers = {{ this.layers }};
            layers.collapse();
            map.on("click", function () { layers.collapse(); });
          });
          // Once every control is on the map: the first view, clear of them.
          window.addEventListener("load", function () { fit(views[0][1], {animate: false}); });
        })({{ this._parent.get_name() }});
        {% endmacro %}"""
    )

    def __init__(self, words: dict[str, str], views: dict[str, Any], *, layers: str) -> None:
        super().__init__()
        self._name = "ViewButtons"
        self.words = words
        self.views = [[k, [list(v[0]), list(v[1])]] for k, v in views.items()]  # in this order
        self.layers = layers


class _Legend(MacroElement):
    """The map's one legend: a Leaflet control (bottom right, stacked with the attribution, so it never covers the
    scale, the time slider or another control) with a key for every symbol the map draws, one section per layer
    (:meth:`section`, in the order of :attr:`ORDER`). Folded to its title on a narrow screen (a phone) and whenever
    the reader folds it; its height stays within what the controls above it leave free (it scrolls)."""

    ORDER = ("risk", "corridors", "route", "incidents", "landings", "clusters", "harbours", "islands")

    _template = Template(
        """{% macro script(this, kwargs) %}
        (function (map) {
          var words = {{ this.words|tojson }};
          var control = L.control({position: "bottomright"});
          control.onAdd = function () {
            var box = L.DomUtil.create("div", "pesisir-legend leaflet-bar");
            box.id = "map-legend";
            box.innerHTML = {{ this.body|tojson }};
            var button = box.querySelector(".pesisir-legend-toggle");
            var body = box.querySelector(".pesisir-legend-body");
            function fit() {
              var corner = box.parentNode, container = map.getContainer();
              if (!corner) return;
              var others = 0;
              Array.prototype.forEach.call(corner.children, function (c) {
                if (c !== box) others += c.offsetHeight + 10;
              });
              var top = container.querySelector(".leaflet-top.leaflet-right");
              var free = container.clientHeight - (top ? top.offsetHeight : 0) - others
                - (box.offsetHeight - body.offsetHeight) - 30;
              body.style.maxHeight = Math.max(80, free) + "px";
            }
            function show(open) {
              if (open) L.DomUtil.removeClass(box, "collapsed"); else L.DomUtil.addClass(box, "collapsed");
              button.setAttribute("aria-expanded", String(open));
              button.textContent = (open ? "\u25be " : "\u25b8 ") + words.legend;
              button.title = open ? words.legend_hide : words.legend_show;
              fit();
            }
            button.addEventListener("click", function () { show(L.DomUtil.hasClass(box, "collapsed")); });
            show(!window.matchMedia("(max-width: 600px)").matches);
            map.on("resize", fit);
            window.addEventListener("load", fit);
            L.DomEvent.disableClickPropagation(box);
            L.DomEvent.disableScrollPropagation(box);
            return box;
          };
          control.addTo(map);
        })({{ this._parent.get_name() }});
        {% endmacro %}"""
    )

    def __init__(self, words: dict[str, Any]) -> None:
        super().__init__()
        self._name = "Legend"
        self.words = {k: words[k] for k in ("legend", "legend_hide", "legend_show")}
        self.sections: dict[str, str] = {}

    def section(self, key: str, body: str) -> None:
        """Set the section ``key`` (one of :attr:`ORDER`) to ``body``: HTML whose every text the caller escaped."""
        if key not in self.ORDER:
            raise ValueError(f"key: must be one of {', '.join(self.ORDER)}, got {key!r}")
        self.sections[key] = body

    @property
    def body(self) -> str:
        parts = "".join(self.sections[k] for k in self.ORDER if k in self.sections)
        return (
            '<div class="pesisir-legend-head"><button type="button" class="pesisir-legend-toggle" '
            f'id="legend-toggle" aria-controls="legend-body"></button></div>'
            f'<div class="pesisir-legend-body" id="legend-body">{parts}</div>'
        )


class _SignOut(MacroElement):
    """A sign-out button (top right, over the layer control): a form that POSTs to ``action`` with the page's
    language and address, so that the login page it ends on speaks the same language and leads back here."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        (function (map) {
          var control = L.control({position: "topright"});
          control.onAdd = function () {
            var form = L.DomUtil.create("form", "pesisir-signout leaflet-bar");
            form.id = "sign-out";
            form.method = "post";
            form.action = {{ this.action|tojson }};
            [["lang", {{ this.lang|tojson }}], ["next", window.location.pathname + window.location.search]]
              .forEach(function (field) {
                var input = L.DomUtil.create("input", "", form);
                input.type = "hidden";
                input.name = field[0];
                input.value = field[1];
              });
            var button = L.DomUtil.create("button", "", form);
            button.type = "submit";
            button.id = "sign-out-button";
            button.textContent = {{ this.text|tojson }};
            L.DomEvent.disableClickPropagation(form);
            return form;
          };
          control.addTo(map);
        })({{ this._parent.get_name() }});
        {% endmacro %}"""
    )

    def __init__(self, *, action: str, lang: str, text: str) -> None:
        super().__init__()
        self._name = "SignOut"
        self.action = action
        self.lang = lang
        self.text = text


def add_sign_out(m: folium.Map, *, action: str, lang: str = "id") -> folium.Map:
    """A sign-out button on ``m`` that POSTs to ``action`` (form fields ``lang`` and ``next``, the page's path and
    query).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> isl = gpd.GeoDataFrame({"code": ["X"], "name": ["Pulau"], "inhabited": [True]},
    ...                        geometry=[shapely.box(114, -7, 114.1, -6.9)], crs="EPSG:4326")
    >>> page = add_sign_out(base_map(isl, lang="en"), action="/auth/logout", lang="en").get_root().render()
    >>> '"/auth/logout"' in page, '"Sign out"' in page
    (True, True)
    """
    _SignOut(action=action, lang=lang, text=labels(lang)["sign_out"]).add_to(m)
    _control_last(m)
    return m


def _legend(m: folium.Map) -> _Legend:
    """The legend :func:`base_map` put on ``m``."""
    for child in m._children.values():
        if isinstance(child, _Legend):
            return child
    raise ValueError("m: has no legend (use a map made by base_map)")


def _key(symbol: str, text: str) -> str:
    """One row of the legend: a symbol (HTML) and its meaning (plain text, escaped here)."""
    return f'<div class="key"><span>{symbol}</span><span>{html.escape(text)}</span></div>'


def _section(title_html: str, rows: str, *, element_id: str) -> str:
    """A section of the legend: a title (HTML, escaped by the caller) over its rows."""
    return f'<section id="{element_id}"><div class="title">{title_html}</div>{rows}</section>'


def _bold(text: str) -> str:
    return f"<b>{html.escape(text)}</b>"


def _line(colour: str, width: float = 4) -> str:
    return f'<span class="pesisir-line" style="background:{colour};height:{width}px"></span>'


def _dot(colour: str, *, size: int, border: int, fill: str, opacity: float = 1.0) -> str:
    return (
        f'<span class="pesisir-dot" style="width:{size}px;height:{size}px;border:{border}px solid {colour};'
        f'background:{fill};opacity:{opacity}"></span>'
    )


def _incident_symbol(kind: str, status: str = "verified") -> str:
    """An incident's diamond as ``app/static/pesisir-map.js`` draws it: its kind's colour, filled by review state."""
    return f'<span class="pesisir-incident pesisir-kind-{kind} pesisir-status-{status}"><span></span></span>'


def _incident_key(words: dict[str, Any], kinds: list[str] | None = None, *, statuses: bool = True) -> str:
    """Incidents: one diamond per kind, then (``statuses``) how the fill tells the review state."""
    shown = [k for k in INCIDENT_COLOURS if kinds is None or k in kinds]
    rows = "".join(_key(_incident_symbol(k), words["kinds"][k]) for k in shown)
    if statuses:
        rows += f'<div class="note">{html.escape(words["incident_status"])}</div>' + "".join(
            _key(_incident_symbol("other", s), words["review_states"][s]) for s in ("verified", "reported", "rejected")
        )
    return _section(_bold(words["incidents_layer"]), rows, element_id="legend-incidents")


def _harbour_symbol(kind: str, monitored: bool) -> str:
    """A harbour's square: its kind's colour, larger and solid when monitored."""
    colour = HARBOUR_COLOURS.get(kind, "#333333")
    size = 12 if monitored else 9
    fill = colour if monitored else colour + "80"
    return (
        f'<span style="display:block;width:{size}px;height:{size}px;box-sizing:border-box;'
        f'border:2px solid {colour};background:{fill}"></span>'
    )


def _harbours_key(words: dict[str, Any], kinds: list[str]) -> str:
    rows = "".join(_key(_harbour_symbol(k, False), words["harbour_kinds"][k]) for k in HARBOUR_COLOURS if k in kinds)
    rows += f'<div class="note">{html.escape(words["harbour_monitored"])}</div>'
    return _section(_bold(words["harbours"]), rows, element_id="legend-harbours")


def _islands_key(words: dict[str, Any]) -> str:
    rows = "".join(
        _key(f'<span class="pesisir-fill" style="background:{ISLAND_FILLS[k]}"></span>', words["island_kinds"][k])
        for k in ("inhabited", "uninhabited")
    )
    return _section(_bold(words["islands"]), rows, element_id="legend-islands")


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
    ...     "contributions": [{"remoteness": 0.5, "staging": 0.3}, {"remoteness": 0.1, "staging": 0.1}],
    ...     "model_version": ["landing-abc"] * 2},
    ...     geometry=[shapely.LineString([(114, -7), (114.1, -7)]), shapely.LineString([(114, -6.9), (114.1, -6.9)])],
    ...     crs="EPSG:4326")
    >>> page = add_risk_layer(base_map(isl), seg, kind="landing", lang="en").get_root().render()
    >>> "far from monitored harbours: 0.500" in page, "remoteness" in page  # the factor in words, not its code
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
            f"{html.escape(words['factors'].get(str(k), str(k)))}: {float(v):.3f}"
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
    banner = f'<div id="synthetic-banner" role="alert">{html.escape(text)}</div>'
    m.get_root().header.add_child(Element(_BANNER_CSS))  # type: ignore[attr-defined]
    m.get_root().html.add_child(Element(banner))  # type: ignore[attr-defined]
    return m


_BANNER_CSS = """<style>
/* A strip above the map, not over it: the page is a column, the banner first, the map the rest of the height. */
body { display: flex; flex-direction: column; }
body > .folium-map { flex: 1 1 auto; height: auto !important; min-height: 0; }
#synthetic-banner { order: -1; flex: none; background: #fff3cd; color: #5c4300; border-bottom: 1px solid #c9a227;
  padding: 4px 12px; font: bold 13px sans-serif; text-align: center; }
@media (max-width: 600px) { #synthetic-banner { font-size: 11px; padding: 3px 6px; } }
</style>"""


def _risk_legend(m: folium.Map, words: dict[str, Any], kind_word: str, season_word: str, note: str | None) -> None:
    """The risk section of the map's legend: each class's colour on the coastline, then ``note`` (the accuracy)."""
    rows = f'<div class="note">{html.escape(words["risk_lines"])}</div>' + "".join(
        _key(_line(c), words["classes"][k]) for k, c in RISK_COLOURS.items()
    )
    if note:
        rows += f'<div id="risk-accuracy" class="note">{html.escape(note)}</div>'
    title = f"{_bold(words['risk'] + ' ' + kind_word)} ({html.escape(season_word)})"
    _legend(m).section("risk", _section(title, rows, element_id="risk-legend"))


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
    capped: dict[str, int] | None = None,
) -> folium.Map:
    """Incidents and landings as clustered layers with a time slider (the script at ``script_url``, Pesisir's
    ``app/static/pesisir-map.js``; Leaflet's cluster plugin from ``assets_url``), and their keys in the legend.

    ``incidents``: rows ``[lon, lat, "YYYY-MM-DD", kind, people, review_state(, narrative)]``; ``landings``:
    rows ``[lon, lat, "YYYY-MM-DD", direction, suspicious, vessel_name, origin, persons_aboard, flags,
    review_state]``. ``None`` leaves a layer out (the viewer may not see it). The rows travel as JSON data,
    not script, and the script writes every text with ``textContent``: nothing a user typed can run. ``capped``
    (``{"landings": 10000}``) names the layers cut at that many rows (the newest): the time slider says so.

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
    for layer in capped or {}:
        if layer not in ("incidents", "landings"):
            raise ValueError(f"capped: must name incidents or landings, got {layer!r}")
    notes = [
        words["capped"].format(limit=f"{n:,}".replace(",", "." if lang == "id" else ","), what=words["capped_what"][k])
        for k, n in (capped or {}).items()
    ]
    data = {
        "labels": words,
        "incident_colours": INCIDENT_COLOURS,
        "landing_colours": LANDING_COLOURS,
        "notes": notes,
        "incidents": incidents,
        "landings": landings,
    }
    legend = _legend(m)
    if incidents is not None:
        legend.section("incidents", _incident_key(words))
    if landings is not None:
        legend.section("landings", _landings_key(words))
    if incidents is not None or landings is not None:
        legend.section("clusters", _clusters_key(words, incidents is not None, landings is not None))
    _embed_and_init(m, root, data, element_id=f"pesisir-data-{m.get_name()}", module="PesisirMap")
    return m


def _landing_symbol(suspicious: bool) -> str:
    """A landing's circle as ``app/static/pesisir-map.js`` draws it (radius 4 or 7, outline 1 or 3 px)."""
    colour = LANDING_COLOURS["suspicious" if suspicious else "normal"]
    if suspicious:
        return _dot(colour, size=16, border=3, fill=colour + "e6")
    return _dot(colour, size=9, border=1, fill=colour + "99")


def _landings_key(words: dict[str, Any]) -> str:
    rows = _key(_landing_symbol(False), words["landing_normal"]) + _key(
        _landing_symbol(True), words["suspicious_landing"]
    )
    return _section(_bold(words["landings_layer"]), rows, element_id="legend-landings")


def _clusters_key(words: dict[str, Any], incidents: bool, landings: bool) -> str:
    shown = [k for k, on in (("incidents", incidents), ("landings", landings)) if on]
    rows = "".join(
        _key(
            f'<span class="pesisir-cluster-key pesisir-cluster-{k}"><span>12</span></span>',
            words[f"{k}_layer"],
        )
        for k in shown
    )
    rows += f'<div class="note">{html.escape(words["cluster_text"])}</div>'
    return _section(_bold(words["clusters"]), rows, element_id="legend-clusters")


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


_EVENT_CSS = (
    """<style>
.pesisir-popup table { border-collapse: collapse; font: 12px sans-serif; }
.pesisir-popup th { text-align: left; padding-right: 6px; color: #555; font-weight: normal; }
.pesisir-slider { background: white; padding: 6px 10px; font: 12px sans-serif; width: 190px; box-sizing: border-box; }
.pesisir-slider input { width: 100%; }
.pesisir-slider .pesisir-capped { margin-top: 4px; color: #5c4300; background: #fff3cd; padding: 2px 4px; }
.pesisir-cluster-key { display: inline-block; width: 22px; height: 22px; border-radius: 11px; }
.pesisir-cluster-key span { display: flex; width: 16px; height: 16px; margin: 3px; border-radius: 8px; color: white;
  font: 9px sans-serif; align-items: center; justify-content: center; }
.pesisir-incident-marker, .pesisir-harbour { background: none; border: none; }
@media (max-width: 600px) {
  .pesisir-slider { width: 160px; padding: 4px 8px; }
}
"""
    + "".join(
        # The cluster bubbles on the map and their key in the legend (over Leaflet.markercluster's green-to-orange).
        f".marker-cluster.pesisir-{k}, .pesisir-cluster-{k} {{ background-color: {c}4d; }}\n"
        f".marker-cluster.pesisir-{k} div, .pesisir-cluster-{k} span {{ background-color: {c}d9; color: white; }}\n"
        for k, c in CLUSTER_COLOURS.items()
    )
    + "</style>"
)


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
    """The corridors' section of the map's legend: each season's colour, then each traffic class as a line of its
    width."""
    title = f"{_bold(words['corridors'] + ' ' + kind_word)} ({html.escape(words['seasons'][season])})"
    if not shown:
        body = f'<div class="note">{html.escape(words["corridor_none"])}</div>'
    else:
        colours = "".join(_key(_line(CORRIDOR_COLOURS[s], 4), words["seasons"][s]) for s in shown)
        widths = "".join(
            _key(_line("#555", w), words["traffic_classes"][c])
            for c, w in zip(TRAFFIC_CLASSES, TRAFFIC_WIDTHS, strict=True)
        )
        body = f'{colours}<div class="note">{html.escape(words["corridor_widths"])}</div>{widths}'
    _legend(m).section("corridors", _section(title, body, element_id="corridor-legend"))


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
    # The route the tool draws: a black line on a white casing (app/static/pesisir-routes.js).
    route_line = '<span class="pesisir-line" style="background:#111;height:4px;outline:2px solid #fff"></span>'
    _legend(m).section(
        "route",
        _section(_bold(words["route"]["title"]), _key(route_line, words["route"]["layer"]), element_id="legend-route"),
    )
    config = {
        "labels": words["route"],
        "boats": [[b, words["boats"][b]] for b in BOAT_CLASSES],
        "seasons": [[s, words["seasons"][s]] for s in ROUTE_SEASONS],
        "season": season,
        "locale": "id-ID" if lang == "id" else "en-GB",
        "lang": lang,  # sent as Accept-Language: the API's error messages come back in the map's language
        "places_url": places_url,
        "routes_url": routes_url,
    }
    _embed_and_init(m, root, config, element_id=f"pesisir-routes-{m.get_name()}", module="PesisirRoutes")
    return m


_ROUTE_CSS = """<style>
.pesisir-route { background: white; padding: 6px 10px; font: 12px sans-serif; width: 230px; }
.pesisir-route.collapsed { width: auto; }
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
