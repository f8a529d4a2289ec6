"""The runnable examples in geo/'s docstrings are tests: every module's examples run here and must print what they
say. An example that stopped being true fails with the doctest report (the example, what it expected, what it got)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from types import ModuleType

import pytest

import geo

MODULES = sorted(m.name for m in pkgutil.walk_packages(geo.__path__, "geo."))


def _examples(module: ModuleType) -> list[doctest.DocTest]:
    return [t for t in doctest.DocTestFinder().find(module) if t.examples]


@pytest.mark.parametrize("name", MODULES)
def test_the_examples_in_the_docstrings_hold(name: str) -> None:
    tests = _examples(importlib.import_module(name))
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    report: list[str] = []
    for test in tests:
        runner.run(test, out=report.append)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, "".join(report)


def test_the_documented_modules_have_examples() -> None:
    """The walk finds the modules: the public face of geo/ (segmentation, factors, risk, maps, ...) is documented
    by examples, so an empty walk or a lost docstring fails here rather than passing silently above."""
    documented = {name for name in MODULES if _examples(importlib.import_module(name))}
    assert {"geo.segmentation", "geo.factors", "geo.risk", "geo.maps", "geo.io", "geo.routedata"} <= documented
