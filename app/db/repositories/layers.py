"""SQL of the published layers (islands, harbours, segments with scores, incidents, landings), shared by exports,
vector tiles and OGC API Features.

Each layer names every property column it has; which of them a caller may see is the service's business
(``app.services.layers``). Filters use the GiST index (``&&`` on the envelope) and the time columns' btree index.
Rows stream from a server-side cursor (``yield_per``), so memory stays flat however large the layer."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    Numeric,
    Select,
    String,
    bindparam,
    cast,
    column,
    false,
    func,
    literal,
    literal_column,
    select,
    table,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from app.db.models import (
    CoastalSegment,
    Corridor,
    FerryRoute,
    Harbour,
    Incident,
    Island,
    Landing,
    Place,
    SegmentScore,
)
from app.db.repositories.base import harbour_properties, island_properties
from app.db.repositories.sql import GEOJSON_DECIMALS, driver_cursor, feature

CHUNK = 2000  # rows fetched per round trip from the server-side cursor
MVT_EXTENT = 4096
MVT_BUFFER = 64


@dataclass(frozen=True)
class Filters:
    """Validated filters; ``None`` means "not filtered on this"."""

    bbox: tuple[float, float, float, float] | None = None
    interval: tuple[datetime | None, datetime | None] | None = None
    kind: str | None = None
    risk_class: str | None = None
    min_score: float | None = None


@dataclass(frozen=True)
class Layer:
    name: str
    title: str
    description: str
    geometry_type: str
    id_col: Any
    geom: Any
    columns: Callable[[str], dict[str, Any]]  # risk kind -> every property column of the layer
    base: Callable[[str], Select[Any]]  # risk kind -> the FROM clause with its joins
    time_start: Any = None
    time_end: Any = None
    kind_col: Any = None  # the column the ``kind`` filter compares (segments: the risk kind picks the scores)
    scored: bool = False
    key: Any = None  # the indexed column behind ``id_col`` (order and look-ups use it), when id_col is a cast
    mercator: Any = None  # ``geom`` already in web mercator (EPSG:3857), for tiles; else they project ``geom``

    @property
    def order(self) -> Any:
        return self.id_col if self.key is None else self.key

    def matches(self, feature_id: str) -> Any:
        """A condition on the indexed key (an integer key only matches digits)."""
        if self.key is None:
            return self.id_col == feature_id
        return self.key == int(feature_id) if feature_id.isdigit() and len(feature_id) < 19 else false()


def risk_key(kind: str, season: str = "annual") -> str:
    """The ``risk`` argument of the layer functions: a risk kind, and for a season other than the year's mean
    ``<kind>/<season>`` (scores are kept per season; see ``app.services.risk.score``)."""
    return kind if season == "annual" else f"{kind}/{season}"


def _kind_season(risk: str) -> tuple[str, str]:
    kind, _, season = risk.partition("/")
    return kind, season or "annual"


@cache  # one subquery object per kind and season: the columns and the join must name the same FROM
def _scores(risk: str) -> Any:
    s = SegmentScore
    kind, season = _kind_season(risk)
    return select(s).where(s.risk_kind == kind, s.season == season, s.stale.is_(False)).subquery("sc")


def _segment_columns(risk: str) -> dict[str, Any]:
    s, i, sc = CoastalSegment, Island, _scores(risk)
    kind, season = _kind_season(risk)
    return {
        "island_code": i.code,
        "island_name": i.name,
        "ordinal": s.ordinal,
        "length_m": s.length_m,
        "seaward_bearing": s.seaward_bearing,
        "risk_kind": literal(kind, String),
        "season": literal(season, String),
        "score": sc.c.score,
        "risk_class": sc.c.risk_class,
        "contributions": sc.c.contributions,
        "model_version": sc.c.model_version,
        "weights_source": sc.c.weights_source,
        "class_stability": sc.c.class_stability,
        "data_cutoff": sc.c.data_cutoff,
        "computed_at": sc.c.computed_at,
    }


def _segment_base(kind: str) -> Select[Any]:
    s, i, sc = CoastalSegment, Island, _scores(kind)
    return select(s.id).select_from(s).join(i, s.island_id == i.id).outerjoin(sc, sc.c.segment_id == s.id)


def _incident_columns(_: str) -> dict[str, Any]:
    n = Incident
    return {
        "uuid": n.uuid,
        "kind": n.kind,
        "occurred_start": n.occurred_start,
        "occurred_end": n.occurred_end,
        "precision_m": n.precision_m,
        "people": n.people,
        "vessels": n.vessels,
        "source": n.source,
        "confidence": n.confidence,
        "review_state": n.review_state,
        "review_reason": n.review_reason,
        "narrative": n.narrative,
        "synthetic": n.synthetic,
    }


# The published layers read landings through this view (migration 0006): every harbour's, for transactions with
# pesisir.scope = 'all', and with the spatial index usable, which row-level security on the table prevents.
PUBLISHED_LANDINGS = table("landings_published", *(column(c.name, c.type) for c in Landing.__table__.columns))


def _landing_columns(_: str) -> dict[str, Any]:
    ld = PUBLISHED_LANDINGS.c
    return {
        "client_uuid": ld.client_uuid,
        "harbour": Harbour.slug,
        "precision_m": ld.precision_m,
        "observed_start": ld.observed_start,
        "observed_end": ld.observed_end,
        "direction": ld.direction,
        "vessel_name": ld.vessel_name,
        "vessel_registration": ld.vessel_registration,
        "vessel_flag": ld.vessel_flag,
        "vessel_type": ld.vessel_type,
        "persons_aboard": ld.persons_aboard,
        "crew": ld.crew,
        "foreign_nationals": ld.foreign_nationals,
        "origin": ld.origin,
        "origin_place": Place.slug,
        "suspicion_flags": ld.suspicion_flags,
        "suspicious": ld.suspicious,
        "notes": ld.notes,
        "reporter_id": ld.reporter_id,
        "review_state": ld.review_state,
        "review_reason": ld.review_reason,
        "synthetic": ld.synthetic,
    }


def _corridor_columns(_: str) -> dict[str, Any]:
    c = Corridor
    return {"risk_kind": c.risk_kind, "season": c.season, "traffic": c.traffic, "flows": c.flows,
            "graph_version": c.graph_version}  # fmt: skip


def _ferry_columns(_: str) -> dict[str, Any]:
    f = FerryRoute
    return {"route": f.route, "name": f.name, "from_slug": f.from_slug, "to_slug": f.to_slug, "hours": f.hours,
            "distance_km": f.distance_km, "graph_version": f.graph_version}  # fmt: skip


ROUTE_LAYERS = ("corridors", "ferry_routes")
"""The layers ``pesisir routes build`` writes (their provenance is the build's, not a model's)."""

LAYERS: dict[str, Layer] = {
    layer.name: layer
    for layer in (
        Layer(
            name="islands",
            title="Pulau / Islands",
            description="Islands of Kabupaten Sumenep and its part of Madura (OpenStreetMap, official codes).",
            geometry_type="MultiPolygon",
            id_col=Island.code,
            geom=Island.geom,
            columns=lambda _: island_properties(),
            base=lambda _: select(Island.code).select_from(Island),
        ),
        Layer(
            name="harbours",
            title="Pelabuhan / Harbours",
            description="Ports, fishing ports, ferry and special terminals, with kind and monitoring status.",
            geometry_type="Point",
            id_col=cast(Harbour.id, String),
            key=Harbour.id,
            geom=Harbour.geom,
            columns=lambda _: harbour_properties(),
            base=lambda _: select(Harbour.id).select_from(Harbour).outerjoin(Island, Harbour.island_id == Island.id),
            kind_col=Harbour.kind,
        ),
        Layer(
            name="segments",
            title="Segmen pantai / Coastal segments",
            description="Stretches of coast of about 500 m with their risk score and class, factor contributions, "
            "model version and data cut-off.",
            geometry_type="LineString",
            id_col=CoastalSegment.id,
            geom=CoastalSegment.geom,
            columns=_segment_columns,
            base=_segment_base,
            scored=True,
        ),
        Layer(
            name="incidents",
            title="Insiden / Incidents",
            description="Reported incidents (kind, time window, location precision, counts, review state).",
            geometry_type="Point",
            id_col=cast(Incident.id, String),
            key=Incident.id,
            geom=Incident.geom,
            columns=_incident_columns,
            base=lambda _: select(Incident.id).select_from(Incident),
            time_start=Incident.occurred_start,
            time_end=Incident.occurred_end,
            kind_col=Incident.kind,
        ),
        Layer(
            name="landings",
            title="Pendaratan / Landings",
            description="Vessel landings and departures logged by harbourmasters, with suspicion flags.",
            geometry_type="Point",
            id_col=cast(PUBLISHED_LANDINGS.c.id, String),
            key=PUBLISHED_LANDINGS.c.id,
            geom=PUBLISHED_LANDINGS.c.geom,
            mercator=PUBLISHED_LANDINGS.c.geom_mercator,  # the layer that grows without bound (migration 0007)
            columns=_landing_columns,
            base=lambda _: (
                select(PUBLISHED_LANDINGS.c.id)
                .select_from(PUBLISHED_LANDINGS)
                .outerjoin(Harbour, PUBLISHED_LANDINGS.c.harbour_id == Harbour.id)
                .outerjoin(Place, PUBLISHED_LANDINGS.c.origin_place_id == Place.id)
            ),
            time_start=PUBLISHED_LANDINGS.c.observed_start,
            time_end=PUBLISHED_LANDINGS.c.observed_end,
        ),
        Layer(
            name="corridors",
            title="Koridor / Corridors",
            description="Where the traffic of the smuggling and trafficking flows goes by sea: lines of the sea graph "
            "with their traffic weight per risk kind and route season (west, east, transition).",
            geometry_type="LineString",
            id_col=cast(Corridor.id, String),
            key=Corridor.id,
            geom=Corridor.geom,
            columns=_corridor_columns,
            base=lambda _: select(Corridor.id).select_from(Corridor),
            kind_col=Corridor.risk_kind,
        ),
        Layer(
            name="ferry_routes",
            title="Rute kapal penyeberangan / Ferry routes",
            description="Scheduled ferry and passenger-boat routes from Kalianget and between the islands, drawn "
            "over the sea graph, with their sailing hours and length.",
            geometry_type="LineString",
            id_col=cast(FerryRoute.id, String),
            key=FerryRoute.id,
            geom=FerryRoute.geom,
            columns=_ferry_columns,
            base=lambda _: select(FerryRoute.id).select_from(FerryRoute),
        ),
    )
}


def filtered(layer: Layer, risk: str, filters: Filters) -> tuple[Select[Any], dict[str, Any]]:
    """The layer's rows for ``risk`` that pass ``filters``, and its property columns (the caller picks)."""
    stmt, cols = layer.base(risk), layer.columns(risk)
    if filters.bbox is not None:
        envelope = func.ST_MakeEnvelope(*filters.bbox, 4326)
        stmt = stmt.where(layer.geom.op("&&")(envelope)).where(func.ST_Intersects(layer.geom, envelope))
    if filters.interval is not None and layer.time_start is not None:
        start, end = filters.interval
        if end is not None:
            stmt = stmt.where(layer.time_start <= end)
        if start is not None:
            stmt = stmt.where(layer.time_end >= start)
    if filters.kind is not None and layer.kind_col is not None:
        stmt = stmt.where(layer.kind_col == filters.kind)
    if filters.risk_class is not None:
        stmt = stmt.where(cols["risk_class"] == filters.risk_class)
    if filters.min_score is not None:
        stmt = stmt.where(cols["score"] >= filters.min_score)
    return stmt, cols


