"""geo/ is a pure library: ``pytest tests/geo`` passes in a virtual environment that holds only what geo/ and its
tests import (and pytest), without FastAPI, Starlette, SQLAlchemy or psycopg, and with no database to reach.

The environment is made with uv from its cache, each package at the version of the project's own environment, in a
few seconds. It runs the geo tests that are not marked slow (the slow ones import the same modules, and the
docstring examples of tests/geo/test_examples.py import every module of geo/): about 40 s of CPU in all, rather
than the whole geo suite (about 6 minutes of CPU) a second time."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WEB_AND_DATABASE = ("fastapi", "starlette", "sqlalchemy", "geoalchemy2", "alembic", "psycopg", "uvicorn")
"""What geo/ must not need. None of them may be importable in the environment the geo tests run in."""


def _imports(*places: Path) -> set[str]:
    """The top-level names of the modules that the Python files at or under ``places`` import (not the relative
    ones)."""
    names: set[str] = set()
    for path in (f for p in places for f in (p.rglob("*.py") if p.is_dir() else [p])):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
    return names


def _requirements() -> list[str]:
    """The distributions that provide what geo/ and tests/geo import, plus pytest, each pinned as installed here."""
    # With tests/geo, pytest loads the top-level conftest (the workers' schedule), and the geo fixtures import
    # tests/shared.py (what the workers make once).
    tests = ROOT / "tests"
    imported = _imports(ROOT / "geo", tests / "geo", tests / "conftest.py", tests / "shared.py")
    imported -= set(sys.stdlib_module_names)
    imported -= {"geo", "tests", "__future__"}
    providers = metadata.packages_distributions()
    unknown = sorted(n for n in imported if n not in providers)
    assert not unknown, f"imported by geo/ or tests/geo but provided by no installed distribution: {unknown}"
    dists = {d for n in imported for d in providers[n]} | {"pytest"}
    return sorted(f"{d}=={metadata.version(d)}" for d in dists)


def _uv() -> str:
    found = ROOT / ".tools" / "bin" / "uv"
    if found.is_file():
        return str(found)
    on_path = shutil.which("uv")
    if on_path is None:
        raise RuntimeError("uv is missing: run scripts/bootstrap.sh (it installs uv into .tools/)")
    return on_path


@pytest.fixture(scope="module")
def geo_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Python of a fresh virtual environment with geo/'s dependencies only."""
    venv = tmp_path_factory.mktemp("geo-venv") / "venv"
    # Transitive dependencies at the versions installed here: all in uv's cache since the project's environment
    # was made from uv.lock.
    pins = venv.parent / "constraints.txt"
    pins.write_text("".join(f"{d.metadata['Name']}=={d.version}\n" for d in metadata.distributions()))
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")}
    uv = _uv()
    subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(venv)], check=True, env=env)
    python = venv / "bin" / "python"
    subprocess.run(
        [uv, "pip", "install", "-q", "--python", str(python), "--constraint", str(pins), *_requirements()],
        check=True,
        env=env,
    )
    return python


def test_the_geo_environment_has_no_web_stack_or_database_driver(geo_python: Path) -> None:
    probe = "import importlib.util as u; print(' '.join(m for m in __import__('sys').argv[1:] if u.find_spec(m)))"
    found = subprocess.run(
        [str(geo_python), "-c", probe, *WEB_AND_DATABASE], capture_output=True, text=True, check=True
    ).stdout.split()
    assert found == []


def test_pytest_tests_geo_passes_without_the_web_stack_and_the_database(geo_python: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PG", "PESISIR_"))}
    # geo/ and tests/ from the checkout (the project itself is not installed there: it would bring the service's
    # dependencies); any PostgreSQL client default points nowhere.
    env |= {"PYTHONPATH": str(ROOT), "PGHOST": "/nonexistent", "PGPORT": "1"}
    r = subprocess.run(
        [str(geo_python), "-m", "pytest", "tests/geo", "-m", "not slow", "-q", "-x", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert " passed" in r.stdout.splitlines()[-1]
