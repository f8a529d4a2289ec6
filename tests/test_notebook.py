"""The analyst notebook runs end to end on a small seed, so it cannot rot."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "01_risk_model.ipynb"


def test_notebook_outputs_are_stripped():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") and not c.get("execution_count") for c in nb.cells if c.cell_type == "code")


@pytest.mark.slow
def test_risk_model_notebook_executes(monkeypatch, tmp_path):
    monkeypatch.setenv("PESISIR_NB_SEED", "11")
    monkeypatch.setenv("PESISIR_NB_INCIDENTS", "300")
    monkeypatch.setenv("PESISIR_NB_WORLD_SEEDS", "1")
    monkeypatch.setenv("PESISIR_NB_ROUTES_DIR", str(tmp_path / "routes"))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    ).execute()
    outputs = "".join(str(o) for c in nb.cells for o in c.get("outputs", []))
    assert "segments" in outputs and "PAI 10%" in outputs
    # The real coast with the shipped weights: class shares by island for both risks, and the worlds' figures.
    assert outputs.count("(expert prior): share of each class's coastline") == 2 and "land border" in outputs
    assert "truth_ratio" in outputs and "biased+offset" in outputs
    assert os.environ["PESISIR_NB_SEED"] == "11"
