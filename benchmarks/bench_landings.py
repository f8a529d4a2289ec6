"""Landing-report throughput on this machine, in one run (issue 4's and issue 13's acceptance figures).

    .venv/bin/python benchmarks/bench_landings.py [--workers 1,2] [--windows 6] [--window 5] [--clients 20]
                                                  [--batches 20] [--client auto|wrk|python]

Starts a throwaway PostGIS cluster and, on it, one real Pesisir process (``pesisir serve``) per count in
``--workers`` and a bare endpoint (``benchmarks/bare_landing.py``: the same row inserted by a FastAPI route with
no authentication, validation, idempotency or audit, uvicorn with the largest count of workers), then measures:

1. single-report POSTs per second and p50/p99 latency with N concurrent clients, each a closed loop (a new
   report as soon as the previous answer arrives: the worst case, no think time), after 3 s of warm-up at the
   same concurrency. The servers take turns in windows (``--window`` seconds each, the order rotating from one
   window to the next, as ``bench_features.py`` does), so that a drift in the shared machine's speed falls on
   all alike; the ratios are over all windows, with the spread of the per-window ratios. The clients run on the
   same two cores as the servers and PostgreSQL, so what they cost is taken from the servers: by default (``--client
   auto``) they are ``wrk`` (Debian's ``apt-get install wrk``: one C thread with an event loop, a Lua script making
   each report unique), which costs a few microseconds per request; without ``wrk`` (or with ``--client python``)
   they are asyncio tasks in this process (httpx), which cost about 3.7 ms of a core per request, more than half of
   what a Pesisir worker spends, and so cap what a second worker can gain on two cores. Each client keeps its
   connection (``--connections persistent``, the default). Note that uvicorn's workers share one listening socket
   and the kernel hands a burst of new connections to whichever worker wakes first: 20 connections opened at once
   landed 20/0, 18/2 and 11/9 in three tries here, so the per-window ratios spread. ``--connections per-request``
   opens a connection per report (``Connection: close``), as a reverse proxy without upstream keep-alive does:
   even spread, but each POST then also pays for a connection;
2. batch upload (500 reports per request) in reports per second, on the one-worker Pesisir;
3. the ceiling of a batch: a raw INSERT of the same rows through the database driver (psycopg ``executemany``,
   one transaction), with the ratios.

Targets: p99 < 100 ms at 20 clients (one worker); batch >= 25 % of the raw insert rate; 2 workers >= 1.4x the
POSTs/s of 1 worker; Pesisir's p99 with 2 workers <= 3x the bare endpoint's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx2 as httpx  # noqa: E402
import psycopg  # noqa: E402

from app.db.cluster import LocalCluster  # noqa: E402
from tests.api.helpers import landing  # noqa: E402
from tests.system.server import Server, free_port, prepare_database  # noqa: E402

SECRET = "bench-secret-" + "b" * 40


def say(message: str) -> None:
    print(message, flush=True)


def single_posts(
    base: str, auth: dict[str, str], clients: int, seconds: float, per_request: bool
) -> tuple[int, list[float]]:
    """``clients`` concurrent closed loops for ``seconds``: (failures, latencies of the 201s).

    The clients are asyncio tasks on one connection pool (no think time). Threads would measure the benchmark's own
    interpreter lock as much as the server: 20 Python threads contending for one lock add tens of milliseconds."""
    latencies: list[float] = []
    failures = 0

    async def run() -> None:
        nonlocal failures
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=0 if per_request else clients)
        async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as c:
            stop_at = time.perf_counter() + seconds

            async def client() -> None:
                nonlocal failures
                while time.perf_counter() < stop_at:
                    body = landing()
                    headers = {**auth, "Idempotency-Key": str(uuid.uuid4())}
                    t0 = time.perf_counter()
                    r = await c.post("/api/v1/landings", json=body, headers=headers)
                    dt = time.perf_counter() - t0
                    if r.status_code == 201:
                        latencies.append(dt)
                    else:
                        failures += 1

            await asyncio.gather(*(client() for _ in range(clients)))

    asyncio.run(run())
    return failures, latencies


WRK_SCRIPT = r"""
-- Each request a new landing report: its client_uuid and Idempotency-Key are <prefix>-<thread>-<counter>.
local counter = 0
function setup(thread)
  _tid = (_tid or 0) + 1
  thread:set("tid", _tid)
end
function init(args)
  prefix, observed_start, observed_end, auth, close = args[1], args[2], args[3], args[4], args[5] == "close"
  path = "/api/v1/landings"
