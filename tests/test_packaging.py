"""What can be checked of the Docker image and compose file without a Docker engine, and the CLI's help."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from app.cli import cli

ROOT = Path(__file__).resolve().parents[1]


def test_dockerfile_is_multistage_locked_and_non_root():
    text = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM\s+\S+\s+AS\s+(\w+)", text, flags=re.M)
    assert stages == ["build", "runtime"]
    # The service's dependencies only: no dependency group (test tools, Jupyter, matplotlib) in the image.
    syncs = re.findall(r"uv sync [^\n]*", text)
    assert syncs and all("--frozen" in c and "--no-default-groups" in c and "--group" not in c for c in syncs)
    runtime = text.split("AS runtime", 1)[1]
    user = re.findall(r"^USER\s+(\S+)", runtime, flags=re.M)
    assert user and user[-1] not in ("root", "0")
    for src in re.findall(r"^COPY\s+(?!--from)(?:--\S+\s+)*(.+)\s+\S+$", text, flags=re.M):
        for path in src.split():
            assert (ROOT / path).exists(), f"Dockerfile copies {path}, which is not in the repository"
    # the same pinned uv as the bootstrap script
    uv_docker = re.search(r"UV_VERSION=(\S+)", text).group(1)
    uv_boot = re.search(r"UV_VERSION=(\S+)", (ROOT / "scripts/bootstrap.sh").read_text()).group(1)
    assert uv_docker == uv_boot
    cmd = re.search(r'^CMD\s+\["pesisir",\s*"(\w+)"\]', text, flags=re.M).group(1)
    assert cmd in {c.name for c in cli.registered_commands}
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["pesisir"] == "app.cli:main"


def test_compose_runs_pesisir_against_postgis():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    db, app = compose["services"]["db"], compose["services"]["app"]
    assert db["image"].startswith("postgis/postgis:15-")
    assert "healthcheck" in db
    assert app["build"] == "."
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    # The service as its own role, migrations and loading as the owner (README, Database).
    url, owner = app["environment"]["PESISIR_DATABASE_URL"], app["environment"]["PESISIR_DATABASE_OWNER_URL"]
    assert url.startswith("postgresql://pesisir_app:") and url.endswith("@db:5432/pesisir")
    assert owner.startswith("postgresql://pesisir:") and owner.endswith("@db:5432/pesisir")
    init = {c["target"]: compose["configs"][c["source"]]["content"] for c in db["configs"]}
    assert any(t.startswith("/docker-entrypoint-initdb.d/") and "ROLE pesisir_app LOGIN" in v for t, v in init.items())
    assert db["environment"]["POSTGRES_DB"] == "pesisir"
    assert any(str(p).startswith("127.0.0.1:") for p in app["ports"])


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["db", "--help"],
        ["db", "start", "--help"],
        ["db", "stop", "--help"],
        ["db", "status", "--help"],
        ["db", "url", "--help"],
        ["db", "upgrade", "--help"],
        ["db", "downgrade", "--help"],
        ["load-base", "--help"],
        ["demo-data", "--help"],
        ["serve", "--help"],
        ["run", "--help"],
    ],
)
def test_every_command_has_help(args):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_readme_shows_the_two_commands_and_ci_calls_the_test_one():
    readme = (ROOT / "README.md").read_text()
    top = readme[: readme.index("## The `pesisir` command")]
    assert "make run" in top and "make test" in top
    assert "make test" in (ROOT / ".ci/run").read_text()


def test_serve_on_a_port_in_use_fails_in_one_line():
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {**os.environ, "PESISIR_PORT": str(port), "PESISIR_DATABASE_URL": "postgresql://x@127.0.0.1:9/x"}
        proc = subprocess.run(
            [sys.executable, "-m", "app", "serve"], env=env, capture_output=True, text=True, timeout=60
        )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"error: port {port} on 127.0.0.1 is in use: stop the other process or choose another with PESISIR_PORT"
    ]


def test_settings_groups_take_explicit_values_and_the_environment(monkeypatch):
    from app.settings import DatabaseSettings, ServerSettings, Settings

    explicit = Settings(
        database=DatabaseSettings(url="postgresql://u:pw@h:1/d", data_dir="/tmp/x", name="n"),
        server=ServerSettings(port=9999),
    )
    assert explicit.database.url.get_secret_value() == "postgresql://u:pw@h:1/d"
    assert (str(explicit.database.data_dir), explicit.database.name, explicit.server.port) == ("/tmp/x", "n", 9999)
    monkeypatch.setenv("PESISIR_PORT", "8123")
    monkeypatch.setenv("PESISIR_DATA_DIR", "/srv/pesisir")
    from_env = Settings()
    assert (from_env.server.port, str(from_env.database.data_dir)) == (8123, "/srv/pesisir")
    monkeypatch.setenv("PESISIR_DATABASE_URL", "mysql://nope")
    with pytest.raises(ValueError, match="PESISIR_DATABASE_URL must start with postgresql://"):
        Settings()


ONLY_FOR_TESTS_AND_NOTEBOOK = ("playwright", "jupyterlab", "notebook", "ipykernel", "nbclient", "matplotlib", "pytest")
"""Distributions that ``make run``, the Docker image and /opt/pesisir must not install."""


def _closure(*groups: str) -> set[str]:
    """The distributions uv.lock installs for the service plus ``groups`` (no network: ``--frozen``)."""
    uv = ROOT / ".tools" / "bin" / "uv"
    args = [str(uv), "export", "--frozen", "--no-default-groups", "--no-hashes", "--no-emit-project"]
    for g in groups:
        args += ["--group", g]
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=True)
    return {
        re.split(r"[=;\s\[]", line, maxsplit=1)[0].lower() for line in proc.stdout.splitlines() if line[:1].isalnum()
    }


def test_the_service_installs_no_test_tool_jupyter_or_matplotlib():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["tool"]["uv"]["default-groups"] == []  # a plain 'uv sync' is the service alone
    service = _closure()
    assert {"fastapi", "geopandas", "uvicorn", "psycopg"} <= service
    assert not service & set(ONLY_FOR_TESTS_AND_NOTEBOOK), sorted(service & set(ONLY_FOR_TESTS_AND_NOTEBOOK))
    assert {"playwright", "pytest", "nbclient", "ipykernel", "matplotlib"} <= _closure("test")
    assert {"jupyterlab", "ipykernel", "matplotlib"} <= _closure("notebook")
    # make run syncs no group, make test the group 'test'; each keeps what the other installed (--inexact).
    boot = (ROOT / "scripts" / "bootstrap.sh").read_text()
    syncs = re.findall(r'"\$UV" sync [^\n]*', boot)
    assert len(syncs) == 2 and all("--frozen" in c and "--inexact" in c and "--no-default-groups" in c for c in syncs)
    assert sorted("--group test" in c for c in syncs) == [False, True]
    assert "--no-default-groups" in (ROOT / "app" / "runas.py").read_text()  # /opt/pesisir: the service alone


def test_the_service_imports_without_the_test_and_notebook_packages():
    """Every module of app/ and geo/ imports with the test-only distributions made unimportable."""

    blocked = (*ONLY_FOR_TESTS_AND_NOTEBOOK, "IPython", "jupyter_client", "nbformat", "schemathesis", "httpx2")
    code = f"""
