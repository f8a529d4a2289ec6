"""Issue 13, "Hardening, round two" (docs/RELIABILITY.md section E): bulk narrative reads audited (R2-01), stalled
exports and a full pool (R2-03), dates at the ends of the calendar (R2-04), a read-only database (R2-06), audited
re-scoring (R2-07), and no path in public answers while the database is down (AZ-17)."""

from __future__ import annotations

import asyncio
import math
import time
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from app.db.models import AuditLog
from app.db.session import make_sessionmaker, unit_of_work
from app.main import create_app
from app.security import Principal, issue_token
from app.services import users as user_service
from app.settings import AuthSettings, DatabaseSettings, ServerSettings, Settings
from tests.api.helpers import KALIANGET_SEA, incident, key, landing
from tests.fixtures_db import PASSWORD, SECRET, published_token


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


# -- R2-03: stalled exports and a full pool -------------------------------------------------------------------------
def _with(settings: Settings, **server: object) -> Settings:
    return settings.model_copy(update={"server": settings.server.model_copy(update=server)})


def _stalled_export(app, c: TestClient, path: str, token: str, limit: float) -> tuple[float, list[dict]]:
    """GET ``path`` as a client that stops reading after the first chunk of the body: (seconds until the
    service gave up, the ASGI messages it sent)."""
    sent: list[dict] = []
    stalled = asyncio.Event()

    async def run() -> float:
        async def receive() -> dict:
            await asyncio.Event().wait()  # the client sends nothing more (and never says it has gone)
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            sent.append(message)
            if message["type"] == "http.response.body" and len(sent) >= 3:
                stalled.set()
                await asyncio.Event().wait()  # the client stopped reading: the send never completes

        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", b"testserver"), (b"authorization", f"Bearer {token}".encode())],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
            "state": c.app_state.copy(),
        }
        start = time.monotonic()
        # On the old code the send blocks forever: wait_for gives up (and the test fails) long after the limit.
        await asyncio.wait_for(app(scope, receive, send), timeout=limit + 10)
        return time.monotonic() - start

    took = c.portal.call(run)
    assert stalled.is_set() and sent[0]["status"] == 200
    return took, sent


