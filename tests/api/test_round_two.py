"""Issue 13, "Hardening, round two" (docs/RELIABILITY.md section E): bulk narrative reads audited (R2-01), stalled
exports and a full pool (R2-03), dates at the ends of the calendar (R2-04), a read-only database (R2-06), audited
re-scoring (R2-07), and no path in public answers while the database is down (AZ-17)."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import text

from app.db.session import make_sessionmaker, unit_of_work
from app.main import create_app
from app.security import Principal, issue_token
from app.services import users as user_service
from app.settings import AuthSettings, DatabaseSettings, ServerSettings, Settings
from tests.api.helpers import key, landing
from tests.conftest import PASSWORD, SECRET


# -- AZ-17: no path in a public answer while the database is down --------------------------------------------------
def test_a_down_database_shows_no_path_in_healthz_or_503_bodies(tmp_path):
    missing = tmp_path / "no-cluster-here"
    s = Settings(
        database=DatabaseSettings(data_dir=missing, name="pesisir"),
        server=ServerSettings(rescore_interval_s=0),
        auth=AuthSettings(secret_key=SECRET),
    )
    token = issue_token(Principal(1, "someone", "planner", None), SECRET, 900)
    with TestClient(create_app(s)) as c:
        health = c.get("/healthz")
        read = c.get("/api/v1/harbours", headers={"Authorization": f"Bearer {token}"})
    assert health.status_code == 503 and health.json()["database"] == "unreachable"
    assert read.status_code == 503 and read.headers["retry-after"]
    for r in (health, read):
        assert str(tmp_path) not in r.text and ".s.PGSQL" not in r.text and "/tmp" not in r.text, r.text


# -- R2-06: a read-only database ------------------------------------------------------------------------------------
def test_a_read_only_database_answers_writes_503_and_healthz_degraded(cluster, engine, scratch):
    name, scratch_engine = scratch
    with unit_of_work(make_sessionmaker(scratch_engine)) as s:
        u = user_service.create_user(
            s, username=f"ro-{uuid.uuid4().hex[:8]}", role="harbourmaster", harbour="kalianget", password=PASSWORD
        )
        harbour_id = s.execute(text("SELECT id FROM harbours WHERE slug = 'kalianget'")).scalar_one()
    hm = Principal(u.id, u.username, "harbourmaster", harbour_id)
    bearer = {"Authorization": f"Bearer {issue_token(hm, SECRET, 900)}"}
    s = Settings(
        database=DatabaseSettings(data_dir=cluster.data_dir, name=name),
        server=ServerSettings(rescore_interval_s=0),
        auth=AuthSettings(secret_key=SECRET),
    )
    # From another database: a read-only session could not undo it.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as admin:
        admin.execute(text(f"ALTER DATABASE {name} SET default_transaction_read_only = on"))
        try:
            with TestClient(create_app(s)) as c:
                health = c.get("/healthz")
                one = c.post("/api/v1/landings", json=landing(), headers={**bearer, **key()})
                batch = c.post("/api/v1/landings/batch", json={"items": [landing(), landing()]}, headers=bearer)
                read = c.get("/api/v1/landings", headers=bearer)
        finally:
            admin.execute(text(f"ALTER DATABASE {name} RESET default_transaction_read_only"))
    assert health.status_code == 503 and health.headers["retry-after"]
    assert health.json()["status"] == "degraded" and health.json()["database"] == "degraded"
    assert health.json()["detail"] == "read-only"
    for r in (one, batch):
        assert r.status_code == 503, r.text
        assert r.headers["retry-after"] and "read-only" in r.json()["detail"]
    assert read.status_code == 200  # reads go on