import importlib, importlib.abc, pkgutil, sys
BLOCKED = {blocked!r}
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{{name}} is not a dependency of the service")
sys.meta_path.insert(0, Block())
import app, geo
for pkg in (app, geo):
    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
        if ".migrations." not in m.name and not m.name.endswith(".__main__"):
            importlib.import_module(m.name)
print("imported")
"""
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PESISIR_SECRET_KEY": "packaging-test-" + "k" * 40},
    )
    assert proc.returncode == 0 and proc.stdout.strip().endswith("imported"), proc.stderr[-3000:]


def _floor(requirement: str) -> tuple[str, tuple[int, ...]] | None:
    m = re.match(r"([A-Za-z0-9_.-]+)(?:\[[^]]*\])?>=([0-9.]+)", requirement)
    return (m.group(1).lower(), tuple(int(x) for x in m.group(2).split("."))) if m else None


def test_version_floors_are_what_the_code_needs_and_the_lock_meets_them():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    locked = {p["name"].lower(): tuple(int(x) for x in re.findall(r"\d+", p["version"])[:3]) for p in lock["package"]}
    floors = dict(f for f in map(_floor, pyproject["project"]["dependencies"]) if f is not None)
    assert len(floors) == len(pyproject["project"]["dependencies"])  # every dependency has a floor
    assert floors["fastapi"] >= (0, 121)  # Depends(scope="function"): app/deps.py
    for name, floor in floors.items():
        assert locked[name][: len(floor)] >= floor, f"{name}: locked {locked[name]} is below the floor {floor}"
