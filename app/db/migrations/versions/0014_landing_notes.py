"""landings: the reporter's free-text notes

Revision ID: 0014_landing_notes
Revises: 0013_alerts
Create Date: 2026-12-02

Issue 14, item 1: the reporting page's form has notes. ``landings.notes`` is what the harbourmaster typed about
the landing, NULL when nothing (the API turns blank text into NULL, so the column never holds an empty string).
At most 1000 characters (``app.schemas.MAX_NOTES``): a few short paragraphs, more than a note typed on a phone at
the quay needs, and small enough that a batch of 500 reports each with the longest notes stays under the default
1 MiB request body limit (``PESISIR_MAX_BODY_BYTES``).

Notes are free text a person typed, so names may appear: they are treated like an incident's narrative (only
those who may read the landing get them; never in planners' copies, map popups, vector tiles or alerts).

``landings_published`` is ``SELECT *`` of ``landings`` as it was when the view was made; it is made again so that
it carries the new column too (its grant and comment stay). The view is read by the published layers for
``pesisir.scope = 'all'`` only; the service picks the properties each audience sees (``app.services.layers``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_landing_notes"
down_revision: str | None = "0013_alerts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = "pesisir_app"
MAX_NOTES = 1000  # app.schemas.MAX_NOTES at this revision; a new limit needs a migration
COMMENT = (
    "Free text the reporter typed about the landing (names may appear): shown to those who may read the landing, "
    "never to planners, on the map, in vector tiles or in alerts."
)
VIEW = "CREATE OR REPLACE VIEW landings_published AS SELECT * FROM landings WHERE current_setting('pesisir.scope', true) = 'all'"


def upgrade() -> None:
    op.add_column("landings", sa.Column("notes", sa.Text(), nullable=True, comment=COMMENT))
    op.create_check_constraint(
        op.f("ck_landings_notes_length"), "landings", f"char_length(notes) BETWEEN 1 AND {MAX_NOTES}"
    )
    op.execute(VIEW)  # the new column is appended to the view's; grants and comment stay


def downgrade() -> None:
    # A view cannot lose a column by CREATE OR REPLACE: it is dropped with the column and made again as 0013 left it.
    op.execute("DROP VIEW landings_published")
    op.drop_constraint(op.f("ck_landings_notes_length"), "landings", type_="check")
    op.drop_column("landings", "notes")
    op.execute(VIEW)
    op.execute(
        "COMMENT ON VIEW landings_published IS 'Every harbour''s landings, for transactions with "
        "pesisir.scope = all (map readers); empty otherwise. Read by the published layers.'"
    )
    op.execute(f"GRANT SELECT ON landings_published TO {ROLE}")
