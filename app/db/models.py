"""Pesisir's domain model as SQLAlchemy 2 / GeoAlchemy2 tables: islands, harbours, places and patrol bases, incidents,
landings, coastal segments and their scores, users, the audit log, idempotency keys and the sea routes.

Every geometry column is typed with its geometry type and SRID 4326 and has a GiST index (the one exception, landings'
web-mercator copy for vector tiles, is computed by PostgreSQL and never queried by position). Rules the data
must obey whatever path it takes into the database (API, CLI, plain SQL) are CHECK constraints here.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from geo import vocabulary as v
from geo.crs import WGS84_SRID

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _enum(values: tuple[str, ...], name: str) -> Enum:
    return Enum(*values, name=name, native_enum=True, validate_strings=True)


IncidentKind = _enum(v.INCIDENT_KINDS, "incident_kind")
HarbourKind = _enum(v.HARBOUR_KINDS, "harbour_kind")
ReviewState = _enum(v.REVIEW_STATES, "review_state")
Confidence = _enum(v.CONFIDENCE_LEVELS, "confidence_level")
Direction = _enum(v.DIRECTIONS, "landing_direction")
VesselType = _enum(v.VESSEL_TYPES, "vessel_type")
UserRole = _enum(v.USER_ROLES, "user_role")
RiskKind = _enum(v.RISK_KINDS, "risk_kind")
RiskClass = _enum(v.RISK_CLASSES, "risk_class")
Season = _enum(v.SEASONS, "season")
RouteSeason = _enum(v.ROUTE_SEASONS, "route_season")


def _geom(kind: str) -> Geometry:
    return Geometry(geometry_type=kind, srid=WGS84_SRID, spatial_index=True)


def _point_checks() -> tuple[CheckConstraint, ...]:
    """A point must be a finite lon/lat inside WGS 84's range (docs/RELIABILITY.md BI-18)."""
    return (
        CheckConstraint(
            "NOT ST_IsEmpty(geom) AND ST_X(geom) BETWEEN -180 AND 180 AND ST_Y(geom) BETWEEN -90 AND 90",
            name="geom_lonlat",
        ),
    )


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )


class Island(TimestampMixin, Base):
    """An island (or the regency's part of Madura), with its official code where it has one."""

    __tablename__ = "islands"
    __table_args__ = (
        CheckConstraint("area_km2 >= 0", name="area_nonnegative"),
        CheckConstraint("official_area_km2 IS NULL OR official_area_km2 >= 0", name="official_area_nonnegative"),
        CheckConstraint("ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name="geom_valid"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    official_codes: Mapped[list[str]] = mapped_column(ARRAY(String(40)), nullable=False, server_default=text("'{}'"))
    official_names: Mapped[list[str]] = mapped_column(ARRAY(String(120)), nullable=False, server_default=text("'{}'"))
    inhabited: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    kecamatan: Mapped[str | None] = mapped_column(String(80))
    geom: Mapped[WKBElement] = mapped_column(_geom("MULTIPOLYGON"), nullable=False)
    area_km2: Mapped[float] = mapped_column(Float, nullable=False)
    official_area_km2: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(Text, nullable=False)


class PlaceMixin(TimestampMixin):
    """A named point layer keyed by ``slug`` (harbours, patrol bases), each row citing its source."""

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    geom: Mapped[WKBElement] = mapped_column(_geom("POINT"), nullable=False)
    source: Mapped[str] = mapped_column(Text, nullable=False)


class Harbour(PlaceMixin, Base):
    __tablename__ = "harbours"
    __table_args__ = _point_checks()

    kind: Mapped[str] = mapped_column(HarbourKind, nullable=False)
    monitored: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    island_id: Mapped[int | None] = mapped_column(ForeignKey("islands.id", ondelete="SET NULL"), index=True)

    island: Mapped[Island | None] = relationship()


class Place(PlaceMixin, Base):
    """A place boats sail from or to (``data/routes/places.csv``): every harbour of the regency and the ports and
    staging areas outside it. A landing report names its origin by this slug; routes start and end here."""

    __tablename__ = "places"
    __table_args__ = (
        *_point_checks(),
        # Text checked against the vocabulary rather than an enum: the gazetteer's kinds grow with the data.
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in v.PLACE_KINDS)})", name="kind_known"),
    )

    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    province: Mapped[str] = mapped_column(String(80), nullable=False)
    harbour_id: Mapped[int | None] = mapped_column(ForeignKey("harbours.id", ondelete="SET NULL"), index=True)