def _feature(layer: Layer, cols: dict[str, Any], properties: Sequence[str]) -> Any:
    return feature(layer.id_col, layer.geom, {p: cols[p] for p in properties}).cast(String)


def _stream(session: Session, stmt: Select[Any]) -> Iterator[Sequence[Any]]:
    result = session.execute(stmt, execution_options={"yield_per": CHUNK})
    yield from result.partitions()


def geojson_features(
    session: Session, layer: Layer, risk: str, filters: Filters, properties: Sequence[str]
) -> Iterator[list[str]]:
    """Chunks of GeoJSON Feature texts built by PostGIS (RFC 7946), from a server-side cursor."""
    stmt, cols = filtered(layer, risk, filters)
    f = _feature(layer, cols, properties)
    for part in _stream(session, stmt.with_only_columns(f).order_by(layer.order)):
        yield [row[0] for row in part]


def rows(
    session: Session, layer: Layer, risk: str, filters: Filters, properties: Sequence[str], *, geometry: str
) -> Iterator[Sequence[Any]]:
    """Chunks of rows ``(id, <geometry>, *properties)`` from a server-side cursor.

    ``geometry`` is ``"wkb"`` (RFC 7946 orientation, for GeoPackage), ``"wkt"`` (text, 6 decimals) or ``"lonlat"``
    (two columns, for points in CSV)."""
    stmt, cols = filtered(layer, risk, filters)
    ccw = func.ST_ForcePolygonCCW(layer.geom)
    geoms: list[Any] = {
        "wkb": [func.ST_AsBinary(ccw)],
        "wkt": [func.ST_AsText(ccw, GEOJSON_DECIMALS)],
        "lonlat": [
            func.round(cast(func.ST_X(layer.geom), Numeric), GEOJSON_DECIMALS),
            func.round(cast(func.ST_Y(layer.geom), Numeric), GEOJSON_DECIMALS),
        ],
    }[geometry]
    stmt = stmt.with_only_columns(layer.id_col, *geoms, *[cols[p] for p in properties]).order_by(layer.order)
    yield from _stream(session, stmt)


