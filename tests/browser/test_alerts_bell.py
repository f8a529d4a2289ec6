"""The alerts bell on the map (issue 14), in headless Chromium under the service's CSP: the signed-in reader's
unacknowledged alerts, written as text."""

from __future__ import annotations

import json

from sqlalchemy import create_engine, text

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_map import _watch, sign_in
from tests.fixtures_db import LIVE_USER

PAYLOAD = {"data_cutoff": "2026-12-01T00:00:00+00:00", "segments": [
    {"id": "KNG-0042", "risk_kind": "landing", "season": "annual", "risk_class": "high",
     "previous_class": "medium", "score": 0.8}]}  # fmt: skip
XSS = '<img src=x onerror="window.__pwned=1">'


def test_the_bell_lists_the_readers_alerts_as_text(live_url, browser, cluster):
    engine = create_engine(cluster.url("pesisir_browser"))
    with engine.begin() as c:
        owner = c.execute(text("SELECT id FROM users WHERE username = :u"), {"u": LIVE_USER}).scalar_one()
        sub = c.execute(
            text(
                "INSERT INTO alert_subscriptions (owner_id, audience, segment_ids, rules) VALUES "
                "(:o, 'full', ARRAY['KNG-0042'], CAST(:r AS jsonb)) RETURNING id"
            ),
            {"o": owner, "r": json.dumps([{"type": "class_at_least", "risk_class": "high"}])},
        ).scalar_one()
        for key, payload in (("scores:1", PAYLOAD), ("xss", {"incident": {"id": 1, "kind": XSS}})):
            c.execute(
                text(
                    "INSERT INTO alerts (subscription_id, owner_id, event_key, rule, payload) "
                    "VALUES (:s, :o, :k, :r, CAST(:p AS jsonb))"
                ),
                {
                    "s": sub,
                    "o": owner,
                    "k": key,
                    "r": "class_at_least" if key != "xss" else "incident",
                    "p": json.dumps(payload),
                },
            )
    try:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        errors, external = _watch(page, live_url)
        sign_in(page, live_url, "/map")
        page.goto(f"{live_url}/map", wait_until="networkidle")
        page.wait_for_selector("#pesisir-alerts:not([hidden]) button")
        assert page.locator(".pesisir-alerts-count").inner_text() == "2"
        page.click("#pesisir-alerts button")
        listed = page.locator(".pesisir-alerts-list").inner_text()
        assert "KNG-0042: medium \u2192 high" in listed and "Kelas risiko naik" in listed
        assert XSS in listed  # shown as text
        assert page.evaluate("() => window.__pwned") is None
        assert errors == [] and external == []
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "map-alerts.png"))
    finally:
        with engine.begin() as c:
            c.execute(text("DELETE FROM alert_subscriptions WHERE id = :s"), {"s": sub})
        engine.dispose()
