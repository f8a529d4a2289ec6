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