def tile(session: Session, layer: Layer, risk: str, z: int, x: int, y: int, properties: Sequence[str]) -> bytes:
    """One Mapbox vector tile of the layer (``ST_AsMVT``); empty bytes when no feature touches it.

    A numeric id (harbours, incidents, landings) is the tile's own feature id, the number that is the feature's
    id in GeoJSON and OGC API Features; a text id (islands' codes, segments') travels as the ``id`` property."""
    sql = _tile_sql(layer.name, risk, tuple(properties))
    # z/x/y inline (checked integers): the planner then computes the envelope once, and a tile asked for again
    # reuses the driver's prepared statement. Bound parameters would give a generic plan that computes it per row.
    sql = sql.replace(_ENVELOPE_MARK, f"ST_TileEnvelope({int(z)}, {int(x)}, {int(y)})")
    with driver_cursor(session) as cur:
        # In binary: the tile as it is, not as hex text of twice its size for the server to write and us to read.
        row = cur.execute(sql, binary=True).fetchone()
    return bytes(row[0]) if row is not None and row[0] is not None else b""


_MARK = (-910001, -910002, -910003)  # z/x/y no tile has, replaced by the tile's own in the SQL text
_ENVELOPE_MARK = "ST_TileEnvelope({}, {}, {})".format(*_MARK)
_SQL_DIALECT = postgresql.dialect(paramstyle="named")  # renders literals without doubling '%' for pyformat


