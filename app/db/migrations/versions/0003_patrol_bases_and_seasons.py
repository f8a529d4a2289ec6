"""patrol bases layer; scores per season (annual, west monsoon, east monsoon)

Revision ID: 0003_patrol
Revises: 0002_risk
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0003_patrol"
down_revision: str | None = "0002_risk"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEASON = postgresql.ENUM("annual", "west", "east", name="season", create_type=False)


def upgrade() -> None:
    op.create_geospatial_table(
        "patrol_bases",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("agency", sa.String(length=120), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "NOT ST_IsEmpty(geom) AND ST_X(geom) BETWEEN -180 AND 180 AND ST_Y(geom) BETWEEN -90 AND 90",
            name=op.f("ck_patrol_bases_geom_lonlat"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_bases")),
        sa.UniqueConstraint("slug", name=op.f("uq_patrol_bases_slug")),
    )
    op.create_geospatial_index(
        "idx_patrol_bases_geom", "patrol_bases", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
    )

    SEASON.create(op.get_bind(), checkfirst=False)
    op.add_column("segment_scores", sa.Column("season", SEASON, server_default=sa.text("'annual'"), nullable=False))
    op.drop_constraint("uq_segment_scores_segment_id_risk_kind_model_version", "segment_scores", type_="unique")
    op.create_unique_constraint(
        op.f("uq_segment_scores_segment_id_risk_kind_model_version_season"),
        "segment_scores",
        ["segment_id", "risk_kind", "model_version", "season"],
    )


def downgrade() -> None:
    op.execute("DELETE FROM segment_scores WHERE season <> 'annual'")
    op.drop_constraint(
        op.f("uq_segment_scores_segment_id_risk_kind_model_version_season"), "segment_scores", type_="unique"
    )
    op.create_unique_constraint(
        "uq_segment_scores_segment_id_risk_kind_model_version",
        "segment_scores",
        ["segment_id", "risk_kind", "model_version"],
    )
    op.drop_column("segment_scores", "season")
    SEASON.drop(op.get_bind(), checkfirst=False)
    op.drop_geospatial_index(
        "idx_patrol_bases_geom", table_name="patrol_bases", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("patrol_bases")
