"""users: a token version, so that sign-out and a password change revoke the tokens given before; landings: client
UUIDs unique per harbour

Revision ID: 0010_token_version
Revises: 0009_incident_source_ref
Create Date: 2026-12-20

Every access token carries its user's ``token_version`` (claim ``ver``); the look-up of the caller that every
request makes anyway accepts it only while the user's version is the same. Signing out (``POST /auth/logout``)
and setting a password (``pesisir users set-password``) add one, so every token issued before is refused at once
rather than when it expires (docs/RELIABILITY.md R2-08).

``pesisir_app`` may update the column (sign-out is the service's own write), and ``updated_at``, which every ORM
update of a user sets (``TimestampMixin``): without it the service's re-hash of a password at sign-in (migration
0005 grants ``UPDATE (password_hash)``) was refused too.

Landings were unique by ``client_uuid`` across every harbour, so a harbourmaster whose report reused a UUID of
another harbour's report got a 409 naming that harbour: an answer that told them a report they may not see
exists. They are now unique per harbour (``coalesce(harbour_id, 0)``, ``client_uuid``): the same UUID at another
harbour is another report, and what a harbourmaster is told depends only on their own harbour's reports. Retries
stay deduplicated, since a report is retried for the same harbour. The downgrade fails if two harbours share a
UUID by then (it cannot choose which report to drop).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_token_version"
down_revision: str | None = "0009_incident_source_ref"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = "pesisir_app"


def upgrade() -> None:
    op.add_column("users", sa.Column("token_version", sa.Integer(), server_default=sa.text("0"), nullable=False))
    op.create_check_constraint(op.f("ck_users_token_version_nonnegative"), "users", "token_version >= 0")
    op.execute(f"GRANT UPDATE (token_version, updated_at) ON users TO {ROLE}")
    op.create_index(
        "uq_landings_harbour_client_uuid",
        "landings",
        [sa.text("coalesce(harbour_id, 0)"), "client_uuid"],
        unique=True,
    )
    op.drop_constraint(op.f("uq_landings_client_uuid"), "landings", type_="unique")


def downgrade() -> None:
    op.create_unique_constraint(op.f("uq_landings_client_uuid"), "landings", ["client_uuid"])
    op.drop_index("uq_landings_harbour_client_uuid", table_name="landings")
    op.execute(f"REVOKE UPDATE (token_version, updated_at) ON users FROM {ROLE}")
    op.drop_constraint(op.f("ck_users_token_version_nonnegative"), "users", type_="check")
    op.drop_column("users", "token_version")
