"""What the suite's workers make once and share.

``make pytest`` runs the suite on several workers (pytest-xdist, see tests/conftest.py): each worker is a session
of its own, with its own PostGIS cluster, its own session fixtures and its own temporary folder. What is the same for
every worker and slow to make (the sea graph of the committed data, the corridors of the committed flows) is made
once, by the first worker that asks, in the run's folder common to all workers and under a file lock there; the
others wait for it and read it. Run without workers (``pytest tests/x.py``), the common folder is the run's own
temporary folder and nothing is pickled: the fixtures make their artefacts as they always did.

Imports nothing but pytest, filelock and geo/: tests/geo runs without the web stack (tests/test_geo_alone.py)."""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
from filelock import FileLock

T = TypeVar("T")


def is_worker(config: pytest.Config) -> bool:
    """Whether this session is one of several pytest-xdist workers (they are given ``workerinput``)."""
    return hasattr(config, "workerinput")


def run_dir(config: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run's temporary folder common to all its workers: the parent of a worker's own (``.../popen-gw0``)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if is_worker(config) else base


@contextmanager
def exclusive(config: pytest.Config, tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[Path]:
    """Hold the run-wide lock ``name`` (one worker at a time); yields the run's common folder."""
    shared = run_dir(config, tmp_path_factory)
    with FileLock(shared / f"{name}.lock"):
        yield shared


def seagraph_dir(config: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the run's sea graph is (:func:`sea_graph` builds it there)."""
    return run_dir(config, tmp_path_factory) / "seagraph"


def sea_graph(config: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The sea graph of the committed data (``geo.seagraph.load_or_build``), built once per run into
    :func:`seagraph_dir` (where the geo tests, the database tests and the notebook find it); the lock keeps two
    workers from building it at once."""
    from geo import seagraph

    with exclusive(config, tmp_path_factory, "seagraph"):
        return seagraph.load_or_build(seagraph_dir(config, tmp_path_factory))


def made_once(config: pytest.Config, tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[], T]) -> T:
    """``make()``, called once per run: under workers the first one pickles the result in the common folder and the
    others unpickle it (a picklable value, the same whoever makes it); without workers, simply ``make()``."""
    if not is_worker(config):
        return make()
    with exclusive(config, tmp_path_factory, name) as shared:
        path = shared / f"{name}.pickle"
        if path.is_file():
            with path.open("rb") as fh:
                value: T = pickle.load(fh)  # written by this run's own workers
            return value
        value = make()
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
        return value
