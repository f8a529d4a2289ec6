"""The login page: Bahasa Indonesia by default and English with ``?lang=en``, its words from the catalogue's
``login.*`` messages (tests/test_i18n.py checks both languages have them all), and a failed
sign-in shows the page again with a readable message (never raw JSON), keeping ``next`` and ``lang``."""

from __future__ import annotations

import re

import pytest

from geo.i18n import tree
from tests.fixtures_db import PASSWORD


def _visible(page: str) -> str:
    return re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", page, flags=re.S))


@pytest.mark.parametrize(("query", "lang"), [("", "id"), ("?lang=id", "id"), ("?lang=en", "en"), ("?lang=xx", "id")])
def test_the_page_speaks_bahasa_indonesia_by_default_and_english_on_request(client, query, lang):
    r = client.get(f"/login{query}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert f'<html lang="{lang}">' in page and f'name="lang" value="{lang}"' in page
    words = tree(lang, "login")
    for key in ("title", "username", "password", "submit", "other"):
        assert words[key] in page, key
    other = tree("en" if lang == "id" else "id", "login")
    for key in ("username", "password", "submit"):
        assert other[key] not in _visible(page), key
    # The link to the other language keeps where to go after signing in.
    assert f"next=%2Fmap&amp;lang={'en' if lang == 'id' else 'id'}" in page


def test_a_wrong_password_shows_the_page_again_with_a_message_keeping_next_and_lang(client, users):
    r = client.post(
        "/auth/login",
        data={"username": "t-planner", "password": "not the password", "next": "/map?season=west", "lang": "en"},
        follow_redirects=False,
    )
    assert r.status_code == 401 and r.headers["content-type"].startswith("text/html")
    assert "detail" not in r.text and "{" not in _visible(r.text)
    assert tree("en", "login")["wrong"] in r.text and '<html lang="en">' in r.text
    assert 'name="next" value="/map?season=west"' in r.text and 'name="lang" value="en"' in r.text
    assert 'value="t-planner"' in r.text  # the username stays typed; the password never comes back
    assert "not the password" not in r.text
    assert "set-cookie" not in r.headers
    # In Bahasa Indonesia when the page was.
    r = client.post("/auth/login", data={"username": "t-planner", "password": "salah sekali", "lang": "id"})
    assert r.status_code == 401 and tree("id", "login")["wrong"] in r.text and '<html lang="id">' in r.text
    # Then the right password goes where ``next`` said.
    r = client.post(
        "/auth/login",
        data={"username": "t-planner", "password": PASSWORD, "next": "/map?season=west", "lang": "en"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/map?season=west"


def test_too_many_attempts_show_the_page_with_when_to_try_again(client, users):
    for _ in range(5):
        client.post("/auth/login", data={"username": "t-admin", "password": "wrong password!"})
    r = client.post("/auth/login", data={"username": "t-admin", "password": "wrong password!", "lang": "en"})
    assert r.status_code == 429 and r.headers["content-type"].startswith("text/html")
    retry = int(r.headers["retry-after"])
    assert tree("en", "login")["limited"].format(retry=retry) in r.text


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
        "/\t/evil.example",  # browsers drop tabs and line breaks from a URL: this would become //evil.example
        "/\n/evil.example",
        "javascript:alert(1)",
        "map",
    ],
)
def test_next_never_leaves_the_site(client, users, target):
    page = client.get("/login", params={"next": target}).text
    assert 'name="next" value="/map"' in page
    r = client.post(
        "/auth/login", data={"username": "t-planner", "password": PASSWORD, "next": target}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == "/map"


def test_the_map_sends_to_a_login_page_in_its_language_that_comes_back_to_it(client):
    r = client.get("/map?lang=en&season=west", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/map%3Flang%3Den%26season%3Dwest&lang=en"
    page = client.get(r.headers["location"]).text
    assert '<html lang="en">' in page and 'name="next" value="/map?lang=en&amp;season=west"' in page
    assert client.get("/map", follow_redirects=False).headers["location"] == "/login?next=/map"


def test_signing_out_of_the_map_leads_to_the_login_in_its_language_and_back_to_it(client, users):
    client.post("/auth/login", data={"username": "t-planner", "password": PASSWORD})
    r = client.post("/auth/logout", data={"next": "/map?lang=en&risk=tppo", "lang": "en"}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=%2Fmap%3Flang%3Den%26risk%3Dtppo&lang=en"
    assert 'pesisir_token=""' in r.headers["set-cookie"]  # the cookie goes
    page = client.get(r.headers["location"]).text
    assert '<html lang="en">' in page and 'name="next" value="/map?lang=en&amp;risk=tppo"' in page
    assert client.get("/map", follow_redirects=False).status_code == 303  # signed out: to the login page
    # Only a path on this site, and a known language.
    r = client.post("/auth/logout", data={"next": "//evil.example", "lang": "xx"}, follow_redirects=False)
    assert r.headers["location"] == "/login?next=%2Fmap&lang=id"
    assert client.post("/auth/logout", follow_redirects=False).headers["location"] == "/login"  # API clients
