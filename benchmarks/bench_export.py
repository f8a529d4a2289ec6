"""Exports keep memory flat with size: peak memory of exporting the landings table as GeoJSON, CSV and GeoPackage
at growing table sizes.

Starts a throwaway PostgreSQL cluster, loads the base layers and synthetic landings, then copies the landings
until the table holds each size in turn. Every export runs in a fresh Python process that consumes the stream
(as the HTTP response would) and reports its resident memory just before the export and its peak resident memory
(which includes start-up: imports and a first, empty export). Flat means the peak does not grow with the table
while the output does: the export never holds more than a chunk.
Prints figures; asserts nothing.

Run: ``.venv/bin/python benchmarks/bench_export.py`` (``--sizes 5000,50000,200000``).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from sqlalchemy import create_engine, text

from app.db import migrate
from app.db.cluster import LocalCluster
from app.db.session import make_sessionmaker, unit_of_work
from app.services import base_data, demo

DB = "bench"
CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    from pathlib import Path
    from sqlalchemy.orm import Session
    from app.db.session import make_engine
    from app.services import export, layers
    from app.settings import DatabaseSettings

    engine = make_engine(DatabaseSettings(data_dir=Path(sys.argv[1]), name=sys.argv[2]))
    with Session(engine) as s:
        empty = layers.Filters(bbox=(0, 0, 1, 1))
        b"".join(export.export_layer(s, "landings", sys.argv[3], empty, audience="full").chunks)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        status = Path("/proc/self/status").read_text()
        rss = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))
        size, t = 0, time.perf_counter()
        for chunk in export.export_layer(s, "landings", sys.argv[3], audience="full").chunks:
            size += len(chunk)
        seconds = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"bytes": size, "seconds": seconds, "before_kb": before, "rss_kb": rss, "peak_kb": peak}))
    """
)

COPY = """
INSERT INTO landings (client_uuid, harbour_id, geom, precision_m, observed_start, observed_end, vessel_name,
    vessel_registration, vessel_flag, vessel_type, persons_aboard, crew, foreign_nationals, origin, direction,
    suspicion_flags, review_state, synthetic)
SELECT gen_random_uuid(), harbour_id, geom, precision_m, observed_start, observed_end, vessel_name,
    vessel_registration, vessel_flag, vessel_type, persons_aboard, crew, foreign_nationals, origin, direction,
    suspicion_flags, review_state, synthetic
FROM landings ORDER BY id LIMIT :n
"""


def say(message: str) -> None:
    print(message, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="5000,50000,200000", help="table sizes (landings), comma-separated")
    sizes = sorted(int(v) for v in parser.parse_args().sizes.split(","))
    tmp = Path(tempfile.mkdtemp(prefix="pesisir-bench-", dir="/tmp"))
    tmp.chmod(0o755)
    cluster = LocalCluster(tmp, dbname=DB)
    rows = []
    try:
        say(f"starting a throwaway PostgreSQL cluster in {tmp} ...")
        cluster.start()
        engine = create_engine(cluster.url(DB))
        migrate.upgrade(engine)
        with unit_of_work(make_sessionmaker(engine)) as s:
            base_data.load_base(s)
            demo.load_demo(s, seed=3, n_incidents=50, n_landings=min(sizes[0], 5000))
        for size in sizes:
            with engine.begin() as conn:
                while (have := conn.execute(text("SELECT count(*) FROM landings")).scalar_one()) < size:
                    conn.execute(text(COPY), {"n": size - have})
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE landings")
            for fmt in ("geojson", "csv", "gpkg"):
                say(f"  {size:>8,} landings as {fmt} ...")
                done = subprocess.run(
                    [sys.executable, "-c", CHILD, str(cluster.data_dir), DB, fmt],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                r = json.loads(done.stdout.strip().splitlines()[-1])
                rows.append((size, fmt, r))
        engine.dispose()
    finally:
        say("stopping the cluster ...")
        cluster.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    say("")
    say(
        f"{'landings':>9} {'format':<8} {'output MB':>10} {'seconds':>8} {'rows/s':>9} {'RSS before MB':>14} "
        f"{'peak MB':>8}"
    )
    for size, fmt, r in rows:
        rss = r["rss_kb"] / 1024
        mb = r["bytes"] / 1e6
        peak = r["peak_kb"] / 1024
        say(
            f"{size:>9,} {fmt:<8} {mb:>10.1f} {r['seconds']:>8.2f} {size / r['seconds']:>9,.0f} "
            f"{rss:>14.0f} {peak:>8.0f}"
        )


if __name__ == "__main__":
    main()
