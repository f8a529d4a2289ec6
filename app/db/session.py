"""Engines and sessions: which database to use, and a one-line error when it cannot be reached."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.db.cluster import LocalCluster
from app.errors import DatabaseUnavailable
from app.settings import DatabaseSettings


def local_cluster(settings: DatabaseSettings) -> LocalCluster:
    return LocalCluster(settings.data_dir, dbname=settings.name)


def database_url(settings: DatabaseSettings) -> URL:
    """The SQLAlchemy URL: ``PESISIR_DATABASE_URL`` when set, else the private cluster's."""
    if settings.url is not None:
        url = make_url(settings.url.get_secret_value())
        return url.set(drivername="postgresql+psycopg")
    return make_url(local_cluster(settings).url())


def describe(url: URL) -> str:
    """Host and port of a URL for messages: never the password."""
    host = url.host or url.query.get("host") or "localhost"
    if isinstance(host, tuple):
        host = host[0]
    port = url.port or url.query.get("port") or 5432
    if isinstance(port, tuple):
        port = port[0]
    return f"{host}:{port}"


def make_engine(settings: DatabaseSettings) -> Engine:
    url = database_url(settings)
    engine = create_engine(
        url,
        pool_pre_ping=True,  # a restarted PostgreSQL costs one failed check, not a failed request
        pool_size=settings.pool_size,
        max_overflow=settings.pool_size,
        pool_timeout=settings.pool_timeout_s,
        connect_args={"connect_timeout": 5, "application_name": "pesisir"},
    )

    @event.listens_for(engine, "connect")
    def _utc(dbapi_conn: Any, _record: Any) -> None:
        # Store and compare in UTC whatever the server's default; shown in WIB only at the edges.
        with dbapi_conn.cursor() as cur:
            cur.execute("SET TIME ZONE 'UTC'")

    return engine


def check_connection(engine: Engine) -> str:
    """Connect once and return the PostGIS version; raise DatabaseUnavailable with a one-line message."""
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SELECT postgis_lib_version()")).scalar_one())
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "connection failed"
        raise DatabaseUnavailable(
            f"cannot reach PostgreSQL at {describe(engine.url)} ({reason}): "
            "check PESISIR_DATABASE_URL, or unset it and run 'pesisir db start'"
        ) from None


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit when the block succeeds, roll back when it raises. Services only flush."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
