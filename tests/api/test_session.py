"""The map's sign-in lasts while it is used: the cookie's token is renewed past half its life, up to
``PESISIR_SESSION_MAX_S`` after signing in; bearer tokens are never renewed; signing out revokes renewed cookies."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import jwt

from app.security import COOKIE, issue_token
from tests.fixtures_db import PASSWORD, SECRET

TTL = 900  # the test settings' PESISIR_TOKEN_TTL_S
MAX = 43_200  # PESISIR_SESSION_MAX_S's default


def _cookie_token(principal, *, issued_ago: float, session_ago: float, ttl: int = TTL) -> str:
    now = time.time()
    return issue_token(
        principal,
        SECRET,
        ttl,
        now=datetime.fromtimestamp(now - issued_ago, UTC),
        session_start=int(now - session_ago),
    )


def _claims(token: str) -> dict:
    return jwt.decode(token, SECRET, algorithms=["HS256"], issuer="pesisir")


def _get(client, token: str):
    client.cookies.clear()
    client.cookies.set(COOKIE, token)
    return client.get("/api/v1/islands")


def _renewed(response) -> str | None:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{COOKIE}="):
            assert "HttpOnly" in header and "SameSite=strict" in header and "Max-Age" not in header
            return header.split(";")[0].split("=", 1)[1]
    return None


def test_signing_in_sets_a_session_cookie_with_a_session_token(client, users):
    r = client.post("/auth/login", data={"username": "t-planner", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303
    token = _renewed(r)
    assert token is not None
    claims = _claims(token)
    assert abs(claims["sst"] - time.time()) < 60 and claims["exp"] - claims["iat"] == TTL
    # Fresh: used at once, it is not renewed.
    assert _renewed(_get(client, token)) is None


def test_a_cookie_older_than_the_token_ttl_keeps_working_after_renewal(client, users):
    planner = users["planner"]
    # Signed in 40 minutes ago, last renewed 10 minutes ago: 5 minutes left, past half its life.
    old = _cookie_token(planner, issued_ago=600, session_ago=2400)
    r = _get(client, old)
    assert r.status_code == 200
    new = _renewed(r)
    assert new is not None and new != old
    claims, before = _claims(new), _claims(old)
    assert claims["sst"] == before["sst"] and claims["ver"] == before["ver"] and claims["sub"] == before["sub"]
    assert claims["exp"] > before["exp"] and abs(claims["exp"] - (time.time() + TTL)) < 60
    r = _get(client, new)
    assert r.status_code == 200 and _renewed(r) is None  # fresh again: not renewed at once
    # Without the renewal a cookie that old would be refused: idle longer than the TTL is signed out.
    expired = _cookie_token(planner, issued_ago=TTL + 60, session_ago=2400)
    r = _get(client, expired)
    assert r.status_code == 401 and _renewed(r) is None


def test_a_session_is_not_renewed_past_its_maximum_age(client, users):
    planner = users["planner"]
    # 50 s left, 100 s before the session's end: renewed only up to that end.
    near_end = _cookie_token(planner, issued_ago=TTL - 50, session_ago=MAX - 100)
    new = _renewed(_get(client, near_end))
    assert new is not None and abs(_claims(new)["exp"] - (_claims(near_end)["sst"] + MAX)) <= 1
    # At the end: nothing more to give; once the token expires, sign in again.
    at_end = _cookie_token(planner, issued_ago=TTL - 50, session_ago=MAX, ttl=TTL)
    r = _get(client, at_end)
    assert r.status_code == 200 and _renewed(r) is None


def test_bearer_tokens_are_never_renewed(client, users):
    now = time.time()
    bearer = issue_token(users["planner"], SECRET, TTL, now=datetime.fromtimestamp(now - 800, UTC))
    r = client.get("/api/v1/islands", headers={"Authorization": f"Bearer {bearer}"})
    assert r.status_code == 200 and _renewed(r) is None
    # A session token sent as a bearer is not renewed either (only the browser's cookie is).
    session = _cookie_token(users["planner"], issued_ago=800, session_ago=2400)
    r = client.get("/api/v1/islands", headers={"Authorization": f"Bearer {session}"})
    assert r.status_code == 200 and _renewed(r) is None


def test_signing_out_revokes_a_renewed_cookie(client, users):
    old = _cookie_token(users["planner"], issued_ago=600, session_ago=2400)
    new = _renewed(_get(client, old))
    assert new is not None
    client.cookies.clear()
    client.cookies.set(COOKIE, new)
    assert client.post("/auth/logout", follow_redirects=False).status_code == 303
    for token in (old, new):
        r = _get(client, token)
        assert r.status_code == 401 and _renewed(r) is None  # refused, and no renewed cookie for it


def test_a_disabled_user_gets_no_renewed_cookie(client, users, db):
    from sqlalchemy import update

    from app.db.models import User

    old = _cookie_token(users["planner"], issued_ago=600, session_ago=2400)
    db.execute(update(User).where(User.id == users["planner"].id).values(is_active=False))
    db.commit()
    r = _get(client, old)
    assert r.status_code == 401 and _renewed(r) is None


def test_the_session_maximum_is_a_setting():
    from app.settings import AuthSettings

    assert AuthSettings().session_max_s == MAX
    assert AuthSettings(PESISIR_SESSION_MAX_S=3600).session_max_s == 3600
    assert timedelta(seconds=MAX) == timedelta(hours=12)
