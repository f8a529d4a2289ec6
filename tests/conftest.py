"""How the suite is shared between workers: ``make pytest`` runs it on one pytest-xdist worker per core
(``-n auto --dist loadfile --no-loadscope-reorder``, see the Makefile). A plain ``pytest tests/x.py`` runs in one
process and nothing here applies.

- A test file is one unit of work (``--dist loadfile``): its tests run on one worker, one after the other, so its
  module fixtures are built once. Each worker is a session of its own, with its own PostGIS cluster and session
  fixtures (tests/fixtures_db.py).
- The files of ``FIRST`` start first, in that order, so that the run does not end with one worker idle while the
  other still has minutes of work; the rest follow in the order of collection.

What the workers share across processes (the sea graph, the corridors) is made once under a file lock:
tests/shared.py. Only pytest is imported here: tests/geo runs without the web stack (tests/test_geo_alone.py)."""

from __future__ import annotations

import pytest

FIRST = (
    # Needs the sea graph, then the corridors (tests/shared.py), then its worlds: it builds both for the others.
    "tests/geo/test_evaluation_worlds.py",
    # Meanwhile, the other worker: long files that need neither.
    "tests/db/test_risk.py",
    "tests/api/test_auth.py",
    # Then the longest of the rest, the sea graph built by now.
    "tests/db/test_routes_build.py",
    "tests/geo/test_routes.py",
    "tests/test_notebook.py",
    "tests/geo/test_corridors.py",
    "tests/db/test_second_start.py",
    "tests/geo/test_synthetic_routes.py",
    "tests/system/test_runas.py",
    "tests/test_geo_alone.py",
)
"""The test files started first, in this order (the longest, as measured on the 2-core VM)."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # On a worker (pytest-xdist gives it ``workerinput``): the controller hands out the files in the order of the
    # workers' collection (``--no-loadscope-reorder``).
    if not hasattr(config, "workerinput"):
        return
    rank = {path: i for i, path in enumerate(FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))  # stable: the rest as collected
