"""Landing reports: retry-safe creation (Idempotency-Key per user, client UUID for ever), batch upload of an
offline queue, listing, review. Harbourmasters see and write only their own harbour's landings.

Plausibility (docs/RELIABILITY.md BI-13): a range check cannot tell a swapped or mistyped position, so every point is
placed against the islands and the reporter's harbour in PostGIS. The limits are module constants.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from psycopg.errors import ReadOnlySqlTransaction
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.db.repositories import ewkt, harbours_by_slug, pipelined, scores
from app.db.repositories import idempotency as keys
from app.db.repositories import reports as repo
from app.db.repositories.base import HarbourRef
from app.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PesisirError,
    localized_errors,
    localized_text,
)
from app.params import BBox, Interval
from app.schemas import (
    BatchItemOut,
    BatchOut,
    LandingIn,
    LandingOut,
    LandingPage,
    Point,
    ReviewIn,
)
from app.security import HARBOUR_BOUND, Principal
from app.services import alerts, audit

REGENCY_REACH_M = 60_000
"""A report further than this from every island of Sumenep is refused (swapped or mistyped lon/lat)."""
HARBOUR_REACH_M = 60_000
"""A harbourmaster's report further than this from their harbour is refused (Kangean to Sapeken is ~50 km)."""
INLAND_LIMIT_M = 3_000
"""A landing is at the coast: a point deeper inland than this is refused."""
STALE_REACH_M = 10_000
"""The risk factors' reach: segment scores within this distance of new evidence are marked stale."""
MAX_PAGE = 500


@dataclass(frozen=True)
class Reply:
    """What a single POST answers (and what a retry with the same key replays)."""

    status: int
    body: str
    replayed: bool


@dataclass
class Outcome:
    status: Literal["created", "duplicate", "invalid"]
    id: int | None = None
    error: PesisirError | None = None
    out: LandingOut | None = None
    """The stored landing as answered, for created ones."""


def landing_out(row: repo.LandingRow) -> LandingOut:
    """The response for a stored landing. Built without validation (``model_construct``): the values come from the
    database, whose constraints are stricter than the schema, and a batch builds 500 of them."""
    landing = row.landing
    return LandingOut.model_construct(
        id=landing.id,
        client_uuid=landing.client_uuid,
        harbour=row.harbour,
        location=Point.model_construct(type="Point", coordinates=(row.lon, row.lat)),
        precision_m=landing.precision_m,
        observed_start=landing.observed_start,
        observed_end=landing.observed_end,
        direction=landing.direction,
        vessel_name=landing.vessel_name,
        vessel_registration=landing.vessel_registration,
        vessel_flag=landing.vessel_flag,
        vessel_type=landing.vessel_type,
        persons_aboard=landing.persons_aboard,
        crew=landing.crew,
        foreign_nationals=landing.foreign_nationals,
        origin=landing.origin,
        origin_place=row.origin_place,
        suspicion_flags=list(landing.suspicion_flags),
        suspicious=bool(landing.suspicious),
        notes=landing.notes,
        review_state=landing.review_state,
        review_reason=landing.review_reason,
        reviewed_at=landing.reviewed_at,
        received_at=landing.received_at,
        synthetic=landing.synthetic,
    )


def audited(out: LandingOut) -> LandingOut:
    """The landing as the audit log keeps it: its notes only as their length, as an incident's narrative (the
    log is read by admins, and keeps for years what a person wrote about others)."""
    if out.notes is None:
        return out
    return out.model_copy(update={"notes": f"<{len(out.notes)} characters>"})


def _harbour_id(who: Principal, item: LandingIn, harbours: dict[str, HarbourRef]) -> int | None:
    slug = item.harbour.lower() if item.harbour else None
    if slug is not None and slug not in harbours:
        raise InvalidInput.coded("landing.unknown_harbour", slug=repr(item.harbour))
    if who.role in HARBOUR_BOUND:
        if slug is not None and harbours[slug].id != who.harbour_id:
            raise Forbidden.coded("landing.other_harbour")
        return who.harbour_id
    return None if slug is None else harbours[slug].id


def _origin_place(item: LandingIn) -> str | None:
    return item.origin_place.lower() if item.origin_place else None


