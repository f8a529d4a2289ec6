"""API errors in the client's language (issue 14, item 2), for the query parameters (app/params.py), sign-in and
roles (app/deps.py, app/security.py, the login limiter), incidents, alert subscriptions, landings' look-ups and
reviews, tiles, OGC API Features and exports: with ``Accept-Language: id`` each answer carries the catalogue's
Indonesian text and a stable ``code``; without the header its English text is what it always was
(tests/test_coded_errors.py keeps every new error coded)."""

from __future__ import annotations

import re
import string
from functools import partial
from typing import Any

import pytest

from app import errors
from app.errors import localized_text
from app.security import MAP_READERS
from geo.i18n import CATALOGUES, gettext
from tests.api.helpers import KALIANGET_SEA, incident, key, landing

ID = {"Accept-Language": "id-ID,id;q=0.9"}
LON, LAT = KALIANGET_SEA
AROUND = {
    "type": "Polygon",
    "coordinates": [[[LON - 0.05, LAT - 0.05], [LON + 0.05, LAT - 0.05], [LON, LAT + 0.05], [LON - 0.05, LAT - 0.05]]],
}
ANY = object()
"""A parameter whose value the test does not know (a retry delay): the text must fit the template there."""


def _fits(template: str, text: str) -> bool:
    pattern = "".join(
        re.escape(lit) + (".+?" if name is not None else "") for lit, name, _, _ in string.Formatter().parse(template)
    )
    return re.fullmatch(pattern, text, re.DOTALL) is not None


def said(send, status: int, code: str, english: str, **params: Any) -> None:
    """``send(headers)`` answers ``status`` with ``code`` and the Indonesian text of the catalogue when asked in
    Indonesian, and exactly ``english`` (the text before the catalogue) when asked with no language."""
    r_id, r_en = send(ID), send({})
    for r, lang in ((r_id, "id"), (r_en, "en")):
        assert r.status_code == status, r.text
        assert r.headers["content-language"] == lang
        body = r.json()
        assert body["code"] == code, body
        if ANY in params.values():
            assert _fits(CATALOGUES[lang][code], body["detail"]), body
        else:
            assert body["detail"] == gettext(lang, code, **params), body
    assert r_id.json()["detail"] != r_en.json()["detail"]
    if ANY in params.values():
        assert _fits(re.sub(r"\d+", "{n}", english), r_en.json()["detail"]), r_en.json()
    else:
        assert r_en.json()["detail"] == english


