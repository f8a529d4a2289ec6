"""Sea routes on the map, as an intelligence officer uses them in headless Chromium: the corridors layer with its
legend, and the route tool from the choice of two places to the route drawn with its sailing time, or the API's
message when the choice is wrong."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from geoalchemy2.shape import from_shape
from sqlalchemy import create_engine, delete
from sqlalchemy.orm import Session

from app.db.models import Corridor
from app.services import base_data
from app.services import routes as route_service
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_map import MAX_HTML_BYTES, _watch, sign_in

CORRIDOR_FLOWS = [
    # origin, destination, traffic: a handful of landing flows into and through the regency
    ("surabaya-tanjung-perak", "kalianget", 8.0),
    ("kalianget", "kangean", 5.0),
    ("kangean", "sapeken", 3.0),
    ("celukan-bawang", "sapeken", 4.0),
    ("masalembu", "kalianget", 1.5),
]
SEASON_SHARE = {"west": 0.5, "east": 1.0, "transition": 0.8}
GRAPH_VERSION = "browser-test"


@pytest.fixture(scope="module")
def stored_corridors(cluster, live_url, sea_graph: Path) -> Iterator[None]:
    """Corridor lines in the live server's database, drawn over the real sea graph (``sea_graph`` builds it once
    into the directory the live server reads): each flow's steel-ship route, in every route season with its own
    traffic. The corridor computation has tests of its own; here the map only needs real lines at sea."""
    router = route_service.ensure_graph(sea_graph)
    places = base_data.read_places().set_index("slug")
    engine = create_engine(cluster.url("pesisir_browser"))
    with Session(engine) as s, s.begin():
        for origin, destination, traffic in CORRIDOR_FLOWS:
            a, b = places.geometry[origin], places.geometry[destination]
            line = router.route((a.x, a.y), (b.x, b.y), boat="steel_ship", season="east").line
            for season, share in SEASON_SHARE.items():
                s.add(
                    Corridor(
                        risk_kind="landing",
                        season=season,
                        traffic=traffic * share,
                        flows=f"{origin}>{destination}",
                        graph_version=GRAPH_VERSION,
                        geom=from_shape(line, srid=4326),
                    )
                )
    yield
    with Session(engine) as s, s.begin():
        s.execute(delete(Corridor).where(Corridor.graph_version == GRAPH_VERSION))
    engine.dispose()


def _corridor_features(page) -> list[dict]:
    """The corridor lines on the map (their popup properties), read from Leaflet's layers."""
    return page.evaluate(
        """() => {
          const out = [];
          for (const key of Object.keys(window).filter(k => k.startsWith("map_"))) {
            window[key].eachLayer(l => {
              if (l.feature && l.feature.properties && l.feature.properties.traffic_words) {
                out.push(l.feature.properties);
              }
            });
          }
          return out;
        }"""
    )


def test_corridors_layer_and_legend(live_url, browser, stored_corridors):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    errors, external = _watch(page, live_url)
    sign_in(page, live_url, "/map")
    response = page.goto(f"{live_url}/map", wait_until="networkidle")
    assert response is not None and response.ok
    assert len(response.body()) <= MAX_HTML_BYTES, len(response.body())
    page.wait_for_selector("#corridor-legend")
    labels = page.locator(".leaflet-control-layers label").all_inner_texts()
    for season in ("musim barat", "musim timur", "musim peralihan"):  # the annual map: every route season
        assert any(f"Koridor pendaratan ({season})" in t for t in labels), (season, labels)
    legend = page.locator("#corridor-legend").inner_text()
    assert legend.startswith("Koridor pendaratan (tahunan)")
    for word in ("sepi", "sedang", "ramai", "sangat ramai", "Lebar garis"):
        assert word in legend, legend
    lines = _corridor_features(page)
    assert len(lines) == len(CORRIDOR_FLOWS) * len(SEASON_SHARE)
    assert {p["season_name"] for p in lines} == {"musim barat", "musim timur", "musim peralihan"}
    assert any(p["traffic_words"].startswith("sangat ramai (100 %") for p in lines)
    assert errors == [] and external == []

    page.goto(f"{live_url}/map?lang=en&season=west", wait_until="networkidle")
    page.wait_for_selector("#corridor-legend")
    assert page.locator("#corridor-legend").inner_text().startswith("Corridors landing (west monsoon)")
    assert {p["season_name"] for p in _corridor_features(page)} == {"west monsoon"}
    assert errors == []


