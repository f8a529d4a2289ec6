"""The harbour post's reporting page in headless Chromium (issue 14): a harbourmaster's sign-in lands on it; with
the network cut, 50 reports entered on the page survive two reloads; when the network returns they arrive once
each; a report the server answers 500 shows ``failed`` with the reason while the others are ``sent``, and after it
is fixed and resent the database holds each report once. At 360 x 740 the page needs no horizontal scroll."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from tests.browser.conftest import ARTIFACTS
from tests.fixtures_db import LIVE_HARBOURMASTER, LIVE_USER, PASSWORD

N = 50
TYPED_NOTES = "Dua penumpang turun di dermaga timur.\nNakhoda tidak membawa manifes.  "
PHONE = {"width": 360, "height": 740}
QUEUED = "#outbox li[data-status=queued]"
SENT = "#outbox li[data-status=sent]"
FAILED = "#outbox li[data-status=failed]"
ENTER = """async (reports) => {
  for (const values of reports) {
    window.pesisirReport.fill(values);
    await window.pesisirReport.submit();  // the form's submit event, as the Save button
  }
}"""


@pytest.fixture
def live_db(cluster):
    engine = create_engine(cluster.url("pesisir_browser"))
    yield engine
    engine.dispose()


def _stored(engine, uuids) -> dict[str, int]:
    """How many landings each client_uuid has in the service's database."""
    with engine.connect() as c:
        rows = c.execute(
            text(
                "SELECT client_uuid::text, count(*) FROM landings WHERE client_uuid::text = ANY(:u) GROUP BY client_uuid"
            ),
            {"u": list(uuids)},
        )
        return dict(rows.all())