ALLOWED = ", ".join(sorted(MAP_READERS))
BAD_TOKEN = "Bearer not-a-token"
GETS: dict[str, tuple[str | None, str, dict[str, str], int, str, str, dict[str, Any]]] = {
    # name: (caller's role, or an Authorization header; path; query; status; code; English text; params)
    "bbox of 3 numbers": (
        "admin", "/api/v1/landings", {"bbox": "1,2,3"}, 400, "params.bbox_count",
        "bbox: needs 4 comma-separated numbers (minLon,minLat,maxLon,maxLat), got 3", {"name": "bbox", "count": 3},
    ),
    "date-time not RFC 3339": (
        "admin", "/api/v1/incidents", {"occurred_from": "yesterday"}, 400, "params.datetime_format",
        "occurred_from: 'yesterday' is not an RFC 3339 date-time", {"name": "occurred_from", "value": "'yesterday'"},
    ),
    "date-time without a zone": (
        "admin", "/api/v1/landings", {"observed_from": "2025-01-01T00:00:00"}, 400, "params.datetime_zone",
        "observed_from: '2025-01-01T00:00:00' needs a time zone (for example 2025-01-01T00:00:00Z)",
        {"name": "observed_from", "value": "'2025-01-01T00:00:00'"},
    ),
    "map days in the wrong order": (
        "admin", "/map", {"from": "2025-02-01", "to": "2025-01-01"}, 400, "params.day_order",
        "to: must not be before from (2025-01-01 < 2025-02-01)", {"end": "2025-01-01", "start": "2025-02-01"},
    ),
    "OGC bbox across the antimeridian": (
        "admin", "/ogc/collections/islands/items", {"bbox": "114,-7,113,-6"}, 400, "params.bbox_lon_order",
        "bbox: minLon must not exceed maxLon (antimeridian-crossing boxes are not supported)", {"name": "bbox"},
    ),
    "no token": (
        None, "/api/v1/incidents", {}, 401, "auth.not_signed_in",
        "not signed in: send 'Authorization: Bearer <token>' from POST /auth/token", {},
    ),
    "bad token": (
        BAD_TOKEN, "/api/v1/incidents", {}, 401, "auth.token_invalid",
        "invalid or expired token: sign in again at POST /auth/token", {},
    ),
    "role may not": (
        "harbourmaster", "/api/v1/incidents", {}, 403, "auth.role_forbidden",
        f"the harbourmaster role may not do this (allowed: {ALLOWED})", {"role": "harbourmaster", "allowed": ALLOWED},
    ),
    "no such incident": (
        "intelligence", "/api/v1/incidents/987654321", {}, 404, "incident.not_found", "incident 987654321 not found",
        {"id": 987654321},
    ),
    "no such landing": (
        "intelligence", "/api/v1/landings/987654321", {}, 404, "landing.not_found", "landing 987654321 not found",
        {"id": 987654321},
    ),
    "zoom off the matrix": (
        "planner", "/tiles/islands/31/0/0.pbf", {}, 400, "tiles.zoom_range", "z: must be from 0 to 22, got 31",
        {"max": 22, "z": 31},
    ),
    "tile row off the matrix": (
        "planner", "/tiles/islands/2/0/9.pbf", {}, 400, "tiles.xy_range", "y: must be from 0 to 3 at zoom 2, got 9",
        {"name": "y", "top": 3, "z": 2, "value": 9},
    ),
    "no such collection": (
        "planner", "/ogc/collections/nowhere", {}, 404, "ogc.unknown_collection",
        "collection 'nowhere' does not exist", {"collection": "nowhere"},
    ),
    "no such feature": (
        "planner", "/ogc/collections/incidents/items/987654321", {}, 404, "ogc.unknown_feature",
        "feature '987654321' does not exist in collection 'incidents'",
        {"feature": "987654321", "collection": "incidents"},
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", GETS)
def test_errors_of_a_get_in_indonesian(client, headers, name):
    """Query parameters (app/params.py), sign-in and roles (app/deps.py, app/security.py), look-ups of incidents,
    landings, tiles and OGC API Features."""
    caller, path, query, status, code, english, params = GETS[name]
    auth = {"Authorization": caller} if caller == BAD_TOKEN else headers.get(caller or "anonymous", {})
    said(lambda lang: client.get(path, params=query, headers={**auth, **lang}), status, code, english, **params)


def test_the_field_is_named_in_either_language(client, headers):
    r = client.get(
        "/api/v1/incidents", params={"occurred_to": "9999-12-31T00:00:00Z"}, headers={**headers["admin"], **ID}
    )
    assert r.json()["field"] == "occurred_to" and r.json()["code"] == "params.day_range"


def test_the_sign_in_redirect_says_why_in_the_language(client):
    for lang, words in ((ID, "belum masuk"), ({}, "not signed in")):
        page = client.get("/map", headers=lang, follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"].startswith("/login?next=/map")
        assert page.json() == {"detail": words, "code": "auth.sign_in_first"}


def test_too_many_logins_in_indonesian(client, users):
    def login(lang):
        return client.post("/auth/token", data={"username": "t-planner", "password": "wrong password!"}, headers=lang)

    for _ in range(5):
        assert login({}).status_code == 401
    said(
        login,
        429,
        "auth.too_many_attempts_username",
        "too many login attempts for this username: retry in 60 s",
        retry=ANY,
    )
    assert "coba lagi dalam" in login(ID).json()["detail"]


# -- app/services/incidents.py, app/services/landings.py -----------------------------------------------------------
def test_incident_errors_in_indonesian(client, headers):
    intel = headers["intelligence"]
    made = client.post("/api/v1/incidents", json=incident(source_ref="LP/err-a"), headers=intel).json()
    url, n = f"/api/v1/incidents/{made['id']}", made["id"]
    review = {"review_state": "verified", "reason": "confirmed by police"}
    cases = [
        ("PATCH", url, {"occurred_end": "2001-01-01T00:00:00Z"}, 422, "incident.end_before_start",
         "occurred_end precedes occurred_start", {}),
        ("PATCH", url, {"kind": None}, 422, "incident.not_null", "kind: may not be null", {"name": "kind"}),
        ("POST", "/api/v1/incidents", incident(source_ref="LP/err-a"), 409, "incident.source_ref_taken",
         f"source_ref: 'LP/err-a' of 'informant report 17' is incident {n} already",
         {"ref": "'LP/err-a'", "source": "'informant report 17'", "id": n}),
        ("POST again", f"{url}/review", review, 409, "incident.already_reviewed",
         f"review_state: incident {n} is verified already", {"id": n, "state": "verified"}),
    ]  # fmt: skip
    _send_all(client, intel, cases)


def test_a_landing_reviewed_twice_in_indonesian(client, headers):
    made = client.post("/api/v1/landings", json=landing(), headers={**headers["harbourmaster"], **key()}).json()
    url, n = f"/api/v1/landings/{made['id']}", made["id"]
    review = {"review_state": "rejected", "reason": "duplicate of radio log"}
    cases = [
        ("PATCH again", url, review, 409, "landing.already_reviewed",
         f"review_state: landing {n} is rejected already; only reported ones are reviewed",
         {"id": n, "state": "rejected"}),
    ]  # fmt: skip
    _send_all(client, headers["intelligence"], cases)


def _request(client, method: str, path: str, body: Any, auth: dict[str, str], lang: dict[str, str]):
    return client.request(method, path, json=body, headers={**auth, **lang})


def _send_all(client, auth, cases) -> None:
    """Each case: (method, path, JSON body, then as ``said``); a method ending in " again" is sent once before,
    and succeeds."""
    for method, path, body, status, code, english, params in cases:
        verb = method.removesuffix(" again")
        if verb != method:
            assert client.request(verb, path, json=body, headers=auth).status_code == 200
        said(partial(_request, client, verb, path, body, auth), status, code, english, **params)


# -- app/services/alerts.py ----------------------------------------------------------------------------------------
SUBSCRIPTIONS = {
    # name: (role, changes to a valid body, status, code, English text, params)
    "not an http URL": (
        "intelligence", {"webhook": {"url": "ftp://alerts.example.org/x"}}, 422, "subscription.webhook_url_form",
        "webhook.url: an http(s) URL with a host, e.g. https://alerts.example.org/pesisir", {},
    ),
    "a password in the URL": (
        "intelligence", {"webhook": {"url": "https://me:secret@alerts.example.org/x"}}, 422,
        "subscription.webhook_credentials",
        "webhook.url: may not carry a user name or password (the body is signed instead)", {},
    ),
    "a loopback webhook": (
        "intelligence", {"webhook": {"url": "http://127.0.0.1:9/hook"}}, 422, "subscription.webhook_private_host",
        "webhook.url: host '127.0.0.1' resolves to a private, loopback or link-local address (127.0.0.1); such "
        "webhooks are refused unless the host is listed in PESISIR_WEBHOOK_ALLOWED_HOSTS",
        {"host": "'127.0.0.1'", "address": "127.0.0.1"},
    ),
    "e-mail without SMTP": (
        "intelligence", {"email": "duty@example.org"}, 422, "subscription.no_smtp",
        "email: this service has no SMTP server configured (PESISIR_SMTP_HOST); use a webhook", {},
    ),
    "a planner's landing rule": (
        "planner", {"rules": [{"type": "suspicious_landing"}], "email": "duty@example.org"}, 403,
        "subscription.landing_rule_planner",
        "rules[0]: suspicious_landing is not available to planners (landings are not in the planners' allow-list; "
        "see the role table in README.md)",
        {"index": 0, "rule": "suspicious_landing"},
    ),
    "unknown segments": (
        "intelligence", {"area": None, "segment_ids": ["no-such-segment"]}, 422, "subscription.unknown_segments",
        "segment_ids: 1 unknown (e.g. 'no-such-segment'); GET /api/v1/segments lists them",
        {"count": 1, "example": "'no-such-segment'"},
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", SUBSCRIPTIONS)
def test_subscription_errors_in_indonesian(client, headers, name):
    role, changes, status, code, english, params = SUBSCRIPTIONS[name]
    body = {"area": AROUND, "rules": [{"type": "incident"}], **changes}
    said(
        lambda lang: client.post("/api/v1/alerts/subscriptions", json=body, headers={**headers[role], **lang}),
        status,
        code,
        english,
        **params,
    )


def test_unknown_subscriptions_and_alerts_in_indonesian(client, headers):
    cases = [
        ("DELETE", "/api/v1/alerts/subscriptions/987654321", None, 404, "subscription.not_found",
         "subscription 987654321 not found among yours", {"id": 987654321}),
        ("POST", "/api/v1/alerts/987654321/acknowledge", None, 404, "alert.not_found",
         "alert 987654321 not found among yours", {"id": 987654321}),
    ]  # fmt: skip
    _send_all(client, headers["intelligence"], cases)


# -- app/services/export.py, app/api/export.py ---------------------------------------------------------------------
def test_export_time_limit_in_indonesian(client, headers, monkeypatch):
    from app.services import export

    clock = iter(range(0, 10**9, 1000))  # every reading of the clock is 1,000 s after the last
    monkeypatch.setattr(export, "_clock", lambda: next(clock))
    said(
        lambda lang: client.get("/api/v1/export/islands.gpkg", headers={**headers["intelligence"], **lang}),
        503,
        "export.time_limit",
        "export: stopped at its time limit of 600 s (PESISIR_EXPORT_TIMEOUT_S); narrow it with bbox, datetime or kind",
        seconds="600",
    )


def test_export_one_at_a_time_is_coded(monkeypatch):
    """Its 429 over HTTP (a turn held by another connection) is tests/api/test_export.py's; here its code, its
    Retry-After and its text in both languages."""
    from app.services import export

    monkeypatch.setattr(export.limits, "try_export_turn", lambda session, user_id: False)
    with pytest.raises(errors.RateLimited) as caught:
        export.take_turn(None, 1)  # type: ignore[arg-type]
    exc = caught.value
    assert exc.retry_after == export.RETRY_AFTER_S and exc.code == "export.one_at_a_time"
    assert str(exc) == "export: one at a time per user, and one of yours is still running: retry when it has finished"
    assert localized_text(exc, "id") == {"error": CATALOGUES["id"]["export.one_at_a_time"], "code": exc.code}
