"""incidents: the source's own id (``source_ref``), unique per source, for idempotent imports

Revision ID: 0009_incident_source_ref
Revises: 0008_routes
Create Date: 2026-12-15

A source (a police station, the navy's base, an NGO's case register) numbers its own reports: ``LP/B/123/2025``.
``pesisir import incidents`` and ``POST /api/v1/incidents/batch`` key every incident by ``(source, source_ref)``, so
importing a file again, or a batch sent twice, creates nothing new. The key is unique only where ``source_ref`` is
set: incidents recorded one at a time without it, and the synthetic demo incidents, stay as they are.

Why ``(source, source_ref)`` and not ``source_ref`` alone: two sources' numbering schemes may collide (two police
stations both have a report 17); one source's may not.

``pesisir_app`` holds table-wide SELECT, INSERT and UPDATE on ``incidents`` (migration 0005), which cover a new
column: no grant changes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_incident_source_ref"
down_revision: str | None = "0008_routes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("incidents", sa.Column("source_ref", sa.Text(), nullable=True))
    op.create_check_constraint(
        op.f("ck_incidents_source_ref_form"),
        "incidents",
        "source_ref IS NULL OR length(source_ref) BETWEEN 1 AND 200",
    )
    op.create_index(
        "uq_incidents_source_source_ref",
        "incidents",
        ["source", "source_ref"],
        unique=True,
        postgresql_where=sa.text("source_ref IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_incidents_source_source_ref", table_name="incidents")
    op.drop_constraint(op.f("ck_incidents_source_ref_form"), "incidents", type_="check")
    op.drop_column("incidents", "source_ref")
