"""Crash safety with a real server process on loopback (docs/RELIABILITY.md DL-06/07/08): kill -9 while a client streams
reports with retries, and PostgreSQL stopped and started under requests."""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlalchemy import create_engine, text

from app.db.cluster import LocalCluster
from tests.api.helpers import landing
from tests.system.server import Server, prepare_database

SECRET = "crash-test-secret-" + "k" * 40


def _send_with_retries(client: httpx.Client, auth: dict[str, str], body: dict, deadline: float) -> int:
    """What a harbour device does: same key and body until a 201/200 with the expected JSON comes back."""
    headers = {**auth, "Idempotency-Key": f"k-{body['client_uuid']}"}
    while time.monotonic() < deadline:
        try:
            r = client.post("/api/v1/landings", json=body, headers=headers)
        except httpx.TransportError:
            time.sleep(0.1)
            continue
        if r.status_code in (200, 201) and r.json().get("client_uuid") == body["client_uuid"]:
            return r.status_code
        assert r.status_code == 503, r.text  # never a 500
        time.sleep(0.1)
    raise AssertionError("no answer before the deadline")


def test_kill_9_while_streaming_1000_reports_loses_and_duplicates_nothing(cluster):
    name = f"pesisir_crash_{uuid.uuid4().hex[:6]}"
    auth = prepare_database(cluster, name, SECRET)
    server = Server(cluster, name, SECRET)
    server.start()
    bodies = [landing() for _ in range(1000)]
    sent = [0]
    errors: list[BaseException] = []
    deadline = time.monotonic() + 150

    def worker(chunk: list[dict]) -> None:
        try:
            with httpx.Client(base_url=server.base, timeout=10) as c:
                for b in chunk:
                    _send_with_retries(c, auth, b, deadline)
                    sent[0] += 1
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(bodies[i::4],)) for i in range(4)]
    try:
        for t in threads:
            t.start()
        while sent[0] < 300:
            time.sleep(0.01)
        server.kill()  # mid-stream: some requests are in flight, some transactions open
        killed_at = sent[0]
        time.sleep(0.5)
        server.start()
        for t in threads:
            t.join()
    finally:
        server.stop()
    assert not errors, errors
    assert 300 <= killed_at < 1000
    eng = create_engine(cluster.url(name))
    with eng.connect() as c:
        total, distinct = c.execute(text("SELECT count(*), count(DISTINCT client_uuid) FROM landings")).one()
        stored = set(c.execute(text("SELECT client_uuid::text FROM landings")).scalars())
    eng.dispose()
    cluster.drop_database(name)
    assert total == distinct == 1000
    assert stored == {b["client_uuid"] for b in bodies}


@pytest.fixture
def own_cluster():
    """A cluster of this test's own: stopping the shared one would disturb the other tests."""
    tmp = Path(tempfile.mkdtemp(prefix="pesisir-pgstop-", dir="/tmp"))
    tmp.chmod(0o755)
    c = LocalCluster(tmp, dbname="pesisir_pgstop")
    c.start()
    yield c
    c.stop()
    shutil.rmtree(tmp, ignore_errors=True)


def test_postgres_restart_gives_503_with_retry_after_then_recovers_without_restarting_pesisir(own_cluster):
    auth = prepare_database(own_cluster, own_cluster.dbname, SECRET)
    server = Server(own_cluster, own_cluster.dbname, SECRET)
    server.start()
    try:
        with httpx.Client(base_url=server.base, timeout=10) as c:
            before = c.post("/api/v1/landings", json=landing(), headers={**auth, "Idempotency-Key": str(uuid.uuid4())})
            assert before.status_code == 201
            statuses: list[int] = []
            stop = threading.Event()

            def hammer() -> None:
                with httpx.Client(base_url=server.base, timeout=10) as h:
                    while not stop.is_set():
                        r = h.post(
                            "/api/v1/landings", json=landing(), headers={**auth, "Idempotency-Key": str(uuid.uuid4())}
                        )
                        statuses.append(r.status_code)

            t = threading.Thread(target=hammer)
            t.start()
            time.sleep(0.3)
            own_cluster.stop()
            body = landing()
            k = {**auth, "Idempotency-Key": str(uuid.uuid4())}
            down = c.post("/api/v1/landings", json=body, headers=k)
            assert down.status_code == 503 and down.headers["retry-after"] == "5"
            assert "Traceback" not in down.text and "password" not in down.text
            assert c.get("/healthz").status_code == 503
            time.sleep(0.5)
            own_cluster.start()
            stop.set()
            t.join()
            again = c.post("/api/v1/landings", json=body, headers=k)  # the same process, the same key
            assert again.status_code == 201, again.text
            assert c.post("/api/v1/landings", json=body, headers=k).headers["idempotent-replayed"] == "true"
            assert set(statuses) <= {201, 503} and 503 in statuses, server.errors()
            assert server.proc is not None and server.proc.poll() is None
    finally:
        server.stop()
    eng = create_engine(own_cluster.url())
    with eng.connect() as conn:
        n = conn.execute(
            text("SELECT count(*) FROM landings WHERE client_uuid = :u"), {"u": body["client_uuid"]}
        ).scalar_one()
    eng.dispose()
    assert n == 1
