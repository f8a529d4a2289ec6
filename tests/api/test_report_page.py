"""The harbour post's reporting page (``/report``): who may open it, where a sign-in lands, its service worker and
manifest, the bearer token its writes carry, and its words in both languages (issue 14)."""

from __future__ import annotations

import json
import re

import pytest

from app.api.report import SHELL, STATIC
from app.schemas import LandingIn
from app.security import COOKIE
from geo import vocabulary as v
from tests.api.helpers import key, landing
from tests.fixtures_db import PASSWORD


def _tables(client) -> dict[str, dict[str, str]]:
    """The page's words as the service serves them (from the catalogue's ``report.*`` messages), with no sign-in:
    the service worker fetches them for offline use."""
    client.cookies.clear()
    r = client.get("/report/strings.js")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    prefix = "window.PESISIR_REPORT_STRINGS = "
    assert r.text.startswith(prefix)
    return json.loads(r.text[len(prefix) :].rstrip().removesuffix(";"))


def _sign_in(client, username, **form):
    client.cookies.clear()
    return client.post("/auth/login", data={"username": username, "password": PASSWORD, **form}, follow_redirects=False)


def test_every_word_exists_in_both_languages_and_the_page_uses_only_those(client):
    tables = _tables(client)
    assert set(tables) == {"id", "en"}
    assert set(tables["id"]) == set(tables["en"])
    for key_, text in tables["id"].items():
        assert text and tables["en"][key_], key_
    page = (STATIC / "report" / "index.html").read_text()
    script = (STATIC / "report" / "report.js").read_text()
    used = set(re.findall(r'data-t="([a-z_]+)"', page)) | set(re.findall(r'\bt\("([a-z_]+)"\s*[,)]', script))
    # and the words it builds from the vocabulary: vessel types, flags, review states, outbox states
    used |= {f"vt_{x}" for x in v.VESSEL_TYPES} | {f"fl_{x}" for x in v.SUSPICION_FLAGS}
    used |= {f"rs_{x}" for x in v.REVIEW_STATES} | {f"st_{x}" for x in ("queued", "sent", "failed")}
    assert used - set(tables["id"]) == set(), "words the page asks for without a translation"


def test_the_form_offers_the_apis_vocabulary():
    page = (STATIC / "report" / "index.html").read_text()
    script = (STATIC / "report" / "report.js").read_text()
    types = re.search(r'<select name="vessel_type">(.*?)</select>', page, re.S)
    assert types is not None
    assert re.findall(r'<option value="([a-z_]+)"', types.group(1)) == list(v.VESSEL_TYPES)
    flags = re.search(r"const FLAGS = \[(.*?)\];", script, re.S)
    assert flags is not None and re.findall(r'"([a-z_]+)"', flags.group(1)) == list(v.SUSPICION_FLAGS)
    directions = re.search(r'<select name="direction">(.*?)</select>', page, re.S)
    assert directions is not None and re.findall(r'value="([a-z]+)"', directions.group(1)) == list(v.DIRECTIONS)


def test_the_forms_length_limits_are_the_apis():
    """A field the page lets a person type more into than the API takes would only fail once sent."""
    page = (STATIC / "report" / "index.html").read_text()
    limits = dict(re.findall(r'<(?:input|textarea) name="([a-z_]+)"[^>]*\bmaxlength="(\d+)"', page))
    assert limits["notes"] == str(v.LANDING_NOTES_MAX)
    assert set(limits) == {"vessel_name", "origin", "harbour", "notes"}
    for name, most in limits.items():
        rule = next(m for m in LandingIn.model_fields[name].metadata if hasattr(m, "max_length"))
        assert rule.max_length == int(most), name


def test_a_harbourmaster_signing_in_lands_on_the_report_page(client, users):
    r = _sign_in(client, "t-harbourmaster")
    assert r.status_code == 303 and r.headers["location"] == "/report"
    r = _sign_in(client, "t-harbourmaster", lang="en", next="/map?season=west")
    assert r.headers["location"] == "/report?lang=en"
    page = client.get("/report")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'id="report-form"' in page.text


