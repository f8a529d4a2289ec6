"""Alerts survive a kill -9 of the real service between the change's commit and the delivery (docs/RELIABILITY.md
AL-04): the alert is sent once to a loopback webhook receiver and once to a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import json
import time
import uuid
from email import message_from_bytes

import httpx2 as httpx
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, text

from app.db.models import User
from app.db.session import make_sessionmaker, unit_of_work
from app.security import Principal, issue_token
from tests.api.helpers import incident
from tests.db.test_alert_delivery import Receiver, valid_signature
from tests.system.server import Server, free_port, prepare_database

SECRET = "alert-restart-secret-" + "a" * 40
DEADLINE_S = 90


class Mailbox:
    """aiosmtpd's handler: keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(envelope.content)
        return "250 OK"


def _intelligence(url: str) -> dict[str, str]:
    eng = create_engine(url)
    try:
        with unit_of_work(make_sessionmaker(eng)) as s:
            u = User(username=f"in-{uuid.uuid4().hex[:6]}", role="intelligence", password_hash="x")
            s.add(u)
            s.flush()
            who = Principal(u.id, u.username, u.role, None)
    finally:
        eng.dispose()
    return {"Authorization": f"Bearer {issue_token(who, SECRET, 3600)}"}


def delivered(eng) -> int:
    with eng.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM alert_deliveries WHERE state = 'delivered'")).scalar_one())


def _wait(condition, what: str, server: Server) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} before the deadline\n{server.errors()}")
        time.sleep(0.1)


def test_kill_9_between_commit_and_delivery_neither_loses_nor_repeats_the_alert(cluster):
    name = f"pesisir_alerts_{uuid.uuid4().hex[:6]}"
    prepare_database(cluster, name, SECRET)
    auth = _intelligence(cluster.url(name))
    receiver = Receiver([])
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    env = {
        "PESISIR_ALERT_DELIVERY_INTERVAL_S": "0",  # paused: the alert is committed, not yet sent
        "PESISIR_ALERT_RETRY_BASE_S": "0.1",
        "PESISIR_WEBHOOK_ALLOWED_HOSTS": '["127.0.0.1"]',
        "PESISIR_SMTP_HOST": "127.0.0.1",
        "PESISIR_SMTP_PORT": str(smtp.port),
        "PESISIR_SMTP_STARTTLS": "false",
        "PESISIR_SMTP_FROM": "pesisir@test.invalid",
    }
    server = Server(cluster, name, SECRET, env=env)
    eng = create_engine(cluster.url(name))
    try:
        server.start(timeout_s=180)
        with httpx.Client(base_url=server.base, timeout=30, headers=auth) as c:
            area = {"type": "Polygon", "coordinates": [[[113.9, -7.1], [114.0, -7.1], [114.0, -7.0], [113.9, -7.1]]]}
            body = {"area": area, "rules": [{"type": "incident"}], "webhook": {"url": receiver.url}}
            sub = c.post("/api/v1/alerts/subscriptions", json=body | {"email": "duty@test.invalid"})
            assert sub.status_code == 201, sub.text
            secret = sub.json()["webhook_secret"]
            first = c.post("/api/v1/incidents", json=incident())
            assert first.status_code == 201, first.text
        with eng.connect() as conn:
            pending = conn.execute(text("SELECT count(*) FROM alert_deliveries WHERE state = 'pending'")).scalar_one()
        assert pending == 2  # committed with the incident: webhook and e-mail

        server.kill()  # kill -9 between the commit and any delivery
        server.env["PESISIR_ALERT_DELIVERY_INTERVAL_S"] = "0.2"
        server.start(timeout_s=180)
        # Recorded as delivered (not only received): a kill between the 2xx and that commit would send it again.
        _wait(lambda: delivered(eng) == 2, "the first alert was not delivered", server)

        # One more alert after another kill -9: once it has arrived both ways, the first has not come again.
        server.kill()
        server.start(timeout_s=180)
        with httpx.Client(base_url=server.base, timeout=30, headers=auth) as c:
            assert c.post("/api/v1/incidents", json=incident()).status_code == 201
        _wait(lambda: delivered(eng) == 4, "the second alert was not delivered", server)
        with eng.connect() as conn:
            alert_ids = sorted(conn.execute(text("SELECT id FROM alerts")).scalars())
    finally:
        server.stop()
        smtp.stop()
        receiver.close()
        eng.dispose()
    cluster.drop_database(name)

    hooks = [h["x-pesisir-alert-id"] for h, _, _ in receiver.got]
    mails = [message_from_bytes(m)["X-Pesisir-Alert-Id"] for m in mailbox.messages]
    assert len(alert_ids) == 2
    assert sorted(hooks) == sorted(mails) == [str(a) for a in alert_ids]  # each alert once each way
    assert all(valid_signature(secret, h, raw) for h, raw, _ in receiver.got)
    assert json.loads(receiver.got[0][1])["payload"]["incident"]["id"] == first.json()["id"]
