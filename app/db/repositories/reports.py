"""Landings and incidents as reported by people: plausibility of a location, inserts deduplicated by UUID,
filtered listings. Rows come back with lon/lat and the harbour's slug so services build responses without
further queries."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from psycopg import sql as psql
from psycopg.rows import namedtuple_row
from sqlalchemy import ARRAY, Select, delete, func, select, text, tuple_
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from app.db.models import Harbour, Incident, Landing
from app.db.models import Place as GazetteerPlace
from app.db.repositories.sql import driver_cursor, insert_new


@dataclass(frozen=True)
class Place:
    """Where a point lies relative to Sumenep: its nearest island, how far inland, how far from a harbour."""

    island: str
    island_m: float
    inland_m: float
    harbour: str | None
    harbour_m: float | None
    origin_place_id: int | None = None
    """The id of the origin place named by slug, when one was named and exists."""


# Nearest island by the GiST index (KNN), then metres on the spheroid. ``inland_m`` is the distance to the
# island's outline for points inside it further than ``:inland_within`` from it (else 0). One statement for a whole
# batch. The same statement resolves each report's origin place slug to its id (the single report's one round trip
# before its insert stays one).
_PLACES = text(
    """
    WITH p AS (
        SELECT ord, ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS pt, hid, origin
        FROM unnest(CAST(:lons AS float8[]), CAST(:lats AS float8[]), CAST(:hids AS int[]), CAST(:origins AS text[]))
             WITH ORDINALITY AS u(lon, lat, hid, origin, ord)
    )
    SELECT p.ord, near.name AS island, near.island_m, near.inland_m, hb.name AS harbour, hb.harbour_m,
           op.id AS origin_place_id
    FROM p
    CROSS JOIN LATERAL (
        SELECT i.name, i.geom, ST_Intersects(i.geom, p.pt) AS inside
        FROM islands i ORDER BY i.geom <-> p.pt LIMIT 1
    ) nearest
    CROSS JOIN LATERAL (
        -- One distance on the spheroid per point: to the outline from inside, to the island from outside.
        SELECT nearest.name,
               CASE WHEN nearest.inside THEN 0 ELSE ST_Distance(nearest.geom::geography, p.pt::geography) END
                   AS island_m,
               CASE WHEN nearest.inside
                         AND NOT ST_DWithin(ST_Boundary(nearest.geom)::geography, p.pt::geography, :inland_within)
                    THEN ST_Distance(ST_Boundary(nearest.geom)::geography, p.pt::geography) ELSE 0 END AS inland_m
    ) near
    LEFT JOIN LATERAL (
        SELECT h.name, ST_Distance(h.geom::geography, p.pt::geography) AS harbour_m FROM harbours h WHERE h.id = p.hid
    ) hb ON true
    LEFT JOIN places op ON op.slug = p.origin
    ORDER BY p.ord
    """
)


def places(
    session: Session,
    points: Sequence[tuple[float, float, int | None]],
    *,
    inland_within: float = 0.0,
    origins: Sequence[str | None] | None = None,
) -> list[Place]:
    """For each (lon, lat, harbour id or None), where it lies, and the id of its origin place slug in ``origins``
    (same order; None when no slug is given or none matches). Empty islands table: an empty list.

    ``inland_m`` is measured only for points more than ``inland_within`` metres inland (0 for the others): the
    exact figure matters only to refuse a point, and a bounded test stops early."""
    if not points:
        return []
    rows = session.execute(
        _PLACES,
        {
            "lons": [p[0] for p in points],
            "lats": [p[1] for p in points],
            "hids": [p[2] for p in points],
            "origins": list(origins) if origins is not None else [None] * len(points),
            "inland_within": inland_within,
        },
    ).all()
    return [
        Place(r.island, float(r.island_m), float(r.inland_m), r.harbour, r.harbour_m, r.origin_place_id) for r in rows
    ]


class LandingRow(NamedTuple):
    """A stored landing, its lon and lat, its harbour's slug and its origin place's slug."""

    landing: Landing  # or, from an insert, the driver's named row of the same columns
    lon: float
    lat: float
    harbour: str | None
    origin_place: str | None


# -- landings -----------------------------------------------------------------------------------------------------
_LANDING_COLUMNS = [c.name for c in Landing.__table__.columns if c.name not in ("geom", "geom_mercator")]
# What an insert hands back: the stored row as a LandingRow (the landing's columns as attributes, lon, lat, the
# harbour's and the origin place's slugs), so a fresh report is answered and audited without reading it back.
_RETURNING = psql.SQL(", ").join(
    [
        *(psql.Identifier(c) for c in _LANDING_COLUMNS),
        psql.SQL(
            "ST_X(geom) AS lon, ST_Y(geom) AS lat,"
            " (SELECT h.slug FROM harbours h WHERE h.id = landings.harbour_id) AS harbour_slug,"
            " (SELECT p.slug FROM places p WHERE p.id = landings.origin_place_id) AS origin_place_slug"
        ),
    ]
)


def _array_literal(items: Sequence[str] | None) -> str | None:
    """A one-dimensional text array literal (unnest cannot carry an array per row: it would flatten them)."""
    if items is None:
        return None
    return "{" + ",".join('"' + str(x).replace("\\", "\\\\").replace('"', '\\"') + '"' for x in items) + "}"


LandingKey = tuple[int | None, uuid.UUID]
"""What deduplicates a landing report: (harbour id, client UUID). The same UUID at two harbours is two reports."""
LANDING_CONFLICT = psql.SQL("(coalesce(harbour_id, 0)), client_uuid")
"""The columns of ``uq_landings_harbour_client_uuid`` (migration 0010), as ON CONFLICT names them."""


def _unnest_insert(
    table: Any, cols: Sequence[str], conflict: psql.Composable, returning: psql.Composable
) -> psql.Composed:
    """``INSERT INTO table (cols) SELECT ... FROM unnest(%s::type[], ...) ON CONFLICT (conflict) DO NOTHING
    RETURNING ...``: a whole batch in one statement with one array parameter per column, parsed and planned once
    (a multi-row VALUES would have thousands of placeholders; executemany, one statement per row). Arrays travel
    as text literals and geometries as EWKT text, each cast to the column's type."""
    dialect = postgresql.dialect()
    args: list[psql.Composable] = []
    picks: list[psql.Composable] = []
    for c in cols:
        column = table.c[c]
        sql_type = column.type.compile(dialect=dialect)
        if isinstance(column.type, ARRAY) or c == "geom":
            args.append(psql.SQL("%s::text[]"))
            picks.append(psql.SQL("u.{}::{}").format(psql.Identifier(c), psql.SQL(sql_type)))
        else:
            args.append(psql.SQL("%s::{}[]").format(psql.SQL(sql_type)))
            picks.append(psql.SQL("u.{}").format(psql.Identifier(c)))
    return psql.SQL(
        "INSERT INTO {table} ({cols}) SELECT {picks} FROM unnest({args}) AS u({cols})"
        " ON CONFLICT ({conflict}) DO NOTHING RETURNING {returning}"
    ).format(
        table=psql.Identifier(table.name),
        cols=psql.SQL(", ").join(psql.Identifier(c) for c in cols),
        picks=psql.SQL(", ").join(picks),
        args=psql.SQL(", ").join(args),
        conflict=conflict,
        returning=returning,
    )


