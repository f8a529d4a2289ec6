"""Engines and sessions: which database to use, and a one-line error when it cannot be reached."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import psycopg
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.db.cluster import LocalCluster
from app.db.rls import APP_ROLE
from app.errors import DatabaseUnavailable, SetupError
from app.settings import DatabaseSettings

log = logging.getLogger(__name__)


def local_cluster(settings: DatabaseSettings) -> LocalCluster:
    return LocalCluster(settings.data_dir, dbname=settings.name)


Role = Literal["app", "owner"]
"""Who connects. ``app``: the web service, as the application role (``pesisir_app``, migration 0005: no
superuser, owns nothing, row-level security applies, cannot change ``audit_log``). ``owner``: migrations, data
loading, scoring and the other CLI commands, as the role that owns the schema."""


def database_url(settings: DatabaseSettings, role: Role = "app") -> URL:
    """The SQLAlchemy URL for ``role``.

    Private cluster: the same socket, user ``pesisir_app`` for the service and the cluster's superuser for the
    rest. External server: ``PESISIR_DATABASE_URL`` for the service, ``PESISIR_DATABASE_OWNER_URL`` for the rest.
    """
    if settings.url is None:
        cluster = local_cluster(settings)
        return make_url(cluster.url(user=APP_ROLE) if role == "app" else cluster.url())
    secret = settings.url if role == "app" else settings.owner_url
    if secret is None:
        raise SetupError(
            "PESISIR_DATABASE_OWNER_URL is not set: PESISIR_DATABASE_URL is the service's own role, which may not "
            "change the schema or load data; set PESISIR_DATABASE_OWNER_URL to the same database as the role that "
            "owns it (see README, Database)"
        )
    return make_url(secret.get_secret_value()).set(drivername="postgresql+psycopg")


def describe(url: URL) -> str:
    """Host and port of a URL for messages: never the password."""
    host = url.host or url.query.get("host") or "localhost"
    if isinstance(host, tuple):
        host = host[0]
    port = url.port or url.query.get("port") or 5432
    if isinstance(port, tuple):
        port = port[0]
    return f"{host}:{port}"


def make_engine(settings: DatabaseSettings, role: Role = "app") -> Engine:
    """An engine for ``role`` (default: the web service's). The service's engine refuses to work as a superuser,
    a role that bypasses row-level security or one that owns a table: checked once at start-up when the database
    is reachable, else at the first connection (``refuse_privileged``)."""
    url = database_url(settings, role)
    engine = create_engine(
        url,
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

    _ping_when_idle(engine)
    if role == "app":
        _guard_app_engine(engine, external=settings.url is not None)
    return engine


IDLE_PING_S = 2.0
"""A pooled connection that rested longer than this is checked (one round trip) before it is handed out."""


def _ping_when_idle(engine: Engine) -> None:
    """SQLAlchemy's "pessimistic" disconnect handling, but only for connections that have been resting: a restarted
    PostgreSQL costs a failed check, not a failed request, and under load (connections back in the pool within
    milliseconds) no request pays a round trip for it. Should PostgreSQL die under load, the first request to hit
    a dead connection answers 503 and the whole pool is renewed (SQLAlchemy invalidates it on a disconnect)."""

    @event.listens_for(engine, "checkin")
    def _rested_since(_dbapi_conn: Any, record: Any) -> None:
        record.info["checked_in"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check_if_rested(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        rested_since = record.info.get("checked_in")
        if rested_since is None or time.monotonic() - rested_since < IDLE_PING_S:
            return  # just opened, or back in the pool a moment ago
        try:
            engine.dialect.do_ping(dbapi_conn)  # outside any transaction (the dialect switches autocommit on)
        except psycopg.Error as exc:  # the pool discards this connection and tries another (or a new one)
            raise DisconnectionError(f"pooled connection is gone: {exc}") from exc


# The role's own attributes, and the tables (views, sequences) in Pesisir's schemas that it owns or may act as
# the owner of (membership in the owner's role counts: it could SET ROLE to it, or inherits its rights).
_PRIVILEGES = """
SELECT r.rolname, r.rolsuper, r.rolbypassrls,
       (SELECT string_agg(DISTINCT c.relname, ', ' ORDER BY c.relname)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
          AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND pg_has_role(r.oid, c.relowner, 'MEMBER'))
FROM pg_roles r WHERE r.rolname = current_user
"""


def refuse_privileged(dbapi_conn: Any, external: bool) -> None:
    """Raise SetupError when the connection's role is a superuser, bypasses row-level security, or owns (or may
    act as the owner of) a table: the service would then see every harbour's landings and could rewrite the
    audit log. The message says which setting to change."""
    with dbapi_conn.cursor() as cur:
        cur.execute(_PRIVILEGES)
        name, superuser, bypass, owned = cur.fetchone()
    if not (superuser or bypass or owned):
        return
    what = "a superuser" if superuser else "a role that bypasses row-level security" if bypass else None
    what = what or f"the owner of {owned}"
    where = (
        "set PESISIR_DATABASE_URL to the application role 'pesisir_app' (created by 'pesisir db upgrade'; give it "
        "a password with ALTER ROLE pesisir_app PASSWORD '...') and PESISIR_DATABASE_OWNER_URL to the owner, "
        "which migrations and the CLI use"
        if external
        else "give the private cluster's pesisir_app back what migration 0005 made it: ALTER ROLE pesisir_app "
        "NOSUPERUSER NOBYPASSRLS, and the tables back to postgres"
    )
    raise SetupError(
        f"the service connects to PostgreSQL as {name!r}, {what}: it must connect as a role that owns nothing "
        f"and is subject to row-level security; {where}"
    )


def _guard_app_engine(engine: Engine, *, external: bool) -> None:
    @event.listens_for(engine, "first_connect")
    def _check(dbapi_conn: Any, _record: Any) -> None:
        refuse_privileged(dbapi_conn, external)  # raised again at each connection until it passes

    try:
        with engine.connect():
            pass  # the start-up check; an unreachable database is checked at its first connection
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else ""
        if "role" in reason and "does not exist" in reason:
            raise SetupError(
                f"cannot connect to PostgreSQL at {describe(engine.url)} ({reason}): the application role is "
                "created by the migrations; run 'pesisir db upgrade' (or 'pesisir run')"
            ) from None
        log.warning("database at %s not reachable at start-up: %s", describe(engine.url), reason)


def check_connection(engine: Engine) -> str:
    """Connect once and return the PostGIS version; raise DatabaseUnavailable with a one-line message (for the
    command line: it names the host, or the socket's directory)."""
    return probe(engine)[0]


def probe(engine: Engine) -> tuple[str, bool]:
    """Connect once: the PostGIS version, and whether a new transaction is read-only (``default_transaction_read_only``
    set, or a standby). DatabaseUnavailable as ``check_connection``."""
    try:
        with engine.connect() as conn:
            sql = "SELECT postgis_lib_version() AS postgis, current_setting('transaction_read_only') AS read_only"
            row = conn.execute(text(sql)).one()
            return str(row.postgis), row.read_only == "on"
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "connection failed"
        raise DatabaseUnavailable(
            f"cannot reach PostgreSQL at {describe(engine.url)} ({reason}): "
            "check PESISIR_DATABASE_URL / PESISIR_DATABASE_OWNER_URL, or unset them and run 'pesisir db start'"
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