def _check_place(place: repo.Place, item: LandingIn) -> None:
    if item.origin_place and place.origin_place_id is None:
        raise InvalidInput.coded("landing.unknown_origin_place", slug=repr(item.origin_place))
    if place.island_m > REGENCY_REACH_M:
        raise InvalidInput.coded(
            "landing.far_from_regency",
            km=f"{place.island_m / 1000:.0f}",
            island=place.island,
            limit=REGENCY_REACH_M // 1000,
        )
    if place.harbour is not None and place.harbour_m is not None and place.harbour_m > HARBOUR_REACH_M:
        raise InvalidInput.coded(
            "landing.far_from_harbour",
            km=f"{place.harbour_m / 1000:.0f}",
            harbour=place.harbour,
            limit=HARBOUR_REACH_M // 1000,
        )
    if place.inland_m > INLAND_LIMIT_M:
        raise InvalidInput.coded(
            "landing.inland",
            km=f"{place.inland_m / 1000:.1f}",
            island=place.island,
            limit=f"{INLAND_LIMIT_M / 1000:.0f}",
        )


def _values(who: Principal, item: LandingIn, harbour_id: int | None, origin_place_id: int | None) -> dict[str, Any]:
    values = item.model_dump(exclude={"harbour", "location", "observed_end", "origin_place"})
    values.update(
        harbour_id=harbour_id,
        origin_place_id=origin_place_id,
        geom=ewkt((item.location.lon, item.location.lat)),
        observed_end=item.observed_end or item.observed_start,
        reporter_id=who.id,
    )
    return values


def _record(session: Session, who: Principal, outcomes: Sequence[Outcome]) -> None:
    """Audit the landings just created and flag the scores near them for re-scoring (driver statements with no
    result to wait for: they may be pipelined)."""
    created = [(o.id, o.out) for o in outcomes if o.status == "created" and o.out is not None]
    if created:
        audit.record_many(
            session,
            [audit.entry(who, "create", "landing", id_, after=audited(out)) for id_, out in created],
        )
        scores.mark_stale_near(session, [(out.location.lon, out.location.lat) for _, out in created], STALE_REACH_M)


def _alert(session: Session, outcomes: Sequence[Outcome]) -> None:
    """The alerts of the landings just created (suspicious ones), in the same transaction. Outside the pipeline:
    matching them to subscriptions reads a result. Unflagged landings, the common case, cost nothing."""
    alerts.on_landings(session, [o.out for o in outcomes if o.status == "created" and o.out is not None])


def _create(session: Session, who: Principal, items: Sequence[LandingIn]) -> list[Outcome]:
    """Validate against the database and insert; each item gets its own outcome. No exceptions for bad items.
    The caller then ``_record``s them."""
    outcomes: list[Outcome | None] = [None] * len(items)
    harbours = harbours_by_slug(session) if any(it.harbour for it in items) else {}
    pending: list[tuple[int, LandingIn, int | None]] = []
    for i, item in enumerate(items):
        try:
            pending.append((i, item, _harbour_id(who, item, harbours)))
        except PesisirError as exc:
            outcomes[i] = Outcome("invalid", error=exc)
    places = repo.places(
        session,
        [(it.location.lon, it.location.lat, hid) for _, it, hid in pending],
        inland_within=INLAND_LIMIT_M,
        origins=[_origin_place(it) for _, it, _ in pending],
    )
    ok: list[tuple[int, LandingIn, int | None, int | None]] = []
    for (i, item, hid), place in zip(pending, places, strict=False):
        try:
            _check_place(place, item)
            ok.append((i, item, hid, place.origin_place_id))
        except PesisirError as exc:
            outcomes[i] = Outcome("invalid", error=exc)
    if pending and not places:
        raise InvalidInput.coded("landing.no_islands")

    # Reports are deduplicated per harbour: the same client UUID at another harbour is another report, so the
    # answer never tells a harbourmaster what another harbour has stored (issue 13, defect 12).
    first: dict[repo.LandingKey, int] = {}
    rows = []
    for i, item, hid, origin_id in ok:
        if (hid, item.client_uuid) not in first:
            first[(hid, item.client_uuid)] = i
            rows.append(_values(who, item, hid, origin_id))
    inserted = _insert(session, rows)
    existing = repo.landings_by_key(session, [k for k in first if k not in inserted])
    for i, item, hid, _ in ok:
        k = (hid, item.client_uuid)
        if k in inserted and first[k] == i:
            row = inserted[k]
            outcomes[i] = Outcome("created", row.landing.id, out=landing_out(row))
            continue
        found = existing.get(k) or (inserted[k].landing.id if k in inserted else None)
        if found is None:  # not inserted and not visible: cannot happen within one harbour; refuse, reveal nothing
            outcomes[i] = Outcome("invalid", error=Conflict.coded("landing.not_stored"))
        else:
            outcomes[i] = Outcome("duplicate", found)

    return [
        o if o is not None else Outcome("invalid", error=InvalidInput.coded("landing.unprocessed")) for o in outcomes
    ]