def insert_landings(session: Session, rows: Sequence[Mapping[str, Any]]) -> dict[LandingKey, LandingRow]:
    """Insert rows whose (harbour, ``client_uuid``) is new (ON CONFLICT DO NOTHING: a concurrent insert of the same
    key waits for the first and then skips). Returns {(harbour_id, client_uuid): stored row} of the rows inserted
    by this call.

    One statement for the whole batch (``_unnest_insert``) on the session's own connection (same transaction).
    ``geom`` is EWKT text."""
    if not rows:
        return {}
    cols = list(rows[0].keys())
    table = Landing.__table__
    assert set(cols) <= {c.name for c in table.columns}
    query = _unnest_insert(table, cols, LANDING_CONFLICT, _RETURNING)
    params = []
    for c in cols:
        values = [r[c] for r in rows]
        params.append([_array_literal(v) for v in values] if isinstance(table.c[c].type, ARRAY) else values)
    with driver_cursor(session) as cur:
        cur.row_factory = namedtuple_row
        cur.execute(query, params)
        return {
            (r.harbour_id, r.client_uuid): LandingRow(r, r.lon, r.lat, r.harbour_slug, r.origin_place_slug)
            for r in cur.fetchall()
        }


def landings_by_key(session: Session, keys: Sequence[LandingKey]) -> dict[LandingKey, int]:
    """{(harbour_id, client_uuid): id} of stored landings (those the caller may see)."""
    if not keys:
        return {}
    harbour = func.coalesce(Landing.harbour_id, 0)
    wanted = [(h or 0, u) for h, u in keys]
    stmt = select(Landing.harbour_id, Landing.client_uuid, Landing.id).where(
        tuple_(harbour, Landing.client_uuid).in_(wanted)
    )
    return {(h, u): i for h, u, i in session.execute(stmt).all()}


