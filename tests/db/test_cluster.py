"""The private cluster: idempotent start, data survives stop/start, clusters side by side, clear errors."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest

from app.db.cluster import LocalCluster
from app.errors import SetupError


@pytest.fixture
def second_cluster():
    tmp = Path(tempfile.mkdtemp(prefix="pesisir-side-", dir="/tmp"))
    tmp.chmod(0o755)
    c = LocalCluster(tmp, dbname="side")
    yield c
    c.stop()
    shutil.rmtree(tmp, ignore_errors=True)


def test_second_cluster_runs_beside_the_first_and_keeps_data(cluster, second_cluster):
    assert second_cluster.start() is True
    assert second_cluster.start() is False  # idempotent
    assert cluster.status().running and second_cluster.status().running
    assert cluster.socket_dir != second_cluster.socket_dir
    with psycopg.connect(second_cluster.conninfo(), autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)")
        assert conn.execute("SELECT postgis_lib_version()").fetchone()[0].startswith("3.")
    assert second_cluster.stop() is True
    assert second_cluster.status().running is False
    assert second_cluster.stop() is False
    second_cluster.start()
    with psycopg.connect(second_cluster.conninfo()) as conn:
        assert conn.execute("SELECT v FROM kept").fetchone() == (42,)
    # no TCP port: the server listens on its socket only
    with psycopg.connect(second_cluster.conninfo()) as conn:
        assert conn.execute("SHOW listen_addresses").fetchone() == ("",)


@pytest.mark.skipif(os.geteuid() != 0, reason="the rule is about root running the server as postgres")
def test_data_dir_the_postgres_user_cannot_reach_is_refused(tmp_path):
    closed = Path(tempfile.mkdtemp(dir="/root")) if Path("/root").exists() else tmp_path
    try:
        with pytest.raises(SetupError, match="not reachable by the postgres user"):
            LocalCluster(closed / "pesisir").init()
    finally:
        shutil.rmtree(closed, ignore_errors=True)


def test_too_long_data_dir_is_refused():
    with pytest.raises(SetupError, match="too long for a Unix socket path"):
        LocalCluster(Path("/tmp") / ("x" * 120)).init()


def test_cli_unreachable_database_is_one_line_without_password():
    env = {
        **os.environ,
        "PESISIR_DATABASE_URL": "postgresql://pesisir_app:app-pw@127.0.0.1:9/pesisir",
        "PESISIR_DATABASE_OWNER_URL": "postgresql://pesisir:s3cret-pw@127.0.0.1:9/pesisir",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "app", "db", "status"], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 1
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert "127.0.0.1:9" in lines[0] and "cannot reach PostgreSQL" in lines[0]
    assert "s3cret-pw" not in proc.stderr + proc.stdout


def test_cli_with_only_the_service_url_asks_for_the_owner_url():
    env = {**os.environ, "PESISIR_DATABASE_URL": "postgresql://pesisir_app:app-pw@127.0.0.1:9/pesisir"}
    env.pop("PESISIR_DATABASE_OWNER_URL", None)
    proc = subprocess.run(
        [sys.executable, "-m", "app", "db", "upgrade"], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 1
    assert "PESISIR_DATABASE_OWNER_URL is not set" in proc.stderr and "app-pw" not in proc.stderr + proc.stdout


def test_cli_db_commands_with_private_cluster(cluster, engine):
    env = {**os.environ, "PESISIR_DATA_DIR": str(cluster.data_dir), "PESISIR_DATABASE_NAME": cluster.dbname}
    env.pop("PESISIR_DATABASE_URL", None)

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "app", *args], env=env, capture_output=True, text=True, timeout=120
        )

    from alembic.script import ScriptDirectory

    from app.db.migrate import alembic_config

    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()  # the newest migration
    st = run("db", "status")
    assert st.returncode == 0, st.stderr
    assert "running" in st.stdout and "PostGIS 3." in st.stdout and f"schema revision {head}\n" in st.stdout
    start = run("db", "start")
    assert start.returncode == 0 and "already running" in start.stdout
    url = run("db", "url")
    assert quote(str(cluster.socket_dir), safe="") in url.stdout
    assert "://pesisir_app@" in url.stdout and "://postgres@" in run("db", "url", "--owner").stdout
