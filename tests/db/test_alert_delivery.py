"""Sending the alerts outbox (app.services.alert_delivery) to a real HTTP receiver on loopback, with committed
rows in the scratch database: retries until a 2xx and never again, the signature, SKIP LOCKED, and the address
check at delivery."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.db.models import User
from app.db.repositories import alerts as repo
from app.db.session import make_sessionmaker, unit_of_work
from app.schemas import SubscriptionIn
from app.security import Principal
from app.services import alert_delivery, alerts
from app.settings import AlertSettings

DEADLINE_S = 60


class Receiver:
    """A webhook receiver on 127.0.0.1 that answers the statuses in ``script`` in turn (then 200) and keeps every
    request's headers and raw body."""

    def __init__(self, script: list[int]) -> None:
        self.script = list(script)
        self.got: list[tuple[dict[str, str], bytes, int]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                status = outer.script.pop(0) if outer.script else 200
                outer.got.append(({k.lower(): v for k, v in self.headers.items()}, raw, status))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def valid_signature(secret: str, headers: dict[str, str], raw: bytes) -> bool:
    """What a receiver does (README.md, "Verifying a webhook")."""
    expected = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers.get("x-pesisir-signature", ""))


@pytest.fixture
def factory(scratch):
    _, eng = scratch
    return make_sessionmaker(eng)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver([500, 500])
    yield r
    r.close()


CFG = AlertSettings(retry_base_s=0.05, retry_max_s=0.2, webhook_allowed_hosts=["127.0.0.1"])


def _outbox(factory, url: str) -> tuple[int, int, str]:
    """A committed intelligence user, a subscription with a webhook to ``url`` and one alert: (user, alert, secret)."""
    with unit_of_work(factory) as s:
        u = User(username=f"al-{uuid.uuid4().hex[:8]}", role="intelligence", password_hash="x")
        s.add(u)
        s.flush()
        who = Principal(u.id, u.username, u.role, None)
        body = {
            "area": {"type": "Polygon", "coordinates": [[[113, -8], [114, -8], [114, -7], [113, -8]]]},
            "rules": [{"type": "incident"}],
            "webhook": {"url": url},
        }
        sub = alerts.create_subscription(s, who, SubscriptionIn.model_validate(body), CFG)
        row = {"subscription_id": sub.id, "event_key": "test:1", "rule": "incident", "payload": {"incident": {"id": 1}}}
        assert repo.write_alerts(s, [row, row]) == 1  # the same event twice: one alert
        alert_id = s.execute(text("SELECT id FROM alerts WHERE subscription_id = :s"), {"s": sub.id}).scalar_one()
        assert sub.webhook_secret is not None
        return u.id, int(alert_id), sub.webhook_secret


def _drop(factory, user_id: int) -> None:
    with unit_of_work(factory) as s:
        s.execute(text("DELETE FROM users WHERE id = :u"), {"u": user_id})  # cascades to its subscriptions and alerts


def _delivery(factory, alert_id: int) -> tuple[str, int, str | None]:
    with unit_of_work(factory) as s:
        row = s.execute(
            text("SELECT state, attempts, last_error FROM alert_deliveries WHERE alert_id = :a"), {"a": alert_id}
        ).one()
    return str(row[0]), int(row[1]), row[2]


def test_a_webhook_answering_500_twice_gets_the_alert_three_times_then_never_again(factory, receiver):
    user_id, alert_id, secret = _outbox(factory, receiver.url)
    try:
        deadline = time.monotonic() + DEADLINE_S
        while len(receiver.got) < 3 and time.monotonic() < deadline:
            alert_delivery.deliver_due(factory, CFG)
            time.sleep(0.02)
        assert [status for _, _, status in receiver.got] == [500, 500, 200]
        assert {h["x-pesisir-alert-id"] for h, _, _ in receiver.got} == {str(alert_id)}
        assert all(valid_signature(secret, h, raw) for h, raw, _ in receiver.got)
        assert not valid_signature("another secret", *receiver.got[0][:2])
        doc = json.loads(receiver.got[-1][1])
        assert doc["alert_id"] == alert_id and doc["rule"] == "incident" and doc["payload"] == {"incident": {"id": 1}}
        assert _delivery(factory, alert_id) == ("delivered", 3, None)

        time.sleep(CFG.retry_max_s * 2)  # past any back-off: whatever would be retried is due now
        for _ in range(5):
            alert_delivery.deliver_due(factory, CFG)
        assert len(receiver.got) == 3
    finally:
        _drop(factory, user_id)


def test_a_claimed_delivery_is_skipped_by_another_worker(factory, receiver):
    user_id, alert_id, _ = _outbox(factory, receiver.url)
    try:
        with Session(bind=factory.kw["bind"]) as one, Session(bind=factory.kw["bind"]) as two:
            claimed = repo.claim_due(one)
            assert claimed is not None and claimed.alert_id == alert_id
            assert repo.claim_due(two) is None  # the only pending delivery is held by the first
            one.rollback()
            two.rollback()
    finally:
        _drop(factory, user_id)


def test_a_webhook_no_longer_allowed_is_refused_at_delivery(factory, receiver):
    user_id, alert_id, _ = _outbox(factory, receiver.url)
    try:
        strict = CFG.model_copy(update={"webhook_allowed_hosts": []})
        alert_delivery.deliver_due(factory, strict)
        state, attempts, error = _delivery(factory, alert_id)
        assert receiver.got == [] and state == "pending" and attempts == 1
        assert error is not None and "PESISIR_WEBHOOK_ALLOWED_HOSTS" in error
    finally:
        _drop(factory, user_id)


def test_backoff_doubles_up_to_the_maximum():
    cfg = AlertSettings(retry_base_s=30, retry_max_s=3600)
    assert [alert_delivery.backoff_s(n, cfg) for n in (1, 2, 3, 4, 8, 100)] == [30, 60, 120, 240, 3600, 3600]
