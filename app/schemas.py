"""Request and response bodies (pydantic). Strict where it matters: unknown fields are refused, numbers must be
finite, timestamps must carry a time zone, enums are closed, text has a length limit (docs/RELIABILITY.md §B).

Locations travel as GeoJSON Points (RFC 7946: WGS 84 lon/lat, no ``crs`` member).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal, Self, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from geo import vocabulary as v
from geo.i18n import gettext

MAX_FUTURE = timedelta(minutes=5)
"""An observation may lie at most this far in the future (device clocks drift); more is a 422."""
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
MAX_BATCH = 500
MAX_COUNT = 2000
"""More persons than any vessel on this coast carries: a typo, not a report."""

IncidentKind = Literal[v.INCIDENT_KINDS]  # type: ignore[valid-type]
ReviewState = Literal[v.REVIEW_STATES]  # type: ignore[valid-type]
Confidence = Literal[v.CONFIDENCE_LEVELS]  # type: ignore[valid-type]
Direction = Literal[v.DIRECTIONS]  # type: ignore[valid-type]
VesselType = Literal[v.VESSEL_TYPES]  # type: ignore[valid-type]
SuspicionFlag = Literal[v.SUSPICION_FLAGS]  # type: ignore[valid-type]
Role = Literal[v.USER_ROLES]  # type: ignore[valid-type]
_Row = TypeVar("_Row")

Lon = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False, strict=True)]
Lat = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False, strict=True)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT, strict=True)]
Precision = Annotated[float, Field(gt=0, le=100_000, allow_inf_nan=False, strict=True)]


SWAP_LAT = (-9.0, -4.0)
SWAP_LON = (110.0, 121.0)
"""A Point whose first coordinate lies in the regency's latitudes and second in its longitudes (with a margin) is a
latitude/longitude swap, named as such (code ``location.swapped``)."""


def coded(code: str, **params: Any) -> PydanticCustomError:
    """A validation error with a stable ``code`` (its pydantic ``type``) and the catalogue's English text; the API
    answers it in the client's language (geo/i18n, app/errors.py)."""
    return PydanticCustomError(code, gettext("en", code, **params), params)


def _number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _swapped(first: float, second: float) -> bool:
    return SWAP_LAT[0] <= first <= SWAP_LAT[1] and SWAP_LON[0] <= second <= SWAP_LON[1]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=True)


class Point(Strict):
    """A GeoJSON Point in WGS 84 lon/lat."""

    type: Literal["Point"]
    coordinates: tuple[Lon, Lat]

    @model_validator(mode="before")
    @classmethod
    def _no_crs(cls, data: Any) -> Any:
        if isinstance(data, dict) and "crs" in data:
            raise coded("location.crs")
        xy = data.get("coordinates") if isinstance(data, dict) else None
        if isinstance(xy, list | tuple) and len(xy) == 2 and all(_number(c) for c in xy) and _swapped(*xy):
            raise coded("location.swapped", lon=f"{xy[1]:g}", lat=f"{xy[0]:g}")
        return data

    @property
    def lon(self) -> float:
        return self.coordinates[0]

    @property
    def lat(self) -> float:
        return self.coordinates[1]


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""Control characters other than tab and line feed: invisible, and NUL is refused by PostgreSQL itself."""


def free_text(value: Any, field: str) -> Any:
    """Typed text kept as typed, but with line breaks as ``\\n`` (a carriage return from an old phone or Windows is
    one); any other control character is refused with code ``text.control_character``, naming the field, the
    character's code point and where it is (never the text). Non-text values are left for pydantic to refuse."""
    if not isinstance(value, str):
        return value
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    bad = _CONTROL.search(value)
    if bad is not None:
        raise coded("text.control_character", field=field, char=f"U+{ord(bad.group()):04X}", position=bad.start() + 1)
    return value


def _not_future(value: datetime, field: str, now: datetime | None = None) -> datetime:
    now = now or datetime.now(UTC)
    if value > now + MAX_FUTURE:
        raise coded("time.future", field=field)
    if value < EARLIEST:
        raise coded("time.before_2000", field=field)
    return value


