"""Sending the alerts outbox (``alert_deliveries``): webhooks signed with HMAC-SHA256, and e-mail by SMTP.

Every worker process of the service runs ``deliver_due`` every ``PESISIR_ALERT_DELIVERY_INTERVAL_S`` seconds (a
background task of ``app.main``'s lifespan, like the re-scorer). Each delivery is claimed with
``SELECT ... FOR UPDATE SKIP LOCKED`` in a transaction of its own, sent while the claim is held, and marked in
that transaction: ``delivered`` after a 2xx (or the SMTP server's acceptance), else tried again after a back-off
that doubles each time (``PESISIR_ALERT_RETRY_BASE_S`` up to ``PESISIR_ALERT_RETRY_MAX_S``), for as long as it
takes. Two workers never send the same delivery at once, and a delivered one is never sent again.

A process killed before the claim's transaction commits releases the claim (PostgreSQL ends the transaction with
the connection) and the delivery stays pending: nothing committed is lost. The one repeat left is a kill between
the receiver's 2xx and the commit that records it; the receiver then sees the same ``X-Pesisir-Alert-Id`` twice,
which is why every message carries it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
import urllib.error
import urllib.request
from email.message import EmailMessage
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from app.db.repositories import alerts as repo
from app.db.session import unit_of_work
from app.errors import InvalidInput
from app.services.alerts import check_webhook_url
from app.settings import AlertSettings

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Pesisir-Signature"
ALERT_ID_HEADER = "X-Pesisir-Alert-Id"
MAX_PER_PASS = 100
"""Deliveries one pass of one worker tries at most before it yields to the event loop's next tick."""


class DeliveryFailed(Exception):
    """The target did not take the alert; the delivery is tried again later."""


def body(due: repo.Due) -> bytes:
    """The JSON a webhook receives (and an e-mail carries): the alert id, its subscription, rule, event, time and
    payload. The signature covers exactly these bytes."""
    doc: dict[str, Any] = {
        "alert_id": due.alert_id,
        "subscription_id": due.subscription_id,
        "rule": due.rule,
        "event": due.event_key,
        "created_at": due.created_at.isoformat(),
        "payload": due.payload,
    }
    return json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()


def sign(secret: str, raw: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of the raw body under the subscription's secret."""
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is not followed (it could point at an address the check refused): it counts as a failure."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def send_webhook(due: repo.Due, cfg: AlertSettings) -> None:
    try:
        check_webhook_url(due.destination, cfg.webhook_allowed_hosts)
    except InvalidInput as exc:
        raise DeliveryFailed(str(exc)) from None
    assert due.webhook_secret is not None
    raw = body(due)
    request = urllib.request.Request(  # noqa: S310 (http(s) only: check_webhook_url above)
        due.destination,
        data=raw,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Pesisir-Alerts/1",
            ALERT_ID_HEADER: str(due.alert_id),
            SIGNATURE_HEADER: sign(due.webhook_secret, raw),
        },
    )
    try:
        with _opener.open(request, timeout=cfg.webhook_timeout_s) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (OSError, ValueError) as exc:
        raise DeliveryFailed(f"webhook: {exc}") from None
    if not 200 <= status < 300:
        raise DeliveryFailed(f"webhook answered {status}")


def _subject(due: repo.Due) -> str:
    what = {
        "class_at_least": "segments rose in risk class",
        "suspicious_landing": "suspicious landing logged",
        "incident": "incident recorded",
    }.get(due.rule, due.rule)
    return f"[Pesisir] alert {due.alert_id}: {what}"


def send_email(due: repo.Due, cfg: AlertSettings) -> None:
    if not cfg.smtp_host:
        raise DeliveryFailed("email: no SMTP server configured (PESISIR_SMTP_HOST)")
    message = EmailMessage()
    message["From"] = cfg.smtp_from
    message["To"] = due.destination
    message["Subject"] = _subject(due)
    message[ALERT_ID_HEADER] = str(due.alert_id)
    message.set_content(
        f"Pesisir alert {due.alert_id} ({due.rule}, {due.event_key}).\n\n"
        + json.dumps(json.loads(body(due)), indent=2, ensure_ascii=False)
    )
    try:
        with smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=cfg.webhook_timeout_s) as smtp:
            if cfg.smtp_starttls:
                smtp.starttls()
            if cfg.smtp_user:
                password = cfg.smtp_password.get_secret_value() if cfg.smtp_password else ""
                smtp.login(cfg.smtp_user, password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryFailed(f"email: {exc}") from None


SENDERS = {"webhook": send_webhook, "email": send_email}


def backoff_s(attempts: int, cfg: AlertSettings) -> float:
    """The wait after the ``attempts``-th failed attempt (1, 2, ...): base, 2 x base, 4 x base, ... up to the max."""
    return float(min(cfg.retry_max_s, cfg.retry_base_s * 2 ** min(max(attempts - 1, 0), 40)))


def deliver_one(session: Session, cfg: AlertSettings) -> bool:
    """Claim, send and mark one due delivery in ``session``'s transaction; False when none is due."""
    due = repo.claim_due(session)
    if due is None:
        return False
    try:
        SENDERS[due.target](due, cfg)
    except DeliveryFailed as exc:
        wait = backoff_s(due.attempts + 1, cfg)
        log.info("alert %s to %s failed (%s); next attempt in %.0f s", due.alert_id, due.target, exc, wait)
        repo.mark_failed(session, due, retry_in_s=wait, error=str(exc))
    else:
        repo.mark_delivered(session, due)
    return True


def deliver_due(factory: sessionmaker[Session], cfg: AlertSettings) -> int:
    """Send what is due, one delivery per transaction, up to ``MAX_PER_PASS``; returns how many were tried."""
    tried = 0
    while tried < MAX_PER_PASS:
        with unit_of_work(factory) as session:
            if not deliver_one(session, cfg):
                return tried
        tried += 1
    return tried
