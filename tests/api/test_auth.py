"""Sign-in, tokens, roles and the audit log (docs/RELIABILITY.md §C)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from app.db.models import AuditLog, User
from app.errors import SetupError
from app.main import create_app
from app.security import issue_token
from app.settings import AuthSettings, DatabaseSettings, ServerSettings, Settings
from tests.fixtures_db import PASSWORD, SECRET


def _login(client, username, password=PASSWORD):
    return client.post("/auth/token", data={"username": username, "password": password})


def test_password_flow_gives_a_bearer_token_that_works(client, users):
    r = _login(client, "t-planner")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 900
    claims = jwt.decode(body["access_token"], SECRET, algorithms=["HS256"], issuer="pesisir")
    assert claims["sub"] == str(users["planner"].id) and claims["exp"] - claims["iat"] == 900
    auth = {"Authorization": f"Bearer {body['access_token']}"}
    assert client.get("/api/v1/harbours", headers=auth).status_code == 200


def test_wrong_password_and_unknown_user_get_the_same_401(client, users):
    a, b = _login(client, "t-planner", "wrong password!"), _login(client, "nobody-here", "wrong password!")
    assert a.status_code == b.status_code == 401 and a.json() == b.json()
    assert a.headers["www-authenticate"] == "Bearer"


def test_stored_hashes_are_argon2id(db, users, password_hash):
    stored = db.execute(select(User.password_hash).where(User.id == users["admin"].id)).scalar_one()
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_disabled_user_is_refused_at_once(client, headers, users, db):
    assert client.get("/api/v1/islands", headers=headers["planner"]).status_code == 200
    db.execute(update(User).where(User.id == users["planner"].id).values(is_active=False))
    db.commit()  # releases the test's savepoint; the outer transaction is still rolled back at the end
    assert client.get("/api/v1/islands", headers=headers["planner"]).status_code == 401
    assert _login(client, "t-planner").status_code == 401


@pytest.mark.parametrize(
    "make",
    [
        lambda p: jwt.encode({"sub": str(p.id), "iss": "pesisir", "iat": 1, "exp": 2**40}, key=None, algorithm="none"),
        lambda p: issue_token(p, SECRET, 60, now=datetime.now(UTC) - timedelta(hours=1)),  # expired
        lambda p: issue_token(p, SECRET, 900)[:-4] + "AAAA",  # tampered signature
        lambda p: issue_token(p, "another-secret-" + "y" * 40, 900),  # other key
        lambda p: jwt.encode({"sub": str(p.id), "iss": "pesisir", "iat": 1, "exp": 2**40}, SECRET, algorithm="HS512"),
        lambda p: "not.a.token",
    ],
    ids=["alg-none", "expired", "tampered", "other-key", "other-alg", "garbage"],
)
def test_bad_tokens_are_401(client, users, make):
    r = client.get("/api/v1/islands", headers={"Authorization": f"Bearer {make(users['admin'])}"})
    assert r.status_code == 401


def test_no_credentials_is_401(client):
    assert client.get("/api/v1/islands").status_code == 401


def test_login_rate_limit_per_username(client, users):
    for _ in range(5):
        assert _login(client, "t-intelligence", "wrong password!").status_code == 401
    r = _login(client, "t-intelligence")  # even the right password, the 6th time within a minute
    assert r.status_code == 429
    assert 1 <= int(r.headers["retry-after"]) <= 60
    assert _login(client, "t-admin").status_code == 200  # other usernames are unaffected


@pytest.fixture
def limiter_of(engine):
    """A login limiter on the test database, with none of the earlier tests' attempts."""
    from app.db.session import make_sessionmaker
    from app.services.login_limiter import LoginLimiter
    from tests.fixtures_db import clear_login_limits

    clear_login_limits(engine)
    yield lambda *a, **k: LoginLimiter(make_sessionmaker(engine), *a, **k)
    clear_login_limits(engine)


def test_limiter_window_slides(limiter_of):
    lim = limiter_of(2, window_s=60)
    lim.hit("a", now=0)
    lim.hit("A ", now=1)
    with pytest.raises(Exception, match="retry in 58 s"):
        lim.hit("a", now=2)
    lim.hit("a", now=61)


@pytest.mark.parametrize("secret", [None, "secret", "short-but-not-default"])
def test_production_refuses_a_missing_default_or_short_secret(secret):
    s = Settings(
        database=DatabaseSettings(url="postgresql://u@127.0.0.1:9/x"),
        server=ServerSettings(environment="production"),
        auth=AuthSettings(secret_key=secret),
    )
    with pytest.raises(SetupError, match="PESISIR_SECRET_KEY"):
        create_app(s)


def test_production_hides_the_docs():
    s = Settings(
        database=DatabaseSettings(url="postgresql://u@127.0.0.1:9/x"),
        server=ServerSettings(environment="production"),
        auth=AuthSettings(secret_key="z" * 40),
    )
    with TestClient(create_app(s)) as c:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert c.get(path).status_code in (401, 404), path


