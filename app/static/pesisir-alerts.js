/* The alerts bell on the map (issue 14): the signed-in reader's alerts not yet acknowledged, from
   GET /api/v1/alerts with the page's own cookie. Everything is written as text (never as HTML). The bell stays
   hidden when the reader may not have alerts (401/403) or the request fails. */
(function () {
  "use strict";
  var ALERTS_URL = "/api/v1/alerts?acknowledged=false&limit=20";
  function describe(alert) {
    var p = alert.payload || {};
    if (p.segments) {
      return p.segments.map(function (s) { return s.id + ": " + s.previous_class + " \u2192 " + s.risk_class; }).join(", ");
    }
    if (p.incident) { return (p.incident.kind || "") + " #" + p.incident.id; }
    if (p.landing) { return (p.landing.harbour || "") + " #" + p.landing.id; }
    return alert.event;
  }

  // The bell's words in the map's language, from the message catalogue (alerts.*), put on the element by the map.
  function wordsOf(root) {
    try { return JSON.parse(root.getAttribute("data-words") || "{}"); } catch (e) { return {}; }
  }

  function render(root, page, lang) {
    var words = wordsOf(root);
    var rules = words.rules || {};
    var count = root.querySelector(".pesisir-alerts-count");
    var list = root.querySelector(".pesisir-alerts-list");
    count.textContent = page.unacknowledged > 0 ? String(page.unacknowledged) : "";
    while (list.firstChild) { list.removeChild(list.firstChild); }
    var head = document.createElement("strong");
    head.textContent = words.title;
    list.appendChild(head);
    if (!page.items.length) {
      var none = document.createElement("div");
      none.textContent = words.none;
      list.appendChild(none);
    }
    page.items.forEach(function (alert) {
      var row = document.createElement("div");
      row.className = "pesisir-alerts-item";
      var when = new Date(alert.created_at);
      // Shown in WIB (UTC+7), the harbours' and the coast guard's time, whatever the reader's device says.
      var shown = when.toLocaleString(lang === "en" ? "en-GB" : "id-ID", { timeZone: "Asia/Jakarta" }) + " WIB";
      row.textContent = shown + " \u2014 " +
        (rules[alert.rule] || alert.rule) + ": " + describe(alert);
      list.appendChild(row);
    });
    if (page.unacknowledged > page.items.length) {
      var more = document.createElement("div");
      more.textContent = "+" + (page.unacknowledged - page.items.length) + " " + words.more;
      list.appendChild(more);
    }
    root.hidden = false;
  }

  function refresh(root) {
    var lang = root.getAttribute("data-lang") || "id";
    fetch(ALERTS_URL, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (page) { render(root, page, lang); })
      .catch(function () { /* no bell for this reader, or the service is away: try again later */ });
  }

  function build(root) {
    var button = document.createElement("button");
    button.type = "button";
    button.setAttribute("aria-expanded", "false");
    // A bell drawn as SVG: an emoji needs a font the reader's device may lack.
    var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "16");
    svg.setAttribute("height", "16");
    svg.setAttribute("aria-hidden", "true");
    var bell = document.createElementNS("http://www.w3.org/2000/svg", "path");
    bell.setAttribute("d", "M12 22a2.5 2.5 0 0 0 2.5-2.5h-5A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.8V3a1.5 " +
      "1.5 0 0 0-3 0v1.2A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2z");
    bell.setAttribute("fill", "#333");
    svg.appendChild(bell);
    button.appendChild(svg);
    var count = document.createElement("span");
    count.className = "pesisir-alerts-count";
    button.appendChild(count);
    var list = document.createElement("div");
    list.className = "pesisir-alerts-list";
    list.hidden = true;
    root.appendChild(button);
    root.appendChild(list);
    return { button: button, list: list };
  }

  function init() {
    var root = document.getElementById("pesisir-alerts");
    if (!root) { return; }
    var parts = build(root);
    var button = parts.button;
    var list = parts.list;
    var words = wordsOf(root);
    button.setAttribute("aria-label", words.title);
    button.title = words.title;
    button.addEventListener("click", function () {
      list.hidden = !list.hidden;
      button.setAttribute("aria-expanded", String(!list.hidden));
    });
    refresh(root);
    window.setInterval(function () { refresh(root); }, 60000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