def _landing_select() -> Select[Any]:
    origin = GazetteerPlace
    return (
        select(Landing, func.ST_X(Landing.geom), func.ST_Y(Landing.geom), Harbour.slug, origin.slug)
        .outerjoin(Harbour, Landing.harbour_id == Harbour.id)
        .outerjoin(origin, Landing.origin_place_id == origin.id)
    )


def landing(
    session: Session, landing_id: int, *, harbour_id: int | None = None, lock: bool = False
) -> LandingRow | None:
    stmt = _landing_select().where(Landing.id == landing_id)
    if harbour_id is not None:
        stmt = stmt.where(Landing.harbour_id == harbour_id)
    if lock:
        stmt = stmt.with_for_update(of=Landing)
    row = session.execute(stmt).one_or_none()
    return None if row is None else LandingRow(*row)


def _window(stmt: Select[Any], start_col: Any, end_col: Any, start: datetime | None, end: datetime | None) -> Any:
    # A record overlaps [start, end] when it ends after start and begins before end.
    if start is not None:
        stmt = stmt.where(end_col >= start)
    if end is not None:
        stmt = stmt.where(start_col <= end)
    return stmt


def _bbox(stmt: Select[Any], geom: Any, bbox: tuple[float, float, float, float] | None) -> Any:
    if bbox is not None:
        stmt = stmt.where(geom.op("&&")(func.ST_MakeEnvelope(*bbox, 4326)))
    return stmt


def landings(
    session: Session,
    *,
    harbour_id: int | None,
    bbox: tuple[float, float, float, float] | None,
    observed_from: datetime | None,
    observed_to: datetime | None,
    review_state: str | None,
    suspicious: bool | None,
    limit: int,
    offset: int,
) -> list[LandingRow]:
    stmt = _landing_select()
    if harbour_id is not None:
        stmt = stmt.where(Landing.harbour_id == harbour_id)
    stmt = _bbox(stmt, Landing.geom, bbox)
    stmt = _window(stmt, Landing.observed_start, Landing.observed_end, observed_from, observed_to)
    if review_state is not None:
        stmt = stmt.where(Landing.review_state == review_state)
    if suspicious is not None:
        stmt = stmt.where(Landing.suspicious.is_(suspicious))
    stmt = stmt.order_by(Landing.observed_start.desc(), Landing.id.desc()).limit(limit).offset(offset)
    return [LandingRow(*r) for r in session.execute(stmt).all()]


# -- incidents ----------------------------------------------------------------------------------------------------
class IncidentRow(NamedTuple):
    """A stored incident and its lon and lat."""

    incident: Incident
    lon: float
    lat: float


def _incident_select() -> Select[Any]:
    return select(Incident, func.ST_X(Incident.geom), func.ST_Y(Incident.geom))


def add_incident(session: Session, values: Mapping[str, Any]) -> int:
    incident = Incident(**values)
    session.add(incident)
    session.flush()
    return incident.id


def incident(session: Session, incident_id: int, *, lock: bool = False) -> IncidentRow | None:
    stmt = _incident_select().where(Incident.id == incident_id).execution_options(populate_existing=True)
    if lock:
        stmt = stmt.with_for_update(of=Incident)
    row = session.execute(stmt).one_or_none()
    return None if row is None else IncidentRow(*row)


