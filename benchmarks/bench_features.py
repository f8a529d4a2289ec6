"""Features per second: Pesisir's OGC API Features items and vector tiles against tipg, the reference PostGIS
features server, on the same database and the same table (``landings``), in one process tree.

Starts a throwaway PostgreSQL cluster (as the tests do), loads the base layers and synthetic landings, then runs
both servers (uvicorn, one worker each, no access log) as child processes and asks each, one request at a time
over a kept-alive connection, for items pages of 10 and 250 features and for the zoom-10 tile over Kangean
(115.4 E, 6.9 S). The two servers take turns in short windows (1 s each by default, in A-B-B-A order), so that a
drift in the machine's speed, which on a shared VM is often larger than the difference being measured, falls on
both alike. Prints each server's features per second over all its windows, the ratio Pesisir / tipg and the
spread of the per-window-pair ratios; asserts nothing.

Run: ``.tools/bin/uv sync --frozen --group bench && .venv/bin/python benchmarks/bench_features.py``
(``--landings N`` for another table size, ``--windows N`` and ``--window S`` for the measuring windows).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import mapbox_vector_tile
import mercantile
from sqlalchemy import create_engine

from app.db import migrate
from app.db.cluster import LocalCluster
from app.db.rls import APP_ROLE
from app.db.session import make_sessionmaker, unit_of_work
from app.security import Principal, issue_token
from app.services import base_data, demo, users

DB = "bench"
KANGEAN = (115.4, -6.9)
SECRET = "bench-features-" + "s" * 40
# The landings columns compared, those planners used to see (planners get no landings now: the requests are an
# intelligence officer's, who sees more; tipg is given these).
PLANNER_COLUMNS = [
    "precision_m",
    "observed_start",
    "observed_end",
    "direction",
    "vessel_flag",
    "vessel_type",
    "persons_aboard",
    "crew",
    "foreign_nationals",
    "origin_place",
    "suspicion_flags",
    "suspicious",
    "review_state",
    "synthetic",
]


def say(message: str) -> None:
    print(message, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(name: str, args: list[str], env: dict[str, str], port: int, probe: str) -> Iterator[None]:
    """A uvicorn child process, ready when ``probe`` answers 200."""
    log = Path(tempfile.mkstemp(prefix=f"bench-{name}-", suffix=".log")[1])
    with log.open("w") as out:
        proc = subprocess.Popen(args, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start:\n{log.read_text()[-3000:]}")
            try:
                status, _ = get(port, probe)
                if status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        say(f"  {name} serving on port {port} (pid {proc.pid})")
        try:
            yield
        except Exception:
            say(f"--- {name}'s log ---\n{log.read_text()[-3000:]}")
            raise
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.unlink(missing_ok=True)


_conns: dict[int, http.client.HTTPConnection] = {}
_headers: dict[int, dict[str, str]] = {}
"""Per port: what every request sends (Pesisir: an intelligence officer's bearer token, as QGIS would)."""


def get(port: int, path: str, *, retry: bool = True) -> tuple[int, bytes]:
    """GET over a kept-alive connection; a connection the server closed while idle is reopened once."""
    conn = _conns.get(port)
    if conn is None:
        conn = _conns[port] = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers=_headers.get(port, {}))
        r = conn.getresponse()
        return r.status, r.read()
    except (http.client.HTTPException, OSError):
        conn.close()
        del _conns[port]
        if retry:
            return get(port, path, retry=False)
        raise


@dataclass
class Tally:
    """One server's requests in one case, summed over its windows."""

    features_of: dict[str, int]  # features in each path's answer, counted once (decoding is the client's cost)
    features: int = 0
    requests: int = 0
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return self.features / self.seconds

    @property
    def per_response(self) -> int:
        return self.features // max(self.requests, 1)


def warm_up(port: int, paths: list[str], count: Callable[[bytes], int]) -> Tally:
    """Ask for every path once (pools, plans, catalogue) and count its features."""
    features_of: dict[str, int] = {}
    for p in paths:
        status, body = get(port, p)
        if status != 200:
            raise RuntimeError(f"GET {p} -> {status}: {body[:300]!r}")
        features_of[p] = count(body)
    return Tally(features_of)


def window(port: int, paths: list[str], tally: Tally, seconds: float) -> float:
    """Requests one at a time for ``seconds``, going on through ``paths`` where the last window stopped; adds them
    to ``tally`` and returns this window's features per second."""
    features = requests = 0
    start = time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        path = paths[(tally.requests + requests) % len(paths)]
        status, _ = get(port, path)
        if status != 200:
            raise RuntimeError(f"GET {path} -> {status}")
        features += tally.features_of[path]
        requests += 1
    tally.features += features
    tally.requests += requests
    tally.seconds += elapsed
    return features / elapsed


def geojson_count(body: bytes) -> int:
    return len(json.loads(body)["features"])


