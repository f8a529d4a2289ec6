"""Serving as the unprivileged system user ``pesisir`` when ``pesisir run`` is started by root (R2-13).

Root does the root-only steps (the private cluster as ``postgres``, migrations, loading, scoring); then
``exec_serve`` replaces the process with ``pesisir serve`` run by ``pesisir``:

- the user and its group are created once (``useradd --system``: no home, no login shell);
- the code is not served from the checkout, which may be closed to other users (a clone under ``/root``), and
  neither may the Python its ``.venv`` was made with be (pyenv's under ``/root``): ``install`` copies what the
  service reads (``app/``, ``geo/``, ``data/``, ``pyproject.toml``, ``uv.lock``) to ``PESISIR_INSTALL_DIR``
  (``/opt/pesisir``), owned by root, readable by everyone, writable by root only, with a virtual environment of
  its own made from ``uv.lock`` (no dev tools) on a Python 3.11+ that ``pesisir`` can run (Debian's
  ``/usr/bin/python3`` when the checkout's is closed);
- ``setpriv`` switches real, effective and saved uid and gid to ``pesisir`` (its own groups only), drops every
  capability and sets no_new_privs, so neither the service nor anything it runs can become root again.

The database side (``app.db.cluster``): the socket directory is of group ``pesisir`` and peer authentication lets
the OS user ``pesisir`` log in as ``pesisir_app`` only.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NoReturn

from app.db.cluster import SERVICE_USER
from app.errors import SetupError
from app.settings import Settings

REPO = Path(__file__).resolve().parents[1]
SHIPPED = ("app", "geo", "data", "pyproject.toml", "uv.lock", "README.md")
"""What the service reads from a checkout: its code, the data next to it, and what uv needs to install it."""
SYSTEM_PYTHON = Path("/usr/bin/python3")
_STAMP = ".pesisir-synced"
_INSTALLED = ".pesisir-installed"
"""In ``install_dir``: the digest of the checkout's shipped files when they were last installed there."""
_IGNORED = ("__pycache__", "*.pyc", ".*")