def incidents(
    session: Session,
    *,
    kind: str | None,
    bbox: tuple[float, float, float, float] | None,
    occurred_from: datetime | None,
    occurred_to: datetime | None,
    review_state: str | None,
    limit: int,
    offset: int,
) -> list[IncidentRow]:
    stmt = _incident_select()
    if kind is not None:
        stmt = stmt.where(Incident.kind == kind)
    stmt = _bbox(stmt, Incident.geom, bbox)
    stmt = _window(stmt, Incident.occurred_start, Incident.occurred_end, occurred_from, occurred_to)
    if review_state is not None:
        stmt = stmt.where(Incident.review_state == review_state)
    stmt = stmt.order_by(Incident.occurred_start.desc(), Incident.id.desc()).limit(limit).offset(offset)
    return [IncidentRow(*r) for r in session.execute(stmt).all()]


def insert_incidents_by_uuid(session: Session, rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert the incidents whose ``uuid`` is not stored yet (the demo data's, derived from its seed); return how
    many were new."""
    return insert_new(session, Incident, rows, key="uuid")


# -- incident imports: keyed by the source's own id -----------------------------------------------------------------
IncidentKey = tuple[str, str]
"""``(source, source_ref)``: unique where ``source_ref`` is set (migration 0009)."""


def insert_incidents_keyed(session: Session, rows: Sequence[Mapping[str, Any]]) -> dict[IncidentKey, IncidentRow]:
    """Insert incidents in one statement; a row whose ``(source, source_ref)`` is stored already (or is being
    stored by a concurrent import, which this waits for) is skipped. Returns the inserted ones by key."""
    if not rows:
        return {}
    stmt = (
        postgresql.insert(Incident)
        .values(list(rows))
        .on_conflict_do_nothing(index_elements=["source", "source_ref"], index_where=text("source_ref IS NOT NULL"))
        .returning(Incident, func.ST_X(Incident.geom), func.ST_Y(Incident.geom))
    )
    out: dict[IncidentKey, IncidentRow] = {}
    for n, lon, lat in session.execute(stmt, execution_options={"populate_existing": True}).all():
        out[(n.source, str(n.source_ref))] = IncidentRow(n, lon, lat)
    return out


def incident_ids_by_key(session: Session, keys: Sequence[IncidentKey]) -> dict[IncidentKey, int]:
    """The stored incidents' ids for ``(source, source_ref)`` keys (those not stored are left out)."""
    if not keys:
        return {}
    found: dict[IncidentKey, int] = {}
    for start in range(0, len(keys), 1000):
        chunk = list(keys[start : start + 1000])
        stmt = select(Incident.id, Incident.source, Incident.source_ref).where(
            Incident.source_ref.is_not(None), tuple_(Incident.source, Incident.source_ref).in_(chunk)
        )
        found.update({(s, str(r)): i for i, s, r in session.execute(stmt)})
    return found


def delete_synthetic(session: Session) -> tuple[int, int]:
    """Delete every synthetic incident and landing; returns how many of each. Nothing references either table by
    foreign key (audit rows and idempotency keys name a row by its id in text), so nothing else changes."""
    n_inc: Any = session.execute(delete(Incident).where(Incident.synthetic.is_(True)))
    n_land: Any = session.execute(delete(Landing).where(Landing.synthetic.is_(True)))
    return int(n_inc.rowcount or 0), int(n_land.rowcount or 0)


def count_synthetic(session: Session) -> tuple[int, int]:
    """How many synthetic incidents and landings are stored."""
    n_inc = session.execute(select(func.count()).select_from(Incident).where(Incident.synthetic)).scalar_one()
    n_land = session.execute(select(func.count()).select_from(Landing).where(Landing.synthetic)).scalar_one()
    return int(n_inc), int(n_land)


def count_real_incidents(session: Session) -> int:
    return int(
        session.execute(select(func.count()).select_from(Incident).where(Incident.synthetic.is_(False))).scalar_one()
    )
