"""The map reads at a glance, on a laptop and on a phone: OpenStreetMap credited, a metric scale only, one legend
that is a Leaflet control with a key for every symbol and covers neither the scale nor the time slider, colours
that cannot be taken for the risk scale, a first view on the main islands with the far ones a button away, popups
in words, the language kept through the sign-in, a sign-out that closes the map, and a page sent compressed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from app.db.session import unit_of_work
from app.services import maps
from app.services import users as user_service
from geo.maps import RISK_COLOURS, labels
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_map import _watch, sign_in
from tests.fixtures_db import LIVE_USER, PASSWORD

LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
MASALEMBU = (-5.56, 114.42)
MADURA = (-7.0, 113.85)  # Sumenep's part of Madura
KANGEAN = (-6.92, 115.27)


def _box(page, selector: str) -> dict[str, float]:
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not on the page"
    return box


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def _shows(page, lat: float, lon: float) -> bool:
    return page.evaluate(
        """([lat, lon]) => {
          const map = window[Object.keys(window).find(k => k.startsWith("map_"))];
          return map.getBounds().contains([lat, lon]);
        }""",
        [lat, lon],
    )


def _open_map(browser, live_url, viewport, target="/map"):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport=viewport)
    errors, external = _watch(page, live_url)
    sign_in(page, live_url, target)
    page.wait_for_load_state("networkidle")
    page.wait_for_selector("#time-slider")
    page.wait_for_selector("#map-legend")
    return page, errors, external


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1280x800", "390x844"])
def test_credit_scale_and_a_legend_that_covers_nothing(live_url, browser, viewport):
    page, errors, external = _open_map(browser, live_url, viewport)
    phone = viewport is PHONE

    # OpenStreetMap credited for the islands, with a link to its copyright page.
    credit = page.locator(".leaflet-control-attribution")
    assert "© OpenStreetMap contributors" in credit.inner_text()
    assert credit.locator("a[href='https://www.openstreetmap.org/copyright']").count() == 1

    # One scale line, in metres or kilometres: no miles, no feet.
    scales = page.locator(".leaflet-control-scale-line").all_inner_texts()
    assert len(scales) == 1 and scales[0].split()[-1] in ("m", "km"), scales
    assert not any(unit in scales[0].split() for unit in ("mi", "ft"))

    # The legend is a Leaflet control in a control corner, not a box fixed over the map.
    legend = page.locator("#map-legend")
    assert "leaflet-control" in (legend.get_attribute("class") or "")
    assert page.locator(".leaflet-control-container .leaflet-bottom.leaflet-right #map-legend").count() == 1
    assert page.eval_on_selector("#map-legend", "e => getComputedStyle(e).position") != "fixed"
    # Folded to its title on a phone; open on a laptop. Covering nothing either way, and once unfolded on the phone.
    assert page.is_visible("#legend-body") is not phone
    states = ["folded" if phone else "open"]
    for state in states + (["open"] if phone else []):
        if state == "open" and phone:
            page.click("#legend-toggle")
            assert page.is_visible("#legend-body")
        legend_box = _box(page, "#map-legend")
        for other in (".leaflet-control-scale", "#time-slider", ".leaflet-control-layers", "#sign-out", "#route-tool"):
            assert not _overlap(legend_box, _box(page, other)), (state, other, legend_box, _box(page, other))
        assert not _overlap(_box(page, "#time-slider"), _box(page, ".leaflet-control-scale"))
        page.screenshot(path=str(ARTIFACTS / f"map-reading-{viewport['width']}-{state}.png"))
    if phone:
        # The controls that would cover the map start folded: the layers to their button, the route tool.
        assert not page.is_visible(".leaflet-control-layers-list")
        assert not page.is_visible("#route-submit")
    assert errors == [] and external == []


def test_a_key_for_every_symbol_in_colours_apart_from_the_risk_scale(live_url, browser):
    page, errors, _ = _open_map(browser, live_url, LAPTOP)
    words = labels("id")
    legend = page.locator("#map-legend").inner_text()
    expected = [
        *words["classes"].values(),
        *words["kinds"].values(),
        *words["review_states"].values(),
        words["landing_normal"],
        words["suspicious_landing"],
        words["clusters"],
        words["cluster_text"],
        words["harbours"],
        *words["island_kinds"].values(),
    ]
    for text in expected:
        assert text in legend, text
    assert page.locator("#risk-legend").inner_text().startswith("Risiko pendaratan (tahunan)")

    risk = {c.lower() for c in RISK_COLOURS.values()}
    landing_colours = page.evaluate(
        """() => window.pesisirLayers[1].entries.map(e => [e.item[4], e.marker.options.color])"""
    )
    assert {suspicious for suspicious, _ in landing_colours} == {True, False}
    assert not {c.lower() for _, c in landing_colours} & risk  # no landing in a risk class's colour
    assert len({c for s, c in landing_colours if s} | {c for s, c in landing_colours if not s}) == 2
    # Cluster bubbles: neutral grey and indigo, not markercluster's green, yellow and orange.
    bubbles = page.evaluate(
        """() => [...document.querySelectorAll(".marker-cluster")].map(e => getComputedStyle(e.firstElementChild)
              .backgroundColor)"""
    )
    assert bubbles and set(bubbles) <= {"rgba(90, 90, 90, 0.85)", "rgba(63, 81, 181, 0.85)"}, set(bubbles)
    assert errors == []


def test_the_first_view_is_the_main_islands_and_the_far_ones_a_button_away(live_url, browser):
    page, errors, _ = _open_map(browser, live_url, LAPTOP)
    assert _shows(page, *MADURA) and not _shows(page, *MASALEMBU)
    page.click("#view-masalembu")
    page.wait_for_timeout(400)  # the map's fit animation
    assert _shows(page, *MASALEMBU) and not _shows(page, *MADURA)
    page.click("#view-kangean")
    page.wait_for_timeout(400)
    assert _shows(page, *KANGEAN) and not _shows(page, *MASALEMBU)
    page.click("#view-all")
    page.wait_for_timeout(400)
    assert all(_shows(page, *p) for p in (MADURA, MASALEMBU, KANGEAN))
    page.click("#view-main")
    page.wait_for_timeout(400)
    assert _shows(page, *MADURA) and not _shows(page, *MASALEMBU)
    assert errors == []


def test_popups_speak_words_not_codes(live_url, browser):
    page, errors, _ = _open_map(browser, live_url, LAPTOP, "/map?lang=en")
    words = labels("en")
    texts = page.evaluate(
        """async () => {
          const out = {};
          for (const [name, layer, pick] of [
              ["landing", window.pesisirLayers[1], e => e.item[8] && e.item[8].length > 0],
              ["incident", window.pesisirLayers[0], e => true]]) {
            const e = layer.entries.find(pick);
            await new Promise(done => layer.group.zoomToShowLayer(e.marker, done));
            e.marker.openPopup();
            await new Promise(done => setTimeout(done, 50));
            out[name] = {text: e.marker.getPopup().getElement().textContent, item: e.item};
            e.marker.closePopup();
          }
          return out;
        }"""
    )
    landing = texts["landing"]
    for flag in landing["item"][8]:
        assert words["flag_words"][flag] in landing["text"], (flag, landing["text"])
        assert flag not in landing["text"].replace(words["flag_words"][flag], "")
    assert words["review_states"][landing["item"][9]] in landing["text"]
    incident = texts["incident"]
    assert words["review_states"][incident["item"][5]] in incident["text"]
    assert words["kinds"][incident["item"][3]] in incident["text"]
    assert errors == []


def test_the_language_survives_the_sign_in(live_url, browser):
    page = browser.new_page(viewport=LAPTOP)
    errors, _ = _watch(page, live_url)
    page.goto(f"{live_url}/map?lang=en&risk=tppo&tiles=false")
    assert page.url.startswith(f"{live_url}/login?")
    assert page.get_attribute("html", "lang") == "en" and page.inner_text("button[type=submit]") == "Sign in"
    page.fill("input[name=username]", LIVE_USER)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url == f"{live_url}/map?lang=en&risk=tppo&tiles=false"
    page.wait_for_selector("#map-legend")
    assert page.locator("#risk-legend").inner_text().startswith("Risk TPPO (annual)")
    assert page.inner_text("#legend-toggle").endswith("Legend") and page.inner_text("#sign-out-button") == "Sign out"
    assert errors == []


@pytest.fixture
def signout_user(cluster, live_url) -> Iterator[str]:
    """An intelligence officer of the live server's own, so that signing out (which ends every session of that
    user) leaves LIVE_USER's sessions in other tests alone."""
    engine = create_engine(cluster.url("pesisir_browser"))
    name = f"live-signout-{uuid.uuid4().hex[:8]}"
    with unit_of_work(sessionmaker(engine)) as s:
        user_service.create_user(s, username=name, role="intelligence", harbour=None, password=PASSWORD)
    yield name
    engine.dispose()