@cache  # rendered once per layer, risk and property list: a tile request neither builds nor compiles it
def _tile_sql(name: str, risk: str, properties: tuple[str, ...]) -> str:
    stmt = _tile_statement(name, risk, properties).params(z=_MARK[0], x=_MARK[1], y=_MARK[2])
    sql = str(stmt.compile(dialect=_SQL_DIALECT, compile_kwargs={"literal_binds": True}))
    if sql.count(_ENVELOPE_MARK) != 2:  # the features' envelope and the index filter's
        raise AssertionError(f"tile SQL of {name}: the tile envelope is not where expected:\n{sql}")
    return sql


def _tile_statement(name: str, risk: str, properties: tuple[str, ...]) -> Select[Any]:
    layer = LAYERS[name]
    cols = layer.columns(risk)
    envelope = func.ST_TileEnvelope(*(bindparam(v, type_=Integer) for v in ("z", "x", "y")))
    numbered = isinstance(layer.order.type, Integer)  # an MVT feature id is an unsigned integer
    ids = [(layer.order if numbered else layer.id_col).label("id")]
    props = [_mvt_value(cols[p]).label(p) for p in properties]
    mercator = layer.mercator if layer.mercator is not None else func.ST_Transform(layer.geom, 3857)
    q = (
        layer.base(risk)
        .with_only_columns(
            *ids,
            func.ST_AsMVTGeom(mercator, envelope, MVT_EXTENT, MVT_BUFFER, True).label("mvtgeom"),
            *props,
        )
        .where(layer.geom.op("&&")(func.ST_Transform(envelope, 4326)))
        .subquery("q")
    )
    mvt = (literal_column("q"), layer.name, MVT_EXTENT, "mvtgeom", *(["id"] if numbered else []))
    return select(func.ST_AsMVT(*mvt)).select_from(q)