def test_browser_login_sets_a_cookie_for_the_map(client, users):
    assert client.get("/map", follow_redirects=False).headers["location"] == "/login?next=/map"
    assert "password" in client.get("/login").text
    r = client.post(
        "/auth/login", data={"username": "t-planner", "password": PASSWORD, "next": "/map"}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == "/map"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert client.get("/map").status_code == 200
    # The cookie does not authorise writes (no cross-site form can post a landing with it).
    assert client.post("/api/v1/scores/refresh").status_code == 401


def test_harbourmaster_gets_403_on_the_risk_map(client, headers):
    assert client.get("/map", headers=headers["harbourmaster"]).status_code == 403


def test_audit_log_is_admin_only_and_append_only(client, headers, db, users):
    db.execute(text("INSERT INTO audit_log (actor, action, object_type) VALUES ('t', 'test', 'thing')"))
    db.commit()
    r = client.get("/api/v1/audit", params={"object_type": "thing"}, headers=headers["admin"])
    assert r.status_code == 200 and r.json()["items"][0]["action"] == "test"
    for role in ("intelligence", "planner", "harbourmaster"):
        assert client.get("/api/v1/audit", headers=headers[role]).status_code == 403
    for stmt in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
            db.execute(text(stmt))
    assert db.execute(select(AuditLog).where(AuditLog.object_type == "thing")).scalar_one().actor == "t"


def test_users_cli_create_list_disable_set_password(cluster, scratch):
    import os
    import subprocess
    import sys
    import uuid

    dbname, engine = scratch
    env = {**os.environ, "PESISIR_DATA_DIR": str(cluster.data_dir), "PESISIR_DATABASE_NAME": dbname}
    env.pop("PESISIR_DATABASE_URL", None)
    name = f"cli-{uuid.uuid4().hex[:6]}"

    def run(*args, input=None):
        return subprocess.run(
            [sys.executable, "-m", "app", "users", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            input=input,
        )

    r = run(
        "create", "--username", name, "--role", "harbourmaster", "--harbour", "sapeken", "--password", "long enough pw"
    )
    assert r.returncode == 0 and "harbour sapeken" in r.stdout, r.stderr
    r = run("create", "--username", name + "x", "--role", "harbourmaster", "--password", "long enough pw")
    assert r.returncode == 1 and "harbour" in r.stderr
    r = run("create", "--username", name + "p", "--role", "planner", input="prompted password\nprompted password\n")
    assert r.returncode == 0, r.stderr
    assert name in run("list").stdout
    assert run("set-password", name, "--password", "another long pw").returncode == 0
    assert run("disable", name).returncode == 0
    line = next(ln for ln in run("list").stdout.splitlines() if f" {name} " in ln)
    assert line.rstrip().endswith("disabled")
    with engine.connect() as c:
        actions = (
            c.execute(text("SELECT action FROM audit_log WHERE object_type='user' AND actor LIKE 'cli%' ORDER BY id"))
            .scalars()
            .all()
        )
    assert {"create", "set_password", "disable"} <= set(actions)


def _app_client(settings, engine, db, *, server=None, auth=None):
    """A test client on the test's transaction with some settings changed."""
    from tests.fixtures_db import _override_session, clear_login_limits

    s = settings.model_copy(
        update={
            "server": settings.server.model_copy(update=server or {}),
            "auth": settings.auth.model_copy(update=auth or {}),
        }
    )
    clear_login_limits(engine)
    app = create_app(s, engine=engine)
    _override_session(app, db)
    return TestClient(app)


def test_long_usernames_are_refused_before_the_limiter(client, users):
    """R2-02: a username over 64 characters is a 422 on both sign-in routes, never a key of the limiter."""
    long = "u" * 65
    r = _login(client, long, "wrong password!")
    assert r.status_code == 422 and "username" in r.text
    assert _login(client, "x" * 1_000_000, "p").status_code in (413, 422)
    r = client.post("/auth/login", data={"username": long, "password": "wrong password!"})
    assert r.status_code == 422
    assert _login(client, "t-planner").status_code == 200  # the refused ones were not counted


def test_login_limiter_memory_is_bounded_by_time_and_size(limiter_of):
    """R2-02: however many usernames and addresses it has seen, the limiter holds at most ``max_keys`` per table,
    and nothing once their window has passed (its tables in PostgreSQL, shared by the server's workers)."""
    lim = limiter_of(5, window_s=60, max_keys=100)
    for i in range(1_000):
        lim.hit(f"user-{i}-" + "x" * 50, f"10.{i // 65536}.{i // 256 % 256}.{i % 256}", now=i / 1000)
    assert lim.size() <= 3 * 100
    for i in range(300):  # users who signed in: their known addresses are bounded the same way
        lim.succeeded(f"user-{i}-" + "x" * 50, f"10.{i // 65536}.{i // 256 % 256}.{i % 256}", now=1 + i / 1000)
    assert lim.size() <= 4 * 100
    lim.hit("late", "192.0.2.1", now=1000.0)  # every earlier window has passed
    assert lim.size() == 3 + 100  # the known addresses last 30 days
    lim.hit("later", "192.0.2.1", now=1000.0 + 31 * 86_400)
    lim.succeeded("later", "192.0.2.1", now=1000.0 + 31 * 86_400)
    assert lim.size() == 3 + 1


def test_wrong_passwords_from_another_address_do_not_lock_the_owner_out(settings, engine, db, users):
    """R2-05: the owner signs in from their usual address while an attacker's address (and any other new one) is
    throttled for that username; X-Forwarded-For counts only from a trusted proxy."""
    with _app_client(settings, engine, db, server={"trusted_proxies": ["testclient"]}) as c:

        def login(address, password=PASSWORD, username="t-planner"):
            return c.post(
                "/auth/token",
                data={"username": username, "password": password},
                headers={"X-Forwarded-For": address},
            )

        owner, attacker = "198.51.100.7", "203.0.113.9"
        assert login(owner).status_code == 200
        for _ in range(5):
            assert login(attacker, "wrong password!").status_code == 401
        assert login(attacker).status_code == 429
        assert login("203.0.113.10", "wrong password!").status_code == 429  # changing addresses does not help
        r = login(owner)
        assert r.status_code == 200, r.text
    # Without a trusted proxy the header is ignored: every attempt is the connection's own address.
    with _app_client(settings, engine, db) as c:
        for i in range(5):
            r = c.post(
                "/auth/token",
                data={"username": "t-admin", "password": "wrong password!"},
                headers={"X-Forwarded-For": f"192.0.2.{i}"},
            )
            assert r.status_code == 401
        r = c.post(
            "/auth/token", data={"username": "t-admin", "password": PASSWORD}, headers={"X-Forwarded-For": "192.0.2.99"}
        )
        assert r.status_code == 429


def test_unknown_usernames_from_one_address_are_throttled_before_hashing(settings, engine, db, users, monkeypatch):
    """R2-05: spraying random usernames from one address stops at the per-address limit, and a refused attempt
    costs no password hash."""
    from app.security import _hasher

    calls = []
    original = _hasher.verify_and_update
    monkeypatch.setattr(_hasher, "verify_and_update", lambda *a: calls.append(1) or original(*a))
    with _app_client(settings, engine, db, auth={"login_attempts_per_address_per_minute": 6}) as c:
        codes = [_login(c, f"nobody-{i}", "wrong password!").status_code for i in range(8)]
    assert codes == [401] * 6 + [429] * 2
    assert len(calls) == 6


def test_tokens_are_refused_after_sign_out(client, users):
    """R2-08: signing out revokes every token of the user, the one used and those of other devices, at once."""
    first, second = (_login(client, "t-planner").json()["access_token"] for _ in range(2))
    for token in (first, second):
        assert client.get("/api/v1/islands", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    r = client.post("/auth/logout", headers={"Authorization": f"Bearer {first}"}, follow_redirects=False)
    assert r.status_code == 303
    for token in (first, second):
        assert client.get("/api/v1/islands", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    fresh = _login(client, "t-planner").json()["access_token"]
    assert client.get("/api/v1/islands", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200


def test_the_maps_cookie_is_refused_after_sign_out(client, users):
    r = client.post("/auth/login", data={"username": "t-planner", "password": PASSWORD}, follow_redirects=False)
    cookie = r.cookies["pesisir_token"]
    assert client.get("/api/v1/islands").status_code == 200
    assert client.post("/auth/logout", follow_redirects=False).status_code == 303
    client.cookies.clear()
    assert client.get("/api/v1/islands", cookies={"pesisir_token": cookie}).status_code == 401


def test_a_page_asked_with_a_cookie_no_longer_valid_goes_to_the_login_page(client, users):
    """A browser page never shows a JSON 401: a revoked (signed out), tampered or unknown cookie is answered like no
    cookie, a redirect to the login page that comes back to the page; the API still answers 401."""
    r = client.post("/auth/login", data={"username": "t-planner", "password": PASSWORD}, follow_redirects=False)
    cookie = r.cookies["pesisir_token"]
    assert client.post("/auth/logout", follow_redirects=False).status_code == 303
    client.cookies.clear()
    for stale in (cookie, cookie[:-4] + "AAAA", "not-a-token"):
        client.cookies.set("pesisir_token", stale)
        page = client.get("/map?season=west&lang=en", follow_redirects=False)
        assert page.status_code == 303, (stale[-8:], page.text[:200])
        assert page.headers["location"] == "/login?next=/map%3Fseason%3Dwest%26lang%3Den&lang=en"
        assert client.get("/report", follow_redirects=False).headers["location"].startswith("/login?next=/report")
        assert client.get("/api/v1/islands").status_code == 401
        client.cookies.clear()


def test_tokens_are_refused_after_a_password_change(client, users, db):
    from app.services import users as user_service

    token = _login(client, "t-planner").json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/islands", headers=auth).status_code == 200
    user_service.set_password(db, "t-planner", "a new long password")
    db.commit()
    assert client.get("/api/v1/islands", headers=auth).status_code == 401
    assert _login(client, "t-planner", "a new long password").status_code == 200