def test_sign_out_returns_to_the_login_and_closes_the_map(live_url, browser, signout_user):
    page = browser.new_page(viewport=LAPTOP)
    errors, _ = _watch(page, live_url)
    page.goto(f"{live_url}/map?lang=en")
    page.fill("input[name=username]", signout_user)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.wait_for_selector("#sign-out-button")
    cookie = next(c for c in page.context.cookies() if c["name"] == "pesisir_token")
    with page.expect_navigation():
        page.click("#sign-out-button")
    assert page.url.startswith(f"{live_url}/login?")
    assert page.get_attribute("html", "lang") == "en"  # in the map's language, leading back to it
    assert page.input_value("input[name=next]") == "/map?lang=en"
    assert not [c for c in page.context.cookies() if c["name"] == "pesisir_token"]
    page.goto(f"{live_url}/map?lang=en")
    assert page.url.startswith(f"{live_url}/login?")  # the map is closed
    # The old cookie, put back by hand, opens nothing either: the session was revoked, not only forgotten. The
    # browser is sent to the login page again (never a JSON 401).
    page.context.add_cookies([cookie])
    again = page.goto(f"{live_url}/map")
    assert again is not None and again.status == 200 and page.url.startswith(f"{live_url}/login?")
    assert "map_" not in again.text() and page.input_value("input[name=next]") == "/map"
    assert errors == []


