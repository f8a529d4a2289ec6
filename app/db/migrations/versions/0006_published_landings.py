"""landings as the map readers see them: a view that row-level security does not slow down

Revision ID: 0006_published_landings
Revises: 0005_app_role
Create Date: 2026-11-29

Row-level security forces PostgreSQL to evaluate the policy on ``landings`` before any condition that is not
leakproof, and PostGIS's ``&&`` is not: as ``pesisir_app`` a bounding-box query on landings could not use the
GiST index any more and scanned the whole table (a vector tile over Kangean went from 5 ms to 14 ms, slower
than tipg). The published layers (OGC API Features, vector tiles, exports) read every harbour's landings and
are only open to roles whose transactions carry ``pesisir.scope = 'all'`` (harbourmasters get 403 there).

``landings_published`` is owned by the schema's owner, so it reads ``landings`` without the policy, and it
repeats the policy's gate for those roles itself: without ``pesisir.scope = 'all'`` it is empty. The condition
mentions no column, so PostgreSQL checks it once per query, and the index on ``geom`` is used again. It is not
a security-barrier view: the service runs no user-defined functions that could watch rows go by.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006_published_landings"
down_revision: str | None = "0005_app_role"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = "pesisir_app"


def upgrade() -> None:
    op.execute(
        "CREATE VIEW landings_published AS SELECT * FROM landings WHERE current_setting('pesisir.scope', true) = 'all'"
    )
    op.execute(
        "COMMENT ON VIEW landings_published IS 'Every harbour''s landings, for transactions with "
        "pesisir.scope = all (map readers); empty otherwise. Read by the published layers.'"
    )
    op.execute(f"GRANT SELECT ON landings_published TO {ROLE}")


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS landings_published")