class LandingIn(Strict):
    """One landing or departure report from a harbourmaster's device."""

    client_uuid: uuid.UUID = Field(description="Generated on the device once per record; deduplicates for ever.")
    harbour: str | None = Field(
        default=None, max_length=60, description="Harbour slug; a harbourmaster's own harbour when omitted."
    )
    location: Point
    precision_m: Precision = 50.0
    observed_start: AwareDatetime
    observed_end: AwareDatetime | None = Field(default=None, description="Defaults to observed_start.")
    direction: Direction
    vessel_name: str | None = Field(default=None, max_length=120)
    vessel_registration: str | None = Field(default=None, max_length=60)
    vessel_flag: str | None = Field(default=None, pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    vessel_type: VesselType | None = None
    persons_aboard: Count | None = None
    crew: Count | None = None
    foreign_nationals: Count | None = None
    origin: str | None = Field(default=None, max_length=120, description="Where the vessel came from, as told.")
    origin_place: str | None = Field(
        default=None,
        max_length=60,
        description="Where the vessel came from as a place slug of GET /api/v1/places (an unknown slug is a 422).",
    )
    suspicion_flags: list[SuspicionFlag] = Field(default_factory=list, max_length=len(v.SUSPICION_FLAGS))
    notes: str | None = Field(
        default=None,
        max_length=v.LANDING_NOTES_MAX,
        description=f"What the reporter has to say about the landing, as free text (at most {v.LANDING_NOTES_MAX} "
        "characters; line breaks and tabs allowed, other control characters refused; trimmed, and blank is none). "
        "Names may appear, so it is read only by those who may read the landing: never by planners, on the map, in "
        "vector tiles or in alerts.",
    )

    @field_validator("observed_start", "observed_end")
    @classmethod
    def _time(cls, value: datetime | None, info: Any) -> datetime | None:
        return None if value is None else _not_future(value, info.field_name)

    @field_validator("notes", mode="before")
    @classmethod
    def _notes_text(cls, value: Any) -> Any:
        return free_text(value, "notes")

    @field_validator("notes")
    @classmethod
    def _notes_blank(cls, value: str | None) -> str | None:
        return value or None  # trimmed already (str_strip_whitespace): blank is no notes

    @model_validator(mode="after")
    def _consistent(self) -> LandingIn:
        if self.observed_end is not None and self.observed_end < self.observed_start:
            raise coded("time.window", field="observed_end", end="observed_end", start="observed_start")
        for name in ("crew", "foreign_nationals"):
            n = getattr(self, name)
            if n is not None and (self.persons_aboard is None or n > self.persons_aboard):
                raise coded("count.exceeds", field=name, n=n, persons=self.persons_aboard)
        if len(set(self.suspicion_flags)) != len(self.suspicion_flags):
            raise coded("flags.repeated", field="suspicion_flags")
        return self


class LandingBatchIn(Strict):
    items: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_BATCH, description="Up to 500 reports.")


class LandingOut(BaseModel):
    id: int
    client_uuid: uuid.UUID
    harbour: str | None
    location: Point
    precision_m: float
    observed_start: datetime
    observed_end: datetime
    direction: str
    vessel_name: str | None
    vessel_registration: str | None
    vessel_flag: str | None
    vessel_type: str | None
    persons_aboard: int | None
    crew: int | None
    foreign_nationals: int | None
    origin: str | None
    origin_place: str | None
    suspicion_flags: list[str]
    suspicious: bool
    notes: str | None = Field(description="The reporter's free-text notes (see LandingIn.notes).")
    review_state: str
    review_reason: str | None
    reviewed_at: datetime | None
    received_at: datetime
    synthetic: bool


class BatchItemOut(BaseModel):
    index: int
    client_uuid: str | None
    status: Literal["created", "duplicate", "invalid"]
    id: int | None = None
    error: str | None = Field(default=None, description="Why an invalid item was refused, in the client's language.")
    code: str | None = Field(default=None, description="The refusal's stable code (e.g. ``location.swapped``).")


class BatchOut(BaseModel):
    created: int
    duplicate: int
    invalid: int
    items: list[BatchItemOut]


class Paging(BaseModel):
    """A page of a listing: its ``items``, and the offset of the next page (None on the last)."""

    limit: int
    offset: int
    next_offset: int | None

    @classmethod
    def of(cls, rows: Sequence[_Row], item: Callable[[_Row], Any], *, limit: int, offset: int) -> Self:
        """The page of ``rows`` fetched with ``limit + 1`` (the one more says whether a next page exists), each row
        made an item by ``item``. The one way every listing pages."""
        items = [item(r) for r in rows[:limit]]
        return cls(items=items, limit=limit, offset=offset, next_offset=offset + limit if len(rows) > limit else None)


class LandingPage(Paging):
    items: list[LandingOut]


class ReviewIn(Strict):
    review_state: Literal["verified", "rejected"]
    reason: str = Field(min_length=3, max_length=2000)


