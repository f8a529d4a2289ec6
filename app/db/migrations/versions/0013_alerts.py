"""alerts: subscriptions, the outbox and its deliveries

Revision ID: 0013_alerts
Revises: 0012_shared_limits
Create Date: 2026-12-01

Issue 14, item 3. ``alert_subscriptions`` (an owner, an area, rules, targets), ``alerts`` (the outbox: one row per
subscription and event, unique on the pair, written in the transaction of the change that caused it) and
``alert_deliveries`` (one row per alert and target, claimed by the delivery workers with ``FOR UPDATE SKIP
LOCKED``). No row-level security: a harbourmaster's landing report writes alerts for other users'
subscriptions, and the service filters every read by owner (``app.services.alerts``).
"""

from collections.abc import Sequence

import geoalchemy2
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013_alerts"
down_revision: str | None = "0012_shared_limits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = "pesisir_app"


def upgrade() -> None:
    op.create_table(
        "alert_subscriptions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=True),
        sa.Column("audience", sa.String(length=10), nullable=False),
        sa.Column(
            "area",
            geoalchemy2.types.Geometry(geometry_type="MULTIPOLYGON", srid=4326, spatial_index=False),
            nullable=True,
        ),
        sa.Column("segment_ids", postgresql.ARRAY(sa.Text()), nullable=True),
        sa.Column("rules", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("webhook_url", sa.Text(), nullable=True),
        sa.Column("webhook_secret", sa.Text(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("(area IS NULL) <> (segment_ids IS NULL)", name=op.f("ck_alert_subscriptions_one_area")),
        sa.CheckConstraint(
            "(webhook_url IS NULL) = (webhook_secret IS NULL)", name=op.f("ck_alert_subscriptions_webhook_has_secret")
        ),
        sa.CheckConstraint("audience IN ('full', 'planner')", name=op.f("ck_alert_subscriptions_audience_known")),
        sa.CheckConstraint(
            "jsonb_typeof(rules) = 'array' AND jsonb_array_length(rules) > 0",
            name=op.f("ck_alert_subscriptions_rules_listed"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_alert_subscriptions_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_subscriptions")),
    )
    op.create_index("idx_alert_subscriptions_area", "alert_subscriptions", ["area"], postgresql_using="gist")
    op.create_index(op.f("ix_alert_subscriptions_owner_id"), "alert_subscriptions", ["owner_id"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("subscription_id", sa.BigInteger(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("event_key", sa.String(length=200), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_alerts_owner_id_users"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["alert_subscriptions.id"],
            name=op.f("fk_alerts_subscription_id_alert_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("subscription_id", "event_key", name=op.f("uq_alerts_subscription_id_event_key")),
    )
    op.create_index("ix_alerts_owner_id_id", "alerts", ["owner_id", "id"])
    op.create_table(
        "alert_deliveries",
        sa.Column("alert_id", sa.BigInteger(), nullable=False),
        sa.Column("target", sa.String(length=10), nullable=False),
        sa.Column("destination", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=10), server_default=sa.text("'pending'"), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("target IN ('webhook', 'email')", name=op.f("ck_alert_deliveries_target_known")),
        sa.CheckConstraint("state IN ('pending', 'delivered')", name=op.f("ck_alert_deliveries_state_known")),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_alert_deliveries_attempts_nonnegative")),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_alert_deliveries_alert_id_alerts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("alert_id", "target", name=op.f("pk_alert_deliveries")),
    )
    op.create_index(
        "ix_alert_deliveries_due",
        "alert_deliveries",
        ["next_attempt_at"],
        postgresql_where=sa.text("state = 'pending'"),
    )
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON alert_subscriptions, alerts, alert_deliveries TO {ROLE}")
    op.execute(f"GRANT USAGE, SELECT ON SEQUENCE alert_subscriptions_id_seq, alerts_id_seq TO {ROLE}")


def downgrade() -> None:
    op.drop_table("alert_deliveries")
    op.drop_table("alerts")
    op.drop_index("idx_alert_subscriptions_area", table_name="alert_subscriptions", postgresql_using="gist")
    op.drop_table("alert_subscriptions")
