"""segment_scores: where a score's weights come from, and how stable its class is

Revision ID: 0011_score_provenance
Revises: 0010_token_version
Create Date: 2026-12-01

Every score says where its weights come from (``weights_source``: ``expert prior``, ``fitted on N real incidents
until DATE`` or ``fitted on synthetic demo data (...)``, from ``geo.risk.ModelConfig.provenance``), so the map's
popups, the API, OGC and the exports carry it with the score. ``class_stability`` is the share of draws of the
weights (from the prior, or bootstrap refits of a fit) in which the segment keeps its class: ``critical in 83 % of
draws``. Scores written before this revision have neither (NULL): the next ``pesisir score`` fills both.

``pesisir_app`` holds table-wide privileges on ``segment_scores`` (migration 0005), which cover new columns.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_score_provenance"
down_revision: str | None = "0010_token_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("segment_scores", sa.Column("weights_source", sa.Text(), nullable=True))
    op.add_column("segment_scores", sa.Column("class_stability", sa.Float(), nullable=True))
    op.create_check_constraint(
        op.f("ck_segment_scores_class_stability_share"),
        "segment_scores",
        "class_stability IS NULL OR (class_stability >= 0 AND class_stability <= 1)",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_segment_scores_class_stability_share"), "segment_scores", type_="check")
    op.drop_column("segment_scores", "class_stability")
    op.drop_column("segment_scores", "weights_source")
