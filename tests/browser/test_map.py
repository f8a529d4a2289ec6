"""The map as a person sees it: after signing in on the login form, it renders in headless Chromium with no
internet and no console errors, stays small, and nothing a user typed into a report runs in the browser."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import create_engine, text

from tests.browser.conftest import ARTIFACTS
from tests.fixtures_db import LIVE_USER, PASSWORD

MAX_HTML_BYTES = 3 * 1024 * 1024

# Script and event-handler payloads for every context the text could land in: HTML, attributes, JavaScript
# strings and template literals, and the JSON data island.
PAYLOADS = [
    '<img src=x onerror="window.__pwned=1">',
    "</script><script>window.__pwned=1</script>",
    "\"'><svg onload=window.__pwned=1>",
    "${window.__pwned=1}`;window.__pwned=1;//",
    "javascript:window.__pwned=1",
]


def sign_in(page, live_url, target):
    """Through the login form, as a person does: an anonymous visit is sent to /login, which comes back."""
    page.goto(f"{live_url}{target}")
    assert page.url.startswith(f"{live_url}/login?next=")
    page.fill("input[name=username]", LIVE_USER)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")


def _watch(page, live_url):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"{m.text} {m.location}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (errors.append(f"dialog: {d.message}"), d.dismiss()))
    external: list[str] = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith((live_url, "data:")) else None)
    return errors, external


def test_map_renders_offline_small_and_without_console_errors(live_url, browser):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors, external = _watch(page, live_url)

    sign_in(page, live_url, "/map")
    response = page.goto(f"{live_url}/map", wait_until="networkidle")
    assert response is not None and response.ok
    assert len(response.body()) <= MAX_HTML_BYTES, len(response.body())
    page.wait_for_selector(".leaflet-control-layers")
    page.wait_for_selector("#time-slider")

    assert errors == []
    assert external == []  # everything the map needs comes from Pesisir itself
    labels = page.locator(".leaflet-control-layers label").all_inner_texts()
    for name in ("Pulau", "Pelabuhan", "Risiko pendaratan (tahunan)", "Kejadian", "Pendaratan"):
        assert any(name in t for t in labels), (name, labels)
    assert page.locator("#risk-legend").inner_text().startswith("Risiko pendaratan")
    assert page.locator(".marker-cluster").count() > 0  # incidents and landings are clustered
    assert page.locator("path.leaflet-interactive").count() > 0 or page.locator("canvas").count() > 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map.png"))


def test_english_labels_and_time_window(live_url, browser):
    page = browser.new_page()
    errors, _ = _watch(page, live_url)
    sign_in(page, live_url, "/map")
    page.goto(f"{live_url}/map?lang=en&risk=tppo&from=2024-01-01&to=2024-12-31", wait_until="networkidle")
    page.wait_for_selector("#time-slider")
    labels = page.locator(".leaflet-control-layers label").all_inner_texts()
    assert any("Islands" in t for t in labels) and any("Risk TPPO (annual)" in t for t in labels)
    months = page.evaluate("() => window.pesisirLayers.flatMap(l => l.entries.map(e => e.month)).sort()")
    assert months and months[0] >= "2023-12" and months[-1] <= "2024-12"  # windows overlapping 2024 only
    shown = page.evaluate("() => window.pesisirLayers.map(l => l.group.getLayers().length)")
    page.fill("#time-slider-from", "3")  # the slider narrows what is drawn, without a reload
    page.dispatch_event("#time-slider-from", "input")
    narrowed = page.evaluate("() => window.pesisirLayers.map(l => l.group.getLayers().length)")
    assert sum(narrowed) < sum(shown)
    assert errors == []
    bad = page.goto(f"{live_url}/map?from=2024-05-01&to=2024-01-01")
    assert bad is not None and bad.status == 400 and "to: must not be before from" in bad.text()


@pytest.fixture
def payload_reports(cluster, live_url):
    """Stores landings and incidents whose every text field holds a payload, in the live server's database."""
    engine = create_engine(cluster.url("pesisir_browser"))
    ids = []
    with engine.begin() as c:
        for i, p in enumerate(PAYLOADS):
            lon, lat = 114.30 + i * 0.01, -7.13
            c.execute(
                text(
                    "INSERT INTO landings (client_uuid, geom, precision_m, observed_start, observed_end, "
                    "direction, vessel_name, vessel_registration, origin, suspicion_flags, review_state, "
                    "review_reason) VALUES (:u, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 20, "
                    "'2025-06-01T00:00Z', '2025-06-01T01:00Z', 'arrival', :p1, 'XSS-1', :p2, ARRAY['off_harbour'], "
                    "'reported', :p3)"
                ),
                {"u": str(uuid.uuid4()), "lon": lon, "lat": lat, "p1": p[:120], "p2": p[:120], "p3": p},
            )
            ids.append(
                c.execute(
                    text(
                        "INSERT INTO incidents (kind, occurred_start, occurred_end, geom, precision_m, source, "
                        "narrative, review_reason) VALUES ('tppo', '2025-06-01T00:00Z', '2025-06-01T01:00Z', "
                        "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 50, :p1, :p2, :p3) RETURNING id"
                    ),
                    {"lon": lon, "lat": lat - 0.01, "p1": p, "p2": p, "p3": p},
                ).scalar_one()
            )
    yield
    with engine.begin() as c:
        c.execute(text("DELETE FROM landings WHERE vessel_registration = 'XSS-1'"))
        c.execute(text("DELETE FROM incidents WHERE id = ANY(:ids)"), {"ids": ids})
    engine.dispose()