def _insert(session: Session, rows: list[dict[str, Any]]) -> dict[repo.LandingKey, repo.LandingRow]:
    """All rows in one statement; should the database refuse it, row by row so one bad row fails alone."""
    if len(rows) <= 1:
        return repo.insert_landings(session, rows)  # a refusal fails the request, no savepoint needed
    try:
        with session.begin_nested():
            return repo.insert_landings(session, rows)
    except DBAPIError as exc:
        if isinstance(exc.orig, ReadOnlySqlTransaction):
            raise  # no row could be written: the whole request fails (503), not each item
    inserted: dict[repo.LandingKey, repo.LandingRow] = {}
    for row in rows:
        try:
            with session.begin_nested():
                inserted.update(repo.insert_landings(session, [row]))
        except DBAPIError:
            continue
    return inserted


def request_hash(item: LandingIn) -> str:
    return hashlib.sha256(item.model_dump_json().encode()).hexdigest()


def _replay(prior: keys.Prior, digest: str) -> Reply:
    if prior.request_hash != digest:
        raise InvalidInput.coded("idempotency.mismatch")
    if prior.status_code is None or prior.response_body is None:  # rows from before keys were stored answered
        raise Conflict.coded("idempotency.pending")
    return Reply(prior.status_code, prior.response_body, True)


def submit(session: Session, who: Principal, key: str, item: LandingIn) -> Reply:
    """Create one landing under an Idempotency-Key. A retry with the same key and body replays the first reply;
    the same key with another body is refused; the same client UUID under a new key answers the stored landing.

    The key is stored with its answer at the end, in the same transaction as the landing. A concurrent request
    with the same key and body waits on the landing's client UUID, then on the key, and replays the first answer;
    one with another body fails on the key and rolls back everything it wrote. A first attempt, the common case,
    costs no extra round trip for the key."""
    digest = request_hash(item)
    (outcome,) = _create(session, who, [item])
    if outcome.error is not None:
        prior = keys.prior(session, who.id, key)
        if prior is not None and prior.request_hash == digest:
            return _replay(prior, digest)
        raise outcome.error
    assert outcome.id is not None
    if outcome.out is None:  # a duplicate: the stored landing
        row = repo.landing(session, outcome.id)
        assert row is not None
        outcome.out = landing_out(row)
    status = 201 if outcome.status == "created" else 200
    body = outcome.out.model_dump_json()
    # What follows the insert (audit row, stale marks, the key and its answer): one round trip.
    with pipelined(session):
        _record(session, who, [outcome])
        stored = keys.store(session, who.id, key, digest, status, body)
    _alert(session, [outcome])
    if not stored:
        prior = keys.prior(session, who.id, key)
        assert prior is not None  # the key exists: that is why it was not stored
        return _replay(prior, digest)
    return Reply(status, body, False)