def test_an_export_whose_client_stops_reading_is_cut_at_its_deadline_and_frees_its_connection(published_settings):
    limit = 1.5
    s = _with(published_settings, export_timeout_s=limit, rescore_interval_s=0)
    app = create_app(s)
    with TestClient(app) as c:
        token = published_token(c, "intelligence")  # planners get no landings (R2-11)
        engine = c.app_state["engine"]
        took, sent = _stalled_export(app, c, "/api/v1/export/landings.geojson", token, limit)
        assert limit <= took < limit + 3, took
        assert not any(m.get("type") == "http.response.body" and not m.get("more_body", False) for m in sent)
        assert engine.pool.checkedout() == 0  # the connection is back in the pool, its transaction rolled back
        idle = text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name = 'pesisir' AND state LIKE 'idle in transaction%'"
        )
        with engine.connect() as conn:
            assert conn.execute(idle).scalar_one() == 0
        assert c.get("/api/v1/harbours", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_a_cut_export_of_narratives_keeps_its_audit_row(published_settings):
    """The export's transaction rolls back when it is cut, but part of the narratives may have left: the read
    is still audited, marked as cut (R2-01)."""
    s = _with(published_settings, export_timeout_s=1.0, rescore_interval_s=0)
    app = create_app(s)
    path = "/api/v1/export/incidents.geojson"
    rows = text(
        "SELECT after FROM audit_log WHERE action = 'read_sensitive' AND actor = 'pub-intelligence' "
        "AND after->>'route' = :path ORDER BY id"
    )
    with TestClient(app) as c:
        token = published_token(c, "intelligence")
        engine = c.app_state["engine"]
        with engine.connect() as conn:
            before = conn.execute(rows, {"path": path}).scalars().all()
        _stalled_export(app, c, path, token, 1.0)
        with engine.connect() as conn:
            after = conn.execute(rows, {"path": path}).scalars().all()
    assert len(after) == len(before) + 1
    assert after[-1]["cut"] is True and after[-1]["incidents"] >= 100
    assert "narrative" not in str(after[-1])


def test_an_export_deadline_counts_from_the_start_not_the_first_byte(published_settings, monkeypatch):
    """A GeoPackage is written before its first byte: when writing it used up the time limit, sending it gets
    no fresh limit of its own (the export would otherwise run up to twice PESISIR_EXPORT_TIMEOUT_S)."""
    from app.services import export

    limit = 1.0
    real = export.write_geopackage

    def slow(*a, **k):
        real(*a, **k)
        time.sleep(limit + 0.5)  # the file is ready only after the whole limit

    monkeypatch.setattr(export, "write_geopackage", slow)
    app = create_app(_with(published_settings, export_timeout_s=limit, rescore_interval_s=0))
    with TestClient(app, raise_server_exceptions=False) as c:
        token = published_token(c, "planner")
        r = c.get("/api/v1/export/harbours.gpkg", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 503, (r.status_code, r.headers, len(r.content))
    assert "time limit" in r.json()["detail"]


def test_a_full_pool_answers_503_with_retry_after_within_the_pool_timeout(published_settings):
    db = published_settings.database.model_copy(update={"pool_size": 1})
    s = published_settings.model_copy(
        update={"database": db, "server": published_settings.server.model_copy(update={"rescore_interval_s": 0})}
    )
    timeout = DatabaseSettings().pool_timeout_s  # the default: short
    assert timeout <= 3
    with TestClient(create_app(s)) as c:
        bearer = {"Authorization": f"Bearer {published_token(c, 'planner')}"}
        engine = c.app_state["engine"]
        held = [engine.connect() for _ in range(2)]  # pool_size 1 + overflow 1: every connection taken
        try:
            start = time.monotonic()
            r = c.get("/api/v1/harbours", headers=bearer)
            took = time.monotonic() - start
        finally:
            for conn in held:
                conn.close()
        assert r.status_code == 503, r.text
        assert r.headers["retry-after"] and "busy" in r.json()["detail"]
        assert took < timeout + 2, took
        assert c.get("/api/v1/harbours", headers=bearer).status_code == 200


# -- R2-04: dates at the ends of the calendar -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "param", "value"),
    [
        ("/map", "to", "9999-12-31"),
        ("/map", "from", "0001-01-01"),
        ("/api/v1/incidents", "occurred_to", "9999-12-31T23:59:59+00:00"),
        ("/api/v1/incidents", "occurred_from", "0001-01-01T00:00:00+14:00"),
        ("/api/v1/landings", "observed_to", "9999-12-31T23:59:59-14:00"),
        ("/api/v1/landings", "observed_from", "0001-01-01T00:00:00Z"),
        ("/ogc/collections/incidents/items", "datetime", "0001-01-01T00:00:00Z/.."),
        ("/ogc/collections/landings/items", "datetime", "../9999-12-31T23:59:59-14:00"),
        ("/api/v1/export/incidents.csv", "datetime", "9999-12-31T00:00:00Z"),
    ],
)
def test_dates_at_the_ends_of_the_calendar_are_400_naming_the_parameter(client, headers, path, param, value):
    r = client.get(path, params={param: value}, headers=headers["admin"])
    assert r.status_code == 400, r.text
    assert r.json()["detail"].startswith(f"{param}: "), r.text


def test_dates_inside_the_calendar_still_work(client, headers):
    ok = {
        "/api/v1/incidents": {"occurred_from": "1900-01-01T00:00:00Z", "occurred_to": "2199-12-31T00:00:00Z"},
        "/ogc/collections/incidents/items": {"datetime": "1900-01-01T00:00:00Z/2199-12-31T00:00:00Z"},
    }
    for path, params in ok.items():
        assert client.get(path, params=params, headers=headers["admin"]).status_code == 200, path


# -- R2-01: narratives read in bulk leave one audit row per answer ---------------------------------------------------
def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def test_bulk_reads_of_narratives_are_audited_once_per_answer(client, headers, db, users):
    made = client.post("/api/v1/incidents", json=incident(), headers=headers["intelligence"])
    assert made.status_code == 201, made.text
    incident_id = made.json()["id"]
    x, y = _tile_of(*KALIANGET_SEA, 12)
    reads = [
        ("/map", {"tiles": "false", "lang": "en"}),
        ("/api/v1/export/incidents.geojson", {"kind": "people_smuggling"}),
        ("/api/v1/export/incidents.csv", {}),
        ("/api/v1/export/incidents.gpkg", {}),
        ("/ogc/collections/incidents/items", {"limit": "5"}),
        (f"/ogc/collections/incidents/items/{incident_id}", {}),
        (f"/tiles/incidents/12/{x}/{y}.pbf", {}),
    ]

    def audited() -> list[AuditLog]:
        stmt = select(AuditLog).where(
            AuditLog.action == "read_sensitive", AuditLog.object_type == "incident", AuditLog.after.is_not(None)
        )
        return list(db.execute(stmt.order_by(AuditLog.id)).scalars())

    for role in ("intelligence", "admin"):
        for path, params in reads:
            before = len(audited())
            r = client.get(path, params=params, headers=headers[role])
            assert r.status_code == 200, (path, r.status_code, r.text[:300])
            rows = audited()
            assert len(rows) == before + 1, (role, path)
            row = rows[-1]
            assert row.actor == users[role].username and row.actor_id == users[role].id
            assert row.after["route"] == path and row.after["filters"] == params
            assert row.after["incidents"] >= 1
            assert "Named witness" not in str(row.after)  # the narrative itself is never copied
    # Planners get no narrative, so nothing to audit; an answer without incidents carries none either.
    before = len(audited())
    for path, params in reads:
        assert client.get(path, params=params, headers=headers["planner"]).status_code in (200, 204), path
    assert (
        client.get("/api/v1/export/incidents.csv", params={"bbox": "0,0,1,1"}, headers=headers["admin"]).status_code
        == 200
    )
    assert len(audited()) == before


def test_a_bulk_read_fails_when_its_audit_row_cannot_be_written(client, headers, monkeypatch):
    from app.services import audit

    made = client.post("/api/v1/incidents", json=incident(), headers=headers["intelligence"])
    assert made.status_code == 201

    def refuse(*_a, **_k):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(audit.repo, "append_many", refuse)
    with TestClient(client.app, raise_server_exceptions=False) as c:
        r = c.get("/ogc/collections/incidents/items", headers=headers["intelligence"])
    assert r.status_code == 500 and "Named witness" not in r.text


# -- R2-07: every re-scoring run leaves one audit row ---------------------------------------------------------------
def _stale_segments(db) -> None:
    db.execute(
        text("""
        INSERT INTO coastal_segments (id, island_id, ordinal, geom, length_m, seaward_bearing)
        SELECT '35.29-r' || n, (SELECT id FROM islands WHERE code = '35.29'), 91000 + n,
               ST_SetSRID(ST_MakeLine(ST_MakePoint(x, -7.06), ST_MakePoint(x + 0.01, -7.06)), 4326), 1000, 180
        FROM (VALUES (1, 113.95), (2, 115.5)) AS v(n, x)""")
    )
    db.execute(
        text("""
        INSERT INTO segment_scores (segment_id, risk_kind, model_version, data_cutoff, score, risk_class, needs_rescore)
        SELECT id, 'landing', 'test', now(), 0.5, 'medium', true FROM coastal_segments WHERE id LIKE '35.29-r%'""")
    )


def _rescore_rows(db) -> list[AuditLog]:
    stmt = select(AuditLog).where(AuditLog.action == "rescore", AuditLog.object_type == "segment_scores")
    return list(db.execute(stmt.order_by(AuditLog.id)).scalars())


def test_a_manual_rescoring_run_is_audited(client, headers, db, users):
    _stale_segments(db)
    r = client.post("/api/v1/scores/refresh", headers=headers["intelligence"])
    assert r.status_code == 200 and r.json() == {"stale": 2, "rescored": 12}
    (row,) = _rescore_rows(db)
    assert row.actor == users["intelligence"].username and row.actor_id == users["intelligence"].id
    assert row.after["segment_scores"] == 12 and row.after["stale"] == 2
    assert row.after["model_versions"] and all(v.startswith(("landing-", "tppo-")) for v in row.after["model_versions"])
    assert client.post("/api/v1/scores/refresh", headers=headers["intelligence"]).json()["rescored"] == 0
    assert len(_rescore_rows(db)) == 1  # nothing re-scored, nothing to record


def test_a_background_rescoring_run_is_audited(db, monkeypatch):
    import threading
    from contextlib import suppress

    from sqlalchemy.orm import sessionmaker

    from app import main
    from app.services import rescoring, risk

    _stale_segments(db)
    db.commit()  # the test's savepoint: the refresher's session joins the same outer transaction
    factory = sessionmaker(bind=db.connection(), join_transaction_mode="create_savepoint", expire_on_commit=False)
    ran = threading.Event()
    audit_run = rescoring.audit_run

    def audited(*args, **kw):
        audit_run(*args, **kw)
        ran.set()

    monkeypatch.setattr(rescoring, "audit_run", audited)

    async def run() -> None:
        task = asyncio.create_task(main._refresher(factory, 0.01, risk.PRIOR_ONLY))
        deadline = time.monotonic() + 300  # a bound on waiting, not a speed target (a loaded machine is slow)
        while not ran.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        task.cancel()  # lands once the run in the worker thread has finished (and committed)
        with suppress(asyncio.CancelledError):
            await task

    asyncio.run(run())
    rows = _rescore_rows(db)
    assert len(rows) == 1 and rows[0].actor == "background re-scorer" and rows[0].actor_id is None
    assert rows[0].after["segment_scores"] == 12 and rows[0].after["model_versions"]