@pytest.mark.parametrize(
    ("username", "target"), [("t-intelligence", "/map"), ("t-admin", "/map"), ("t-planner", "/map")]
)
def test_other_roles_still_land_on_the_map(client, users, username, target):
    assert _sign_in(client, username).headers["location"] == target


def test_a_harbourmaster_asking_for_another_page_goes_there(client, users):
    assert _sign_in(client, "t-harbourmaster", next="/report?lang=en").headers["location"] == "/report?lang=en"


@pytest.mark.parametrize(("lang", "words"), [("id", "hanya untuk syahbandar"), ("en", "for harbourmasters")])
def test_another_role_gets_a_readable_page_not_json(client, users, lang, words):
    _sign_in(client, "t-planner")
    r = client.get(f"/report?lang={lang}")
    assert r.status_code == 403 and r.headers["content-type"].startswith("text/html")
    assert words in r.text and "planner" in r.text and '"detail"' not in r.text


def test_not_signed_in_goes_to_the_login_page_and_back(client):
    client.cookies.clear()
    r = client.get("/report?lang=en", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/report%3Flang%3Den&lang=en"


def test_the_page_loads_nothing_from_elsewhere_and_has_no_inline_script():
    page = (STATIC / "report" / "index.html").read_text()
    scripts = re.findall(r"<script[^>]*>", page)
    # every script a file of this service: its assets, or its words made from the catalogue
    assert scripts and all('src="/static/' in s or 'src="/report/strings.js"' in s for s in scripts)
    assert not re.search(r"\son[a-z]+=", page), "inline event handlers need 'unsafe-inline'"
    for name in ("index.html", "report.js", "report.css", "manifest.json", "sw.js"):
        assert "http://" not in (STATIC / "report" / name).read_text()
        assert "https://" not in (STATIC / "report" / name).read_text()


def test_the_service_worker_covers_the_page_and_caches_every_file_it_needs(client):
    r = client.get("/report/sw.js")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    assert r.headers["service-worker-allowed"] == "/report"
    assert r.headers["cache-control"] == "no-store"  # the browser checks for a new version each visit
    assert "__VERSION__" not in r.text and "__SHELL__" not in r.text
    for path in SHELL:
        assert f'"{path}"' in r.text
        if path.startswith("/static/"):
            assert (STATIC / path.removeprefix("/static/")).is_file(), path
            assert client.get(path).status_code == 200, path


def test_the_manifest_makes_an_installable_app_scoped_to_the_page(client):
    r = client.get("/static/report/manifest.json")
    assert r.status_code == 200
    manifest = r.json()
    assert manifest["start_url"] == "/report" and manifest["scope"] == "/report"
    assert manifest["display"] == "standalone"
    sizes = {i["sizes"] for i in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200, icon["src"]
    png = (STATIC / "report" / "icon-512.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(png[16:20], "big") == 512


def test_the_page_writes_with_a_bearer_token_asked_with_the_cookie(client, users):
    _sign_in(client, "t-harbourmaster")
    r = client.get("/report/token")
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["role"] == "harbourmaster" and out["harbour"] == "kalianget" and out["username"] == "t-harbourmaster"
    body = landing()
    # The cookie alone still counts for reads only: a cross-site form cannot write with it.
    assert client.post("/api/v1/landings", json=body, headers=key()).status_code == 401
    bearer = {"Authorization": f"Bearer {out['access_token']}"}
    made = client.post("/api/v1/landings", json=body, headers={**bearer, **key()})
    assert made.status_code == 201, made.text
    listed = client.get("/api/v1/landings").json()["items"]  # the page's listing, with the cookie
    assert any(i["client_uuid"] == body["client_uuid"] for i in listed)


def test_signing_out_revokes_the_pages_token(client, users):
    _sign_in(client, "t-harbourmaster")
    bearer = {"Authorization": f"Bearer {client.get('/report/token').json()['access_token']}"}
    cookie = client.cookies.get(COOKIE)
    client.post("/auth/logout", headers=bearer, follow_redirects=False)
    client.cookies.set(COOKIE, cookie)
    assert client.post("/api/v1/landings", json=landing(), headers={**bearer, **key()}).status_code == 401
    assert client.get("/report/token").status_code == 401