def submit_batch(
    session: Session, who: Principal, raw_items: Sequence[dict[str, Any]], *, lang: str = "en"
) -> BatchOut:
    """An offline queue: every item validated and stored on its own; duplicates (by client UUID) answered with the
    stored id. Retrying a whole batch is safe without an Idempotency-Key. An invalid item's ``error`` is in
    ``lang`` (each message names its field), its ``code`` that of its first error."""
    parsed: list[LandingIn] = []
    index: list[int] = []
    results: list[BatchItemOut | None] = [None] * len(raw_items)
    for i, raw in enumerate(raw_items):
        uuid_text = raw.get("client_uuid") if isinstance(raw.get("client_uuid"), str) else None
        try:
            parsed.append(LandingIn.model_validate(raw))
            index.append(i)
        except ValidationError as exc:
            errors = localized_errors(exc.errors(), lang)
            text = "; ".join(
                e["msg"] if e["msg"].startswith(e["field"]) else f"{e['field']}: {e['msg']}" for e in errors
            )
            results[i] = BatchItemOut(
                index=i, client_uuid=uuid_text, status="invalid", error=text, code=errors[0]["code"] if errors else None
            )
    outcomes = _create(session, who, parsed)
    with pipelined(session):
        _record(session, who, outcomes)
    _alert(session, outcomes)
    for i, item, outcome in zip(index, parsed, outcomes, strict=True):
        results[i] = BatchItemOut(
            index=i,
            client_uuid=str(item.client_uuid),
            status=outcome.status,
            id=outcome.id,
            **(localized_text(outcome.error, lang) if outcome.error is not None else {}),
        )
    items = [r for r in results if r is not None]
    return BatchOut(
        created=sum(r.status == "created" for r in items),
        duplicate=sum(r.status == "duplicate" for r in items),
        invalid=sum(r.status == "invalid" for r in items),
        items=items,
    )


def _visible_harbour(who: Principal) -> int | None:
    return who.harbour_id if who.role in HARBOUR_BOUND else None


def get(session: Session, who: Principal, landing_id: int) -> LandingOut:
    row = repo.landing(session, landing_id, harbour_id=_visible_harbour(who))
    if row is None or (who.role in HARBOUR_BOUND and row.landing.harbour_id != who.harbour_id):
        raise NotFound.coded("landing.not_found", id=landing_id)
    return landing_out(row)


def listing(
    session: Session,
    who: Principal,
    *,
    harbour: str | None = None,
    bbox: BBox | None = None,
    observed: Interval = (None, None),
    review_state: str | None = None,
    suspicious: bool | None = None,
    limit: int = 100,
    offset: int = 0,
) -> LandingPage:
    """Landings, newest first; a harbourmaster's own harbour's only. ``bbox`` and ``observed`` come parsed
    (``app.params``)."""
    harbour_id = _visible_harbour(who)
    if harbour is not None:
        harbours = harbours_by_slug(session)
        if harbour.lower() not in harbours:
            raise InvalidInput.coded("landing.unknown_harbour", slug=repr(harbour))
        wanted = harbours[harbour.lower()].id
        if harbour_id is not None and wanted != harbour_id:
            return LandingPage.of([], landing_out, limit=limit, offset=offset)
        harbour_id = wanted
    rows = repo.landings(
        session,
        harbour_id=harbour_id,
        bbox=bbox,
        observed_from=observed[0],
        observed_to=observed[1],
        review_state=review_state,
        suspicious=suspicious,
        limit=limit + 1,
        offset=offset,
    )
    return LandingPage.of(rows, landing_out, limit=limit, offset=offset)


def review(session: Session, who: Principal, landing_id: int, decision: ReviewIn) -> LandingOut:
    """``reported -> verified | rejected`` with a reason; reviewing twice is a 409."""
    row = repo.landing(session, landing_id, lock=True)
    if row is None:
        raise NotFound.coded("landing.not_found", id=landing_id)
    landing = row.landing
    if landing.review_state != "reported":
        raise Conflict.coded("landing.already_reviewed", id=landing_id, state=landing.review_state)
    before = audited(landing_out(row)).model_dump(mode="json")
    landing.review_state = decision.review_state
    landing.review_reason = decision.reason
    landing.reviewed_by = who.id
    landing.reviewed_at = datetime.now(UTC)
    session.flush()
    fresh = repo.landing(session, landing_id)
    assert fresh is not None
    out = landing_out(fresh)
    audit.record(
        session, who, "review", "landing", landing_id, before=before, after=audited(out).model_dump(mode="json")
    )
    scores.mark_stale_near(session, [(fresh.lon, fresh.lat)], STALE_REACH_M)
    return out
