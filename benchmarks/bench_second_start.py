"""Time to /healthz of a first and a second ``pesisir run`` on this machine, in one run (issue 15's acceptance
figure: the second start takes less than half the time of the first).

    .venv/bin/python benchmarks/bench_second_start.py [--stop-db] [--keep]

Starts ``pesisir run`` (what ``make run`` runs) on a throwaway data directory (its own private PostgreSQL cluster,
sea graph and, as root, its own install directory instead of /opt/pesisir) and a free port, waits until
``/healthz`` answers 200, stops it as Ctrl-C does (SIGINT: PostgreSQL keeps running), then does the same a second
time with nothing changed. Prints both times, their ratio against the target (second < 0.5 x first) and the lines
in which the second run says what it skipped. ``--stop-db``: stop PostgreSQL between the two (``pesisir db
stop``), so the second run starts it too. ``--keep``: leave the data directory (printed) instead of removing it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx2 as httpx  # noqa: E402

from tests.system.server import free_port  # noqa: E402

TARGET = 0.5
SKIP_WORDS = ("not reloaded", "already loaded", "not re-segmented", "up to date", "not re-scored", "not re-measured")


def say(message: str) -> None:
    print(message, flush=True)


def start_and_time(env: dict[str, str], log: Path, timeout_s: float = 900) -> float:
    """Run ``pesisir run`` until /healthz answers 200; stop it as Ctrl-C would; the seconds it took to answer."""
    base = f"http://127.0.0.1:{env['PESISIR_PORT']}"
    started = time.perf_counter()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "pesisir"), "run"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the workers are stopped with it
        )
        try:
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                        return time.perf_counter() - started
                except httpx.TransportError:
                    pass
                if proc.poll() is not None:
                    raise SystemExit(
                        f"pesisir run exited with {proc.returncode}; its output:\n{log.read_text()[-3000:]}"
                    )
                if time.perf_counter() - started > timeout_s:
                    raise SystemExit(f"no answer from {base}/healthz in {timeout_s:.0f} s; see {log}")
                time.sleep(0.1)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGINT)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stop-db", action="store_true", help="stop PostgreSQL between the two runs")
    parser.add_argument("--keep", action="store_true", help="leave the throwaway data directory")
    args = parser.parse_args()

    # Under /tmp and open to others: as root the cluster runs as postgres and the service as pesisir.
    work = Path(tempfile.mkdtemp(prefix="pesisir-bench-start-", dir="/tmp"))
    work.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PESISIR_")}
    env |= {
        "PESISIR_DATA_DIR": str(work / "data"),
        "PESISIR_INSTALL_DIR": str(work / "install"),
        "PESISIR_PORT": str(free_port()),
        "PESISIR_SECRET_KEY": "bench-second-start-" + "s" * 40,
    }
    (work / "data").mkdir(mode=0o755)
    (work / "install").mkdir(mode=0o755)
    say(f"data directory {work / 'data'}, port {env['PESISIR_PORT']}, as {'root' if os.geteuid() == 0 else 'a user'}")
    try:
        say("first pesisir run (creates the cluster, loads, segments, builds the sea routes, scores, measures) ...")
        first = start_and_time(env, work / "first.log")
        say(f"  /healthz after {first:.1f} s")
        if args.stop_db:
            subprocess.run([str(ROOT / ".venv" / "bin" / "pesisir"), "db", "stop"], env=env, cwd=ROOT, check=True)
        say("second pesisir run, nothing changed ...")
        second = start_and_time(env, work / "second.log")
        say(f"  /healthz after {second:.1f} s")
        said = [
            line
            for line in (work / "second.log").read_text(errors="replace").splitlines()
            if any(w in line for w in SKIP_WORDS)
        ]
        say("the second run said:\n" + "\n".join(f"  {line[:150]}" for line in said))
        ratio = second / first
        verdict = "met" if ratio < TARGET else "NOT met"
        between = " (PostgreSQL stopped between)" if args.stop_db else ""
        say(
            f"\nfirst start {first:.1f} s, second start {second:.1f} s{between}: "
            f"ratio {ratio:.2f} (target < {TARGET}: {verdict})"
        )
    finally:
        subprocess.run(
            [str(ROOT / ".venv" / "bin" / "pesisir"), "db", "stop"], env=env, cwd=ROOT, capture_output=True, check=False
        )
        if args.keep:
            say(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
