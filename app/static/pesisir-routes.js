/* Pesisir map: the sea-route tool.
 *
 * A small Leaflet control: origin and destination (the places of /api/v1/places, or a point picked on the map),
 * boat class, route season and "avoid monitored harbours". It asks /api/v1/routes with the page's own
 * credentials (the HttpOnly sign-in cookie, sent on same-origin GET requests) and draws the route with its
 * sailing time, distance and whether the boat can sail it; an error answer's message is shown in the control.
 *
 * Settings and labels arrive as JSON in a <script type="application/json"> element (never as JavaScript
 * source), and every text from the server (place names, the API's messages) is put on the page with
 * textContent, never innerHTML.
 *
 * PesisirRoutes.init(map, layerControl, configElementId) is called by the page folium renders.
 */
(function () {
  "use strict";

  var ROUTE_STYLE = { color: "#111111", weight: 4, opacity: 0.9 };
  var CASING_STYLE = { color: "#ffffff", weight: 8, opacity: 0.8 };
  var OUTSIDE_KINDS = { port: true, staging_area: true };  // places outside the regency (geo.vocabulary)

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function option(value, text) {
    var node = el("option", text);
    node.value = value;
    return node;
  }

  function field(box, id, text) {
    var label = el("label", text);
    label.htmlFor = id;
    box.appendChild(label);
  }

  function select(id, choices, placeholder) {
    var node = el("select");
    node.id = id;
    node.name = id;
    if (placeholder) node.appendChild(option("", placeholder));
    choices.forEach(function (c) { node.appendChild(option(c[0], c[1])); });
    return node;
  }

  // The API's message: a string (our own errors name the parameter), or FastAPI's list of validation errors.
  function errorMessage(status, body) {
    var detail = body && body.detail;
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail) && detail.length) {
      return detail.map(function (d) {
        var loc = (d.loc || []).filter(function (part) { return part !== "query"; }).join(".");
        return (loc ? loc + ": " : "") + (d.msg || "");
      }).join("; ");
    }
    return "HTTP " + status;
  }

  // GET a JSON answer with the page's sign-in cookie, asking for the service's messages in the map's language;
  // an error answer becomes an Error carrying its message.
  function getJSON(url, lang, signal) {
    var headers = { Accept: "application/geo+json", "Accept-Language": lang };
    return fetch(url, { credentials: "same-origin", headers: headers, signal: signal })
      .then(function (response) {
        return response.json().catch(function () { return null; }).then(function (body) {
          if (!response.ok) throw new Error(errorMessage(response.status, body));
          return body;
        });
      });
  }

  // Places grouped for the selects: Sumenep's harbours first, then the places outside by province.
  function fillPlaces(selects, features, labels) {
    var groups = {};
    var order = [];
    features.map(function (f) { return f.properties || {}; })
      .filter(function (p) { return p.slug && p.name; })
      .sort(function (a, b) { return String(a.name).localeCompare(String(b.name)); })
      .forEach(function (p) {
        var key = OUTSIDE_KINDS[p.kind] ? labels.outside + " \u2013 " + (p.province || "") : labels.sumenep;
        if (!groups[key]) { groups[key] = []; order.push(key); }
        groups[key].push(p);
      });
    order.sort(function (a, b) {
      if (a === labels.sumenep) return -1;
      if (b === labels.sumenep) return 1;
      return a.localeCompare(b);
    });
    selects.forEach(function (node) {
      order.forEach(function (key) {
        var group = el("optgroup");
        group.label = key;
        groups[key].forEach(function (p) { group.appendChild(option(p.slug, p.name)); });
        node.appendChild(group);
      });
    });
  }

  function summaryRows(props, cfg, number) {
    var labels = cfg.labels;
    // [label, value, key]: the key names the cell (class route-<key>) for tests and styles.
    var rows = [
      [labels.hours, number.format(props.hours) + " " + labels.hours_unit, "hours"],
      [labels.distance, number.format(props.distance_km) + " " + labels.distance_unit, "distance"],
      [labels.passable, props.passable ? labels.yes : labels.no, "passable"],
    ];
    if (!props.passable && props.reason) rows.push([labels.reason, props.reason, "reason"]);
    return rows;
  }

  function table(rows) {
    var node = el("table");
    rows.forEach(function (row) {
      var tr = el("tr");
      tr.appendChild(el("th", row[0]));
      var td = el("td", row[1]);
      td.className = "route-" + row[2];
      tr.appendChild(td);
      node.appendChild(tr);
    });
    return node;
  }

  function init(map, layerControl, configElementId) {
    var cfg = JSON.parse(document.getElementById(configElementId).textContent);
    var labels = cfg.labels;
    var number = new Intl.NumberFormat(cfg.locale, { maximumFractionDigits: 1 });
    var routeLayer = L.featureGroup().addTo(map);
    var picks = L.layerGroup().addTo(map);
    layerControl.addOverlay(routeLayer, labels.layer);
    var state = { pending: null, picking: null, last: null, marks: {} };

    var control = L.control({ position: "topleft" });
    control.onAdd = function () {
      var box = el("div", null, "pesisir-route leaflet-bar");
      box.id = "route-tool";
      box.appendChild(header(box));
      var form = el("form");
      form.noValidate = true;

      var error = el("div", null, "pesisir-route-error");
      error.id = "route-error";
      error.setAttribute("role", "alert");
      var result = el("div", null, "pesisir-route-result");
      result.id = "route-result";
      result.setAttribute("aria-live", "polite");
      var ends = {};
      ["origin", "destination"].forEach(function (end) {
        var id = "route-" + end;
        field(form, id, labels[end]);
        ends[end] = select(id, [], labels.choose);
        form.appendChild(ends[end]);
        var pick = el("button", labels.pick, "pesisir-route-pick");
        pick.type = "button";
        pick.id = id + "-pick";
        pick.title = labels.pick_hint;
        pick.addEventListener("click", function () {
          error.textContent = "";
          result.textContent = labels.pick_hint + " (" + labels[end] + ")";
          startPicking(end, ends[end], result);
        });
        form.appendChild(pick);
      });
      field(form, "route-boat", labels.boat);
      var boat = select("route-boat", cfg.boats);
      form.appendChild(boat);
      field(form, "route-season", labels.season);
      var season = select("route-season", cfg.seasons);
      season.value = cfg.season;
      form.appendChild(season);
      var avoidLabel = el("label");
      var avoid = el("input");
      avoid.type = "checkbox";
      avoid.id = "route-avoid";
      avoidLabel.appendChild(avoid);
      avoidLabel.appendChild(document.createTextNode(" " + labels.avoid));
      form.appendChild(avoidLabel);
      var submit = el("button", labels.submit);
      submit.type = "submit";
      submit.id = "route-submit";
      form.appendChild(submit);
      form.appendChild(error);
      form.appendChild(result);
      box.appendChild(form);

      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var params = new URLSearchParams({
          origin: ends.origin.value, destination: ends.destination.value, boat: boat.value, season: season.value,
        });
        if (avoid.checked) params.set("avoid", "monitored");
        findRoute(params, submit, error, result);
      });

      getJSON(cfg.places_url, cfg.lang)
        .then(function (body) { fillPlaces([ends.origin, ends.destination], body.features || [], labels); })
        .catch(function (e) { error.textContent = labels.places_error + ": " + e.message; });

      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };

    // The title, and a button that folds the form away (it covers part of the map); folded at first on a narrow
    // screen (a phone), where it would cover most of the map.
    function header(box) {
      var head = el("div", null, "pesisir-route-head");
      head.appendChild(el("b", labels.title));
      var fold = el("button");
      fold.type = "button";
      fold.id = "route-fold";
      function setFolded(collapsed) {
        if (collapsed) L.DomUtil.addClass(box, "collapsed"); else L.DomUtil.removeClass(box, "collapsed");
        fold.textContent = collapsed ? "+" : "\u2212";
        fold.title = collapsed ? labels.show : labels.hide;
        fold.setAttribute("aria-expanded", String(!collapsed));
      }
      fold.addEventListener("click", function () { setFolded(!L.DomUtil.hasClass(box, "collapsed")); });
      setFolded(window.matchMedia("(max-width: 600px)").matches);
      head.appendChild(fold);
      return head;
    }

    // A click on the map gives the chosen end as "lon,lat" (the API checks that it lies at sea).
    function startPicking(end, node, result) {
      if (state.picking) map.off("click", state.picking);
      L.DomUtil.addClass(map.getContainer(), "pesisir-picking");
      state.picking = function (e) {
        map.off("click", state.picking);
        state.picking = null;
        L.DomUtil.removeClass(map.getContainer(), "pesisir-picking");
        result.textContent = "";
        var lon = e.latlng.lng.toFixed(5), lat = e.latlng.lat.toFixed(5);
        var value = lon + "," + lat;
        Array.prototype.slice.call(node.querySelectorAll("option.route-point")).forEach(function (o) { o.remove(); });
        var point = option(value, labels.point.replace("{lon}", lon).replace("{lat}", lat));
        point.className = "route-point";
        // Right after the placeholder, which is the select's first child (the places sit in optgroups).
        node.insertBefore(point, node.firstChild ? node.firstChild.nextSibling : null);
        node.value = value;
        if (state.marks[end]) picks.removeLayer(state.marks[end]);  // one mark per end
        state.marks[end] = L.circleMarker(e.latlng, { radius: 5, color: "#111111", weight: 2, fillOpacity: 0.3 })
          .bindTooltip(el("span", labels[end])).addTo(picks);
      };
      map.on("click", state.picking);
    }

    function findRoute(params, submit, error, result) {
      if (state.pending) state.pending.abort();
      var pending = new AbortController();
      state.pending = pending;
      error.textContent = "";
      result.textContent = labels.working;
      submit.disabled = true;
      getJSON(cfg.routes_url + "?" + params.toString(), cfg.lang, pending.signal)
        .then(function (feature) {
          result.textContent = "";
          result.appendChild(table(summaryRows(feature.properties, cfg, number)));
          draw(feature);
        })
        .catch(function (e) {
          if (e.name === "AbortError") return;  // a newer request replaced this one
          result.textContent = "";
          error.textContent = labels.error + ": " + e.message;
          // What is drawn always matches what the control says: no route left from an earlier choice.
          routeLayer.clearLayers();
          state.last = null;
        })
        .then(function () {
          if (state.pending === pending) { state.pending = null; submit.disabled = false; }
        });
    }

    function draw(feature) {
      routeLayer.clearLayers();
      picks.clearLayers();  // the route's own ends replace the picked marks
      state.marks = {};
      var props = feature.properties;
      var style = props.passable ? ROUTE_STYLE : L.extend({}, ROUTE_STYLE, { dashArray: "8 8" });
      L.geoJSON(feature, { style: CASING_STYLE, interactive: false }).addTo(routeLayer);
      var line = L.geoJSON(feature, { style: style }).addTo(routeLayer);
      var box = el("div", null, "pesisir-popup");
      box.appendChild(el("b", labels.title));
      box.appendChild(table(summaryRows(props, cfg, number)));
      line.bindPopup(box);
      var coords = feature.geometry.coordinates;
      [coords[0], coords[coords.length - 1]].forEach(function (c, i) {
        L.circleMarker([c[1], c[0]], { radius: 6, color: "#111111", weight: 2, fillColor: "#ffffff", fillOpacity: 1 })
          .bindTooltip(el("span", i === 0 ? labels.origin : labels.destination)).addTo(routeLayer);
      });
      if (!map.hasLayer(routeLayer)) routeLayer.addTo(map);
      map.fitBounds(routeLayer.getBounds(), { padding: [40, 40] });
      state.last = feature;
    }

    control.addTo(map);
    window.pesisirRoute = state;  // for tests and the curious: the last route drawn
  }

  window.PesisirRoutes = { init: init };
})();
