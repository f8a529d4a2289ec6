"""Browser tests: the real service on loopback, with base and demo data committed in a database of its own,
driven by Debian's headless Chromium through Playwright (no browser download)."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy import create_engine

from app.db import migrate
from app.db.cluster import LocalCluster
from app.db.session import make_sessionmaker, unit_of_work
from app.main import create_app
from app.services import base_data, demo
from app.settings import DatabaseSettings, Settings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # this machine has no internet: no calls home
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_url(cluster: LocalCluster) -> Iterator[str]:
    name = "pesisir_browser"
    cluster.create_database(name)
    engine = create_engine(cluster.url(name))
    migrate.upgrade(engine)
    with unit_of_work(make_sessionmaker(engine)) as s:
        base_data.load_base(s)
        demo.load_demo(s, seed=7)
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
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        raise RuntimeError(
            "Chromium is missing: run 'make test' (it installs Debian's chromium) or apt-get install chromium"
        )
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
