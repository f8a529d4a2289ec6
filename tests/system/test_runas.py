"""``pesisir run`` and ``pesisir serve`` started by root serve as the unprivileged user ``pesisir`` (docs/RELIABILITY-STATUS.md R2-13):
the served process has no root uid, reaches the private cluster through peer authentication as ``pesisir_app``
only, and the socket directory is closed to everyone else. CI runs as root, so this runs there."""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2 as httpx
import pytest

from app import runas
from app.db.cluster import SERVICE_USER, SUPERUSER, LocalCluster
from tests.system.server import ROOT, free_port, prepare_database

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the privilege drop is what root's 'pesisir run' does")

SECRET = "runas-secret-" + "y" * 40


def _connect_as(os_user: str, python: Path, cluster: LocalCluster, role: str) -> subprocess.CompletedProcess[str]:
    """Try to connect to the cluster as database ``role`` from a process of ``os_user``."""
    code = (
        "import psycopg, sys\n"
        f"c = psycopg.connect(host={str(cluster.socket_dir)!r}, port={cluster.port}, user={role!r}, "
        f"dbname={cluster.dbname!r}, connect_timeout=5)\n"
        "print(c.execute('SELECT current_user').fetchone()[0])\n"
    )
    group = grp.getgrgid(pwd.getpwnam(os_user).pw_gid).gr_name
    cmd = ["setpriv", f"--reuid={os_user}", f"--regid={group}", "--init-groups", "--", str(python), "-c", code]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd="/")


def test_run_and_serve_as_root_serve_as_pesisir_through_peer_authentication(cluster: LocalCluster) -> None:
    auth = prepare_database(cluster, "pesisir_runas", SECRET)
    install_dir = Path(tempfile.mkdtemp(prefix="pesisir-install-", dir="/tmp"))
    install_dir.chmod(0o755)
    port = free_port()
    env = {
        **os.environ,
        "PESISIR_DATA_DIR": str(cluster.data_dir),
        "PESISIR_DATABASE_NAME": "pesisir_runas",
        "PESISIR_PORT": str(port),
        "PESISIR_SECRET_KEY": SECRET,
        "PESISIR_RESCORE_INTERVAL_S": "0",
        "PESISIR_INSTALL_DIR": str(install_dir),
    }
    env.pop("PESISIR_DATABASE_URL", None)
    env.pop("PESISIR_DATABASE_OWNER_URL", None)
    log = cluster.data_dir / f"runas-{port}.log"
    env.pop("PESISIR_SERVE_AS_ROOT", None)
    # 'pesisir serve' started by root, and what 'pesisir run' does after its root-only steps: install for pesisir,
    # then exec 'pesisir serve' as it.
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "serve"], env=env, cwd=ROOT, stdout=log.open("ab"), stderr=log.open("ab")
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240  # the first install makes a virtual environment
        while True:
            try:
                health = httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, f"the server exited: {log.read_text()[-3000:]}"
                assert time.monotonic() < deadline, f"the server did not start: {log.read_text()[-3000:]}"
                time.sleep(0.2)
        assert health.status_code == 200, health.text

        # The process that answers (exec keeps the pid) runs as pesisir: real, effective, saved and fs uid and gid.
        status = Path(f"/proc/{proc.pid}/status").read_text().splitlines()
        ids = {line.split(":")[0]: line.split()[1:] for line in status if line.startswith(("Uid:", "Gid:"))}
        uid = pwd.getpwnam(SERVICE_USER).pw_uid
        assert ids["Uid"] == [str(uid)] * 4, status
        assert "0" not in ids["Gid"], status
        assert f"CapEff:\t{0:016x}" in status and f"CapPrm:\t{0:016x}" in status
        assert str(Path(os.readlink(f"/proc/{proc.pid}/exe")).resolve()).startswith("/usr/"), "Debian's python"

        # It reads the database as pesisir_app (peer authentication): a signed-in request answers from it.
        harbours = httpx.get(f"{base}/api/v1/harbours", headers=auth, timeout=10)
        assert harbours.status_code == 200 and harbours.json(), harbours.text
        landings = httpx.get(f"{base}/api/v1/landings", headers=auth, timeout=10)
        assert landings.status_code == 200, landings.text
        assert "Traceback" not in log.read_text(errors="replace")
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)

    # The socket directory: postgres's, group pesisir, nothing for others.
    st = cluster.socket_dir.stat()
    assert cluster.socket_dir == cluster.data_dir / "run"
    assert st.st_mode & 0o777 == 0o750 and grp.getgrgid(st.st_gid).gr_name == SERVICE_USER
    # pesisir may log in as pesisir_app and nothing else; another unprivileged user cannot reach the socket.
    python = install_dir / ".venv" / "bin" / "python"
    ok = _connect_as(SERVICE_USER, python, cluster, "pesisir_app")
    assert ok.returncode == 0 and ok.stdout.strip() == "pesisir_app", ok.stderr
    refused = _connect_as(SERVICE_USER, python, cluster, SUPERUSER)
    assert refused.returncode != 0 and "Peer authentication failed" in refused.stderr, refused.stderr
    nobody = _connect_as("nobody", python, cluster, "pesisir_app")
    assert nobody.returncode != 0 and "Permission denied" in nobody.stderr, nobody.stderr
    # Root's code copy is root's: pesisir may read it, not change it.
    assert install_dir.stat().st_uid == 0 and (install_dir / "app" / "main.py").stat().st_mode & 0o022 == 0
    # The next start finds the copy current and makes none; a copy that differs from the checkout is made again.
    assert runas.install(install_dir) == (python, False)
    (install_dir / "app" / "main.py").write_text("# changed by hand\n")
    (install_dir / ".pesisir-installed").write_text("another checkout")
    assert runas.install(install_dir) == (python, True)
    assert (install_dir / "app" / "main.py").read_bytes() == (ROOT / "app" / "main.py").read_bytes()
    shutil.rmtree(install_dir, ignore_errors=True)


def test_the_digest_of_the_shipped_files_follows_what_install_copies(tmp_path: Path) -> None:
    for name in runas.SHIPPED:
        if name in ("app", "geo", "data"):
            (tmp_path / name).mkdir()
            (tmp_path / name / "x.py").write_text("x = 1\n")
        else:
            (tmp_path / name).write_text(name)
    first = runas.shipped_digest(tmp_path)
    (tmp_path / "app" / "__pycache__").mkdir()
    (tmp_path / "app" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"compiled")
    (tmp_path / "data" / ".hidden").write_text("not copied")
    assert runas.shipped_digest(tmp_path) == first  # what install leaves out does not count
    (tmp_path / "geo" / "x.py").write_text("x = 2\n")
    assert runas.shipped_digest(tmp_path) != first
