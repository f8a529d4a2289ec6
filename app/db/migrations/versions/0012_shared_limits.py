"""login limiter state in PostgreSQL, shared by every worker process

Revision ID: 0012_shared_limits
Revises: 0011_score_provenance
Create Date: 2026-12-22

The login limiter kept its sliding windows in the memory of one process, so Pesisir had to run as a single
uvicorn worker. Its windows (``login_windows``) and the addresses each user signed in from lately
(``login_known_addresses``) now live here, read and written under one transaction-scoped advisory lock by every
worker (``app.services.login_limiter``). Both tables are UNLOGGED: a sign-in writes no write-ahead log record
for them, and a crash of PostgreSQL empties them, forgetting at most the last minute's attempts and the known
addresses (their owners then count as new addresses until they sign in again). Export turns need no table: they
are advisory locks (``app.db.repositories.limits``).

``pesisir_app`` reads and writes both (nothing else in them is anyone's data).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012_shared_limits"
down_revision: str | None = "0011_score_provenance"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = "pesisir_app"


def upgrade() -> None:
    op.create_table(
        "login_windows",
        sa.Column("kind", sa.String(length=1), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("hits", postgresql.ARRAY(sa.Float()), nullable=False),
        sa.Column("last", sa.Float(), nullable=False),
        sa.CheckConstraint("kind IN ('a', 'p', 'u')", name=op.f("ck_login_windows_kind_known")),
        sa.PrimaryKeyConstraint("kind", "key", name=op.f("pk_login_windows")),
        prefixes=["UNLOGGED"],
    )
    op.create_index("ix_login_windows_kind_last", "login_windows", ["kind", "last"])
    op.create_table(
        "login_known_addresses",
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("seen", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("username", "address", name=op.f("pk_login_known_addresses")),
        prefixes=["UNLOGGED"],
    )
    op.create_index("ix_login_known_addresses_seen", "login_known_addresses", ["seen"])
    for table in ("login_windows", "login_known_addresses"):
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {ROLE}")


def downgrade() -> None:
    op.drop_table("login_known_addresses")
    op.drop_table("login_windows")