def test_route_tool_draws_a_route_and_shows_the_apis_message(live_url, browser, stored_corridors):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    errors, external = _watch(page, live_url)
    sign_in(page, live_url, "/map")
    page.goto(f"{live_url}/map", wait_until="networkidle")
    page.wait_for_selector("#route-tool")
    page.wait_for_selector("#route-origin option[value=kangean]", state="attached")  # places loaded

    # As a person does: choose the two places by name, a boat and a season, and click.
    page.select_option("#route-origin", label="Kalianget")
    page.select_option("#route-destination", label="Kangean (Batu Guluk, Arjasa)")
    page.select_option("#route-boat", label="speedboat")
    page.select_option("#route-season", label="musim timur")
    page.click("#route-submit")
    page.wait_for_selector("#route-result td.route-hours", timeout=60_000)
    hours = page.inner_text("#route-result td.route-hours")
    assert hours.endswith(" jam"), hours
    drawn = page.evaluate("() => window.pesisirRoute.last")
    props = drawn["properties"]
    assert (props["origin"], props["destination"], props["boat"], props["season"]) == (
        "kalianget",
        "kangean",
        "speedboat",
        "east",
    )
    assert props["passable"] is True and 1 < props["hours"] < 12
    assert re.fullmatch(r"\d+(,\d)? jam", hours) and abs(float(hours[:-4].replace(",", ".")) - props["hours"]) <= 0.05
    assert page.inner_text("#route-result td.route-passable") == "ya"
    assert len(drawn["geometry"]["coordinates"]) >= 2
    assert page.inner_text("#route-error") == ""
    assert errors == [] and external == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map-routes.png"))

    # A bad choice: the same place at both ends. The tool shows the API's own words in the map's language (it
    # sends Accept-Language), and the old route goes.
    page.select_option("#route-destination", label="Kalianget")
    page.click("#route-submit")
    page.wait_for_function("() => document.querySelector('#route-error').textContent.length > 0")
    same_place = f"{live_url}/api/v1/routes?origin=kalianget&destination=kalianget&boat=speedboat&season=east"
    api = page.request.get(same_place, headers={"Accept-Language": "id"})
    assert api.status == 422 and api.headers["content-language"] == "id"
    detail = json.loads(api.text())["detail"]
    assert detail.startswith("destination:")
    english = page.request.get(same_place, headers={"Accept-Language": "en"})
    assert json.loads(english.text())["detail"] != detail, "the route API's message has no Indonesian text"
    assert page.inner_text("#route-error") == f"Rute tidak dapat dihitung: {detail}"
    assert page.inner_text("#route-result") == "" and page.evaluate("() => window.pesisirRoute.last") is None
    # Chromium logs every 4xx answer as a console error: that one is expected, nothing else is.
    assert [e for e in errors if "status of 422" not in e] == []
    page.screenshot(path=str(ARTIFACTS / "map-routes-error.png"))
    page.click("#route-fold")  # the tool folds away, leaving the map free
    assert not page.is_visible("#route-submit") and page.is_visible("#route-fold")
    page.click("#route-fold")
    assert page.is_visible("#route-submit")


def _click_at(page, lat: float, lon: float) -> None:
    """Centre the map on (lat, lon) and click there, as a person clicks a spot on the map."""
    page.evaluate(
        """([lat, lon]) => {
          for (const k of Object.keys(window).filter(k => k.startsWith("map_"))) window[k].setView([lat, lon], 11);
        }""",
        [lat, lon],
    )
    page.wait_for_timeout(300)  # let Leaflet settle before the click
    box = page.locator(".folium-map").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)


def test_route_tool_takes_a_point_picked_on_the_map(live_url, browser, stored_corridors):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    errors, external = _watch(page, live_url)
    sign_in(page, live_url, "/map")
    page.goto(f"{live_url}/map?lang=en&tiles=false", wait_until="networkidle")
    page.wait_for_selector("#route-origin option[value=kangean]", state="attached")

    page.click("#route-origin-pick")
    _click_at(page, -6.75, 114.6)  # the open Java Sea between Sapudi and Kangean
    value = page.eval_on_selector("#route-origin", "s => s.value")
    lon, lat = (float(v) for v in value.split(","))
    assert abs(lon - 114.6) < 0.01 and abs(lat + 6.75) < 0.01
    shown = page.eval_on_selector("#route-origin", "s => s.selectedOptions[0].textContent")
    assert shown == "Point " + value.replace(",", ", ")
    page.select_option("#route-destination", "kangean")
    page.select_option("#route-boat", label="steel ship")
    page.select_option("#route-season", label="west monsoon")
    page.check("#route-avoid")
    page.click("#route-submit")
    page.wait_for_selector("#route-result td.route-hours", timeout=60_000)
    props = page.evaluate("() => window.pesisirRoute.last.properties")
    assert props["origin"] == value and props["destination"] == "kangean"
    assert (props["boat"], props["season"], props["avoid"]) == ("steel_ship", "west", "monitored")
    assert page.inner_text("#route-result td.route-hours").endswith(" h")
    assert errors == [] and external == []

    # A point on land: the API names the parameter, and the tool says so.
    page.click("#route-destination-pick")
    _click_at(page, -7.0, 113.85)  # inland Madura, by Sumenep town
    page.click("#route-submit")
    page.wait_for_function("() => document.querySelector('#route-error').textContent.length > 0")
    assert page.inner_text("#route-error").startswith("No route: destination: "), page.inner_text("#route-error")
    assert [e for e in errors if "status of 422" not in e] == []
