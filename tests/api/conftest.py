"""HTTP API tests: their fixtures (the throwaway PostGIS cluster, the migrated database, the service on it) are
the plugin tests/fixtures_db.py, registered here rather than in a top-level conftest so that tests/geo runs
without the database and the web stack."""

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.import_plugin("tests.fixtures_db")
