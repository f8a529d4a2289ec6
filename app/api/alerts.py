"""Alerts (issue 14): a user's subscriptions, and the alerts they produced (listed, acknowledged)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from app.deps import AlertSubscriber, SessionDep, SettingsDep
from app.schemas import AlertOut, AlertPage, SubscriptionIn, SubscriptionOut, SubscriptionPage
from app.services import alerts

router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"])

Id = Annotated[int, Path(ge=1, le=2**63 - 1)]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


@router.post("/subscriptions", status_code=201, response_model=SubscriptionOut)
def create_subscription(
    data: SubscriptionIn, who: AlertSubscriber, session: SessionDep, settings: SettingsDep
) -> SubscriptionOut:
    """Subscribe to alerts in an area. The answer carries the webhook's signing secret, shown this once."""
    return alerts.create_subscription(session, who, data, settings.alerts)


@router.get("/subscriptions", response_model=SubscriptionPage)
def list_subscriptions(
    who: AlertSubscriber, session: SessionDep, limit: Limit = 100, offset: Offset = 0
) -> SubscriptionPage:
    """The caller's own subscriptions (never a webhook secret)."""
    return alerts.list_subscriptions(session, who, limit=limit, offset=offset)


@router.delete("/subscriptions/{subscription_id}", status_code=204)
def delete_subscription(subscription_id: Id, who: AlertSubscriber, session: SessionDep) -> Response:
    """Remove one of the caller's subscriptions, its alerts and their pending deliveries."""
    alerts.delete_subscription(session, who, subscription_id)
    return Response(status_code=204)


@router.get("", response_model=AlertPage)
def list_alerts(
    who: AlertSubscriber,
    session: SessionDep,
    acknowledged: bool | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> AlertPage:
    """The caller's alerts, newest first, with each target's delivery state and the count not yet acknowledged."""
    return alerts.listing(session, who, acknowledged=acknowledged, limit=limit, offset=offset)


@router.post("/{alert_id}/acknowledge", response_model=AlertOut)
def acknowledge(alert_id: Id, who: AlertSubscriber, session: SessionDep) -> AlertOut:
    """Mark one of the caller's alerts as seen (again: no change). Its deliveries are not affected."""
    return alerts.acknowledge(session, who, alert_id)