def _wib(minutes_ago: int) -> str:
    """A datetime-local value in WIB, as the form takes it."""
    return (datetime.now(UTC) + timedelta(hours=7) - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M")


def _report(i: int) -> dict:
    return {
        "observed": _wib(90 + i),
        "tz": "+07:00",
        "direction": "arrival",
        "lat": "-7.07",
        "lon": "113.95",  # just off Kalianget, at sea
        "precision": "25",
        "vessel_name": f"KM Uji {i}",
        "vessel_type": "fishing",
        "persons_aboard": "6",
        "crew": "3",
        "foreign_nationals": "0",
        "origin_place": "sapeken",
        "origin": "",
        "flags": ["night"] if i % 10 == 0 else [],
        "notes": f"Catatan uji {i}:\nmuatan ikan",
    }


def _count(page, selector: str) -> int:
    return page.locator(selector).count()


def _open(page):
    page.wait_for_function("() => window.pesisirReport !== undefined")
    page.evaluate("() => window.pesisirReport.opened")


def test_offline_reports_survive_reloads_and_arrive_once_each(live_url, browser, live_db):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    crashes: list[str] = []
    page.on("pageerror", lambda e: crashes.append(str(e)))
    external: list[str] = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith((live_url, "data:")) else None)

    # The harbourmaster's sign-in lands on the reporting page, in Bahasa Indonesia.
    page.goto(f"{live_url}/login")
    page.fill("input[name=username]", LIVE_HARBOURMASTER)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url == f"{live_url}/report"
    _open(page)
    page.evaluate("() => window.pesisirReport.ready")  # the service worker holds the page and its scripts
    assert page.locator("html").get_attribute("lang") == "id"
    assert page.locator("#save").inner_text() == "Simpan"
    assert page.locator("select[name=origin_place] option[value=sapeken]").count() == 1  # the gazetteer

    # Swapped latitude and longitude are recognised and said; nothing is queued until they are right.
    page.fill("input[name=lat]", "113.95")
    page.fill("input[name=lon]", "-7.07")
    assert page.locator("#swap-warning").is_visible()
    page.click("#save")
    assert "tertukar" in page.locator("#form-error").inner_text()
    assert _count(page, "#outbox li") == 0
    page.click("#swap")
    assert page.locator("input[name=lat]").input_value() == "-7.07"
    assert not page.locator("#swap-warning").is_visible()

    # No network: 50 reports go to the outbox and stay there through two reloads.
    context.set_offline(True)
    page.evaluate(ENTER, [_report(i) for i in range(N)])
    assert _count(page, QUEUED) == N
    for _ in range(2):
        response = page.reload()
        assert response is not None and response.ok and response.from_service_worker
        _open(page)
        assert _count(page, QUEUED) == N
    records = page.evaluate("() => window.pesisirReport.outbox()")
    uuids = [r["client_uuid"] for r in records]
    assert len(set(uuids)) == N and len({r["key"] for r in records}) == N
    assert _stored(live_db, uuids) == {}

    # The network returns; the server answers 500 for one report (before storing it).
    failing = records[17]["client_uuid"]

    def answer_500_for_one(route):
        request = route.request
        if request.method == "POST" and failing in (request.post_data or ""):
            route.fulfill(status=500, json={"detail": "internal server error"})
        else:
            route.continue_()

    context.route("**/api/v1/landings", answer_500_for_one)
    context.set_offline(False)
    page.wait_for_function(f"() => document.querySelectorAll('{QUEUED}').length === 0", timeout=120_000)
    assert (_count(page, SENT), _count(page, FAILED)) == (N - 1, 1)
    failed = page.locator(FAILED)
    assert failed.get_attribute("data-uuid") == failing
    assert "gagal" in failed.inner_text() and "internal server error (500)" in failed.inner_text()
    stored = _stored(live_db, uuids)
    assert len(stored) == N - 1 and set(stored.values()) == {1} and failing not in stored

    # Fixed (one more person aboard) and resent: the same client_uuid, stored once; every report once.
    context.unroute("**/api/v1/landings")
    failed.locator("button[data-action=fix]").click()
    assert page.locator("input[name=vessel_name]").input_value() == records[17]["form"]["vessel_name"]
    assert page.locator("textarea[name=notes]").input_value() == records[17]["form"]["notes"]  # kept for the fix
    page.fill("input[name=persons_aboard]", "7")
    page.click("#save")
    page.wait_for_function(f"() => document.querySelectorAll('{SENT}').length === {N}", timeout=60_000)
    assert _count(page, FAILED) == 0 and _count(page, QUEUED) == 0
    stored = _stored(live_db, uuids)
    assert len(stored) == N and set(stored.values()) == {1}
    with live_db.connect() as c:
        aboard, notes = c.execute(
            text("SELECT persons_aboard, notes FROM landings WHERE client_uuid::text = :u"), {"u": failing}
        ).one()
    assert aboard == 7 and notes == records[17]["form"]["notes"]

    # One more, typed into the form as a person does, while a captive portal answers 200 with a page of its own:
    # it stays queued (docs/RELIABILITY.md DL-13); sent once the service answers: 50 + 1, and opening the page
    # again sends nothing twice.
    def captive_portal(route):
        route.fulfill(status=200, content_type="text/html", body="<html><body>Login to WiFi</body></html>")

    context.route("**/api/v1/landings", captive_portal)
    page.fill("input[name=observed]", _wib(30))
    page.fill("input[name=lat]", "-7.07")
    page.fill("input[name=lon]", "113.95")
    page.fill("input[name=vessel_name]", "KM Terakhir")
    page.fill("input[name=persons_aboard]", "4")
    page.select_option("select[name=origin_place]", "sapeken")
    page.check("input[name=flag][value=no_manifest]")
    page.fill("textarea[name=notes]", TYPED_NOTES)
    page.click("#save")
    page.wait_for_function("() => document.querySelector('#outbox li[data-status=queued] .reason') !== null")
    last = page.locator(QUEUED)
    assert "bukan dari Pesisir" in last.inner_text() and _count(page, SENT) == N
    typed_uuid = last.get_attribute("data-uuid")
    assert _stored(live_db, [typed_uuid]) == {}
    context.unroute("**/api/v1/landings")
    page.click("#send-now")
    page.wait_for_function(f"() => document.querySelectorAll('{SENT}').length === {N + 1}", timeout=60_000)
    page.reload()
    _open(page)
    uuids = [r["client_uuid"] for r in page.evaluate("() => window.pesisirReport.outbox()")]
    stored = _stored(live_db, uuids)
    assert len(uuids) == N + 1 and len(stored) == N + 1 and set(stored.values()) == {1}
    with live_db.connect() as c:
        typed = c.execute(
            text("SELECT notes FROM landings WHERE client_uuid::text = :u"), {"u": typed_uuid}
        ).scalar_one()
    assert typed == TYPED_NOTES.strip()  # line breaks kept, the ends trimmed

    # The harbour's recent landings, times in WIB; the page fits a 360 px phone.
    page.wait_for_selector("#recent li")
    assert "KM Terakhir" in page.locator("#recent").inner_text()
    assert page.locator("#recent li").first.inner_text().split(" WIB")[0][-5:].count(":") == 1
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    page.evaluate("() => window.scrollTo(0, 0)")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report.png"))
    page.screenshot(path=str(ARTIFACTS / "report-full.png"), full_page=True)

    # English on request, the same page.
    page.goto(f"{live_url}/report?lang=en")
    _open(page)
    assert page.locator("#save").inner_text() == "Save"
    assert "sent" in page.locator(SENT).first.inner_text()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    assert crashes == []
    assert external == []
    context.close()


