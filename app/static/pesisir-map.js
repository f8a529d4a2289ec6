/* Pesisir map: incidents and landings as clustered layers with a time slider.
 *
 * The data arrive as JSON in <script type="application/json"> elements (never as JavaScript source), and
 * every text a user typed is put on the page with textContent, never innerHTML: a vessel name like
 * "<img src=x onerror=alert(1)>" shows as those characters and runs nothing.
 *
 * PesisirMap.init(map, layerControl, dataElementId) is called by the page folium renders.
 */
(function () {
  "use strict";

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function popupTable(title, rows) {
    var box = el("div", null, "pesisir-popup");
    box.appendChild(el("b", title));
    var table = el("table");
    rows.forEach(function (row) {
      if (row[1] === null || row[1] === undefined || row[1] === "") return;
      var tr = el("tr");
      tr.appendChild(el("th", row[0]));
      tr.appendChild(el("td", row[1]));
      table.appendChild(tr);
    });
    box.appendChild(table);
    return box;
  }

  function monthOf(iso) {
    return iso.slice(0, 7);
  }

  function months(first, last) {
    var out = [];
    var y = parseInt(first.slice(0, 4), 10), m = parseInt(first.slice(5, 7), 10);
    var end = parseInt(last.slice(0, 4), 10) * 12 + parseInt(last.slice(5, 7), 10);
    while (y * 12 + m <= end) {
      out.push(y + "-" + (m < 10 ? "0" : "") + m);
      m += 1;
      if (m > 12) { m = 1; y += 1; }
    }
    return out;
  }

  function word(table, code) {
    return (table && table[code]) || code;
  }

  function incidentMarker(item, labels, colours) {
    // item: [lon, lat, date, kind, people, review_state, narrative?]
    // A diamond (landings are circles) in its kind's colour, filled when verified, hollow when only reported,
    // faded when rejected: the classes are those of the legend's key (geo.maps).
    var kind = colours[item[3]] ? item[3] : "other";
    var state = labels.review_states[item[5]] ? item[5] : "reported";
    var marker = L.marker([item[1], item[0]], {
      icon: L.divIcon({
        className: "pesisir-incident-marker pesisir-incident pesisir-kind-" + kind + " pesisir-status-" + state,
        html: "<span></span>",  // a fixed shape, no data
        iconSize: [14, 14],
      }),
      keyboard: false,
    });
    var rows = [[labels.date, item[2]], [labels.kind, word(labels.kinds, item[3])],
      [labels.people, item[4]], [labels.review, word(labels.review_states, item[5])]];
    if (item.length > 6) rows.push([labels.narrative, item[6]]);
    marker.bindTooltip(el("span", word(labels.kinds, item[3]) + " " + item[2]));
    marker.bindPopup(function () { return popupTable(labels.incident, rows); });
    return marker;
  }

  function landingMarker(item, labels, colours) {
    // item: [lon, lat, date, direction, suspicious, vessel_name, origin, persons_aboard, flags, review_state]
    // Blue and purple, never the risk scale's reds: an ordinary landing a small dot, a suspicious one a ring.
    var suspicious = item[4];
    var colour = suspicious ? colours.suspicious : colours.normal;
    var marker = L.circleMarker([item[1], item[0]], {
      radius: suspicious ? 7 : 4, color: colour, weight: suspicious ? 3 : 1,
      fill: true, fillColor: colour, fillOpacity: suspicious ? 0.9 : 0.6,
    });
    var title = suspicious ? labels.suspicious_landing : labels.landing;
    marker.bindTooltip(el("span", title + " " + item[2]));
    marker.bindPopup(function () {
      return popupTable(title, [[labels.date, item[2]], [labels.direction, word(labels.directions, item[3])],
        [labels.vessel, item[5]], [labels.origin, item[6]], [labels.persons, item[7]],
        [labels.flags, (item[8] || []).map(function (f) { return word(labels.flag_words, f); }).join(", ")],
        [labels.review, word(labels.review_states, item[9])]]);
    });
    return marker;
  }

  function clusterIcon(className) {
    return function (cluster) {
      var n = cluster.getChildCount();
      var size = n < 10 ? "small" : n < 100 ? "medium" : "large";
      return L.divIcon({
        html: "<div><span>" + n + "</span></div>",  // a number we computed, not user text
        className: "marker-cluster marker-cluster-" + size + " " + className,
        iconSize: L.point(40, 40),
      });
    };
  }

  function buildLayer(items, toMarker, className) {
    var group = L.markerClusterGroup({ chunkedLoading: true, iconCreateFunction: clusterIcon(className) });
    var entries = items.map(function (item) {
      return { month: monthOf(item[2]), marker: toMarker(item), item: item };
    });
    group.addLayers(entries.map(function (e) { return e.marker; }));
    return { group: group, entries: entries };
  }

  function sliderControl(map, allMonths, labels, notes, onChange) {
    // Bottom left, over the scale: the legend has the bottom right corner, so neither covers the other.
    var control = L.control({ position: "bottomleft" });
    control.onAdd = function () {
      var box = el("div", null, "pesisir-slider leaflet-bar");
      box.id = "time-slider";
      box.appendChild(el("b", labels.time));
      var from = el("input");
      var to = el("input");
      [from, to].forEach(function (input, i) {
        input.type = "range";
        input.min = "0";
        input.max = String(allMonths.length - 1);
        input.value = i === 0 ? "0" : String(allMonths.length - 1);
        input.setAttribute("aria-label", i === 0 ? labels.from : labels.to);
      });
      from.id = "time-slider-from";
      to.id = "time-slider-to";
      var shown = el("div", null, "pesisir-slider-range");
      function update() {
        var a = parseInt(from.value, 10), b = parseInt(to.value, 10);
        if (a > b) { var t = a; a = b; b = t; }
        shown.textContent = allMonths[a] + " \u2013 " + allMonths[b];
        onChange(allMonths[a], allMonths[b]);
      }
      from.addEventListener("input", update);
      to.addEventListener("input", update);
      box.appendChild(el("div", labels.from));
      box.appendChild(from);
      box.appendChild(el("div", labels.to));
      box.appendChild(to);
      box.appendChild(shown);
      notes.forEach(function (note) {
        var n = el("div", note, "pesisir-capped");
        n.setAttribute("role", "status");
        box.appendChild(n);
      });
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      shown.textContent = allMonths[0] + " \u2013 " + allMonths[allMonths.length - 1];
      return box;
    };
    control.addTo(map);
    return control;
  }

  function init(map, layerControl, dataElementId) {
    var data = JSON.parse(document.getElementById(dataElementId).textContent);
    var labels = data.labels;
    var layers = [];
    if (data.incidents) {
      var inc = buildLayer(data.incidents, function (item) {
        return incidentMarker(item, labels, data.incident_colours);
      }, "pesisir-incidents");
      inc.group.addTo(map);
      layerControl.addOverlay(inc.group, labels.incidents_layer);
      layers.push(inc);
    }
    if (data.landings) {
      var land = buildLayer(data.landings, function (item) {
        return landingMarker(item, labels, data.landing_colours);
      }, "pesisir-landings");
      land.group.addTo(map);
      layerControl.addOverlay(land.group, labels.landings_layer);
      layers.push(land);
    }
    var all = [];
    layers.forEach(function (layer) { layer.entries.forEach(function (e) { all.push(e.month); }); });
    if (all.length === 0) return;
    all.sort();
    var allMonths = months(all[0], all[all.length - 1]);
    sliderControl(map, allMonths, labels, data.notes || [], function (first, last) {
      layers.forEach(function (layer) {
        layer.group.clearLayers();
        layer.group.addLayers(layer.entries.filter(function (e) {
          return e.month >= first && e.month <= last;
        }).map(function (e) { return e.marker; }));
      });
    });
    window.pesisirLayers = layers;  // for tests and the curious: counts of what is shown
  }

  function segmentPopups(tiles, labels) {
    // Vector-tile segments: a click shows the segment's properties, written as text.
    tiles.on("click", function (e) {
      var p = e.layer.properties || {};
      L.popup().setLatLng(e.latlng).setContent(popupTable(labels.segment + " " + (p.id || ""), [
        [labels.island, p.island_name], [labels["class"], word(labels.classes, p.risk_class)],
        [labels.score, p.score],
        [labels.stability, p.class_stability == null ? "" : labels.stability_text
          .replace("{cls}", word(labels.classes, p.risk_class))
          .replace("{share:.0%}", Math.round(100 * p.class_stability) + "%")],
        [labels.model, p.model_version], [labels.weights, p.weights_source], [labels.data_cutoff, p.data_cutoff],
      ])).openOn(tiles._map);
    });
  }

  window.PesisirMap = { init: init, segmentPopups: segmentPopups };
})();