def ensure_service_user() -> pwd.struct_passwd:
    """The system user (and group) ``pesisir``, created when missing. Root only; idempotent."""
    try:
        return pwd.getpwnam(SERVICE_USER)
    except KeyError:
        pass
    proc = subprocess.run(
        [
            "useradd",
            "--system",
            "--user-group",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
            "--comment",
            "Pesisir web service",
            SERVICE_USER,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    try:  # another process may have created it meanwhile
        return pwd.getpwnam(SERVICE_USER)
    except KeyError:
        raise SetupError(f"cannot create the system user {SERVICE_USER!r}: {proc.stderr.strip()}") from None


def _as_service_user(args: list[str]) -> list[str]:
    return [
        "setpriv",
        f"--reuid={SERVICE_USER}",
        f"--regid={SERVICE_USER}",
        "--init-groups",
        "--inh-caps=-all",
        "--no-new-privs",
        "--",
        *args,
    ]


def _open_to_others(path: Path) -> bool:
    """Whether any user may reach ``path`` (every parent searchable by others) and read it."""
    path = path.resolve()
    return all(p.stat().st_mode & 0o001 for p in path.parents) and bool(path.stat().st_mode & 0o004)


def _python_for_service_user() -> Path:
    """A Python 3.11+ the service user can run: its executable and its standard library open to other users (the
    checkout's, unless it lives under /root as pyenv's does; else Debian's). Decided from the file modes, not by
    trying: what an unprivileged exec does is not something to guess from."""
    base = Path(getattr(sys, "_base_executable", sys.executable))  # a venv's own interpreter
    for candidate in (base, SYSTEM_PYTHON):
        if not candidate.exists():
            continue
        probe = "import sys, sysconfig; print(sys.version_info >= (3, 11)); print(sysconfig.get_path('stdlib'))"
        proc = subprocess.run([str(candidate), "-c", probe], capture_output=True, text=True, check=False)
        lines = proc.stdout.split()
        works = proc.returncode == 0 and lines[:1] == ["True"] and len(lines) == 2
        if works and _open_to_others(candidate) and _open_to_others(Path(lines[1])):
            return candidate
    raise SetupError(
        f"no Python 3.11 or newer that the user {SERVICE_USER!r} can run ({base} is closed to it): "
        "install Debian's with 'apt-get install python3 python3-venv'"
    )


def _uv() -> str:
    for candidate in (REPO / ".tools" / "bin" / "uv", shutil.which("uv")):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    raise SetupError("uv not found: run scripts/bootstrap.sh (or 'make run', which does)")


def _open_to_all(root: Path) -> None:
    """Directories 0755, files 0644 (0755 when executable), owned by root: readable by the service, not writable."""
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        os.chown(path, 0, 0)
        executable = path.is_dir() or path.stat().st_mode & 0o100
        path.chmod(0o755 if executable else 0o644)


def shipped_digest(repo: Path = REPO) -> str:
    """SHA-256 of what ``install`` copies from the checkout (every file's path, mode and bytes)."""
    digest = hashlib.sha256()
    for name in SHIPPED:
        src = repo / name
        files = sorted(p for p in src.rglob("*") if p.is_file()) if src.is_dir() else [src]
        for path in files:
            rel = path.relative_to(repo)
            if rel.suffix == ".pyc" or any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
                continue  # what _IGNORED leaves out of the copy
            digest.update(f"{rel} {path.stat().st_mode & 0o100:o}\n".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def install(install_dir: Path) -> tuple[Path, bool]:
    """Copy the service's code and data from this checkout to ``install_dir`` and (when ``uv.lock`` or the Python
    changed) give it its own virtual environment. Root only; idempotent: nothing is copied when the installed copy
    is that of the checkout's files (a digest of them, noted after the last install). Returns the environment's
    Python and whether anything was copied."""
    ensure_service_user()
    install_dir.mkdir(parents=True, exist_ok=True)
    for parent in [install_dir, *install_dir.parents]:
        if parent.stat().st_mode & 0o005 != 0o005:
            raise SetupError(
                f"PESISIR_INSTALL_DIR={install_dir} is not readable by the user {SERVICE_USER!r} ({parent} is "
                "closed to others): use a directory such as /opt/pesisir"
            )
    python = _python_for_service_user()
    venv = install_dir / ".venv"
    digest = hashlib.sha256((REPO / "uv.lock").read_bytes() + (REPO / "pyproject.toml").read_bytes())
    digest.update(str(python).encode())
    stamp, installed = venv / _STAMP, install_dir / _INSTALLED
    shipped = shipped_digest()
    current = (
        stamp.is_file()
        and stamp.read_text() == digest.hexdigest()
        and installed.is_file()
        and installed.read_text() == shipped
        and (venv / "bin" / "python").exists()
    )
    if current:
        return venv / "bin" / "python", False
    installed.unlink(missing_ok=True)
    staging = install_dir / ".staging"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    ignore = shutil.ignore_patterns(*_IGNORED)
    for name in SHIPPED:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, staging / name, ignore=ignore, symlinks=True)
        else:
            shutil.copy2(src, staging / name)
    _open_to_all(staging)
    for name in SHIPPED:  # replace, so that files deleted in the checkout go too
        target = install_dir / name
        if target.is_dir():
            shutil.rmtree(target)
        (staging / name).replace(target)
    staging.rmdir()

    if not stamp.is_file() or stamp.read_text() != digest.hexdigest():
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")}
        env["UV_PYTHON_DOWNLOADS"] = "never"
        sync = [_uv(), "sync", "--frozen", "--no-default-groups", "--compile-bytecode", "--quiet"]
        sync += ["--python", str(python)]
        proc = subprocess.run(sync, cwd=install_dir, env=env, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise SetupError(f"installing the service in {install_dir} failed: {proc.stderr.strip()[-500:]}")
        _open_to_all(venv)
        stamp.write_text(digest.hexdigest())
    venv_python = venv / "bin" / "python"
    # The service cannot write bytecode next to root's files: compile it now, once per run.
    subprocess.run(
        [str(venv_python), "-m", "compileall", "-q", str(install_dir / "app"), str(install_dir / "geo")],
        capture_output=True,
        check=False,
    )
    _open_to_all(install_dir / "app")
    _open_to_all(install_dir / "geo")
    installed.write_text(shipped)
    installed.chmod(0o644)
    return venv_python, True


def service_environment(settings: Settings) -> dict[str, str]:
    """The served process's environment: the ``PESISIR_`` settings, with the data directory (which depends on who
    asks) and the routes directory pinned, and nothing else of root's."""
    keep = ("LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TZ", "TERM", "COLUMNS", "NO_COLOR")
    env = {k: v for k, v in os.environ.items() if k.startswith("PESISIR_") or k in keep}
    env |= {
        "PESISIR_DATA_DIR": str(settings.database.data_dir),
        "PESISIR_DATABASE_NAME": settings.database.name,
        "PESISIR_ROUTES_DIR": str(settings.routes_dir),
        "HOME": "/nonexistent",
        "USER": SERVICE_USER,
        "LOGNAME": SERVICE_USER,
        "PATH": "/usr/bin:/bin",
    }
    return env


def serve_command(python: Path) -> list[str]:
    """``pesisir serve`` as the service user, through setpriv."""
    return _as_service_user([str(python), "-m", "app", "serve"])


def exec_serve(settings: Settings, python: Path) -> NoReturn:
    """Replace this (root) process with ``pesisir serve`` run by the service user. The sea graph's directory is
    made readable to it (it is public map data)."""
    if settings.routes_dir.is_dir():
        for path in [settings.routes_dir, *settings.routes_dir.rglob("*")]:
            path.chmod(path.stat().st_mode | (0o555 if path.is_dir() else 0o444))
    sys.stdout.flush()
    sys.stderr.flush()
    os.chdir(python.parents[2])
    argv = serve_command(python)
    setpriv = shutil.which("setpriv", path="/usr/bin:/bin")
    if setpriv is None:
        raise SetupError("setpriv not found: install Debian's util-linux")
    os.execve(setpriv, argv, service_environment(settings))  # noqa: S606 (no shell, on purpose)