def mvt_count(body: bytes) -> int:
    return sum(len(layer["features"]) for layer in mapbox_vector_tile.decode(body).values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--landings", type=int, default=20_000, help="synthetic landings to load (the table)")
    parser.add_argument("--windows", type=int, default=10, help="measuring windows per server and case")
    parser.add_argument("--window", type=float, default=1.0, help="seconds per window")
    opts = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="pesisir-bench-", dir="/tmp"))
    tmp.chmod(0o755)
    cluster = LocalCluster(tmp, dbname=DB, port=free_port())
    try:
        say(f"[1/4] starting a throwaway PostgreSQL cluster in {tmp} ...")
        cluster.init()
        # tipg (asyncpg) cannot reach a Unix socket through its URL: both servers use TCP on the loopback.
        with (cluster.pgdata / "postgresql.auto.conf").open("a") as f:
            f.write("listen_addresses = '127.0.0.1'\n")
        cluster.start()
        say(f"[2/4] loading base layers and {opts.landings} synthetic landings ...")
        engine = create_engine(cluster.url(DB))
        migrate.upgrade(engine)
        with unit_of_work(make_sessionmaker(engine)) as s:
            base_data.load_base(s)
            demo.load_demo(s, seed=3, n_incidents=200, n_landings=opts.landings)
        with unit_of_work(make_sessionmaker(engine)) as s:
            planner = users.create_user(
                s, username="bench-intelligence", role="intelligence", harbour=None, password="p" * 16
            )
        token = issue_token(Principal(planner.id, planner.username, planner.role, None), SECRET, 3600)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        engine.dispose()
        run(cluster, opts.windows, opts.window, token)
    finally:
        say("stopping the cluster ...")
        cluster.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def run(cluster: LocalCluster, windows: int, seconds: float, token: str) -> None:
    py = sys.executable
    pesisir_port, tipg_port = free_port(), free_port()
    _headers[pesisir_port] = {"Authorization": f"Bearer {token}"}
    tcp = f"postgres@127.0.0.1:{cluster.port}/{DB}"
    # Pesisir as it runs: its own role (row-level security on landings), a signed-in reader on every request.
    # tipg reads as the owner: it has no notion of users.
    pesisir_env = {
        "PESISIR_DATABASE_URL": f"postgresql+psycopg://{APP_ROLE}@127.0.0.1:{cluster.port}/{DB}",
        "PESISIR_DATABASE_OWNER_URL": f"postgresql+psycopg://{tcp}",
        "PESISIR_SECRET_KEY": SECRET,
        "PESISIR_DOCS": "false",
    }
    tipg_env = {
        "DATABASE_URL": f"postgresql://{tcp}",
        "TIPG_DB_SCHEMAS": '["public"]',
        "TIPG_DB_TABLES": '["public.landings"]',
        "TIPG_TABLE_CONFIG__public_landings__PROPERTIES": json.dumps(PLANNER_COLUMNS),
        "TIPG_MAX_FEATURES_PER_QUERY": "10000",
    }
    uvicorn = [
        py,
        "-m",
        "uvicorn",
        "--host",
        "127.0.0.1",
        "--log-level",
        "warning",
        "--no-access-log",
        "--workers",
        "1",
    ]
    tile = mercantile.tile(*KANGEAN, 10)
    z, x, y = tile.z, tile.x, tile.y
    say(f"[3/4] starting Pesisir and tipg (tile over Kangean: z{z}/{x}/{y}) ...")
    with (
        server(
            "pesisir",
            [*uvicorn, "--port", str(pesisir_port), "--factory", "app.main:create_app"],
            pesisir_env,
            pesisir_port,
            "/ogc/collections/landings/items?limit=1",
        ),
        server(
            "tipg",
            [*uvicorn, "--port", str(tipg_port), "tipg.main:app"],
            tipg_env,
            tipg_port,
            "/collections/public.landings/items?limit=1&f=geojson",
        ),
    ):
        _, body = get(pesisir_port, "/ogc/collections/landings/items?limit=1")
        matched = json.loads(body)["numberMatched"]
        cases: list[tuple[str, list[str], list[str], Callable[[bytes], int]]] = []
        for limit in (10, 250):
            offsets = range(0, max(1, matched - limit), max(limit, matched // 40))
            cases.append(
                (
                    f"items, limit {limit}",
                    [f"/ogc/collections/landings/items?limit={limit}&offset={o}" for o in offsets],
                    [f"/collections/public.landings/items?limit={limit}&offset={o}&f=geojson" for o in offsets],
                    geojson_count,
                )
            )
        cases.append(
            (
                f"tile z{z}/{x}/{y}",
                [f"/tiles/landings/{z}/{x}/{y}.pbf"],
                [f"/collections/public.landings/tiles/WebMercatorQuad/{z}/{x}/{y}"],
                mvt_count,
            )
        )
        say(
            f"[4/4] measuring, {windows} windows of {seconds:g} s per server and case, one request at a time "
            f"({matched} landings in the table) ..."
        )
        rows = []
        for name, ours, theirs, count in cases:
            say(f"  {name} ...")
            servers = {"Pesisir": (pesisir_port, ours), "tipg": (tipg_port, theirs)}
            tallies = {who: warm_up(port, paths, count) for who, (port, paths) in servers.items()}
            pairs = []
            for w in range(windows):
                order = list(servers) if w % 4 in (0, 3) else list(servers)[::-1]  # A-B-B-A: neither always first
                rate = {who: window(*servers[who], tallies[who], seconds) for who in order}
                pairs.append(rate["Pesisir"] / rate["tipg"])
            rows.append((name, tallies["Pesisir"], tallies["tipg"], sorted(pairs)))
    say("")
    say(
        f"{'case':<20} {'features/response':>17} {'Pesisir feat/s':>15} {'tipg feat/s':>12} {'Pesisir/tipg':>13}"
        "   per-window ratios: min / median / max"
    )
    for name, p, t, pairs in rows:
        spread = f"{pairs[0]:.2f} / {pairs[len(pairs) // 2]:.2f} / {pairs[-1]:.2f}"
        say(
            f"{name:<20} {p.per_response:>8} / {t.per_response:<7} {p.per_second:>15,.0f} {t.per_second:>12,.0f} "
            f"{p.per_second / t.per_second:>12.2f}x   {spread}"
        )
    say(
        "(requests/s: "
        + "; ".join(f"{n}: {p.requests / p.seconds:.0f} vs {t.requests / t.seconds:.0f}" for n, p, t, _ in rows)
        + ")"
    )


if __name__ == "__main__":
    main()