end
function request()
  counter = counter + 1
  local id = string.format("%s-%04x-4000-8000-%012x", prefix, tid, counter)
  local body = string.format(
    '{"client_uuid":"%s","location":{"type":"Point","coordinates":[%s,%s]},"precision_m":25.0,' ..
    '"observed_start":"%s","observed_end":"%s","direction":"arrival","vessel_name":"KM Sumber Rejeki",' ..
    '"vessel_type":"fishing","persons_aboard":6,"crew":3,"foreign_nationals":0,"suspicion_flags":[]}',
    id, LON, LAT, observed_start, observed_end)
  local headers = {["Content-Type"] = "application/json", ["Idempotency-Key"] = id}
  if auth ~= "" then headers["Authorization"] = auth end
  if close then headers["Connection"] = "close" end
  return wrk.format("POST", path, headers, body)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK %d %d %d\n", summary.requests, summary.duration,
    e.status + e.connect + e.read + e.write + e.timeout))
  local q = {}
  for i = 1, 1000 do q[i] = latency:percentile((i - 0.5) / 10) end
  io.write("WRKQ " .. table.concat(q, " ") .. "\n")
end
"""


def wrk_posts(
    base: str, auth: dict[str, str], clients: int, seconds: float, script: Path, per_request: bool
) -> tuple[int, int, list]:
    """``clients`` connections of one ``wrk`` thread for ``seconds``: (created, failures, latency quantiles in s).

    The quantiles are the window's latency distribution at 1,000 evenly spaced levels (0.05 % .. 99.95 %): windows
    are merged by weighting each window's quantiles with its count."""
    now = datetime.now(UTC)
    args = [
        uuid.uuid4().hex[:8],
        (now - timedelta(hours=2)).isoformat(),
        (now - timedelta(hours=1)).isoformat(),
        auth.get("Authorization", ""),
        "close" if per_request else "keep-alive",
    ]
    cmd = ["wrk", "-t1", f"-c{clients}", f"-d{seconds:g}s", "--timeout", "30s", "-s", str(script), base, "--", *args]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    head = next(line for line in out.splitlines() if line.startswith("WRK "))
    requests, _duration_us, failures = (int(x) for x in head.split()[1:])
    quantiles = next(line for line in out.splitlines() if line.startswith("WRKQ ")).split()[1:]
    return requests - failures, failures, [int(q) / 1e6 for q in quantiles]


@dataclass
class Target:
    """One server measured: its windows' latencies and rates."""

    name: str
    base: str
    auth: dict[str, str]
    wrk_script: Path | None = None  # None: the asyncio clients of this process
    per_request: bool = False  # a new connection per request (see --connections)
    latencies: list[tuple[float, float]] = field(default_factory=list)  # (seconds, weight)
    created: int = 0
    failures: int = 0
    seconds: float = 0.0
    rates: list[float] = field(default_factory=list)

    def window(self, clients: int, seconds: float) -> float:
        if self.wrk_script is None:
            failures, lat = single_posts(self.base, self.auth, clients, seconds, self.per_request)
            created, weighted = len(lat), [(x, 1.0) for x in lat]
        else:
            created, failures, quantiles = wrk_posts(
                self.base, self.auth, clients, seconds, self.wrk_script, self.per_request
            )
            weighted = [(q, created / len(quantiles)) for q in quantiles]
        self.created += created
        self.failures += failures
        self.latencies += weighted
        self.seconds += seconds
        self.rates.append(created / seconds)
        return self.rates[-1]

    def reset(self) -> None:
        self.latencies, self.created, self.failures, self.seconds, self.rates = [], 0, 0, 0.0, []

    @property
    def rate(self) -> float:
        return self.created / self.seconds

    def quantile(self, level: float) -> float:
        """In milliseconds, over all windows (each latency, or each window's quantile, with its weight)."""
        ordered = sorted(self.latencies)
        total = sum(w for _, w in ordered)
        running = 0.0
        for value, weight in ordered:
            running += weight
            if running >= level * total:
                return value * 1000
        return ordered[-1][0] * 1000

    @property
    def p50(self) -> float:
        return self.quantile(0.5)

    @property
    def p99(self) -> float:
        return self.quantile(0.99)


def start_bare(cluster: LocalCluster, dbname: str, workers: int, harbour_id: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        "BARE_DATABASE_URL": cluster.url(dbname),
        "BARE_HARBOUR_ID": str(harbour_id),
        "PYTHONPATH": str(ROOT),
    }
    log = (cluster.data_dir / "bare.log").open("ab")
    args = [sys.executable, "-m", "uvicorn", "--factory", "benchmarks.bare_landing:create_app"]
    args += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--log-level", "info"]
    proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.TransportError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    raise RuntimeError("the bare endpoint did not start: " + (cluster.data_dir / "bare.log").read_text()[-2000:])


