"""The map as a person sees it: sign in on the login page, then it renders in headless Chromium with no internet
and no console errors."""

from __future__ import annotations

from tests.browser.conftest import ARTIFACTS
from tests.conftest import LIVE_PLANNER, PASSWORD


def test_map_renders_offline_without_console_errors(live_url, browser):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"{m.text} {m.location}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    external: list[str] = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith((live_url, "data:")) else None)

    page.goto(f"{live_url}/map")  # not signed in: 303 to the login form, which comes back to the map
    assert page.url == f"{live_url}/login?next=/map"
    page.fill("input[name=username]", LIVE_PLANNER)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation(wait_until="networkidle"):
        page.click("button[type=submit]")
    assert page.url == f"{live_url}/map"
    page.wait_for_selector(".leaflet-control-layers")

    assert errors == []
    assert external == []  # everything the map needs comes from Pesisir itself
    labels = page.locator(".leaflet-control-layers label").all_inner_texts()
    assert any("Pulau / Islands" in t for t in labels) and any("Kejadian / Incidents" in t for t in labels)
    assert page.locator(".marker-cluster").count() > 0  # incidents are clustered
    assert page.locator("path.leaflet-interactive").count() > 0 or page.locator("canvas").count() > 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map.png"))