class IncidentIn(Strict):
    kind: IncidentKind
    occurred_start: AwareDatetime
    occurred_end: AwareDatetime | None = Field(default=None, description="Defaults to occurred_start.")
    location: Point
    precision_m: Precision
    people: Count | None = None
    vessels: Annotated[int, Field(ge=0, le=200, strict=True)] | None = None
    source: str = Field(min_length=1, max_length=500)
    source_ref: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The source's own id of the incident (e.g. a police report number); unique per source.",
    )
    confidence: Confidence = "medium"
    narrative: str | None = Field(default=None, max_length=20_000)

    @field_validator("occurred_start", "occurred_end")
    @classmethod
    def _time(cls, value: datetime | None, info: Any) -> datetime | None:
        return None if value is None else _not_future(value, info.field_name)

    @model_validator(mode="after")
    def _window(self) -> IncidentIn:
        if self.occurred_end is not None and self.occurred_end < self.occurred_start:
            raise ValueError("occurred_end precedes occurred_start")
        return self


class IncidentImportIn(IncidentIn):
    """One incident of an import (a file or ``POST /api/v1/incidents/batch``): ``source_ref`` is required, since it
    is what makes importing the same records again create nothing."""

    source_ref: str = Field(
        min_length=1,
        max_length=200,
        description="The source's own id of the incident (e.g. a police report number); unique per source.",
    )


class IncidentBatchIn(Strict):
    items: list[dict[str, Any]] = Field(
        min_length=1, max_length=MAX_BATCH, description="Up to 500 incidents, each as the body of POST /incidents."
    )


class IncidentBatchItemOut(BaseModel):
    index: int = Field(description="The item's position in ``items``, from 0.")
    source_ref: str | None
    status: Literal["created", "duplicate", "invalid"]
    id: int | None = Field(default=None, description="The incident created, or the one stored before (duplicate).")
    error: str | None = Field(
        default=None,
        description="Why the item is invalid (field and rule), or duplicate, in the client's language where the "
        "catalogue has it.",
    )
    code: str | None = Field(
        default=None, description="The reason's stable code (e.g. ``incidents.far_from_regency``)."
    )


class IncidentBatchOut(BaseModel):
    created: int
    duplicate: int
    invalid: int
    items: list[IncidentBatchItemOut]


class IncidentPatch(Strict):
    """Fields to change; omitted fields stay as they are."""

    kind: IncidentKind | None = None
    occurred_start: AwareDatetime | None = None
    occurred_end: AwareDatetime | None = None
    location: Point | None = None
    precision_m: Precision | None = None
    people: Count | None = None
    vessels: Annotated[int, Field(ge=0, le=200, strict=True)] | None = None
    source: str | None = Field(default=None, min_length=1, max_length=500)
    confidence: Confidence | None = None
    narrative: str | None = Field(default=None, max_length=20_000)

    @field_validator("occurred_start", "occurred_end")
    @classmethod
    def _time(cls, value: datetime | None, info: Any) -> datetime | None:
        return None if value is None else _not_future(value, info.field_name)


class IncidentPublicOut(BaseModel):
    """What planners see: the planners' allow-list of incidents (``app.services.layers.PLANNER_PROPERTIES``) with
    the id and position every published copy carries; no narrative, source, reviewer's reason or UUID."""

    id: int
    kind: str
    occurred_start: datetime
    occurred_end: datetime
    location: Point
    precision_m: float
    people: int | None
    vessels: int | None
    confidence: str
    review_state: str
    synthetic: bool


class IncidentOut(IncidentPublicOut):
    """The whole record, for intelligence and admin (reading it is audited)."""

    uuid: uuid.UUID
    source: str
    source_ref: str | None
    narrative: str | None
    review_reason: str | None
    created_by: int | None


class IncidentPage(Paging):
    items: list[IncidentPublicOut]


class AuditOut(BaseModel):
    id: int
    at: datetime
    actor: str
    actor_id: int | None
    action: str
    object_type: str
    object_id: str | None
    purpose: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class AuditPage(Paging):
    items: list[AuditOut]


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (the OAuth2 token type, not a password)
    expires_in: int


class RefreshOut(BaseModel):
    stale: int = Field(description="Segment scores flagged by new evidence nearby, found by this refresh.")
    rescored: int = Field(description="Segment scores written (every segment, per risk kind); 0 when none was due.")


class UserOut(BaseModel):
    id: int
    username: str
    role: str
    harbour: str | None
    is_active: bool


