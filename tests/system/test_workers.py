"""Several worker processes behave as one (docs/RELIABILITY.md R2-10): a real ``pesisir serve`` with
PESISIR_WORKERS=2 on the test cluster. The login limit, the export turns and revocation hold across the workers.

Which worker answers is not left to chance: each test's HTTP connections are mapped to the worker process that
accepted them, from the operating system's own tables (the server's established sockets in ``/proc/net/tcp`` and
each worker's file descriptors), and the requests are sent alternately over a connection of each worker. The
service itself has no debug route for this."""

from __future__ import annotations

import http.client
import json
import os
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import pytest
from sqlalchemy import create_engine

from app.db.cluster import LocalCluster
from app.db.session import make_sessionmaker, unit_of_work
from app.services import users
from tests.system.server import Server, prepare_database

SECRET = "workers-test-secret-" + "w" * 40
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def server(cluster: LocalCluster) -> Iterator[Server]:
    name = f"pesisir_workers_{uuid.uuid4().hex[:6]}"
    prepare_database(cluster, name, SECRET)
    eng = create_engine(cluster.url(name))
    with unit_of_work(make_sessionmaker(eng)) as s:
        for username in ("w-guessed", "w-revoked", "w-exporter"):
            users.create_user(s, username=username, role="intelligence", harbour=None, password=PASSWORD)
    eng.dispose()
    srv = Server(cluster, name, SECRET, workers=2)
    srv.start(timeout_s=60)
    try:
        yield srv
    finally:
        srv.stop()
        cluster.drop_database(name)


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    fd_dir = Path(f"/proc/{pid}/fd")
    for fd in fd_dir.iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if m := re.fullmatch(r"socket:\[(\d+)\]", target):
            inodes.add(m.group(1))
    return inodes


def _worker_of(server: Server, client_port: int) -> int | None:
    """The worker process holding the server's end of the connection from ``client_port``."""
    owners = {inode: pid for pid in server.worker_pids() for inode in _socket_inodes(pid)}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port, remote_port, inode = int(fields[1][-4:], 16), int(fields[2][-4:], 16), fields[9]
            if local_port == server.port and remote_port == client_port and inode in owners:
                return owners[inode]
    return None


def connections_per_worker(server: Server, per_worker: int = 2) -> dict[int, list[http.client.HTTPConnection]]:
    """Kept-alive connections, ``per_worker`` to each worker, opened until the kernel has handed enough of them to
    each (it chooses which worker accepts; many new connections reach both)."""
    pids = server.worker_pids()
    assert len(pids) == 2, f"expected two worker processes, found {pids}"
    found: dict[int, list[http.client.HTTPConnection]] = {pid: [] for pid in pids}
    spare = []
    for _ in range(200):
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        conn.request("GET", "/healthz")
        conn.getresponse().read()  # accepted and answered: the connection now lives in one worker
        pid = _worker_of(server, conn.sock.getsockname()[1])
        if pid is not None and len(found[pid]) < per_worker:
            found[pid].append(conn)
        else:
            spare.append(conn)
        if all(len(c) >= per_worker for c in found.values()):
            break
    for conn in spare:
        conn.close()
    assert all(len(c) >= per_worker for c in found.values()), {p: len(c) for p, c in found.items()}
    return found


def _request(
    conn: http.client.HTTPConnection, method: str, path: str, *, form: dict | None = None, token: str | None = None
) -> tuple[int, dict[str, str], bytes]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()


def _login(conn: http.client.HTTPConnection, username: str, password: str = PASSWORD) -> tuple[int, dict, bytes]:
    return _request(conn, "POST", "/auth/token", form={"username": username, "password": password})


def test_the_login_limit_holds_across_two_workers(server):
    """Five wrong passwords for one username, alternately on each worker, then the sixth attempt (the right
    password) on either worker: 429 with Retry-After, as with one process (docs/RELIABILITY.md AZ-10)."""
    (a, b) = (conns[0] for conns in connections_per_worker(server).values())
    for i in range(5):
        status, _, _ = _login((a, b)[i % 2], "w-guessed", "wrong password!")
        assert status == 401
    for conn in (b, a):
        status, headers, body = _login(conn, "w-guessed")
        assert status == 429, body
        assert 1 <= int(headers["retry-after"]) <= 60
        assert b"too many login attempts" in body
    assert _login(a, "w-revoked")[0] == 200  # other usernames are unaffected


def test_sign_out_on_one_worker_revokes_the_token_on_the_other(server):
    """R2-08 across workers: the token works on both; signed out on one, it is refused on both."""
    (a, b) = (conns[0] for conns in connections_per_worker(server).values())
    status, _, body = _login(a, "w-revoked")
    assert status == 200, body
    token = json.loads(body)["access_token"]
    for conn in (a, b):
        assert _request(conn, "GET", "/api/v1/islands", token=token)[0] == 200
    assert _request(b, "POST", "/auth/logout", token=token)[0] == 303
    for conn in (a, b):
        assert _request(conn, "GET", "/api/v1/islands", token=token)[0] == 401


def test_an_export_on_one_worker_holds_the_users_turn_on_the_other(server, cluster):
    """LD-03 across workers: while a user's export runs in one worker (held up here by a lock on the table it
    reads), the same user's export on the other worker is refused with 429 and Retry-After; once the first has
    finished, the turn is free on both."""
    (a, b) = (conns[0] for conns in connections_per_worker(server).values())
    status, _, body = _login(a, "w-exporter")
    assert status == 200, body
    token = json.loads(body)["access_token"]
    path = "/api/v1/export/islands.geojson"
    with psycopg.connect(cluster.conninfo(server.dbname)) as locker:
        locker.execute("LOCK TABLE islands IN ACCESS EXCLUSIVE MODE")  # held until the rollback below
        a.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        deadline = time.monotonic() + 20
        while True:  # the export in worker A has taken its turn and waits for the table
            locker.execute("SELECT pg_stat_clear_snapshot()")  # else one snapshot per transaction
            waiting = locker.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE '%islands%'"
            ).fetchone()
            if waiting and waiting[0] > 0:
                break
            assert time.monotonic() < deadline, "the first export never reached the database"
            time.sleep(0.05)
        status, headers, body = _request(b, "GET", path, token=token)
        assert status == 429, body
        assert headers["retry-after"] == "10" and b"one at a time per user" in body
        locker.rollback()
    first = a.getresponse()
    assert first.status == 200
    assert json.loads(first.read())["type"] == "FeatureCollection"
    # The turn is given back when the export's transaction ends, just after its last byte has gone out: wait for
    # that (a bound on waiting, not a speed target), then it is free on both workers.
    deadline = time.monotonic() + 30
    while (answer := _request(b, "GET", path, token=token))[0] == 429:
        assert time.monotonic() < deadline, "the turn never came back after the first export finished"
        time.sleep(0.1)
    assert answer[0] == 200, answer[2]
    for conn in (b, a):
        status, _, body = _request(conn, "GET", path, token=token)
        assert status == 200, body