def batches(server: Server, auth: dict[str, str], n: int) -> tuple[int, float]:
    payloads = [{"items": [landing() for _ in range(500)]} for _ in range(n)]
    created = 0
    with httpx.Client(base_url=server.base, timeout=120) as c:
        t0 = time.perf_counter()
        for p in payloads:
            r = c.post("/api/v1/landings/batch", json=p, headers=auth)
            r.raise_for_status()
            created += r.json()["created"]
        return created, time.perf_counter() - t0


def raw_insert(cluster: LocalCluster, dbname: str, n: int) -> float:
    rows = []
    for _ in range(n):
        b = landing()
        lon, lat = b["location"]["coordinates"]
        rows.append(
            (
                b["client_uuid"],
                f"SRID=4326;POINT({lon} {lat})",
                b["precision_m"],
                b["observed_start"],
                b["observed_end"],
                b["direction"],
                b["vessel_name"],
                b["vessel_type"],
                b["persons_aboard"],
                b["crew"],
                b["foreign_nationals"],
            )
        )
    sql = (
        "INSERT INTO landings (client_uuid, geom, precision_m, observed_start, observed_end, direction, vessel_name,"
        " vessel_type, persons_aboard, crew, foreign_nationals) VALUES (%s, %s::geometry, %s, %s, %s, %s, %s, %s,"
        " %s, %s, %s) ON CONFLICT DO NOTHING"
    )
    with psycopg.connect(cluster.conninfo(dbname)) as conn:
        t0 = time.perf_counter()
        with conn.cursor() as cur:
            cur.executemany(sql, rows)
        conn.commit()
        return n / (time.perf_counter() - t0)


