"""The analyst notebook runs end to end on a small seed, so it cannot rot."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "01_risk_model.ipynb"


def test_notebook_outputs_are_stripped():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") and not c.get("execution_count") for c in nb.cells if c.cell_type == "code")


def test_risk_model_notebook_executes(monkeypatch):
    monkeypatch.setenv("PESISIR_NB_SEED", "11")
    monkeypatch.setenv("PESISIR_NB_INCIDENTS", "300")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    ).execute()
    outputs = "".join(str(o) for c in nb.cells for o in c.get("outputs", []))
    assert "segments" in outputs and "PAI 10%" in outputs
    assert os.environ["PESISIR_NB_SEED"] == "11"
