"""Shared fixtures: a throwaway PostGIS cluster per test run, migrations applied, base data loaded once, and
one rolled-back transaction per test. A database test never skips: if the cluster cannot start, it errors."""

from __future__ import annotations

import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session

from app.db import migrate
from app.db.cluster import LocalCluster
from app.db.session import make_sessionmaker, unit_of_work
from app.deps import get_session
from app.main import create_app
from app.services import base_data, demo, risk
from app.settings import DatabaseSettings, DemoSettings, ServerSettings, Settings

TEST_DB = "pesisir_test"


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
        server=ServerSettings(port=8000),
        demo=DemoSettings(seed=7, enabled=True),
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
    """The HTTP service on the test database; its requests share the test's rolled-back transaction."""
    app = create_app(settings, engine=engine)

    def _session() -> Iterator[Session]:
        yield db
        db.flush()

    app.dependency_overrides[get_session] = _session
    with TestClient(app) as c:
        yield c


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_url(cluster: LocalCluster) -> Iterator[str]:
    """The real service on a loopback port, on a database of its own with base and demo data committed."""
    name = "pesisir_browser"
    cluster.create_database(name)
    engine = create_engine(cluster.url(name))
    migrate.upgrade(engine)
    with unit_of_work(make_sessionmaker(engine)) as s:
        base_data.load_base(s)
        demo.load_demo(s, seed=7)
        risk.segment(s)
        risk.score(s, season="annual")
    settings = Settings(database=DatabaseSettings(data_dir=cluster.data_dir, name=name))
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
    finally:
        engine.dispose()
    return Settings(database=DatabaseSettings(data_dir=cluster.data_dir, name=name))


@pytest.fixture(scope="session")
def published(published_settings: Settings) -> Iterator[TestClient]:
    """The HTTP service on the published-layers database (each request its own session, as in production)."""
    with TestClient(create_app(published_settings)) as c:
        yield c