class PatrolBase(PlaceMixin, Base):
    """A patrol base (Polairud, KPLP, TNI AL, immigration post ...): the layer users load; empty by default."""

    __tablename__ = "patrol_bases"
    __table_args__ = _point_checks()

    agency: Mapped[str | None] = mapped_column(String(120))


class User(TimestampMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        # A harbourmaster is bound to exactly one harbour; nobody else is bound to one.
        CheckConstraint("(role = 'harbourmaster') = (harbour_id IS NOT NULL)", name="harbourmaster_has_harbour"),
        CheckConstraint("username = lower(username) AND length(username) BETWEEN 2 AND 64", name="username_form"),
        CheckConstraint("token_version >= 0", name="token_version_nonnegative"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    role: Mapped[str] = mapped_column(UserRole, nullable=False)
    harbour_id: Mapped[int | None] = mapped_column(ForeignKey("harbours.id", ondelete="RESTRICT"), index=True)
    password_hash: Mapped[str] = mapped_column(Text, nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    token_version: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    """In every token issued (claim ``ver``); signing out and a new password add one, revoking older tokens."""


class Incident(TimestampMixin, Base):
    """A reported incident. ``narrative`` is sensitive: only the intelligence role may read it."""

    __tablename__ = "incidents"
    __table_args__ = (
        *_point_checks(),
        CheckConstraint("occurred_start <= occurred_end", name="window_ordered"),
        CheckConstraint("precision_m > 0", name="precision_positive"),
        CheckConstraint("people IS NULL OR people >= 0", name="people_nonnegative"),
        CheckConstraint("vessels IS NULL OR vessels >= 0", name="vessels_nonnegative"),
        CheckConstraint("source_ref IS NULL OR length(source_ref) BETWEEN 1 AND 200", name="source_ref_form"),
        Index("ix_incidents_occurred", "occurred_start", "occurred_end"),
        # An import's key (migration 0009): the source's own id, unique per source where it is given.
        Index(
            "uq_incidents_source_source_ref",
            "source",
            "source_ref",
            unique=True,
            postgresql_where=text("source_ref IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), unique=True, nullable=False, server_default=func.gen_random_uuid()
    )
    kind: Mapped[str] = mapped_column(IncidentKind, nullable=False, index=True)
    occurred_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    occurred_end: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    geom: Mapped[WKBElement] = mapped_column(_geom("POINT"), nullable=False)
    precision_m: Mapped[float] = mapped_column(Float, nullable=False)
    people: Mapped[int | None] = mapped_column(Integer)
    vessels: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text, nullable=False)
    source_ref: Mapped[str | None] = mapped_column(Text)
    """The source's own id of the incident (a police report number): with ``source``, what makes imports
    idempotent."""
    confidence: Mapped[str] = mapped_column(Confidence, nullable=False, server_default="medium")
    review_state: Mapped[str] = mapped_column(ReviewState, nullable=False, server_default="reported")
    review_reason: Mapped[str | None] = mapped_column(Text)
    narrative: Mapped[str | None] = mapped_column(Text)
    synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


# Only for a position on the globe: any other is NULL here, and the lon/lat check refuses the row by its own name.
MERCATOR = (
    "CASE WHEN ST_X(geom) BETWEEN -180 AND 180 AND ST_Y(geom) BETWEEN -90 AND 90 THEN ST_Transform(geom, 3857) END"
)


LANDING_NOTES_COMMENT = (
    "Free text the reporter typed about the landing (names may appear): shown to those who may read the landing, "
    "never to planners, on the map, in vector tiles or in alerts."
)
"""The column comment of ``landings.notes`` (migration 0014 writes the same)."""


class Landing(TimestampMixin, Base):
    """A harbourmaster's report of a vessel landing or departing, deduplicated by the client's UUID."""

    __tablename__ = "landings"
    __table_args__ = (
        *_point_checks(),
        CheckConstraint("observed_start <= observed_end", name="window_ordered"),
        CheckConstraint("precision_m > 0", name="precision_positive"),
        CheckConstraint(
            "coalesce(persons_aboard, 0) >= 0 AND coalesce(crew, 0) >= 0 AND coalesce(foreign_nationals, 0) >= 0",
            name="counts_nonnegative",
        ),
        CheckConstraint("foreign_nationals IS NULL OR foreign_nationals <= persons_aboard", name="foreigners_aboard"),
        CheckConstraint("crew IS NULL OR crew <= persons_aboard", name="crew_aboard"),
        CheckConstraint("vessel_flag IS NULL OR vessel_flag ~ '^[A-Z]{2}$'", name="vessel_flag_iso"),
        CheckConstraint(f"char_length(notes) BETWEEN 1 AND {v.LANDING_NOTES_MAX}", name="notes_length"),
        Index("ix_landings_observed", "observed_start", "observed_end"),
        # A client UUID is unique per harbour (0: no harbour), not across harbours: a harbourmaster's report is
        # never refused because another harbour used its UUID, which would tell them it exists (migration 0010).
        Index("uq_landings_harbour_client_uuid", text("coalesce(harbour_id, 0)"), "client_uuid", unique=True),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    client_uuid: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    harbour_id: Mapped[int | None] = mapped_column(ForeignKey("harbours.id", ondelete="RESTRICT"), index=True)
    geom: Mapped[WKBElement] = mapped_column(_geom("POINT"), nullable=False)
    # ``geom`` in web mercator for vector tiles (migration 0007), computed on every write; not loaded by the ORM.
    geom_mercator: Mapped[WKBElement | None] = mapped_column(
        Geometry(geometry_type="POINT", srid=3857, spatial_index=False),
        Computed(MERCATOR, persisted=True),
        deferred=True,
    )
    precision_m: Mapped[float] = mapped_column(Float, nullable=False)
    observed_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    observed_end: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    vessel_name: Mapped[str | None] = mapped_column(String(120))
    vessel_registration: Mapped[str | None] = mapped_column(String(60))
    vessel_flag: Mapped[str | None] = mapped_column(String(2))
    vessel_type: Mapped[str | None] = mapped_column(VesselType)
    persons_aboard: Mapped[int | None] = mapped_column(Integer)
    crew: Mapped[int | None] = mapped_column(Integer)
    foreign_nationals: Mapped[int | None] = mapped_column(Integer)
    origin: Mapped[str | None] = mapped_column(String(120))
    """What the reporter typed; ``origin_place_id`` is the same as a place of the gazetteer, when they picked one."""
    origin_place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id", ondelete="RESTRICT"), index=True)
    direction: Mapped[str] = mapped_column(Direction, nullable=False)
    suspicion_flags: Mapped[list[str]] = mapped_column(ARRAY(String(40)), nullable=False, server_default=text("'{}'"))
    notes: Mapped[str | None] = mapped_column(Text, comment=LANDING_NOTES_COMMENT)
    """What the reporter typed about the landing (migration 0014); free text, so as sensitive as an incident's
    narrative: never for planners, the map, vector tiles or alerts."""
    suspicious: Mapped[bool] = mapped_column(Boolean, Computed("cardinality(suspicion_flags) > 0", persisted=True))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    review_state: Mapped[str] = mapped_column(ReviewState, nullable=False, server_default="reported")
    review_reason: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


class CoastalSegment(Base):
    """A stretch of coast of fixed length; its id is the island code plus an ordinal."""

    __tablename__ = "coastal_segments"
    __table_args__ = (
        UniqueConstraint("island_id", "ordinal"),
        CheckConstraint("length_m > 0", name="length_positive"),
        CheckConstraint("seaward_bearing >= 0 AND seaward_bearing < 360", name="bearing_range"),
    )

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    island_id: Mapped[int] = mapped_column(ForeignKey("islands.id", ondelete="CASCADE"), nullable=False)
    ordinal: Mapped[int] = mapped_column(Integer, nullable=False)
    geom: Mapped[WKBElement] = mapped_column(_geom("LINESTRING"), nullable=False)
    length_m: Mapped[float] = mapped_column(Float, nullable=False)
    seaward_bearing: Mapped[float] = mapped_column(Float, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class SegmentScore(Base):
    """One risk kind's score of one segment under one model version, with the contributions that explain it."""

    __tablename__ = "segment_scores"
    __table_args__ = (
        UniqueConstraint("segment_id", "risk_kind", "model_version", "season"),
        CheckConstraint("score >= 0 AND score <= 1", name="score_unit"),
        CheckConstraint(
            "class_stability IS NULL OR (class_stability >= 0 AND class_stability <= 1)", name="class_stability_share"
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    segment_id: Mapped[str] = mapped_column(
        ForeignKey("coastal_segments.id", ondelete="CASCADE"), nullable=False, index=True
    )
    risk_kind: Mapped[str] = mapped_column(RiskKind, nullable=False)
    season: Mapped[str] = mapped_column(Season, nullable=False, server_default=text("'annual'"))
    model_version: Mapped[str] = mapped_column(String(80), nullable=False)
    data_cutoff: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    score: Mapped[float] = mapped_column(Float, nullable=False)
    risk_class: Mapped[str] = mapped_column(RiskClass, nullable=False)
    contributions: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default=text("'{}'"))
    stale: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    """Superseded by another model version: no longer served."""
    weights_source: Mapped[str | None] = mapped_column(Text)
    """Where the weights come from (``geo.risk.ModelConfig.provenance``): ``expert prior``, ``fitted on N real
    incidents until DATE``, or ``fitted on synthetic demo data (...)``."""
    class_stability: Mapped[float | None] = mapped_column(Float)
    """Share of draws of the weights (prior draws or bootstrap refits) in which the segment keeps ``risk_class``."""
    needs_rescore: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    """New evidence nearby (a landing or incident): still served until ``app.services.rescoring`` replaces it."""


class ModelEvaluation(Base):
    """One run of ``pesisir model evaluate``: the split date and, per risk kind, the model's and baselines' numbers."""

    __tablename__ = "model_evaluations"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    split: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    report: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)


class AuditLog(Base):
    """Who did what, when, to which object, with the state before and after. Append-only."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(80), nullable=False)
    action: Mapped[str] = mapped_column(String(40), nullable=False)
    object_type: Mapped[str] = mapped_column(String(40), nullable=False)
    object_id: Mapped[str | None] = mapped_column(String(80))
    purpose: Mapped[str | None] = mapped_column(Text)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class IdempotencyKey(Base):
    """A client's ``Idempotency-Key`` and the first response it got, replayed for retries (per user).

    Rows may be reaped after a while; landings stay deduplicated by ``client_uuid`` for ever.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        UniqueConstraint("user_id", "key"),
        CheckConstraint("length(key) BETWEEN 1 AND 255", name="key_length"),
        Index("ix_idempotency_keys_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    key: Mapped[str] = mapped_column(String(255), nullable=False)
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


# -- state shared by the web server's worker processes (migration 0012) ------------------------------------------
class LoginWindow(Base):
    """One sliding window of the login limiter (``app.services.login_limiter``): the times of the latest attempts
    of one key, oldest first, at most the window's limit. ``kind``: ``a`` per client address, ``p`` per (address,
    username), ``u`` per username from addresses not known for it. UNLOGGED: it is not worth a write-ahead log
    record per sign-in, and a crash that empties it only forgets the last minute's attempts."""

    __tablename__ = "login_windows"
    __table_args__ = (
        CheckConstraint("kind IN ('a', 'p', 'u')", name="kind_known"),
        Index("ix_login_windows_kind_last", "kind", "last"),
        {"prefixes": ["UNLOGGED"]},
    )

    kind: Mapped[str] = mapped_column(String(1), primary_key=True)
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    hits: Mapped[list[float]] = mapped_column(ARRAY(Float), nullable=False)
    last: Mapped[float] = mapped_column(Float, nullable=False)
    """Epoch seconds of the key's latest attempt: what expiry and the least-recently-used bound go by."""


class LoginKnownAddress(Base):
    """An address a user signed in from lately, exempt from that username's window (docs/RELIABILITY.md R2-05)."""

    __tablename__ = "login_known_addresses"
    __table_args__ = (Index("ix_login_known_addresses_seen", "seen"), {"prefixes": ["UNLOGGED"]})

    username: Mapped[str] = mapped_column(Text, primary_key=True)
    address: Mapped[str] = mapped_column(Text, primary_key=True)
    seen: Mapped[float] = mapped_column(Float, nullable=False)


# -- sea routes (``pesisir routes build``): replaced as a whole by each build, read by scoring and the layers -------
class Corridor(Base):
    """Where the traffic of the flows (``data/routes/flows.csv``) goes: a line of the sea graph with the traffic
    weight that passes along it, per risk kind and route season."""

    __tablename__ = "corridors"
    __table_args__ = (CheckConstraint("traffic >= 0", name="traffic_nonnegative"),)

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    risk_kind: Mapped[str] = mapped_column(RiskKind, nullable=False)
    season: Mapped[str] = mapped_column(RouteSeason, nullable=False)
    traffic: Mapped[float] = mapped_column(Float, nullable=False)
    flows: Mapped[str] = mapped_column(Text, nullable=False)
    """The flows whose traffic this line carries, as ``<row of flows.csv>: <origin> > <destination>; ...``."""
    graph_version: Mapped[str] = mapped_column(String(40), nullable=False)
    geom: Mapped[WKBElement] = mapped_column(_geom("LINESTRING"), nullable=False)


class FerryRoute(Base):
    """A scheduled ferry or passenger-boat route (``data/routes/ferries.csv``) drawn over the sea graph."""

    __tablename__ = "ferry_routes"
    __table_args__ = (
        CheckConstraint("hours >= 0", name="hours_nonnegative"),
        CheckConstraint("distance_km >= 0", name="distance_nonnegative"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    route: Mapped[str] = mapped_column(String(80), nullable=False)
    name: Mapped[str] = mapped_column(String(160), nullable=False)
    from_slug: Mapped[str] = mapped_column(String(60), nullable=False)
    to_slug: Mapped[str] = mapped_column(String(60), nullable=False)
    hours: Mapped[float] = mapped_column(Float, nullable=False)
    distance_km: Mapped[float] = mapped_column(Float, nullable=False)
    graph_version: Mapped[str] = mapped_column(String(40), nullable=False)
    geom: Mapped[WKBElement] = mapped_column(_geom("LINESTRING"), nullable=False)


class SegmentCorridorExposure(Base):
    """How much corridor traffic of a risk kind and route season passes within reach of a coastal segment: the
    input of the ``corridor_exposure`` factor."""

    __tablename__ = "segment_corridor_exposure"

    segment_id: Mapped[str] = mapped_column(ForeignKey("coastal_segments.id", ondelete="CASCADE"), primary_key=True)
    risk_kind: Mapped[str] = mapped_column(RiskKind, primary_key=True)
    season: Mapped[str] = mapped_column(RouteSeason, primary_key=True)
    value: Mapped[float] = mapped_column(Float, nullable=False)


class RouteBuild(Base):
    """One ``pesisir routes build``: the sea graph it used, the hash of its inputs (``pesisir run`` rebuilds when it
    changes), and what it made."""

    __tablename__ = "route_builds"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    graph_version: Mapped[str] = mapped_column(String(40), nullable=False)
    inputs_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    built_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    nodes: Mapped[int] = mapped_column(Integer, nullable=False)
    edges: Mapped[int] = mapped_column(Integer, nullable=False)
    corridors: Mapped[int] = mapped_column(Integer, nullable=False)
    seconds: Mapped[float] = mapped_column(Float, nullable=False)


# -- alerts (migration 0013): subscriptions, the outbox written with the change, and its deliveries --------------
ALERT_AUDIENCES = ("full", "planner")
ALERT_TARGETS = ("webhook", "email")
DELIVERY_STATES = ("pending", "delivered")


class AlertSubscription(Base):
    """A user's standing request to be told about events in an area (a polygon, or a list of segment ids): the
    rules (``app.services.alerts``), and where to send each alert. ``audience`` is fixed at creation from the
    owner's role: a planner's alerts carry only the planners' allow-list."""

    __tablename__ = "alert_subscriptions"
    __table_args__ = (
        CheckConstraint("(area IS NULL) <> (segment_ids IS NULL)", name="one_area"),
        CheckConstraint("(webhook_url IS NULL) = (webhook_secret IS NULL)", name="webhook_has_secret"),
        CheckConstraint(f"audience IN {ALERT_AUDIENCES!r}", name="audience_known"),
        CheckConstraint("jsonb_typeof(rules) = 'array' AND jsonb_array_length(rules) > 0", name="rules_listed"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    name: Mapped[str | None] = mapped_column(String(120))
    audience: Mapped[str] = mapped_column(String(10), nullable=False)
    area: Mapped[WKBElement | None] = mapped_column(_geom("MULTIPOLYGON"))
    segment_ids: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False)
    webhook_url: Mapped[str | None] = mapped_column(Text)
    webhook_secret: Mapped[str | None] = mapped_column(Text)
    """The HMAC-SHA256 key of the webhook's signatures, made by the server and shown once, at creation."""
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class Alert(Base):
    """The outbox: one row per subscription and event, written in the transaction of the change that caused it
    (a landing, an incident, a re-scoring). ``payload`` is already trimmed to the subscription's audience."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_key"),
        Index("ix_alerts_owner_id_id", "owner_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("alert_subscriptions.id", ondelete="CASCADE"), nullable=False
    )
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    event_key: Mapped[str] = mapped_column(String(200), nullable=False)
    rule: Mapped[str] = mapped_column(String(40), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AlertDelivery(Base):
    """One alert to one target (``webhook`` or ``email``): written with the alert, claimed by a delivery worker
    with ``FOR UPDATE SKIP LOCKED`` and marked ``delivered`` in the transaction that holds the claim."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        CheckConstraint(f"target IN {ALERT_TARGETS!r}", name="target_known"),
        CheckConstraint(f"state IN {DELIVERY_STATES!r}", name="state_known"),
        CheckConstraint("attempts >= 0", name="attempts_nonnegative"),
        Index("ix_alert_deliveries_due", "next_attempt_at", postgresql_where=text("state = 'pending'")),
    )

    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True)
    target: Mapped[str] = mapped_column(String(10), primary_key=True)
    destination: Mapped[str] = mapped_column(Text, nullable=False)
    state: Mapped[str] = mapped_column(String(10), nullable=False, server_default=text("'pending'"))
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    next_attempt_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
