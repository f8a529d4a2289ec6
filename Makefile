# The two commands a newcomer needs: `make run` and `make test`. Each one sets itself up first.
SHELL := /bin/bash
VENV := .venv/bin

.PHONY: run test setup lint check-types import-rule pytest help
.DEFAULT_GOAL := help

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: ## install PostGIS (Debian packages), uv and the locked virtual environment when missing
	@scripts/bootstrap.sh

run: setup ## start the database, migrate, load Sumenep's base and demo data, serve on 127.0.0.1:8000
	$(VENV)/pesisir run

test: ## the whole suite: lint, types, import rule, tests (on a throwaway PostGIS cluster, and headless Chromium)
	@scripts/bootstrap.sh --with-browser
	$(MAKE) --no-print-directory lint check-types import-rule pytest

lint:
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .

check-types:
	$(VENV)/mypy

import-rule:
	$(VENV)/lint-imports

# One worker per core (at most 4), a test file per unit of work, the longest first: tests/conftest.py.
# `make pytest PYTEST_WORKERS=0` runs it in one process, as `.venv/bin/pytest` alone does.
PYTEST_WORKERS ?= auto
pytest:
	@$(VENV)/python -m compileall -q -j 0 app geo tests >/dev/null  # written even under PYTHONDONTWRITEBYTECODE
	$(VENV)/pytest -n $(PYTEST_WORKERS) --maxprocesses 4 --dist loadfile --no-loadscope-reorder
