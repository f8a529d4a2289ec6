"""landings keep their position in web mercator too, for vector tiles

Revision ID: 0007_landing_mercator
Revises: 0006_published_landings
Create Date: 2026-11-30

Landings are the one layer that grows without bound, and every vector tile of it projected each point from
lon/lat to web mercator (EPSG:3857) again: about a tenth of a tile's time in PostgreSQL. ``geom_mercator`` is
that projection, computed by PostgreSQL from ``geom`` whenever a row is written (a stored generated column:
no writer can set it or let it drift). It has no index: tiles find their rows through the index on ``geom``.

``landings_published`` is ``SELECT *`` of ``landings`` as it was when the view was made; it is made again so that
it carries the new column too.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007_landing_mercator"
down_revision: str | None = "0006_published_landings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A position off the globe gets NULL (and the lon/lat check then refuses the row by its own name), not PROJ's error.
MERCATOR = (
    "CASE WHEN ST_X(geom) BETWEEN -180 AND 180 AND ST_Y(geom) BETWEEN -90 AND 90 THEN ST_Transform(geom, 3857) END"
)
VIEW = "CREATE OR REPLACE VIEW landings_published AS SELECT * FROM landings WHERE current_setting('pesisir.scope', true) = 'all'"


def upgrade() -> None:
    op.execute(
        f"ALTER TABLE landings ADD COLUMN geom_mercator geometry(Point, 3857) GENERATED ALWAYS AS ({MERCATOR}) STORED"
    )
    op.execute(VIEW)  # the new column is appended to the view's; grants and comment stay


def downgrade() -> None:
    # A view cannot lose a column by CREATE OR REPLACE: it is dropped with the column and made again as 0006 left it.
    op.execute("DROP VIEW landings_published")
    op.execute("ALTER TABLE landings DROP COLUMN geom_mercator")
    op.execute(VIEW)
    op.execute(
        "COMMENT ON VIEW landings_published IS 'Every harbour''s landings, for transactions with "
        "pesisir.scope = all (map readers); empty otherwise. Read by the published layers.'"
    )
    op.execute("GRANT SELECT ON landings_published TO pesisir_app")
