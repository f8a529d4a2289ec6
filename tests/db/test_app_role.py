"""The service's database role (migration 0005; docs/RELIABILITY.md AZ-12, AZ-19): row-level security scopes landings by
harbour, the owner is exempt only until the table is FORCEd, a superuser always is; the role cannot change the
audit log or switch its protections off; the service refuses to run as a superuser or owner."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from sqlalchemy import Connection, Engine, create_engine, delete, func, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.db import migrate, rls
from app.db.cluster import LocalCluster
from app.db.models import IdempotencyKey, Landing
from app.db.repositories import users as user_repo
from app.db.session import make_engine, make_sessionmaker, refuse_privileged, unit_of_work
from app.errors import SetupError
from app.services import base_data, demo, rescoring, risk
from app.services import users as user_service
from app.settings import DatabaseSettings

DB = "pesisir_rls"
PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class RlsDb:
    owner: Engine
    app: Engine
    by_harbour: dict[int | None, int]  # landings per harbour id, as the owner counts them
    user_ids: dict[str, int]  # "hm_a", "hm_b" (harbourmasters of the two busiest harbours), "intelligence"

    @property
    def total(self) -> int:
        return sum(self.by_harbour.values())

    def harbours(self) -> tuple[int, int]:
        a, b = sorted((h for h in self.by_harbour if h is not None), key=lambda h: -self.by_harbour[h])[:2]
        return a, b


@pytest.fixture(scope="module")
def rls_db(cluster: LocalCluster) -> Iterator[RlsDb]:
    """A database of its own with demo landings at several harbours and three users, all committed (the app
    role's connection cannot see another connection's uncommitted rows)."""
    cluster.create_database(DB)
    owner = create_engine(cluster.url(DB))
    app = create_engine(cluster.url(DB, user=rls.APP_ROLE))
    try:
        migrate.upgrade(owner)
        with unit_of_work(make_sessionmaker(owner)) as s:
            base_data.load_base(s)
            demo.load_demo(s, seed=3, n_incidents=20, n_landings=300)
        with owner.connect() as c:
            counts = dict(c.execute(select(Landing.harbour_id, func.count()).group_by(Landing.harbour_id)).all())
        draft = RlsDb(owner, app, {h: int(n) for h, n in counts.items()}, {})
        a, b = draft.harbours()
        ids = {}
        with unit_of_work(make_sessionmaker(owner)) as s:
            for name, role, harbour in (("hm_a", "harbourmaster", a), ("hm_b", "harbourmaster", b)):
                ids[name] = user_service.create_user(
                    s, username=f"rls-{name}", role=role, harbour=str(harbour), password=PASSWORD
                ).id
            ids["intelligence"] = user_service.create_user(
                s, username="rls-intel", role="intelligence", harbour=None, password=PASSWORD
            ).id
        yield RlsDb(owner, app, draft.by_harbour, ids)
    finally:
        owner.dispose()
        app.dispose()
        cluster.drop_database(DB)


def _landings(conn: Connection | Session) -> list[int | None]:
    return list(conn.execute(select(Landing.harbour_id)).scalars())


def _as_user(rls_db: RlsDb, who: str) -> tuple[Any, list[int | None]]:
    """Load a user as a request does (the look-up sets the context), then read landings in that transaction."""
    with Session(rls_db.app) as s:
        row = user_repo.active_by_id(s, rls_db.user_ids[who], 0)
        assert row is not None
        return row, _landings(s)


def _sqlstate(exc: pytest.ExceptionInfo[DBAPIError]) -> str | None:
    return getattr(exc.value.orig, "sqlstate", None)


# -- row-level security ---------------------------------------------------------------------------------------------
def test_app_role_with_no_context_sees_no_landings(rls_db: RlsDb) -> None:
    assert rls_db.total > 0 and len(rls_db.by_harbour) > 2
    with rls_db.app.connect() as c:
        assert c.execute(text("SELECT current_user")).scalar_one() == rls.APP_ROLE
        assert _landings(c) == []
        assert c.execute(text("SELECT count(*) FROM landings")).scalar_one() == 0


def test_a_harbourmaster_sees_only_their_harbours_landings(rls_db: RlsDb) -> None:
    a, b = rls_db.harbours()
    row, seen = _as_user(rls_db, "hm_a")
    assert row.harbour_id == a
    assert len(seen) == rls_db.by_harbour[a] and set(seen) == {a}
    _, seen_b = _as_user(rls_db, "hm_b")
    assert len(seen_b) == rls_db.by_harbour[b] and set(seen_b) == {b}


def test_another_harbours_context_sees_none_of_this_harbours_rows(rls_db: RlsDb) -> None:
    a, b = rls_db.harbours()
    with rls_db.app.begin() as c:
        c.execute(select(func.set_config(rls.HARBOUR, str(b), True)))
        assert c.execute(select(func.count()).where(Landing.harbour_id == a)).scalar_one() == 0


def test_scope_all_sees_every_landing(rls_db: RlsDb) -> None:
    _, seen = _as_user(rls_db, "intelligence")
    assert len(seen) == rls_db.total
    with Session(rls_db.app) as s:
        rls.see_all(s)  # what background re-scoring does
        assert len(_landings(s)) == rls_db.total


def test_background_rescoring_sees_every_harbour(rls_db: RlsDb) -> None:
    with Session(rls_db.app) as s:
        # What the server's refresher runs, with no caller to take a scope from.
        rescoring.refresh_stale(s, store=risk.PRIOR_ONLY)
        assert len(_landings(s)) == rls_db.total


def test_published_landings_are_every_harbours_for_scope_all_and_none_otherwise(rls_db: RlsDb) -> None:
    """Migration 0006: the view the published layers read, gated like the policy for map readers."""
    view = text("SELECT count(*) FROM landings_published")
    with rls_db.app.connect() as c:
        assert c.execute(view).scalar_one() == 0  # no context
    a, _ = rls_db.harbours()
    with rls_db.app.begin() as c:
        c.execute(select(func.set_config(rls.HARBOUR, str(a), True)))  # a harbourmaster's context
        assert c.execute(view).scalar_one() == 0
    with Session(rls_db.app) as s:
        rls.see_all(s)
        assert s.execute(view).scalar_one() == rls_db.total


def test_a_bounding_box_on_published_landings_uses_the_spatial_index(rls_db: RlsDb) -> None:
    """What the view is for: on ``landings`` itself the policy comes first and ``&&`` (not leakproof) cannot use
    the GiST index, so every tile and bbox page scanned the whole table."""
    box = "geom && ST_MakeEnvelope(113.8, -7.2, 114.0, -7.0, 4326)"
    with Session(rls_db.app) as s:
        rls.see_all(s)
        s.execute(text("SET LOCAL enable_seqscan = off"))  # a table this small would be scanned anyway
        table_plan = "\n".join(s.execute(text(f"EXPLAIN SELECT id FROM landings WHERE {box}")).scalars())
        view_plan = "\n".join(s.execute(text(f"EXPLAIN SELECT id FROM landings_published WHERE {box}")).scalars())
    assert "idx_landings_geom" not in table_plan
    assert "idx_landings_geom" in view_plan


def test_the_context_ends_with_the_transaction(rls_db: RlsDb) -> None:
    with rls_db.app.connect() as c:
        c.execute(select(func.set_config(rls.SCOPE, rls.ALL, True)))
        assert len(_landings(c)) == rls_db.total
        c.commit()
        assert _landings(c) == []  # the same connection, as a pool would hand it to the next request


def test_a_harbourmaster_cannot_write_a_landing_for_another_harbour(rls_db: RlsDb) -> None:
    a, b = rls_db.harbours()
    with Session(rls_db.app) as s:
        user_repo.active_by_id(s, rls_db.user_ids["hm_a"], 0)
        with pytest.raises(DBAPIError) as exc:
            s.execute(text("UPDATE landings SET harbour_id = :b WHERE harbour_id = :a"), {"a": a, "b": b})
        assert _sqlstate(exc) == "42501" and "row-level security" in str(exc.value)


def test_owner_is_exempt_until_the_table_is_forced(rls_db: RlsDb) -> None:
    # The private cluster's owner is the superuser, who is always exempt: hand the table to an ordinary role
    # in a transaction that is rolled back, as the owner of an external database would be.
    with rls_db.owner.connect() as c:
        c.execute(text("CREATE ROLE pesisir_test_owner NOLOGIN"))
        c.execute(text("ALTER TABLE landings OWNER TO pesisir_test_owner"))
        c.execute(text("SET LOCAL ROLE pesisir_test_owner"))
        assert len(_landings(c)) == rls_db.total  # no context, yet every row: the owner bypasses the policy
        c.execute(text("ALTER TABLE landings FORCE ROW LEVEL SECURITY"))
        assert _landings(c) == []  # forced: the owner is as blind as the app without a context
        c.execute(select(func.set_config(rls.HARBOUR, str(rls_db.harbours()[0]), True)))
        assert len(_landings(c)) == rls_db.by_harbour[rls_db.harbours()[0]]
        c.rollback()


def test_superuser_bypasses_even_a_forced_policy(rls_db: RlsDb) -> None:
    with rls_db.owner.connect() as c:
        assert c.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar_one()
        c.execute(text("ALTER TABLE landings FORCE ROW LEVEL SECURITY"))
        assert len(_landings(c)) == rls_db.total
        c.rollback()


def test_idempotency_keys_are_their_users_only(rls_db: RlsDb) -> None:
    a, b = rls_db.user_ids["hm_a"], rls_db.user_ids["hm_b"]
    with rls_db.owner.begin() as c:
        c.execute(insert(IdempotencyKey), [{"user_id": u, "key": "k", "request_hash": "0" * 64} for u in (a, b)])
    try:
        with Session(rls_db.app) as s:
            assert s.execute(select(IdempotencyKey.user_id)).scalars().all() == []
            user_repo.active_by_id(s, a, 0)
            assert s.execute(select(IdempotencyKey.user_id)).scalars().all() == [a]
    finally:
        with rls_db.owner.begin() as c:
            c.execute(delete(IdempotencyKey))


# -- what the app role may not do -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET action = 'x'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
        "ALTER TABLE audit_log DISABLE TRIGGER ALL",
        "DROP TRIGGER audit_log_append_only ON audit_log",
        "DROP TABLE audit_log",
        "ALTER TABLE landings DISABLE ROW LEVEL SECURITY",
        "DROP POLICY landings_by_harbour ON landings",
        "DELETE FROM landings",
        "UPDATE harbours SET name = name",
        "UPDATE users SET role = 'admin'",
        "CREATE TABLE public.sneaky (id int)",
    ],
)
def test_app_role_is_refused(rls_db: RlsDb, statement: str) -> None:
    with rls_db.app.connect() as c:
        c.execute(select(func.set_config(rls.SCOPE, rls.ALL, True)))
        with pytest.raises(DBAPIError) as exc:
            c.execute(text(statement))
        assert _sqlstate(exc) == "42501", exc.value  # insufficient_privilege: "permission denied", "must be owner"
        c.rollback()


def test_app_role_reads_and_appends_to_the_audit_log(rls_db: RlsDb) -> None:
    with rls_db.app.connect() as c:
        before = c.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
        c.execute(text("INSERT INTO audit_log (actor, action, object_type, object_id) VALUES ('t', 't', 't', '1')"))
        assert c.execute(text("SELECT count(*) FROM audit_log")).scalar_one() == before + 1
        c.rollback()


# -- the service never runs privileged ------------------------------------------------------------------------------
def test_start_up_refuses_a_superuser_url(cluster: LocalCluster, rls_db: RlsDb) -> None:
    url = cluster.url(DB).replace("postgresql+psycopg", "postgresql")
    with pytest.raises(SetupError, match="'postgres', a superuser.*PESISIR_DATABASE_OWNER_URL"):
        make_engine(DatabaseSettings(url=url, owner_url=url))


def test_start_up_refuses_an_owner_and_accepts_the_app_role(cluster: LocalCluster, rls_db: RlsDb) -> None:
    with psycopg.connect(cluster.conninfo(DB)) as conn:
        conn.execute("CREATE ROLE pesisir_test_owner NOLOGIN")
        conn.execute("ALTER TABLE islands OWNER TO pesisir_test_owner")
        conn.execute("SET LOCAL ROLE pesisir_test_owner")
        with pytest.raises(SetupError, match="'pesisir_test_owner', the owner of islands"):
            refuse_privileged(conn, external=True)
        conn.rollback()
    with psycopg.connect(cluster.conninfo(DB, user=rls.APP_ROLE)) as conn:
        refuse_privileged(conn, external=True)


def test_the_service_engine_is_the_app_role(cluster: LocalCluster, rls_db: RlsDb) -> None:
    engine = make_engine(DatabaseSettings(data_dir=cluster.data_dir, name=DB))
    try:
        with engine.connect() as c:
            assert c.execute(text("SELECT current_user")).scalar_one() == rls.APP_ROLE
    finally:
        engine.dispose()


def test_the_running_service_connects_as_the_app_role(cluster: LocalCluster, live_url: str) -> None:
    import httpx2 as httpx

    assert httpx.get(f"{live_url}/healthz", timeout=10).status_code == 200
    with psycopg.connect(cluster.conninfo("pesisir_browser"), autocommit=True) as conn:
        roles = conn.execute(
            "SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = 'pesisir_browser' "
            "AND application_name = 'pesisir'"
        ).fetchall()
        assert roles == [(rls.APP_ROLE,)]
        owned = conn.execute(
            "SELECT r.rolsuper, r.rolbypassrls, (SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid) "
            "FROM pg_roles r WHERE r.rolname = %s",
            (rls.APP_ROLE,),
        ).fetchone()
        assert owned == (False, False, 0)


def test_an_owner_url_without_a_service_url_is_refused() -> None:
    with pytest.raises(ValueError, match="PESISIR_DATABASE_OWNER_URL is set but PESISIR_DATABASE_URL is not"):
        DatabaseSettings(owner_url="postgresql://owner@db/pesisir")


def test_downgrade_undoes_0005_and_upgrade_redoes_it(cluster: LocalCluster) -> None:
    name = "pesisir_rls_mig"
    cluster.create_database(name)
    eng = create_engine(cluster.url(name))
    checks = text(
        "SELECT relrowsecurity, (SELECT count(*) FROM pg_policy WHERE polrelid = 'landings'::regclass), "
        "has_table_privilege(:role, 'landings', 'SELECT'), has_table_privilege(:role, 'audit_log', 'INSERT') "
        "FROM pg_class WHERE oid = 'landings'::regclass"
    )
    try:
        migrate.upgrade(eng)
        migrate.downgrade(eng, "0004_auth")  # through 0006, whose view reads landings
        with eng.connect() as c:
            assert tuple(c.execute(checks, {"role": rls.APP_ROLE}).one()) == (False, 0, False, False)
        migrate.upgrade(eng)  # the role exists already (other databases use it): created only when missing
        with eng.connect() as c:
            assert tuple(c.execute(checks, {"role": rls.APP_ROLE}).one()) == (True, 1, True, True)
    finally:
        eng.dispose()
        cluster.drop_database(name)