def spread(pairs: list[float]) -> str:
    pairs = sorted(pairs)
    return f"{pairs[0]:.2f} / {pairs[len(pairs) // 2]:.2f} / {pairs[-1]:.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--workers", default="1,2", help="Pesisir's worker counts to compare (comma-separated)")
    ap.add_argument("--windows", type=int, default=6, help="measuring windows per server")
    ap.add_argument("--window", type=float, default=5, help="seconds per window")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--batches", type=int, default=20)
    ap.add_argument(
        "--client",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="the load generator: wrk (apt-get install wrk), python (asyncio httpx, costs the servers CPU), or "
        "auto: wrk when installed",
    )
    ap.add_argument(
        "--connections",
        choices=["per-request", "persistent"],
        default="persistent",
        help="per-request: each report on a new connection (Connection: close), as from a reverse proxy without "
        "upstream keep-alive or a phone on a bad link; persistent: each client keeps its connection",
    )
    args = ap.parse_args()
    per_request = args.connections == "per-request"
    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk") is not None)
    if use_wrk and shutil.which("wrk") is None:
        sys.exit("error: --client wrk needs wrk: apt-get install wrk (or use --client python)")
    if not use_wrk:
        say("note: wrk not found (apt-get install wrk): the clients are asyncio tasks in this process, which take")
        say("      about 3.7 ms of a core per request from the servers they measure")
    counts = sorted({int(n) for n in args.workers.split(",")})
    assert counts and counts[0] >= 1, "--workers: counts of at least 1"

    tmp = Path(tempfile.mkdtemp(prefix="pesisir-bench-", dir="/tmp"))
    tmp.chmod(0o755)
    cluster = LocalCluster(tmp, dbname="pesisir_bench")
    servers: list[Server] = []
    bare: subprocess.Popen | None = None
    script: Path | None = None
    if use_wrk:
        script = tmp / "landing.lua"
        lon, lat = landing()["location"]["coordinates"]
        script.write_text(WRK_SCRIPT.replace("LON, LAT", f"{lon!r}, {lat!r}"))
    try:
        say("[1/4] setting up a throwaway cluster ...")
        cluster.init()
        # Three servers' pools at once (up to 2 x PESISIR_POOL_SIZE connections per worker): more than the default 100.
        with (cluster.pgdata / "postgresql.auto.conf").open("a") as f:
            f.write("max_connections = 400\n")
        cluster.start()
        auth = prepare_database(cluster, cluster.dbname, SECRET)
        with psycopg.connect(cluster.conninfo()) as conn:
            row = conn.execute("SELECT id FROM harbours WHERE slug = 'kalianget'").fetchone()
            assert row is not None
            harbour_id = int(row[0])
        say(f"[2/4] starting Pesisir with {', '.join(map(str, counts))} worker(s) and the bare endpoint ...")
        targets = []
        for n in counts:
            server = Server(cluster, cluster.dbname, SECRET, workers=n)
            server.start(timeout_s=120)
            servers.append(server)
            targets.append(Target(f"Pesisir, {n} worker{'s' if n > 1 else ''}", server.base, auth, script, per_request))
        bare, bare_base = start_bare(cluster, cluster.dbname, counts[-1], harbour_id)
        bare_name = f"bare endpoint, {counts[-1]} worker{'s' if counts[-1] > 1 else ''}"
        targets.append(Target(bare_name, bare_base, {}, script, per_request))
        say(
            f"[3/4] warm-up (3 s each), then {args.windows} windows of {args.window:g} s per server, "
            f"{args.clients} clients (closed loop, {'wrk' if use_wrk else 'asyncio in this process'}, "
            f"{args.connections} connections), the order "
            "rotating ..."
        )
        for t in targets:
            # Not measured: the connection pools fill (a new PostgreSQL backend spends its first PostGIS query loading
            # the library; each worker has a pool of its own) and the code paths are hot.
            t.window(args.clients, 3)
            t.reset()
        for w in range(args.windows):
            order = targets[w % len(targets) :] + targets[: w % len(targets)]
            line = []
            for t in order:
                rate = t.window(args.clients, args.window)
                line.append(f"{t.name}: {rate:.0f}/s")
            say(f"  window {w + 1}/{args.windows}: " + "; ".join(line))
        say("[4/4] batch upload and the raw insert ...")
        created, dt = batches(servers[0], auth, args.batches)
        rate_batch = created / dt
        rate_raw = raw_insert(cluster, cluster.dbname, created)
    finally:
        for server in servers:
            server.stop()
        if bare is not None:
            bare.terminate()
            bare.wait(15)
        cluster.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    seconds = args.windows * args.window
    say(
        f"\nsingle POST /api/v1/landings, {args.clients} concurrent clients (closed loop, "
        f"{'wrk' if use_wrk else 'asyncio httpx in the benchmark process'}, {args.connections} connections), "
        f"{seconds:g} s per server in "
        f"{args.windows} interleaved windows:"
    )
    for t in targets:
        say(
            f"  {t.name:<26} {t.created:>6} created, {t.failures} failed: {t.rate:>5.0f} POSTs/s, "
            f"p50 {t.p50:6.1f} ms, p99 {t.p99:6.1f} ms"
        )
    one, ceiling = targets[0], targets[-1]
    say(f"  target p99 < 100 ms ({one.name}): {'met' if one.p99 < 100 else 'NOT met'}")
    for t in targets[1:-1]:
        ratio = t.rate / one.rate
        pairs = [a / b for a, b in zip(t.rates, one.rates, strict=True)]
        say(f"  {t.name} / {one.name}: {ratio:.2f}x POSTs/s (per-window min / median / max {spread(pairs)})")
    if len(targets) > 2:
        most = targets[-2]
        pairs = [a / b for a, b in zip(most.rates, one.rates, strict=True)]
        speedup = most.rate / one.rate
        say(
            f"  target {most.name} >= 1.4x the POSTs/s of {one.name}: {'met' if speedup >= 1.4 else 'NOT met'} "
            f"({speedup:.2f}x)"
        )
    else:
        most = one
    say(
        f"  {most.name} / {ceiling.name}: p99 {most.p99 / ceiling.p99:.2f}x, p50 {most.p50 / ceiling.p50:.2f}x, "
        f"POSTs/s {most.rate / ceiling.rate:.2f}x"
    )
    say(
        f"  target p99 of {most.name} <= 3x the bare endpoint's: "
        f"{'met' if most.p99 <= 3 * ceiling.p99 else 'NOT met'} ({most.p99 / ceiling.p99:.2f}x)"
    )
    say(f"batch upload, {args.batches} x 500 reports: {created} created in {dt:.2f} s = {rate_batch:.0f} reports/s")
    say(f"raw INSERT through psycopg executemany (ceiling): {rate_raw:.0f} rows/s")
    say(
        f"ratios: batch / raw = {rate_batch / rate_raw:.1%} (target >= 25 %), "
        f"single (1 worker) / raw = {one.rate / rate_raw:.1%}"
    )


if __name__ == "__main__":
    main()
