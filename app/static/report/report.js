// The harbour post's reporting page (/report). Every report goes to an outbox in IndexedDB first, with a
// client_uuid and an Idempotency-Key made here on the device; the outbox is sent when the page opens, when the
// connection comes back (the "online" event), on "Send now" and every minute while reports wait. Each report is
// its own POST /api/v1/landings, so one refused report never holds back the others. No Background Sync.
(function () {
  "use strict";

  const STRINGS = window.PESISIR_REPORT_STRINGS;
  const WIB_MS = 7 * 3600 * 1000;
  const KALIANGET = [-7.0558, 113.9439];
  const FLAGS = ["off_harbour", "night", "no_manifest", "undocumented_foreigners", "transshipment", "ais_off",
    "evasive", "overcrowded"];
  const COUNTS = ["persons_aboard", "crew", "foreign_nationals"];
  const DAY_MS = 24 * 3600 * 1000;
  const WEEK_MS = 7 * DAY_MS;
  const KEEP_SENT_MS = WEEK_MS;
  const SEND_TIMEOUT_MS = 20000;
  const RETRY_MS = 60000;

  const form = document.getElementById("report-form");

  function newUuid() {
    // crypto.randomUUID exists in secure contexts only (HTTPS or localhost); the same version-4 UUID otherwise.
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  const $ = (id) => document.getElementById(id);

  // -- language ---------------------------------------------------------------------------------------------
  function pickLang() {
    const asked = new URLSearchParams(location.search).get("lang");
    if (asked === "en" || asked === "id") {
      localStorage.setItem("pesisir-lang", asked);
      return asked;
    }
    return localStorage.getItem("pesisir-lang") === "en" ? "en" : "id";
  }
  let lang = pickLang();

  function t(key, vars) {
    let s = STRINGS[lang][key];
    if (s === undefined) s = key;
    for (const [k, v] of Object.entries(vars || {})) s = s.split("{" + k + "}").join(String(v));
    return s;
  }

  function applyLang() {
    document.documentElement.lang = lang;
    document.title = "Pesisir: " + t("title");
    for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
    $("notes-hint").textContent = t("notes_hint", { max: form.elements.notes.maxLength });
    if (editing) $("save").textContent = t("save_fix");
    showNet();
    renderOutbox();
    renderRecent();
  }

  // -- times: shown and entered in WIB by default -------------------------------------------------------------
  function nowLocal(offsetMs) {
    return new Date(Date.now() + offsetMs).toISOString().slice(0, 16);
  }

  function wib(iso) {
    const d = new Date(new Date(iso).getTime() + WIB_MS).toISOString();
    return `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(0, 4)} ${d.slice(11, 16)} WIB`;
  }

  // -- IndexedDB: the outbox and a few things kept for offline use --------------------------------------------
  const dbReady = new Promise((resolve, reject) => {
    const open = indexedDB.open("pesisir-report", 1);
    open.onupgradeneeded = () => {
      open.result.createObjectStore("outbox", { keyPath: "client_uuid" });
      open.result.createObjectStore("meta");
    };
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });

  function store(name, mode, work) {
    return dbReady.then((db) => new Promise((resolve, reject) => {
      const tx = db.transaction(name, mode);
      const request = work(tx.objectStore(name));
      tx.oncomplete = () => resolve(request ? request.result : undefined);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    }));
  }
  const outbox = {
    all: () => store("outbox", "readonly", (s) => s.getAll()),
    get: (id) => store("outbox", "readonly", (s) => s.get(id)),
    put: (record) => store("outbox", "readwrite", (s) => s.put(record)),
    remove: (id) => store("outbox", "readwrite", (s) => s.delete(id)),
  };
  const meta = {
    get: (key) => store("meta", "readonly", (s) => s.get(key)),
    put: (key, value) => store("meta", "readwrite", (s) => s.put(value, key)),
  };

  // -- the form ---------------------------------------------------------------------------------------------
  let editing = null; // the client_uuid of the failed report being fixed
  let records = [];
  let recent = null;
  const placeNames = {};

  function buildFlags() {
    const box = $("flags");
    for (const flag of FLAGS) {
      const label = document.createElement("label");
      label.className = "check";
      const input = document.createElement("input");
      input.type = "checkbox";
      input.name = "flag";
      input.value = flag;
      const span = document.createElement("span");
      span.dataset.t = "fl_" + flag;
      label.append(input, " ", span);
      box.append(label);
    }
  }

  function readForm() {
    const f = form.elements;
    const values = {};
    for (const name of ["observed", "tz", "direction", "lat", "lon", "precision", "vessel_name", "vessel_type",
      "persons_aboard", "crew", "foreign_nationals", "origin_place", "origin", "harbour", "notes"]) {
      values[name] = f[name].value.trim();
    }
    values.flags = [...form.querySelectorAll("input[name=flag]:checked")].map((i) => i.value);
    return values;
  }

  function fillForm(values) {
    const f = form.elements;
    for (const [name, value] of Object.entries(values)) {
      if (name === "flags") {
        for (const box of form.querySelectorAll("input[name=flag]")) box.checked = value.includes(box.value);
      } else if (f[name]) {
        if (name === "origin_place" && value && !f[name].querySelector(`option[value="${CSS.escape(value)}"]`)) {
          f[name].append(new Option(value, value));
        }
        f[name].value = value;
      }
    }
    checkSwap();
  }

  function resetForm() {
    const keep = { tz: form.elements.tz.value, direction: form.elements.direction.value };
    form.reset();
    fillForm({ ...keep, observed: nowLocal(WIB_MS), precision: "50", flags: [] });
  }

  const number = (s) => (s === "" ? NaN : Number(s.replace(",", ".")));

  function looksSwapped(lat, lon) {
    // A latitude beyond 90 is a longitude; on this coast latitudes lie near -7 and longitudes near 114.
    return Math.abs(lat) > 90 && Math.abs(lon) <= 90;
  }

  function checkSwap() {
    const lat = number(form.elements.lat.value);
    const lon = number(form.elements.lon.value);
    $("swap-warning").hidden = !(Number.isFinite(lat) && Number.isFinite(lon) && looksSwapped(lat, lon));
    if (pickMarker && Number.isFinite(lat) && Number.isFinite(lon) && !looksSwapped(lat, lon)) {
      pickMarker.setLatLng([lat, lon]);
    }
  }

  function validate(v) {
    const lat = number(v.lat);
    const lon = number(v.lon);
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?$/.test(v.observed)) return t("err_time");
    if (!Number.isFinite(lat) || !Number.isFinite(lon)) return t("err_position");
    if (looksSwapped(lat, lon)) return t("err_swapped");
    if (Math.abs(lat) > 90) return t("err_lat");
    if (Math.abs(lon) > 180) return t("err_lon");
    const precision = number(v.precision || "50");
    if (!(precision > 0)) return t("err_precision");
    for (const name of COUNTS) {
      if (v[name] !== "" && !/^\d+$/.test(v[name])) return t("err_count", { field: t(name) });
    }
    return null;
  }

  function toBody(uuid, v) {
    const observed = v.observed.length === 16 ? v.observed + ":00" : v.observed;
    const body = {
      client_uuid: uuid,
      location: { type: "Point", coordinates: [number(v.lon), number(v.lat)] },
      precision_m: number(v.precision || "50"),
      observed_start: observed + v.tz,
      direction: v.direction,
      suspicion_flags: v.flags,
    };
    for (const name of ["vessel_name", "vessel_type", "origin_place", "origin", "harbour", "notes"]) {
      if (v[name]) body[name] = v[name];
    }
    for (const name of COUNTS) if (v[name] !== "") body[name] = parseInt(v[name], 10);
    return body;
  }

  async function save() {
    const values = readForm();
    const problem = validate(values);
    $("form-error").hidden = !problem;
    $("form-error").textContent = problem || "";
    if (problem) return null;
    const now = Date.now();
    let record;
    if (editing) {
      const old = await outbox.get(editing);
      // Same client_uuid, so a report the server did store is never stored twice; a new one only when the
      // server said the client_uuid itself is the problem.
      const uuid = /client_uuid/.test(old.reason || "") ? newUuid() : old.client_uuid;
      const body = toBody(uuid, values);
      // A changed body needs a new Idempotency-Key (the server refuses a key reused with another body).
      const sameBody = JSON.stringify(body) === JSON.stringify(old.body);
      record = { ...old, client_uuid: uuid, body, form: values, status: "queued", reason: null, updated: now,
        key: sameBody && uuid === old.client_uuid ? old.key : newUuid() };
      if (uuid !== old.client_uuid) await outbox.remove(old.client_uuid);
      stopEditing();
    } else {
      const uuid = newUuid();
      record = { client_uuid: uuid, key: newUuid(), body: toBody(uuid, values), form: values,
        status: "queued", reason: null, landing_id: null, created: now, updated: now };
    }
    await outbox.put(record);
    resetForm();
    $("form-error").hidden = false;
    $("form-error").textContent = t("saved");
    await loadOutbox();
    flush();
    return record.client_uuid;
  }

  function startEditing(record) {
    editing = record.client_uuid;
    fillForm(record.form);
    $("editing").hidden = false;
    $("editing").textContent = t("editing", { reason: record.reason || "" });
    $("form-title").textContent = t("edit_report");
    $("save").textContent = t("save_fix");
    $("cancel-edit").hidden = false;
    form.scrollIntoView();
  }

  function stopEditing() {
    editing = null;
    $("editing").hidden = true;
    $("form-title").textContent = t("new_report");
    $("save").textContent = t("save");
    $("cancel-edit").hidden = true;
  }

  // -- position: GPS, typed, or picked on the map ------------------------------------------------------------
  function useGps() {
    if (!("geolocation" in navigator)) {
      $("gps-status").textContent = t("gps_missing");
      return;
    }
    $("gps-status").textContent = t("gps_wait");
    navigator.geolocation.getCurrentPosition(
      (p) => {
        fillForm({
          lat: p.coords.latitude.toFixed(6),
          lon: p.coords.longitude.toFixed(6),
          precision: String(Math.max(1, Math.round(p.coords.accuracy))),
        });
        $("gps-status").textContent = t("gps_ok", { m: Math.round(p.coords.accuracy) });
      },
      (e) => { $("gps-status").textContent = t("gps_failed", { reason: e.message || e.code }); },
      { enableHighAccuracy: true, timeout: 30000, maximumAge: 60000 },
    );
  }

  let pickMap = null;
  let pickMarker = null;

  async function togglePick() {
    const box = $("pick-map");
    box.hidden = !box.hidden;
    if (box.hidden || pickMap || !window.L) return;
    const lat = number(form.elements.lat.value);
    const lon = number(form.elements.lon.value);
    const here = Number.isFinite(lat) && Number.isFinite(lon) && !looksSwapped(lat, lon) ? [lat, lon] : KALIANGET;
    pickMap = L.map(box, { attributionControl: false }).setView(here, 10);
    const islands = await cachedJson("/api/v1/islands", "islands", WEEK_MS);
    if (islands) {
      L.geoJSON(islands, { interactive: false, style: { color: "#6b7f5a", weight: 1, fillColor: "#dfe8d0", fillOpacity: 1 } })
        .addTo(pickMap);
    }
    pickMarker = L.marker(here).addTo(pickMap);
    pickMap.on("click", (e) => {
      pickMarker.setLatLng(e.latlng);
      fillForm({ lat: e.latlng.lat.toFixed(5), lon: e.latlng.lng.toFixed(5) });
      $("gps-status").textContent = t("map_hint");
    });
    $("gps-status").textContent = t("map_hint");
  }

  // -- talking to the service --------------------------------------------------------------------------------
  function detailText(body, status) {
    const detail = body && body.detail;
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) {
      return detail.map((e) => `${(e.loc || []).filter((p) => p !== "body").join(".")}: ${e.msg}`).join("; ");
    }
    return t("err_server", { status });
  }

  async function cachedJson(url, key, maxAgeMs) {
    // Read with the session cookie (reads only); kept in IndexedDB for when there is no connection, and not
    // asked again while the kept copy is younger than maxAgeMs (a weak signal is better spent on reports).
    const young = await meta.get(key);
    if (young && maxAgeMs && Date.now() - young.at < maxAgeMs) return young.body;
    try {
      const response = await fetch(url, { cache: "no-store" });
      if (response.ok) {
        const body = await response.json();
        await meta.put(key, { at: Date.now(), body });
        return body;
      }
      if (response.status === 401) showSignIn(true);
    } catch (e) { /* offline: the kept copy */ }
    const kept = await meta.get(key);
    return kept ? kept.body : null;
  }

  let token = null;

  async function getToken(force) {
    if (token && !force && token.until > Date.now()) return token.value;
    let response;
    try {
      response = await fetch("/report/token", { cache: "no-store" });
    } catch (e) {
      return null; // offline: the reports wait
    }
    if (response.status === 401 || response.status === 403) {
      showSignIn(true);
      return null;
    }
    const body = response.ok ? await response.json().catch(() => null) : null;
    if (!body || !body.access_token) return null; // not the service answering (a captive portal): wait
    showSignIn(false);
    token = { value: body.access_token, until: Date.now() + (body.expires_in - 30) * 1000 };
    await meta.put("who", { username: body.username, role: body.role, harbour: body.harbour });
    showWho();
    return token.value;
  }

  async function post(record, bearer) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), SEND_TIMEOUT_MS);
    let response;
    let body = null;
    try {
      response = await fetch("/api/v1/landings", {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Authorization: "Bearer " + bearer,
          "Idempotency-Key": record.key,
          "Accept-Language": lang, // the service's reasons in the page's language
        },
        body: JSON.stringify(record.body),
        signal: abort.signal,
      });
      body = await response.json().catch(() => null);
    } catch (e) {
      return "offline"; // no answer: it stays queued and goes again later with the same key
    } finally {
      clearTimeout(timer);
    }
    if (response.status === 401) return "unauthorized";
    const fresh = await outbox.get(record.client_uuid);
    if (!fresh || fresh.key !== record.key) return "changed"; // fixed while it was on its way
    if (response.status === 200 || response.status === 201) {
      // Only the expected JSON (this report's landing) means "sent": a captive portal's 200 page does not
      // (docs/RELIABILITY.md DL-13).
      if (!body || body.client_uuid !== fresh.client_uuid || !Number.isInteger(body.id)) {
        fresh.reason = t("err_unexpected", { status: response.status });
        await outbox.put(fresh);
        return "busy";
      }
      Object.assign(fresh, { status: "sent", reason: null, landing_id: body.id, sent: Date.now() });
    } else if ([429, 502, 503, 504].includes(response.status) || (response.status === 409 && /processed/.test(
      detailText(body, response.status)))) {
      // The service is busy or out of reach for now: it stays queued and goes again with the same key.
      fresh.reason = `${detailText(body, response.status)} (${response.status})`;
      await outbox.put(fresh);
      return "busy";
    } else {
      Object.assign(fresh, { status: "failed", reason: `${detailText(body, response.status)} (${response.status})` });
    }
    fresh.updated = Date.now();
    await outbox.put(fresh);
    return fresh.status;
  }

  let flushing = null;
  let flushAgain = false;

  function flush() {
    if (flushing) {
      flushAgain = true;
      return flushing;
    }
    flushing = (async () => {
      do {
        flushAgain = false;
        await sendQueued();
      } while (flushAgain);
    })().finally(() => {
      flushing = null;
    });
    return flushing;
  }

  async function sendQueued() {
    const queued = (await outbox.all()).filter((r) => r.status === "queued").sort((a, b) => a.created - b.created);
    if (!queued.length) return;
    let bearer = await getToken(false);
    if (!bearer) return;
    let sentAny = false;
    for (const record of queued) {
      let outcome = await post(record, bearer);
      if (outcome === "unauthorized") {
        bearer = await getToken(true);
        if (!bearer) break;
        outcome = await post(record, bearer);
        if (outcome === "unauthorized") {
          showSignIn(true);
          break;
        }
      }
      if (outcome === "offline" || outcome === "busy") break;
      sentAny = sentAny || outcome === "sent";
      await loadOutbox();
    }
    await loadOutbox();
    if (sentAny) loadRecent();
  }

  // -- what the page shows -----------------------------------------------------------------------------------
  function showNet() {
    const net = $("net");
    net.dataset.online = String(navigator.onLine);
    net.textContent = navigator.onLine ? t("online") : t("offline");
  }

  function showSignIn(needed) {
    $("auth-banner").hidden = !needed;
  }

  async function showWho() {
    const who = await meta.get("who");
    if (!who) return;
    $("who").textContent = who.harbour ? `${who.username} · ${who.harbour}` : who.username;
    $("harbour-field").hidden = Boolean(who.harbour);
    const link = document.querySelector("#auth-banner a");
    link.href = "/login?next=/report" + (lang === "en" ? "&lang=en" : "");
  }

  async function loadOutbox() {
    const all = await outbox.all();
    const now = Date.now();
    records = [];
    for (const r of all) {
      if (r.status === "sent" && now - (r.sent || r.updated) > KEEP_SENT_MS) await outbox.remove(r.client_uuid);
      else records.push(r);
    }
    records.sort((a, b) => b.created - a.created);
    renderOutbox();
  }

  function button(key, action) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = t(key);
    b.dataset.action = key;
    b.addEventListener("click", action);
    return b;
  }

  function renderOutbox() {
    const list = $("outbox");
    const counts = { queued: 0, sent: 0, failed: 0 };
    list.replaceChildren(...records.map((r) => {
      counts[r.status] += 1;
      const li = document.createElement("li");
      li.dataset.uuid = r.client_uuid;
      li.dataset.status = r.status;
      const status = document.createElement("span");
      status.className = "status st-" + r.status;
      status.textContent = t("st_" + r.status);
      const what = document.createElement("span");
      const persons = r.body.persons_aboard !== undefined ? ", " + t("persons_short", { n: r.body.persons_aboard }) : "";
      what.textContent = ` ${wib(r.body.observed_start)} · ${r.body.vessel_name || t("no_vessel")}${persons}`;
      li.append(status, what);
      if (r.status === "sent" && r.landing_id) {
        const id = document.createElement("span");
        id.className = "hint";
        id.textContent = " · " + t("landing_no", { id: r.landing_id });
        li.append(id);
      }
      if (r.reason) {
        const reason = document.createElement("p");
        reason.className = "reason";
        reason.textContent = r.reason;
        li.append(reason);
      }
      if (r.status === "failed") {
        li.append(button("fix", () => startEditing(r)), " ", button("resend", () => resend(r.client_uuid)));
      }
      return li;
    }));
    $("outbox-summary").textContent = t("outbox_summary", counts);
  }

  async function resend(uuid) {
    const record = await outbox.get(uuid);
    if (!record) return;
    // The same body under the same key, unless the server refused the key itself.
    if (/Idempotency-Key/.test(record.reason || "")) record.key = newUuid();
    Object.assign(record, { status: "queued", reason: null, updated: Date.now() });
    await outbox.put(record);
    await loadOutbox();
    return flush();
  }

  async function loadRecent() {
    let listed = null;
    let error = null;
    try {
      const response = await fetch("/api/v1/landings?limit=20", { cache: "no-store" });
      const body = await response.json().catch(() => null);
      if (response.ok) {
        listed = { at: Date.now(), items: body.items, live: true };
        await meta.put("recent", listed);
      } else {
        if (response.status === 401) showSignIn(true);
        error = `${detailText(body, response.status)} (${response.status})`;
      }
    } catch (e) {
      error = t("err_network");
    }
    if (!listed) {
      const kept = await meta.get("recent");
      listed = kept ? { ...kept, live: false } : { items: null, live: false, error };
    }
    recent = listed;
    renderRecent();
  }

  function renderRecent() {
    if (!recent) return;
    const status = $("recent-status");
    if (!recent.items) status.textContent = t("recent_failed", { reason: recent.error || t("err_network") });
    else if (!recent.live) status.textContent = t("recent_offline", { when: wib(new Date(recent.at).toISOString()) });
    else status.textContent = recent.items.length ? "" : t("recent_none");
    $("recent").replaceChildren(...(recent.items || []).map((l) => {
      const li = document.createElement("li");
      li.dataset.id = l.id;
      const when = document.createElement("strong");
      when.textContent = wib(l.observed_start);
      const parts = [l.vessel_name || t("no_vessel")];
      if (l.vessel_type) parts.push(t("vt_" + l.vessel_type));
      if (l.persons_aboard !== null) parts.push(t("persons_short", { n: l.persons_aboard }));
      if (l.origin_place) parts.push(placeNames[l.origin_place] || l.origin_place);
      parts.push(t("rs_" + l.review_state));
      li.append(when, " " + parts.join(" · "));
      if (l.suspicious) li.classList.add("suspicious");
      return li;
    }));
  }

  async function loadPlaces() {
    const places = await cachedJson("/api/v1/places", "places", DAY_MS);
    const select = form.elements.origin_place;
    if (!places) {
      $("gps-status").textContent = t("places_unavailable");
      return;
    }
    const chosen = select.value;
    for (const f of places.features) placeNames[f.properties.slug] = f.properties.name;
    renderRecent();
    const options = places.features
      .map((f) => f.properties)
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((p) => new Option(`${p.name} (${p.province})`, p.slug));
    select.replaceChildren(select.options[0], ...options);
    select.value = chosen;
  }

  // -- start -------------------------------------------------------------------------------------------------
  buildFlags();
  resetForm();
  applyLang();
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    api.lastSave = save();
  });
  form.elements.lat.addEventListener("input", checkSwap);
  form.elements.lon.addEventListener("input", checkSwap);
  $("swap").addEventListener("click", () => {
    fillForm({ lat: form.elements.lon.value, lon: form.elements.lat.value });
  });
  $("gps").addEventListener("click", useGps);
  $("pick").addEventListener("click", togglePick);
  $("cancel-edit").addEventListener("click", () => { stopEditing(); resetForm(); });
  $("send-now").addEventListener("click", () => flush());
  $("lang-switch").addEventListener("click", () => {
    lang = lang === "en" ? "id" : "en";
    localStorage.setItem("pesisir-lang", lang);
    const url = new URL(location.href);
    url.searchParams.set("lang", lang);
    history.replaceState(null, "", url);
    applyLang();
    showWho();
  });
  window.addEventListener("online", () => { showNet(); flush(); loadRecent(); });
  window.addEventListener("offline", showNet);
  setInterval(() => { if (navigator.onLine) flush(); }, RETRY_MS);

  const ready = (async () => {
    if ("serviceWorker" in navigator) {
      try {
        await navigator.serviceWorker.register("/report/sw.js", { scope: "/report" });
        await navigator.serviceWorker.ready;
        if (!navigator.serviceWorker.controller) {
          await new Promise((resolve) => navigator.serviceWorker.addEventListener("controllerchange", resolve));
        }
      } catch (e) {
        console.warn("no offline copy of the page:", e);
      }
    }
  })();

  // The page's own interface, for tests and for a person's console: fill() then submit() goes through the
  // form's submit event, the same path as the Save button.
  const api = {
    ready,
    lastSave: Promise.resolve(null),
    fill: fillForm,
    submit() {
      form.requestSubmit();
      return api.lastSave;
    },
    flush,
    outbox: () => outbox.all(),
    looksSwapped,
  };
  window.pesisirReport = api;

  const opened = (async () => {
    await loadOutbox();
    await showWho();
    // The islands too, for the map pick with no connection.
    const islands = cachedJson("/api/v1/islands", "islands", WEEK_MS);
    await Promise.all([loadPlaces(), loadRecent(), getToken(false), islands]);
    await flush();
  })();
  api.opened = opened;
})();
