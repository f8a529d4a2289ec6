"""Landing-report throughput on this machine, in one run (issue 4's acceptance figures).

    .venv/bin/python benchmarks/bench_landings.py [--seconds 20] [--clients 20] [--batches 20]

Starts a throwaway PostGIS cluster and a real Pesisir process on loopback (one uvicorn worker), then measures:

1. single-report POSTs per second and p50/p99 latency with N concurrent clients, each a closed loop (a new
   report as soon as the previous answer arrives: the worst case, no think time), after 3 s of warm-up at the
   same concurrency. The clients run in this process, on the same two cores as the server and PostgreSQL;
2. batch upload (500 reports per request) in reports per second;
3. the ceiling: a raw INSERT of the same rows through the database driver (psycopg ``executemany``, one
   transaction), with the ratios. Targets: p99 < 100 ms at 20 clients; batch >= 25 % of the raw insert rate.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx2 as httpx  # noqa: E402
import psycopg  # noqa: E402

from app.db.cluster import LocalCluster  # noqa: E402
from tests.api.helpers import landing  # noqa: E402
from tests.system.server import Server, prepare_database  # noqa: E402

SECRET = "bench-secret-" + "b" * 40


def single_posts(server: Server, auth: dict[str, str], clients: int, seconds: float) -> tuple[int, list[float]]:
    """``clients`` concurrent closed loops for ``seconds``: (failures, latencies of the 201s).

    The clients are asyncio tasks on one connection pool (no think time). Threads would measure the benchmark's own
    interpreter lock as much as the server: 20 Python threads contending for one lock add tens of milliseconds."""
    latencies: list[float] = []
    failures = 0

    async def run() -> None:
        nonlocal failures
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(base_url=server.base, timeout=30, limits=limits) as c:
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
        " %s, %s, %s) ON CONFLICT (client_uuid) DO NOTHING"
    )
    with psycopg.connect(cluster.conninfo(dbname)) as conn:
        t0 = time.perf_counter()
        with conn.cursor() as cur:
            cur.executemany(sql, rows)
        conn.commit()
        return n / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--batches", type=int, default=20)
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="pesisir-bench-", dir="/tmp"))
    tmp.chmod(0o755)
    cluster = LocalCluster(tmp, dbname="pesisir_bench")
    server: Server | None = None
    try:
        print("setting up a throwaway cluster and server ...", flush=True)
        cluster.start()
        auth = prepare_database(cluster, cluster.dbname, SECRET)
        server = Server(cluster, cluster.dbname, SECRET)
        server.start()
        # Warm-up at full concurrency, not measured: the server's connection pool fills (a new PostgreSQL backend
        # spends its first PostGIS query loading the library) and the code paths are hot.
        single_posts(server, auth, args.clients, 3)

        failures, lat = single_posts(server, auth, args.clients, args.seconds)
        lat_ms = sorted(x * 1000 for x in lat)
        rate_single = len(lat) / args.seconds
        p50 = statistics.median(lat_ms)
        p99 = lat_ms[min(len(lat_ms) - 1, int(len(lat_ms) * 0.99))]
        created, dt = batches(server, auth, args.batches)
        rate_batch = created / dt
        rate_raw = raw_insert(cluster, cluster.dbname, created)

        print(f"\nsingle POST /api/v1/landings, {args.clients} concurrent clients (closed loop), {args.seconds:.0f} s:")
        print(f"  {len(lat)} created, {failures} failed: {rate_single:.0f} POSTs/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms")
        print(f"  target p99 < 100 ms: {'met' if p99 < 100 else 'NOT met'}")
        print(
            f"batch upload, {args.batches} x 500 reports: {created} created in {dt:.2f} s = {rate_batch:.0f} reports/s"
        )
        print(f"raw INSERT through psycopg executemany (ceiling): {rate_raw:.0f} rows/s")
        ratio_batch, ratio_single = rate_batch / rate_raw, rate_single / rate_raw
        print(f"ratios: batch / raw = {ratio_batch:.1%} (target >= 25 %), single / raw = {ratio_single:.1%}")
    finally:
        if server is not None:
            server.stop()
        cluster.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