def test_text_typed_into_reports_never_runs(live_url, browser, payload_reports):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors, _ = _watch(page, live_url)
    sign_in(page, live_url, "/map")
    page.goto(f"{live_url}/map", wait_until="networkidle")
    page.wait_for_selector("#time-slider")
    # Open the popup of every report that carries a payload: the popups are where the text is written.
    opened = page.evaluate(
        """async () => {
          const texts = [];
          for (const layer of window.pesisirLayers) {
            for (const e of layer.entries) {
              if (!e.item.some(v => typeof v === "string" && v.includes("__pwned"))) continue;
              await new Promise(done => layer.group.zoomToShowLayer(e.marker, done));
              e.marker.openPopup();
              await new Promise(done => setTimeout(done, 50));
              texts.push(document.querySelector(".leaflet-popup-content").textContent);
              e.marker.closePopup();
            }
          }
          return texts;
        }"""
    )
    assert len(opened) == 2 * len(PAYLOADS)  # each payload's landing and incident
    for p in PAYLOADS:
        assert any(p[:120] in t for t in opened), p  # shown as text, character for character
    assert page.evaluate("() => window.__pwned") is None
    assert errors == []


def test_a_large_coast_comes_as_vector_tiles(live_url, browser, monkeypatch):
    from app.services import maps

    monkeypatch.setattr(maps, "SEGMENT_GEOJSON_LIMIT", 100)  # Sumenep's ~2,000 segments count as "large"
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    errors, external = _watch(page, live_url)
    tiles: list[int] = []
    page.on("response", lambda r: tiles.append(r.status) if "/tiles/segments/" in r.url else None)
    sign_in(page, live_url, "/map?season=annual")
    page.wait_for_load_state("networkidle")
    page.wait_for_selector("#risk-legend")
    assert errors == [] and external == []
    assert tiles and set(tiles) <= {200, 204} and 200 in tiles  # drawn from /tiles, not from the page
    labels = page.locator(".leaflet-control-layers label").all_inner_texts()
    assert any("Risiko pendaratan (tahunan)" in t for t in labels)
    # A click on a tiled segment opens its popup, headed by the segment's id.
    page.locator(".leaflet-tile-container svg path.leaflet-interactive").first.dispatch_event("click")
    popup = page.wait_for_selector(".leaflet-popup-content").text_content() or ""
    assert re.match(r"Segmen \S+", popup), popup
    assert errors == []