def test_the_page_is_compressed_and_only_the_shared_files_are_cached(live_url, browser):
    page = browser.new_page(viewport=LAPTOP)
    scripts: dict[str, dict[str, str]] = {}
    page.on("response", lambda r: scripts.update({r.url: r.headers}) if r.url.endswith(".js") else None)
    sign_in(page, live_url, "/map")
    response = page.goto(f"{live_url}/map", wait_until="networkidle")
    assert response is not None and response.ok
    headers = response.headers
    assert headers["content-encoding"] == "gzip" and headers["cache-control"] == "no-store"
    ours = {u: h for u, h in scripts.items() if "/static/v-" in u}
    assert any(u.endswith("/pesisir-map.js") for u in ours) and any("leaflet.js" in u for u in ours)
    for url, h in ours.items():
        assert h["cache-control"] == "public, max-age=31536000, immutable", url
        assert h.get("content-encoding") == "gzip", url


def test_a_note_says_when_the_landings_shown_are_capped(live_url, browser, monkeypatch):
    page, errors, _ = _open_map(browser, live_url, LAPTOP)
    assert page.locator(".pesisir-capped").count() == 0  # the demo's 2,500 landings are all drawn
    page.close()

    monkeypatch.setattr(maps, "EVENT_LIMIT", 50)
    page, errors, _ = _open_map(browser, live_url, PHONE)
    note = page.locator("#time-slider .pesisir-capped")
    texts = note.all_inner_texts()
    assert any(t.startswith("Hanya 50 pendaratan terbaru") for t in texts), texts
    assert any(t.startswith("Hanya 50 kejadian terbaru") for t in texts), texts
    assert all(note.nth(i).is_visible() for i in range(note.count()))
    assert page.evaluate("() => window.pesisirLayers.map(l => l.entries.length)") == [50, 50]
    page.screenshot(path=str(ARTIFACTS / "map-reading-capped.png"))
    assert errors == []
