"""Pesisir's private PostgreSQL + PostGIS cluster, for when no ``PESISIR_DATABASE_URL`` is set.

The cluster lives in ``<data_dir>/pg`` and listens only on a Unix socket inside that directory, so any
number of clusters (a developer's, each test run's) run side by side without port clashes. PostgreSQL
refuses to run as root: when invoked as root, every server binary runs as the ``postgres`` user, which
therefore owns ``<data_dir>/pg`` and must be able to reach it (so not under ``/root``).

Who may connect as whom. Run by an ordinary user, the socket sits in the 0700 data directory ``pg`` and every
connection on it is trusted: only that user reaches it. Run by root, the web service is served by the system
user ``pesisir`` (``app.runas``), which must reach the socket but must not become the superuser: the socket then
sits in ``<data_dir>/run`` (owner postgres, group ``pesisir``, mode 0750: only postgres, root and that group may
enter it; ``unix_socket_group`` would need postgres in the group, so the directory is the gate) and
authentication is ``peer`` with the ident map ``pesisir`` (``pg_ident.conf``): the OS user ``pesisir`` may log in
only as the application role ``pesisir_app``; root and postgres as the superuser (root also as ``pesisir_app``,
for the tests and the CLI's checks). Nobody else reaches the socket.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from app.errors import DatabaseUnavailable, SetupError

PG_MAJOR = 15
POSTGIS_PACKAGE = f"postgresql-{PG_MAJOR}-postgis-3"
SUPERUSER = "postgres"
SERVICE_USER = "pesisir"
"""The OS user that serves the web service when ``pesisir run`` is started by root (``app.runas``)."""
APP_ROLE = "pesisir_app"  # app.db.rls.APP_ROLE, migration 0005 (not imported: this module needs no SQLAlchemy)
PG_HBA = """# Written by Pesisir (app/db/cluster.py): Unix socket only; the OS user decides the role (pg_ident.conf)
local all all peer map=pesisir
"""
PG_IDENT = f"""# Written by Pesisir (app/db/cluster.py): OS user -> database roles it may log in as
pesisir root {SUPERUSER}
pesisir root {APP_ROLE}
pesisir {SUPERUSER} {SUPERUSER}
pesisir {SERVICE_USER} {APP_ROLE}
"""
# A Unix socket path may hold at most 107 bytes on Linux.
_MAX_SOCKET_PATH = 107


def _find_bindir() -> Path:
    candidates = [Path(f"/usr/lib/postgresql/{PG_MAJOR}/bin")]
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if out.returncode == 0:
            candidates.append(Path(out.stdout.strip()))
    for c in candidates:
        if (c / "initdb").exists() and (c / "pg_ctl").exists():
            return c
    raise SetupError(
        f"PostgreSQL {PG_MAJOR} server binaries not found: install them with "
        f"'apt-get install {POSTGIS_PACKAGE}' (or run 'make run', which does it)"
    )


def _sharedir(bindir: Path) -> Path:
    pg_config = bindir / "pg_config"
    if pg_config.exists():
        out = subprocess.run([str(pg_config), "--sharedir"], capture_output=True, text=True, check=False)
        if out.returncode == 0:
            return Path(out.stdout.strip())
    return Path(f"/usr/share/postgresql/{PG_MAJOR}")


@dataclass
class ClusterStatus:
    running: bool
    initialised: bool
    data_dir: Path
    socket_dir: Path
    pid: int | None = None


class LocalCluster:
    """A private PostgreSQL cluster in ``data_dir``.

    >>> c = LocalCluster(Path("/var/lib/pesisir"))  # doctest: +SKIP
    >>> c.start(); c.url()  # doctest: +SKIP
    'postgresql+psycopg://postgres@/pesisir?host=/var/lib/pesisir/pg'
    """

    def __init__(self, data_dir: Path, *, dbname: str = "pesisir", port: int = 5432) -> None:
        self.data_dir = Path(data_dir).absolute()
        self.pgdata = self.data_dir / "pg"
        self.dbname = dbname
        self.port = port  # names the socket file only: the server listens on no TCP address
        self.logfile = self.data_dir / "postgresql.log"
        self._as_postgres = os.geteuid() == 0

    # -- helpers -------------------------------------------------------------------------------------------
    @property
    def socket_dir(self) -> Path:
        """``<data_dir>/run`` for a cluster run by root (peer authentication, group ``pesisir``), else the 0700
        data directory. Decided by what exists, so the unprivileged web service finds it too."""
        run = self.data_dir / "run"
        return run if self._as_postgres or run.is_dir() else self.pgdata

    def _settings(self) -> dict[str, str]:
        settings = {
            "listen_addresses": "''",
            "unix_socket_directories": f"'{self.socket_dir}'",
            "unix_socket_permissions": "0777",
            "port": str(self.port),
            # Durability is not negotiable (docs/RELIABILITY.md DL-16): these are PostgreSQL's defaults, pinned.
            "fsync": "on",
            "synchronous_commit": "on",
            "full_page_writes": "on",
            "log_min_messages": "warning",
        }
        return settings

    def _secure(self) -> bool:
        """As root: the socket directory of group ``pesisir``, peer authentication and the ident map, and the
        settings, whatever an older version of Pesisir wrote. Idempotent; True when something changed (the server
        must then restart to use it)."""
        if not self._as_postgres:
            return False
        from app.runas import ensure_service_user

        ensure_service_user()
        changed = False
        run = self.socket_dir
        if not run.is_dir():
            run.mkdir(mode=0o750)
            changed = True
        shutil.chown(run, SUPERUSER, SERVICE_USER)
        run.chmod(0o750)
        for name, text in (("pg_hba.conf", PG_HBA), ("pg_ident.conf", PG_IDENT)):
            path = self.pgdata / name
            if path.read_text() != text:
                path.write_text(text)  # an existing file keeps its owner (postgres)
                changed = True
        conf = self.pgdata / "postgresql.auto.conf"
        old = conf.read_text()
        wanted = self._settings()
        kept = [ln for ln in old.splitlines() if ln.split("=", 1)[0].strip() not in wanted]
        new = "\n".join([*kept, *(f"{k} = {v}" for k, v in wanted.items())]) + "\n"
        if new != old:
            conf.write_text(new)
            changed = True
        return changed

    def _cmd(self, args: list[str]) -> list[str]:
        if self._as_postgres:
            return ["runuser", "-u", SUPERUSER, "--", *args]
        return args

    def _run(self, args: list[str], what: str) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(self._cmd(args), capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            detail = (proc.stderr or proc.stdout).strip().splitlines()
            last = detail[-1] if detail else f"exit code {proc.returncode}"
            raise SetupError(f"{what} failed: {last} (log: {self.logfile})")
        return proc

    def _check_paths(self) -> None:
        sock = self.socket_dir / f".s.PGSQL.{self.port}"
        if len(str(sock)) > _MAX_SOCKET_PATH:
            raise SetupError(
                f"PESISIR_DATA_DIR={self.data_dir} is too long for a Unix socket path "
                f"({len(str(sock))} > {_MAX_SOCKET_PATH} bytes): choose a shorter directory"
            )
        if self._as_postgres:
            # The postgres user must traverse every parent directory.
            for parent in [*reversed(self.data_dir.parents)]:
                if parent.exists() and not parent.stat().st_mode & 0o001:
                    raise SetupError(
                        f"PESISIR_DATA_DIR={self.data_dir} is not reachable by the postgres user "
                        f"({parent} is closed to others): use a directory such as /var/lib/pesisir"
                    )

    def _postgis_available(self, bindir: Path) -> bool:
        return (_sharedir(bindir) / "extension" / "postgis.control").exists()

    # -- lifecycle -----------------------------------------------------------------------------------------
    def status(self) -> ClusterStatus:
        initialised = (self.pgdata / "PG_VERSION").exists()
        pid: int | None = None
        pidfile = self.pgdata / "postmaster.pid"
        if pidfile.exists():
            try:
                pid = int(pidfile.read_text().splitlines()[0])
                os.kill(pid, 0)
            except (ValueError, IndexError, ProcessLookupError, PermissionError):
                pid = None
        return ClusterStatus(pid is not None, initialised, self.data_dir, self.socket_dir, pid)

    def init(self) -> bool:
        """Create the cluster if it does not exist. Returns True when it was created."""
        bindir = _find_bindir()
        if not self._postgis_available(bindir):
            raise SetupError(
                f"PostGIS is not installed: run 'apt-get install {POSTGIS_PACKAGE}' (or 'make run', which does it)"
            )
        self._check_paths()
        if (self.pgdata / "PG_VERSION").exists():
            return False
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.chmod(0o755)
        self.pgdata.mkdir(mode=0o700, exist_ok=True)
        if self._as_postgres:
            shutil.chown(self.pgdata, SUPERUSER, SUPERUSER)
            self.logfile.touch()
            shutil.chown(self.logfile, SUPERUSER, SUPERUSER)
        self._run(
            [
                str(bindir / "initdb"),
                "-D",
                str(self.pgdata),
                "-U",
                SUPERUSER,
                # An ordinary user's socket is in the 0700 data directory: trust. Root's: peer (_secure).
                *(["--auth-local=peer", "--auth-host=reject"] if self._as_postgres else ["--auth=trust"]),
                "--data-checksums",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ],
            "initdb",
        )
        conf = self.pgdata / "postgresql.auto.conf"
        # Appending keeps the file's owner (postgres, when root); root may write it, and so may its owner.
        with conf.open("a") as f:
            f.writelines(f"{k} = {v}\n" for k, v in self._settings().items())
        self._secure()
        return True

    def start(self, *, timeout_s: float = 60) -> bool:
        """Initialise if needed, start if not running, create the database with PostGIS. Idempotent.

        Returns True when the server was started by this call.
        """
        self.init()
        started = False
        if self._secure() and self.status().running:  # a cluster of an older Pesisir: its socket moves
            self.stop()
        if not self.status().running:
            bindir = _find_bindir()
            self._run(
                [
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(self.pgdata),
                    "-l",
                    str(self.logfile),
                    "-w",
                    "-t",
                    str(int(timeout_s)),
                    "start",
                ],
                "starting PostgreSQL",
            )
            started = True
        self.create_database(self.dbname)
        return started

    def stop(self) -> bool:
        """Stop the server (fast shutdown). Returns True when it was running."""
        if not self.status().running:
            return False
        bindir = _find_bindir()
        self._run(
            [str(bindir / "pg_ctl"), "-D", str(self.pgdata), "-m", "fast", "-w", "stop"],
            "stopping PostgreSQL",
        )
        return True

    def destroy(self) -> None:
        """Stop the server and delete the data directory (throwaway test clusters)."""
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    # -- databases -----------------------------------------------------------------------------------------
    def conninfo(self, dbname: str | None = None, *, user: str = SUPERUSER) -> str:
        return f"host={self.socket_dir} port={self.port} user={user} dbname={dbname or self.dbname}"

    def url(self, dbname: str | None = None, *, user: str = SUPERUSER) -> str:
        """SQLAlchemy URL of a database in this cluster, as ``user`` (default: the superuser, who owns the schema;
        the service connects as the application role instead, see ``app.db.session``)."""
        return f"postgresql+psycopg://{user}@/{dbname or self.dbname}?host={self.socket_dir}&port={self.port}"

    def create_database(self, dbname: str) -> bool:
        """Create ``dbname`` with the PostGIS extension if it does not exist. Returns True when created."""
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = psycopg.connect(self.conninfo("postgres"), autocommit=True)
                break
            except psycopg.OperationalError as exc:  # the server may still be finishing start-up
                if time.monotonic() > deadline:
                    raise DatabaseUnavailable(f"cannot connect to the cluster in {self.pgdata}: {exc}") from exc
                time.sleep(0.2)
        with conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
        with psycopg.connect(self.conninfo(dbname), autocommit=True) as db:
            db.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        return not exists

    def drop_database(self, dbname: str) -> None:
        with psycopg.connect(self.conninfo("postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))