# -- alerts (issue 14) --------------------------------------------------------------------------------------------
RiskClassName = Literal[v.RISK_CLASSES]  # type: ignore[valid-type]
RiskKindName = Literal[v.RISK_KINDS]  # type: ignore[valid-type]
SeasonName = Literal[v.SEASONS]  # type: ignore[valid-type]
Ring = Annotated[list[tuple[Lon, Lat]], Field(min_length=4, max_length=10_000)]
MAX_SUBSCRIPTION_SEGMENTS = 5000


class ClassRule(Strict):
    """A segment in the area rises to at least ``risk_class`` after re-scoring (of ``risk_kind``, any when
    omitted, for ``season``)."""

    type: Literal["class_at_least"]
    risk_class: RiskClassName
    risk_kind: RiskKindName | None = None
    season: SeasonName = "annual"


class LandingRule(Strict):
    """A landing flagged suspicious, or with foreign nationals aboard, is logged in the area."""

    type: Literal["suspicious_landing"]


class IncidentRule(Strict):
    """An incident is recorded in the area (``verified_only``: when one there is verified instead)."""

    type: Literal["incident"]
    verified_only: bool = False


AlertRule = Annotated[ClassRule | LandingRule | IncidentRule, Field(discriminator="type")]


class PolygonArea(Strict):
    """A GeoJSON Polygon or MultiPolygon in WGS 84 lon/lat (EPSG:4326)."""

    type: Literal["Polygon", "MultiPolygon"]
    coordinates: list[Ring] | list[list[Ring]]

    @model_validator(mode="before")
    @classmethod
    def _no_crs(cls, data: Any) -> Any:
        if isinstance(data, dict) and "crs" in data:
            raise ValueError("the crs member is not allowed: only WGS 84 lon/lat (RFC 7946 §4)")
        return data

    @model_validator(mode="after")
    def _shape(self) -> PolygonArea:
        polygons: list[Any] = [self.coordinates] if self.type == "Polygon" else list(self.coordinates)
        shape = "a list of rings" if self.type == "Polygon" else "a list of polygons, each a list of rings"
        for polygon in polygons:
            if not polygon or not all(isinstance(ring, list) and ring for ring in polygon):
                raise ValueError(f"coordinates: a {self.type} is {shape}, each ring a list of [lon, lat] pairs")
            for ring in polygon:
                if not all(isinstance(pt, tuple) for pt in ring):
                    raise ValueError(f"coordinates: a {self.type} is {shape}, each ring a list of [lon, lat] pairs")
                if ring[0] != ring[-1]:
                    raise ValueError("coordinates: every ring must end where it starts (RFC 7946 §3.1.6)")
        return self


class WebhookIn(Strict):
    url: str = Field(max_length=2000, description="http(s) URL the alerts are POSTed to as signed JSON.")


class SubscriptionIn(Strict):
    """An area (``area`` or ``segment_ids``, one of them), rules, and targets (a webhook and/or an e-mail address;
    alerts are listed at ``GET /api/v1/alerts`` either way)."""

    name: str | None = Field(default=None, max_length=120)
    area: PolygonArea | None = None
    segment_ids: list[Annotated[str, Field(min_length=1, max_length=40)]] | None = Field(
        default=None, min_length=1, max_length=MAX_SUBSCRIPTION_SEGMENTS
    )
    rules: list[AlertRule] = Field(min_length=1, max_length=20)
    webhook: WebhookIn | None = None
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

    @model_validator(mode="after")
    def _one_area(self) -> SubscriptionIn:
        if (self.area is None) == (self.segment_ids is None):
            raise ValueError("area, segment_ids: give exactly one (a GeoJSON polygon, or a list of segment ids)")
        return self


class SubscriptionOut(BaseModel):
    id: int
    name: str | None
    audience: str
    area: dict[str, Any] | None
    segment_ids: list[str] | None
    rules: list[dict[str, Any]]
    webhook_url: str | None
    email: str | None
    created_at: datetime
    webhook_secret: str | None = Field(
        default=None,
        description="The key of the webhook's HMAC-SHA256 signatures: in the answer to the creation only, never again.",
    )


class SubscriptionPage(Paging):
    items: list[SubscriptionOut]


class AlertOut(BaseModel):
    id: int
    subscription_id: int | None
    rule: str
    event: str
    created_at: datetime
    acknowledged_at: datetime | None
    payload: dict[str, Any]
    deliveries: dict[str, str] = Field(default_factory=dict, description="Per target: pending or delivered.")


class AlertPage(Paging):
    items: list[AlertOut]
    unacknowledged: int
