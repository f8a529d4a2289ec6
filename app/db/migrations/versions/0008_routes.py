"""sea routes: places, a landing's origin place, corridors, ferry routes, corridor exposure per segment, builds

Revision ID: 0008_routes
Revises: 0007_landing_mercator
Create Date: 2026-12-01

``places`` is the gazetteer routes start and end at (every harbour of the regency and the ports and staging areas
outside it, ``data/routes/places.csv``); a landing report may name its origin by one of them
(``landings.origin_place_id``, next to the free text ``origin``). ``pesisir routes build`` replaces
``corridors``, ``ferry_routes`` and ``segment_corridor_exposure`` as a whole and appends a ``route_builds`` row.

The service only reads the new tables (loading and building are CLI work done as the owner): ``pesisir_app`` is
granted SELECT, as migration 0005 grants it on the other read tables. ``landings_published`` is ``SELECT *`` of
``landings`` as it was when the view was made; it is made again so that it carries the new column too (its grant
and comment stay).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0008_routes"
down_revision: str | None = "0007_landing_mercator"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = "pesisir_app"
READ_TABLES = ("places", "corridors", "ferry_routes", "segment_corridor_exposure", "route_builds")

RISK_KIND = postgresql.ENUM("landing", "tppo", name="risk_kind", create_type=False)
ROUTE_SEASON = postgresql.ENUM("west", "east", "transition", name="route_season", create_type=False)
# The vocabulary as it stands at this revision (geo.vocabulary.PLACE_KINDS); a later kind needs a migration.
PLACE_KINDS = (
    "official_port",
    "fishing_port",
    "ferry_terminal",
    "special_terminal",
    "informal_landing",
    "port",
    "staging_area",
)
VIEW = "CREATE OR REPLACE VIEW landings_published AS SELECT * FROM landings WHERE current_setting('pesisir.scope', true) = 'all'"


def _line() -> Geometry:
    return Geometry(
        geometry_type="LINESTRING",
        srid=4326,
        dimension=2,
        spatial_index=False,
        from_text="ST_GeomFromEWKT",
        name="geometry",
        nullable=False,
    )


def upgrade() -> None:
    ROUTE_SEASON.create(op.get_bind(), checkfirst=False)
    op.create_geospatial_table(
        "places",
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("province", sa.String(length=80), nullable=False),
        sa.Column("harbour_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
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
        sa.CheckConstraint(f"kind IN ({', '.join(repr(k) for k in PLACE_KINDS)})", name=op.f("ck_places_kind_known")),
        sa.CheckConstraint(
            "NOT ST_IsEmpty(geom) AND ST_X(geom) BETWEEN -180 AND 180 AND ST_Y(geom) BETWEEN -90 AND 90",
            name=op.f("ck_places_geom_lonlat"),
        ),
        sa.ForeignKeyConstraint(
            ["harbour_id"], ["harbours.id"], name=op.f("fk_places_harbour_id_harbours"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_places")),
        sa.UniqueConstraint("slug", name=op.f("uq_places_slug")),
    )
    op.create_geospatial_index(
        "idx_places_geom", "places", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
    )
    op.create_index(op.f("ix_places_harbour_id"), "places", ["harbour_id"], unique=False)

    op.add_column("landings", sa.Column("origin_place_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_landings_origin_place_id"), "landings", ["origin_place_id"], unique=False)
    op.create_foreign_key(
        op.f("fk_landings_origin_place_id_places"),
        "landings",
        "places",
        ["origin_place_id"],
        ["id"],
        ondelete="RESTRICT",
    )
    op.execute(VIEW)  # the new column is appended to the view's; grants and comment stay

    op.create_geospatial_table(
        "corridors",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("risk_kind", RISK_KIND, nullable=False),
        sa.Column("season", ROUTE_SEASON, nullable=False),
        sa.Column("traffic", sa.Float(), nullable=False),
        sa.Column("flows", sa.Text(), nullable=False),
        sa.Column("graph_version", sa.String(length=40), nullable=False),
        sa.Column("geom", _line(), nullable=False),
        sa.CheckConstraint("traffic >= 0", name=op.f("ck_corridors_traffic_nonnegative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corridors")),
    )
    op.create_geospatial_index(
        "idx_corridors_geom", "corridors", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
    )
    op.create_geospatial_table(
        "ferry_routes",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("route", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("from_slug", sa.String(length=60), nullable=False),
        sa.Column("to_slug", sa.String(length=60), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("distance_km", sa.Float(), nullable=False),
        sa.Column("graph_version", sa.String(length=40), nullable=False),
        sa.Column("geom", _line(), nullable=False),
        sa.CheckConstraint("distance_km >= 0", name=op.f("ck_ferry_routes_distance_nonnegative")),
        sa.CheckConstraint("hours >= 0", name=op.f("ck_ferry_routes_hours_nonnegative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ferry_routes")),
    )
    op.create_geospatial_index(
        "idx_ferry_routes_geom", "ferry_routes", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
    )
    op.create_table(
        "segment_corridor_exposure",
        sa.Column("segment_id", sa.String(length=60), nullable=False),
        sa.Column("risk_kind", RISK_KIND, nullable=False),
        sa.Column("season", ROUTE_SEASON, nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["segment_id"],
            ["coastal_segments.id"],
            name=op.f("fk_segment_corridor_exposure_segment_id_coastal_segments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("segment_id", "risk_kind", "season", name=op.f("pk_segment_corridor_exposure")),
    )
    op.create_table(
        "route_builds",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("graph_version", sa.String(length=40), nullable=False),
        sa.Column("inputs_hash", sa.String(length=64), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("nodes", sa.Integer(), nullable=False),
        sa.Column("edges", sa.Integer(), nullable=False),
        sa.Column("corridors", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_route_builds")),
    )
    for table in READ_TABLES:
        op.execute(f"GRANT SELECT ON {table} TO {ROLE}")


def downgrade() -> None:
    for table in READ_TABLES:
        op.execute(f"REVOKE ALL ON {table} FROM {ROLE}")
    op.drop_table("route_builds")
    op.drop_table("segment_corridor_exposure")
    op.drop_geospatial_index(
        "idx_ferry_routes_geom", table_name="ferry_routes", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("ferry_routes")
    op.drop_geospatial_index("idx_corridors_geom", table_name="corridors", postgresql_using="gist", column_name="geom")
    op.drop_geospatial_table("corridors")
    # A view cannot lose a column by CREATE OR REPLACE: it is dropped with the column and made again as 0007 left it.
    op.execute("DROP VIEW landings_published")
    op.drop_constraint(op.f("fk_landings_origin_place_id_places"), "landings", type_="foreignkey")
    op.drop_index(op.f("ix_landings_origin_place_id"), table_name="landings")
    op.drop_column("landings", "origin_place_id")
    op.execute(VIEW)
    op.execute(
        "COMMENT ON VIEW landings_published IS 'Every harbour''s landings, for transactions with "
        "pesisir.scope = all (map readers); empty otherwise. Read by the published layers.'"
    )
    op.execute(f"GRANT SELECT ON landings_published TO {ROLE}")
    op.drop_index(op.f("ix_places_harbour_id"), table_name="places")
    op.drop_geospatial_index("idx_places_geom", table_name="places", postgresql_using="gist", column_name="geom")
    op.drop_geospatial_table("places")
    ROUTE_SEASON.drop(op.get_bind(), checkfirst=False)
