"""Fixtures of the tests that need the database or the service (tests/db, tests/api, tests/browser, tests/system):
a throwaway PostGIS cluster per test run, migrations applied, base data loaded once, one rolled-back transaction
per test, and the service on it. A database test never skips: if the cluster cannot start, it errors.

A pytest plugin, not the top-level conftest: the conftest of each of those folders registers it, so that
``pytest tests/geo`` imports neither the web stack nor the database driver (geo/ is a pure library, and its tests
run without them: tests/test_geo_alone.py checks)."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from app.db import migrate
from app.db.cluster import LocalCluster
from app.db.rls import APP_ROLE
from app.db.session import make_sessionmaker, unit_of_work
from app.deps import get_session, request_transaction
from app.main import create_app
from app.security import Principal, hash_password, issue_token
from app.services import base_data, demo, risk
from app.services import users as user_service
from app.settings import (
    AlertSettings,
    AuthSettings,
    DatabaseSettings,
    DemoSettings,
    RoutesSettings,
    ServerSettings,
    Settings,
)
from tests import shared

# The test client calls itself "testserver": every app built in the tests (their settings read the environment for
# what they do not set) answers to it besides the default hosts (docs/RELIABILITY.md R2-09).
os.environ["PESISIR_ALLOWED_HOSTS"] = '["testserver", "localhost", "127.0.0.1", "::1"]'

TEST_DB = "pesisir_test"
SECRET = "test-secret-" + "x" * 40
PASSWORD = "correct horse battery"
ROLES = ("admin", "intelligence", "harbourmaster", "planner")
LIVE_USER = "live-intelligence"
"""An intelligence officer (the map's full scope) committed in ``live_url``'s database, password ``PASSWORD``."""
LIVE_HARBOURMASTER = "live-harbourmaster"
"""Kalianget's harbourmaster in ``live_url``'s database (the reporting page), password ``PASSWORD``."""


@pytest.fixture(scope="session")
def cluster() -> Iterator[LocalCluster]:
    # Under /tmp (not /root): as root the server runs as postgres, which must reach the directory.
    tmp = Path(tempfile.mkdtemp(prefix="pesisir-test-", dir="/tmp"))
    tmp.chmod(0o755)
    c = LocalCluster(tmp, dbname=TEST_DB)
    try:
        c.start()
        yield c
    finally:
        c.stop()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def settings(cluster: LocalCluster) -> Settings:
    return Settings(
        database=DatabaseSettings(data_dir=cluster.data_dir, name=TEST_DB),
        server=ServerSettings(port=8000, rescore_interval_s=0),
        demo=DemoSettings(seed=7, enabled=True),
        auth=AuthSettings(secret_key=SECRET),
        # Empty until a test asks for ``sea_graph``, which builds the graph there once per run.
        routes=RoutesSettings(dir=cluster.data_dir / "routes"),
        # No background alert delivery in the test apps (tests/db/test_alert_delivery.py sends the outbox itself).
        alerts=AlertSettings(delivery_interval_s=0),
    )


@pytest.fixture(scope="session")
def engine(cluster: LocalCluster) -> Iterator[Engine]:
    """The test database, migrated to head, with Pesisir's base layers committed once."""
    eng = create_engine(cluster.url(TEST_DB))
    migrate.upgrade(eng)
    with unit_of_work(make_sessionmaker(eng)) as s:
        base_data.load_base(s)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def scratch(cluster: LocalCluster) -> Iterator[tuple[str, Engine]]:
    """A second database with the base layers, for tests that must commit (concurrency, CLI subprocesses):
    what they leave behind does not disturb the tests that count rows in the main test database."""
    name = "pesisir_scratch"
    cluster.create_database(name)
    eng = create_engine(cluster.url(name))
    migrate.upgrade(eng)
    with unit_of_work(make_sessionmaker(eng)) as s:
        base_data.load_base(s)
    yield name, eng
    eng.dispose()
    cluster.drop_database(name)


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test: tests never see each other's writes."""
    conn = engine.connect()
    outer = conn.begin()
    session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        conn.close()


@pytest.fixture
def client(settings: Settings, engine: Engine, db: Session) -> Iterator[TestClient]:
    """The HTTP service on the test database; its requests share the test's rolled-back transaction and run as
    the application role, as in production (row-level security and grants apply; the test's own code in between
    stays the owner)."""
    clear_login_limits(engine)
    app = create_app(settings, engine=engine)
    _override_session(app, db)
    with TestClient(app) as c:
        yield c


def clear_login_limits(engine: Engine) -> None:
    """Forget every login attempt: the limiter's state is in the database (shared by a server's worker processes),
    so it outlives the app of one test, as it outlives a worker. Each test starts with none."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM login_windows; DELETE FROM login_known_addresses"))


def _override_session(app: FastAPI, db: Session) -> None:
    """Make ``app``'s requests share the test's transaction ``db``, each as the application role."""

    def _session() -> Iterator[Session]:
        # As in production, one unit of work per request: here a savepoint released or rolled back.
        try:
            with request_transaction(db):
                db.execute(text(f"SET LOCAL ROLE {APP_ROLE}"))
                yield db
        finally:
            # Back to the owner, with no row-level security context left over for the next request.
            db.get_bind().exec_driver_sql(RESET_ROLE)

    app.dependency_overrides[get_session] = _session


RESET_ROLE = (
    "RESET ROLE; "
    "SELECT set_config('pesisir.scope', '', true), set_config('pesisir.harbour_id', '', true), "
    "set_config('pesisir.user_id', '', true)"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_url(cluster: LocalCluster) -> Iterator[str]:
    """The real service on a loopback port, on a database of its own with base and demo data committed, and an
    intelligence officer ``LIVE_USER`` and Kalianget's harbourmaster ``LIVE_HARBOURMASTER`` (password ``PASSWORD``)
    to sign in with."""
    name = "pesisir_browser"
    cluster.create_database(name)
    engine = create_engine(cluster.url(name))
    migrate.upgrade(engine)
    with unit_of_work(make_sessionmaker(engine)) as s:
        base_data.load_base(s)
        demo.load_demo(s, seed=7)
        risk.segment(s)
        risk.score(s, season="annual")
        user_service.create_user(s, username=LIVE_USER, role="intelligence", harbour=None, password=PASSWORD)
        user_service.create_user(
            s, username=LIVE_HARBOURMASTER, role="harbourmaster", harbour="kalianget", password=PASSWORD
        )
    settings = Settings(
        database=DatabaseSettings(data_dir=cluster.data_dir, name=name),
        # Browser and GDAL tests all sign in as LIVE_USER within a minute; the login limit has tests of its own.
        auth=AuthSettings(
            secret_key=SECRET, login_attempts_per_minute=1000, login_attempts_per_address_per_minute=10_000
        ),
    )
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


@pytest.fixture(scope="session")
def password_hash() -> str:
    return hash_password(PASSWORD)


@pytest.fixture
def users(db: Session, password_hash: str) -> dict[str, Principal]:
    """One user per role (the harbourmaster at Kalianget) plus ``harbourmaster_b`` at Sapeken, in the test's
    rolled-back transaction."""
    from sqlalchemy import select

    from app.db.models import Harbour, User

    harbours = {slug: id_ for slug, id_ in db.execute(select(Harbour.slug, Harbour.id))}
    spec = [(r, r, harbours["kalianget"] if r == "harbourmaster" else None) for r in ROLES]
    spec.append(("harbourmaster_b", "harbourmaster", harbours["sapeken"]))
    out = {}
    for name, role, harbour_id in spec:
        u = User(username=f"t-{name}", role=role, harbour_id=harbour_id, password_hash=password_hash)
        db.add(u)
        db.flush()
        out[name] = Principal(u.id, u.username, role, harbour_id)
    db.commit()  # release the savepoint: a failed request rolls back only its own work
    return out


@pytest.fixture
def headers(users: dict[str, Principal]) -> dict[str, dict[str, str]]:
    """Authorization headers per role name (and ``anonymous``: none)."""
    out = {name: {"Authorization": f"Bearer {issue_token(p, SECRET, 900)}"} for name, p in users.items()}
    out["anonymous"] = {}
    return out


@pytest.fixture
def as_planner(client: TestClient, headers: dict[str, dict[str, str]]) -> TestClient:
    """The test client with the planner's bearer token on every request."""
    client.headers.update(headers["planner"])
    return client


@pytest.fixture(scope="session")
def published_settings(cluster: LocalCluster) -> Settings:
    """A database of its own with base and demo data, segments and scores committed once: what the published
    layers (exports, tiles, OGC API Features) are read from. Tests must not write to it."""
    from app.services import risk

    name = "pesisir_published"
    cluster.create_database(name)
    engine = create_engine(cluster.url(name))
    try:
        migrate.upgrade(engine)
        with unit_of_work(make_sessionmaker(engine)) as s:
            base_data.load_base(s)
            demo.load_demo(s, seed=11, n_incidents=300, n_landings=600)
            risk.segment(s)
            risk.score(s)
            for role in ("planner", "intelligence"):
                user_service.create_user(s, username=f"pub-{role}", role=role, harbour=None, password=PASSWORD)
    finally:
        engine.dispose()
    # Its tests sign in as pub-<role> many times a minute from one address; the login limits have tests of their own.
    auth = AuthSettings(secret_key=SECRET, login_attempts_per_minute=1000, login_attempts_per_address_per_minute=10_000)
    return Settings(database=DatabaseSettings(data_dir=cluster.data_dir, name=name), auth=auth)


@pytest.fixture(scope="session")
def published(published_settings: Settings) -> Iterator[TestClient]:
    """The HTTP service on the published-layers database (each request its own session, as in production),
    signed in as a planner (``published_token(role)`` gives another role's bearer token)."""
    with TestClient(create_app(published_settings)) as c:
        c.headers["Authorization"] = f"Bearer {published_token(c, 'planner')}"
        yield c


def published_token(client: TestClient, role: str) -> str:
    """A bearer token of the published database's ``pub-<role>`` user, from the real sign-in."""
    r = client.post("/auth/token", data={"username": f"pub-{role}", "password": PASSWORD})
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


@pytest.fixture
def places(db: Session) -> Session:
    """The test's session, with the routes' places (data/routes/places.csv, loaded with the base layers)."""
    return db


@pytest.fixture(scope="session")
def sea_graph(settings: Settings, pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sea graph of the committed data, built once per test run (tens of seconds; once across workers too:
    tests/shared.py) into the run's temporary folder ``seagraph`` (where the geo tests' ``sea_graph`` builds or finds
    it: one build for both) and copied to the test settings' routes directory, which the ``client`` fixture's service
    reads. Returns that directory."""
    from app.services import routes

    graph = shared.sea_graph(pytestconfig, tmp_path_factory)
    settings.routes_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy2(
        shared.seagraph_dir(pytestconfig, tmp_path_factory) / f"seagraph-{graph.version}.npz", settings.routes_dir
    )
    routes.ensure_graph(settings.routes_dir)
    return settings.routes_dir
