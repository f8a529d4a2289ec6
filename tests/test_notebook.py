"""The analyst notebook runs end to end on a small seed, so it cannot rot, and shows its figures."""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests import shared

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "01_risk_model.ipynb"


def test_notebook_outputs_are_stripped():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") and not c.get("execution_count") for c in nb.cells if c.cell_type == "code")


def _figure_cells(nb: nbformat.NotebookNode) -> list[int]:
    """The code cells that draw: a pandas / geopandas ``.plot`` or a ``plt.`` call."""
    return [
        i for i, c in enumerate(nb.cells) if c.cell_type == "code" and re.search(r"\.plot\b|\bplt\.", "".join(c.source))
    ]


def test_the_notebook_draws_inline_and_reads_its_size_from_the_environment():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = "\n".join("".join(c.source) for c in nb.cells if c.cell_type == "code")
    # No backend forced: Jupyter's inline one shows the figures in the notebook (and nbclient records them).
    assert "matplotlib.use(" not in code and "MPLBACKEND" not in code
    assert len(_figure_cells(nb)) >= 4
    for name in ("SEED", "INCIDENTS", "LANDINGS", "WORLD_SEEDS", "ROUTES_DIR"):
        assert f'os.environ.get("PESISIR_NB_{name}"' in code


@pytest.mark.slow
def test_risk_model_notebook_executes_with_its_figures(monkeypatch, pytestconfig, tmp_path_factory):
    # Small sizes, every cell: the suite runs it in about a minute on two cores (the sea graph is most of it).
    monkeypatch.setenv("PESISIR_NB_SEED", "11")
    monkeypatch.setenv("PESISIR_NB_INCIDENTS", "300")
    monkeypatch.setenv("PESISIR_NB_LANDINGS", "400")
    monkeypatch.setenv("PESISIR_NB_WORLD_SEEDS", "1")
    # The run's one sea graph (geo.seagraph.load_or_build), which the geo and database tests use too: built first
    # under the run's lock (tests/shared.py), so that the notebook never builds it at the same time as a worker.
    shared.sea_graph(pytestconfig, tmp_path_factory)
    monkeypatch.setenv("PESISIR_NB_ROUTES_DIR", str(shared.seagraph_dir(pytestconfig, tmp_path_factory)))
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's own default: inline
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    ).execute()
    assert all(c.get("execution_count") for c in nb.cells if c.cell_type == "code")  # every cell ran
    for i in _figure_cells(nb):
        images = [o for o in nb.cells[i].outputs if "image/png" in o.get("data", {})]
        assert images, f"cell {i} draws but holds no image/png output: {nb.cells[i].outputs}"
        assert all(len(o["data"]["image/png"]) > 1000 for o in images)  # base64 of a real picture
    outputs = "".join(str(o) for c in nb.cells for o in c.get("outputs", []))
    assert "segments" in outputs and "PAI 10%" in outputs
    # The real coast with the shipped weights: class shares by island for both risks, and the worlds' figures.
    assert outputs.count("(expert prior): share of each class's coastline") == 2 and "land border" in outputs
    assert "truth_ratio" in outputs and "biased+offset" in outputs
    assert os.environ["PESISIR_NB_SEED"] == "11"
