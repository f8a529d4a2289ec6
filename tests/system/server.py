"""A real Pesisir process on loopback for the crash-safety tests and the benchmark."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx2 as httpx
from sqlalchemy import create_engine

from app.db import migrate
from app.db.cluster import LocalCluster
from app.db.models import User
from app.db.session import make_sessionmaker, unit_of_work
from app.security import Principal, hash_password, issue_token
from app.services import base_data

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare_database(cluster: LocalCluster, name: str, secret: str) -> dict[str, str]:
    """Create, migrate and load a database; add a harbourmaster at Kalianget; return its auth header."""
    cluster.create_database(name)
    eng = create_engine(cluster.url(name))
    try:
        migrate.upgrade(eng)
        with unit_of_work(make_sessionmaker(eng)) as s:
            base_data.load_base(s)
        with unit_of_work(make_sessionmaker(eng)) as s:
            from app.db.repositories.users import harbour_by_slug_or_id

            h = harbour_by_slug_or_id(s, "kalianget")
            assert h is not None
            u = User(
                username=f"hm-{uuid.uuid4().hex[:6]}",
                role="harbourmaster",
                harbour_id=h.id,
                password_hash=hash_password("x" * 12),
            )
            s.add(u)
            s.flush()
            who = Principal(u.id, u.username, u.role, u.harbour_id)
    finally:
        eng.dispose()
    return {"Authorization": f"Bearer {issue_token(who, secret, 3600)}"}


@dataclass
class Server:
    cluster: LocalCluster
    dbname: str
    secret: str
    port: int = field(default_factory=free_port)
    workers: int = 1
    """PESISIR_WORKERS. One by default: ``kill`` (kill -9 of the process started) then ends the whole server."""
    proc: subprocess.Popen[bytes] | None = None
    env: dict[str, str] = field(default_factory=dict)
    """More environment for the server (set before ``start``; a restart takes the current one)."""

    @property
    def log_path(self) -> Path:
        """The server's log, in the cluster's directory (removed with it)."""
        return self.cluster.data_dir / f"server-{self.port}.log"

    def errors(self) -> str:
        """What the server logged beyond access lines and expected 503s (tracebacks), for assertion messages."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(line for line in text.splitlines() if not line.startswith(("INFO:", "503 on ")))[-6000:]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 30) -> None:
        env = {
            **os.environ,
            "PESISIR_DATA_DIR": str(self.cluster.data_dir),
            "PESISIR_DATABASE_NAME": self.dbname,
            "PESISIR_PORT": str(self.port),
            "PESISIR_SECRET_KEY": self.secret,
            "PESISIR_RESCORE_INTERVAL_S": "0",
            "PESISIR_WORKERS": str(self.workers),
            # A throwaway server of the test's own cluster: as root it stays root (tests/system/test_runas.py covers
            # the hand-over to the user pesisir).
            "PESISIR_SERVE_AS_ROOT": "1",
            **self.env,
        }
        env.pop("PESISIR_DATABASE_URL", None)
        env.pop("PESISIR_DATABASE_OWNER_URL", None)  # the private cluster: the service connects as pesisir_app
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app", "serve"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=self.log_path.open("ab"),
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code in (200, 503):
                    return
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.log_path.read_text()[-3000:]}")
            time.sleep(0.1)
        raise RuntimeError(f"server did not start in {timeout_s:g} s: {self.log_path.read_text()[-3000:]}")

    def worker_pids(self) -> list[int]:
        """The worker processes of a server started with ``workers`` > 1 (children of the process started)."""
        assert self.proc is not None
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        # uvicorn starts its workers with multiprocessing's "spawn" (not, say, its resource tracker)
        return sorted(int(p) for p in children if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes())

    def kill(self) -> None:
        """kill -9: no shutdown, no flush, open transactions die with the process."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