def _sign_in(page, live_url, username, query=""):
    page.goto(f"{live_url}/login{query}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")


def test_position_from_the_gps_or_picked_on_the_map_with_no_connection(live_url, browser):
    kalianget = {"latitude": -7.0558, "longitude": 113.9439, "accuracy": 12}
    context = browser.new_context(viewport=PHONE, geolocation=kalianget, permissions=["geolocation"])
    page = context.new_page()
    crashes: list[str] = []
    page.on("pageerror", lambda e: crashes.append(str(e)))
    _sign_in(page, live_url, LIVE_HARBOURMASTER, "?lang=en")
    assert page.url == f"{live_url}/report?lang=en"
    _open(page)
    page.evaluate("() => window.pesisirReport.ready")
    assert page.locator("#save").inner_text() == "Save"

    page.click("#gps")
    page.wait_for_function("() => document.querySelector('input[name=lat]').value !== ''")
    assert float(page.locator("input[name=lat]").input_value()) == pytest.approx(-7.0558)
    assert float(page.locator("input[name=lon]").input_value()) == pytest.approx(113.9439)
    assert page.locator("input[name=precision]").input_value() == "12"
    assert "12 m" in page.locator("#gps-status").inner_text()

    # With no connection the page opens from the phone, and the map pick draws the islands kept on it.
    context.set_offline(True)
    page.reload()
    _open(page)
    page.click("#pick")
    page.wait_for_selector("#pick-map svg path")
    page.locator("#pick-map").scroll_into_view_if_needed()
    box = page.locator("#pick-map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.25)
    lat = float(page.locator("input[name=lat]").input_value())
    lon = float(page.locator("input[name=lon]").input_value())
    assert -7.0558 < lat < -6.5 and 113.9439 < lon < 114.8  # north-east of Kalianget, where the map was tapped
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report-map-pick.png"))
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]

    # The switch turns the page to Bahasa Indonesia and the phone remembers it.
    page.click("#lang-switch")
    assert page.locator("#save").inner_text() == "Simpan" and "lang=id" in page.url
    page.goto(f"{live_url}/report")
    _open(page)
    assert page.locator("html").get_attribute("lang") == "id"
    assert crashes == []
    context.close()


def test_another_role_reads_a_page_saying_the_report_page_is_not_theirs(live_url, browser):
    page = browser.new_page()
    _sign_in(page, live_url, LIVE_USER)
    assert page.url == f"{live_url}/map"  # intelligence still lands on the map
    response = page.goto(f"{live_url}/report")
    assert response is not None and response.status == 403
    assert "hanya untuk syahbandar" in page.locator("body").inner_text()
    page.close()
