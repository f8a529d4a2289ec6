"""Every error the service answers over HTTP comes from the catalogue (issue 14, item 2): a scan of app/ finds each
``PesisirError`` made without ``.coded(code, ...)`` and fails unless it is listed below with the reason it may stay
English (start-up, a command's own step, or a message passed on from geo's readers). Every code the source names exists in
the catalogue. The scan reads the source (no database): a new uncoded error fails here before any request does."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from app import errors
from geo.i18n import has

ROOT = Path(__file__).resolve().parents[1]
ERROR_CLASSES = frozenset(
    name for name, value in vars(errors).items() if isinstance(value, type) and issubclass(value, errors.PesisirError)
)
SETUP_ONLY = ("SetupError",)
"""The machine lacks something (a package, a key, a free port): a start-up or command-line failure, never an answer
to a request's input, so its text stays English."""

UNCODED: dict[tuple[str, str], str] = {
    # (file, the construction as written, up to its first parenthesis' content start): why it stays English
    ("app/db/cluster.py", "DatabaseUnavailable"): "the private cluster's start (pesisir db start, run): never HTTP",
    ("app/db/session.py", "DatabaseUnavailable"): "check_connection at start-up and in commands; over HTTP the "
    "service answers the coded db.* errors of app/deps.py",
    ("app/services/base_data.py", "InvalidInput"): "pesisir load-base only: geo's message naming the file and rule",
    ("app/services/risk.py", "InvalidInput"): "pesisir segment / evaluate / model fit, or a broken shipped prior "
    "(a fault of the installation): geo's message passed on",
    ("app/services/routes.py", "InvalidInput"): "pesisir routes build (geo's message naming the file, row and rule), "
    "or a router message that ROUTER_ERRORS does not know, passed on as the router says it",
}


def _constructions(source: str) -> list[tuple[str, int]]:
    """(class, line) of every PesisirError made in ``source`` by calling the class itself (not ``.coded``)."""
    return [
        (node.func.id, node.lineno)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ERROR_CLASSES
    ]


def _sources() -> list[Path]:
    return sorted(p for p in (ROOT / "app").rglob("*.py") if "migrations" not in p.parts)


def uncoded(path: str, source: str) -> list[str]:
    return [
        f"{path}:{line} {name}(...)"
        for name, line in _constructions(source)
        if name not in SETUP_ONLY and (path, name) not in UNCODED
    ]


@pytest.mark.parametrize("path", [str(p.relative_to(ROOT)) for p in _sources()])
def test_every_error_a_request_can_meet_is_coded(path):
    found = uncoded(path, (ROOT / path).read_text(encoding="utf-8"))
    assert not found, f"make these with X.coded('<area>.<rule>', ...) and a catalogue entry in geo/i18n: {found}"


def test_every_allowance_is_still_needed():
    for path, name in UNCODED:
        names = {n for n, _ in _constructions((ROOT / path).read_text(encoding="utf-8"))}
        assert name in names, f"{path} no longer makes {name}(...) uncoded: remove it from UNCODED"


def test_the_scan_finds_an_uncoded_error():
    source = """
def find(n):
    if n is None:
        raise NotFound.coded("landing.not_found", id=n)
    raise NotFound(f"landing {n} not found")

def limited():
    raise RateLimited.coded("export.one_at_a_time", 5)

def start():
    raise SetupError("no key")
"""
    assert uncoded("app/services/landings.py", source) == ["app/services/landings.py:5 NotFound(...)"]


CODE = re.compile(r"\.coded\(\s*\"([a-z_]+(?:\.[a-z_0-9]+)+)\"")


@pytest.mark.parametrize("path", [str(p.relative_to(ROOT)) for p in _sources()])
def test_every_code_the_source_names_is_in_the_catalogue(path):
    codes = set(CODE.findall((ROOT / path).read_text(encoding="utf-8")))
    assert all(has(c) for c in codes), sorted(c for c in codes if not has(c))
