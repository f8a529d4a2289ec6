"""Repositories that use the driver directly (pipelined executemany) raise SQLAlchemy's errors, which the unit of
work maps to HTTP like every other database error (a lost server 503, a refused value 422), never a raw
psycopg error that would end as a 500."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DataError

from app.db.repositories import driver_cursor


def test_driver_errors_come_out_as_sqlalchemy_errors(db):
    with pytest.raises(DataError), driver_cursor(db) as cur:
        cur.execute("SELECT 1 / 0")


def test_a_rested_connection_that_died_is_replaced_before_use(cluster, monkeypatch):
    """No pre-ping on every checkout (a round trip per request), but a connection that rested in the pool longer
    than ``IDLE_PING_S`` is checked first: one whose server process died (a PostgreSQL restart) is replaced, and
    the request never sees it."""
    import psycopg
    from sqlalchemy import text

    from app.db import session as db_session
    from app.db.session import make_engine
    from app.settings import DatabaseSettings
    from tests.fixtures_db import TEST_DB

    monkeypatch.setattr(db_session, "IDLE_PING_S", 0.0)
    engine = make_engine(DatabaseSettings(data_dir=cluster.data_dir, name=TEST_DB))
    try:
        with engine.connect() as c:
            pid = c.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with psycopg.connect(cluster.conninfo(TEST_DB), autocommit=True) as admin:
            assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone() == (True,)
        with engine.connect() as c:  # the pooled connection is dead: checked, dropped, a new one opened
            assert c.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
    finally:
        engine.dispose()