def _mvt_value(col: Any) -> Any:
    # MVT values are scalars: arrays travel as JSON text; times as Unix seconds (what a map's time filter
    # compares, and a third of the cost of formatting text); JSON as text (ST_AsMVT would spread a JSONB
    # object's members over keys of their own). Enums and UUIDs become text by their own output function.
    name = type(col.type).__name__
    if name == "ARRAY":
        return cast(func.to_json(col), String)
    if name == "DateTime":  # date_part gives a double; EXTRACT a numeric, slower to make and to cast
        return cast(func.date_part("epoch", col), BigInteger)
    if name in ("JSONB", "JSON"):
        return cast(col, String)
    return col


def extent(session: Session, layer: Layer) -> tuple[list[float] | None, list[str | None] | None]:
    """Spatial extent [minx, miny, maxx, maxy] and, for layers with time, the temporal extent."""
    box = session.execute(
        layer.base("landing").with_only_columns(
            func.ST_XMin(func.ST_Extent(layer.geom)).label("minx"),
            func.ST_YMin(func.ST_Extent(layer.geom)),
            func.ST_XMax(func.ST_Extent(layer.geom)),
            func.ST_YMax(func.ST_Extent(layer.geom)),
        )
    ).one()
    spatial = None if box.minx is None else [round(float(v), 6) for v in box]
    temporal = None
    if layer.time_start is not None:
        lo, hi = session.execute(
            layer.base("landing").with_only_columns(func.min(layer.time_start), func.max(layer.time_end))
        ).one()
        temporal = [lo.isoformat() if lo else None, hi.isoformat() if hi else None]
    return spatial, temporal


def page(
    session: Session, layer: Layer, risk: str, filters: Filters, properties: Sequence[str], *, limit: int, offset: int
) -> tuple[list[str], int]:
    """One page of GeoJSON Feature texts (stable order: the layer's id), and how many features match in all."""
    stmt, cols = filtered(layer, risk, filters)
    matched = int(session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one())
    # Page the keys first, then build JSON for those rows only: PostgreSQL would otherwise build the features
    # the OFFSET skips as well, and a deep page would cost as much as the whole table.
    keys = stmt.with_only_columns(layer.order.label("k")).order_by(layer.order).limit(limit).offset(offset).subquery()
    f = _feature(layer, cols, properties)
    found = session.execute(stmt.with_only_columns(f).join(keys, keys.c.k == layer.order).order_by(layer.order))
    return [str(x) for x in found.scalars()], matched


def count(session: Session, layer: Layer, risk: str, filters: Filters) -> int:
    """How many features pass ``filters``."""
    stmt, _ = filtered(layer, risk, filters)
    return int(session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one())


def count_in_tile(session: Session, layer: Layer, risk: str, z: int, x: int, y: int) -> int:
    """How many features a tile's envelope touches (what ``tile`` draws, give or take its buffer)."""
    envelope = func.ST_Transform(func.ST_TileEnvelope(z, x, y), 4326)
    stmt = layer.base(risk).where(layer.geom.op("&&")(envelope))
    return int(session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one())


def one(session: Session, layer: Layer, risk: str, properties: Sequence[str], feature_id: str) -> str | None:
    """One feature's GeoJSON text, or None."""
    stmt, cols = filtered(layer, risk, Filters())
    f = _feature(layer, cols, properties)
    found = session.execute(stmt.with_only_columns(f).where(layer.matches(feature_id))).scalar_one_or_none()
    return None if found is None else str(found)
