"""Importing incidents in bulk: ``pesisir import incidents FILE`` (CSV with lon/lat, GeoJSON, GeoPackage) and
``POST /api/v1/incidents/batch`` (up to 500).

Every record is answered ``created``, ``duplicate`` or ``invalid`` with its row (or item) and the reason, which
names the column and the rule. Records are keyed by the source's own id, ``(source, source_ref)``: importing the
same file again creates nothing. Invalid records do not stop the valid ones; all of a file goes in one
transaction (the caller's unit of work: this module flushes, never commits), and a file with no valid record
writes nothing at all, not even an audit row. Imported incidents are never ``synthetic``.

Times: ISO 8601 with a time zone (``2025-03-04T21:30:00+07:00``), as in the API. A file may also give a bare date
(``2025-03-04``): the whole of that day in Sumenep's time zone (WIB, UTC+7); as ``occurred_end`` it means the end
of that day. A window (``occurred_start`` to ``occurred_end``) is kept as given, and so is ``precision_m``.

Positions: a point further than ``INCIDENT_REACH_M`` from every island of Sumenep is refused (swapped or
mistyped lon/lat, the commonest fault of a spreadsheet).
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.db.repositories import ewkt, scores
from app.db.repositories import reports as repo
from app.errors import Forbidden, InvalidInput, localized_errors, validation_errors
from app.schemas import IncidentBatchItemOut, IncidentBatchOut, IncidentImportIn
from app.security import Principal
from app.services import alerts, audit
from app.services.incidents import audited_state, incident_out
from app.services.landings import REGENCY_REACH_M, STALE_REACH_M
from geo.i18n import gettext

INCIDENT_REACH_M = REGENCY_REACH_M
"""An incident further than this from every island of Sumenep is refused (check the lon/lat order)."""
WIB = timezone(timedelta(hours=7), "WIB")
"""Sumenep's time zone: a bare date in a file is a day here."""
CHUNK = 500
"""Records per insert statement (and per step of the progress bar)."""

COLUMNS = (
    "source_ref",
    "source",
    "kind",
    "occurred_start",
    "occurred_end",
    "lon",
    "lat",
    "precision_m",
    "people",
    "vessels",
    "confidence",
    "narrative",
)
"""The columns of an import file (``data/templates/incidents.csv``); a GeoJSON or GeoPackage has a Point geometry
instead of lon and lat."""
REQUIRED = ("source_ref", "source", "kind", "occurred_start", "precision_m")
TEXT_COLUMNS = ("source_ref", "source", "kind", "confidence", "narrative")
FORMATS = {".csv": "CSV", ".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GeoPackage"}

Status = Literal["created", "duplicate", "invalid"]
Progress = Callable[[str, int, int], None]


def _no_progress(message: str, done: int, total: int) -> None:
    return None


class RowError(ValueError):
    """A record that breaks a rule: the message names the column and the rule."""


@dataclass(frozen=True)
class Record:
    """One record as read: its row (a CSV's spreadsheet row, the header being row 1; a GeoJSON's or GeoPackage's
    feature number from 1; a batch item's index from 0) and the incident as the API takes it, or why it could not
    be read."""

    row: int
    item: dict[str, Any] | None
    error: str | None = None


@dataclass(frozen=True)
class RowResult:
    row: int
    source_ref: str | None
    status: Status
    id: int | None = None
    reason: str | None = None
    """Why the record is invalid or a duplicate, in English (the CLI's report)."""
    code: str | None = None
    """The catalogue code of ``reason`` (with ``params``), when it has one: the batch answers it in the client's
    language."""
    params: dict[str, Any] = field(default_factory=dict)
    schema_errors: list[Any] = field(default_factory=list)
    """The schema's errors of an invalid record (pydantic's, inputs kept in memory only): the batch answers them
    from the catalogue in the client's language, ``code`` being the first one's type."""

    @classmethod
    def coded(
        cls, row: int, source_ref: str | None, status: Status, id: int | None, code: str, /, **params: Any
    ) -> RowResult:
        """A result whose reason is the catalogue's ``code`` with ``params``."""
        return cls(row, source_ref, status, id, gettext("en", code, **params), code, params)

    def error(self, lang: str) -> str | None:
        """``reason`` in ``lang`` (English when it has no code)."""
        if self.schema_errors:
            return _error_text(self.schema_errors, file=False, lang=lang)
        return gettext(lang, self.code, **self.params) if self.code else self.reason


@dataclass
class ImportReport:
    what: str
    rows: int
    created: int = 0
    duplicate: int = 0
    invalid: int = 0
    results: list[RowResult] = field(default_factory=list)


# -- reading files ------------------------------------------------------------------------------------------------
def read_file(path: Path) -> tuple[list[Record], str]:
    """The records of an import file and its format's name. A file that cannot be read as a whole (missing, not a
    supported format, a required column missing, an unknown column) is refused with ``InvalidInput``."""
    if not path.is_file():
        raise InvalidInput.coded("incidents.file_not_found", path=str(path))
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InvalidInput.coded("incidents.file_format", path=str(path))
    return (_read_csv(path) if fmt == "CSV" else _read_vector(path)), fmt


def _check_header(path: Path, names: Sequence[str], *, points: bool) -> None:
    geometry = ("lon", "lat") if points else ()
    missing = [c for c in (*REQUIRED, *geometry) if c not in names]
    if missing:
        raise InvalidInput.coded("incidents.columns_missing", path=str(path), columns=", ".join(missing))
    allowed = set(COLUMNS) if points else set(COLUMNS) - {"lon", "lat"}
    unknown = [c for c in names if c not in allowed]
    if unknown:
        raise InvalidInput.coded(
            "incidents.columns_unknown",
            path=str(path),
            unknown=", ".join(repr(c) for c in unknown),
            allowed=", ".join(sorted(allowed)),
        )
    dupes = sorted({c for c in names if names.count(c) > 1})
    if dupes:
        raise InvalidInput.coded("incidents.columns_repeated", path=str(path), columns=", ".join(dupes))


def _read_csv(path: Path) -> list[Record]:
    try:
        text_ = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput.coded("incidents.not_utf8", path=str(path), byte=exc.start) from None
    first = text_.lstrip("\r\n").split("\n", 1)[0]
    if not first.strip():
        raise InvalidInput.coded("incidents.file_empty", path=str(path))
    # Spreadsheets set to Indonesian separate columns with ';' (the decimal separator being ',').
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text_.lstrip("\r\n"), newline=""), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]
    _check_header(path, header, points=True)
    records = []
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue  # an empty row
        if len(values) != len(header):
            records.append(
                Record(number, None, f"row has {len(values)} fields, the header {len(header)} (check the quoting)")
            )
            continue
        raw: dict[str, Any] = dict(zip(header, values, strict=True))
        records.append(_record(number, raw, (raw.pop("lon"), raw.pop("lat"))))
    return records


def _read_vector(path: Path) -> list[Record]:
    import pyogrio

    try:
        # Times as written: GeoJSON's reader would otherwise type a column of times by guessing from its values.
        options = {"DATE_AS_STRING": "YES"} if path.suffix.lower() in (".geojson", ".json") else {}
        frame = pyogrio.read_dataframe(path, datetime_as_string=True, **options)
    except Exception as exc:  # pyogrio raises several error types for unreadable files
        raise InvalidInput.coded("incidents.unreadable_layer", path=str(path), error=str(exc)) from None
    if frame.crs is None:
        raise InvalidInput.coded("incidents.no_crs", path=str(path))
    if frame.crs.to_epsg() != 4326:
        try:
            frame = frame.to_crs(4326)
        except Exception as exc:
            raise InvalidInput.coded(
                "incidents.reproject", path=str(path), crs=str(frame.crs), error=str(exc)
            ) from None
    names = [str(c).strip().lower() for c in frame.columns if c != frame.geometry.name]
    _check_header(path, names, points=False)
    frame.columns = [str(c).strip().lower() if c != frame.geometry.name else c for c in frame.columns]
    records = []
    geoms = frame.geometry
    attrs = frame.drop(columns=[geoms.name]).to_dict("records")
    for number, (raw, geom) in enumerate(zip(attrs, geoms, strict=True), start=1):
        if geom is None or geom.is_empty:
            records.append(Record(number, None, "geometry: missing; each feature is a Point"))
        elif geom.geom_type != "Point":
            records.append(Record(number, None, f"geometry: must be a Point, not a {geom.geom_type}"))
        else:
            records.append(_record(number, raw, (geom.x, geom.y)))
    return records


# -- a record's columns to the API's shape ------------------------------------------------------------------------
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _blank(value: Any) -> bool:
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(value is None or pd.isna(value))
    except (TypeError, ValueError):  # an array-like: not a blank cell
        return False


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool):
        raise RowError(f"{name}: must be a number")
    try:
        x = float(value.strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise RowError(
            f"{name}: must be a number with a decimal point (e.g. 113.95), got {str(value)[:40]!r}"
        ) from None
    if not math.isfinite(x):
        raise RowError(f"{name}: must be a finite number")
    return x


def _whole(name: str, value: Any) -> int:
    x = _number(name, value)
    if x != int(x):
        raise RowError(f"{name}: must be a whole number, got {x}")
    return int(x)


def _when(name: str, value: Any) -> Any:
    """A bare date is a day in WIB: its start, or as ``occurred_end`` its last second. Anything else goes to the
    schema as given (which wants ISO 8601 with a time zone)."""
    if not isinstance(value, str):
        raise RowError(f"{name}: must be a date or an ISO 8601 timestamp with a time zone")
    text_ = value.strip()
    if _DATE.match(text_):
        try:
            day = datetime.strptime(text_, "%Y-%m-%d").date()
        except ValueError:
            raise RowError(f"{name}: not a calendar date: {text_!r}") from None
        if name != "occurred_end":
            return datetime.combine(day, time(0, 0), tzinfo=WIB)
        # The day's last second, or now for today's date (a window may not reach into the future).
        return min(datetime.combine(day, time(23, 59, 59), tzinfo=WIB), datetime.now(UTC).astimezone(WIB))
    return text_.replace(" ", "T", 1) if re.match(r"^\d{4}-\d{2}-\d{2} \d", text_) else text_


def _record(number: int, raw: dict[str, Any], lonlat: tuple[Any, Any]) -> Record:
    try:
        return Record(number, _item(raw, lonlat))
    except RowError as exc:
        return Record(number, None, str(exc))


def _item(raw: dict[str, Any], lonlat: tuple[Any, Any]) -> dict[str, Any]:
    values = {k: (None if _blank(v) else v) for k, v in raw.items()}
    lon, lat = (None if _blank(v) else v for v in lonlat)
    for name, v in (("lon", lon), ("lat", lat)):
        if v is None:
            raise RowError(f"{name}: required (WGS 84 degrees)")
    for name in REQUIRED:
        if values.get(name) is None:
            raise RowError(f"{name}: required")
    item: dict[str, Any] = {
        "location": {"type": "Point", "coordinates": [_number("lon", lon), _number("lat", lat)]},
        "precision_m": _number("precision_m", values["precision_m"]),
        "occurred_start": _when("occurred_start", values["occurred_start"]),
    }
    if values.get("occurred_end") is not None:
        item["occurred_end"] = _when("occurred_end", values["occurred_end"])
    elif _DATE.match(str(values["occurred_start"]).strip()):
        item["occurred_end"] = _when("occurred_end", values["occurred_start"])  # a bare date: the whole day
    for name in ("people", "vessels"):
        if values.get(name) is not None:
            item[name] = _whole(name, values[name])
    for name in TEXT_COLUMNS:
        if values.get(name) is not None:
            item[name] = str(values[name]).strip()
    return item


# -- validating and storing ---------------------------------------------------------------------------------------
_LOC = {("location", "coordinates", 0): "lon", ("location", "coordinates", 1): "lat", ("location",): "lon/lat"}


def _error_text(errors: list[Any], *, file: bool, lang: str | None = None) -> str:
    """A record's schema errors as one line, ``field: rule; field: rule``: pydantic's English for the CLI's report
    (``lang`` None), the catalogue's text in ``lang`` for the API (``app.errors.localized_errors``)."""
    parts = []
    said = validation_errors(errors) if lang is None else localized_errors(errors, lang)
    for e in said:
        loc = tuple(p for p in e["loc"] if p != "body")
        where = _LOC.get(loc[:3], ".".join(str(p) for p in loc)) if file else ".".join(str(p) for p in loc)
        msg = e["msg"]
        if not where and msg.startswith("Value error, occurred_end"):
            where = "occurred_end"
        if not where and lang is not None and e.get("field") not in (None, "", "body"):
            where = str(e["field"])
        msg = msg.removeprefix("Value error, ")
        parts.append(f"{where}: {msg}" if where else msg)
    return "; ".join(parts)


def _key(item: IncidentImportIn) -> repo.IncidentKey:
    return (item.source, item.source_ref)


def _values(item: IncidentImportIn, created_by: int | None) -> dict[str, Any]:
    values = item.model_dump(exclude={"location", "occurred_end"})
    values.update(
        geom=ewkt((item.location.lon, item.location.lat)),
        occurred_end=item.occurred_end or item.occurred_start,
        created_by=created_by,
        synthetic=False,
    )
    return values


def import_records(
    session: Session,
    who: Principal | str,
    records: Sequence[Record],
    *,
    what: str,
    file: bool = True,
    details: dict[str, Any] | None = None,
    progress: Progress = _no_progress,
) -> ImportReport:
    """Validate, deduplicate and store ``records``; answer each. ``who`` is the signed-in user, or the CLI's
    actor name; ``what`` names the import in the audit row (a file's name, or ``batch``)."""
    if isinstance(who, Principal) and not who.sees_sensitive:
        raise Forbidden.coded("incidents.reviewers_only")
    report = ImportReport(what=what, rows=len(records))
    results: dict[int, RowResult] = {}
    parsed: list[tuple[int, Record, IncidentImportIn]] = []
    for pos, rec in enumerate(records):
        if rec.item is None:
            results[pos] = RowResult(rec.row, None, "invalid", reason=rec.error)
            continue
        try:
            parsed.append((pos, rec, IncidentImportIn.model_validate(rec.item)))
        except ValidationError as exc:
            ref = rec.item.get("source_ref")
            errors = exc.errors()
            results[pos] = RowResult(
                rec.row,
                ref if isinstance(ref, str) else None,
                "invalid",
                reason=_error_text(errors, file=file),
                code=str(errors[0].get("type")) if errors else None,
                schema_errors=errors,
            )
    progress("checking positions", 0, len(records))

    places = repo.places(session, [(it.location.lon, it.location.lat, None) for _, _, it in parsed])
    if parsed and not places:
        raise InvalidInput.coded("incidents.no_islands")
    ok: list[tuple[int, Record, IncidentImportIn]] = []
    for (pos, rec, it), place in zip(parsed, places, strict=True):
        if place.island_m > INCIDENT_REACH_M:
            results[pos] = RowResult.coded(
                rec.row,
                it.source_ref,
                "invalid",
                None,
                "incidents.far_from_regency",
                where="lon/lat" if file else "location",
                km=f"{place.island_m / 1000:.0f}",
                island=place.island,
                limit=INCIDENT_REACH_M // 1000,
            )
        else:
            ok.append((pos, rec, it))

    first: dict[repo.IncidentKey, tuple[int, Record]] = {}
    rows = []
    for pos, rec, it in ok:
        if _key(it) not in first:
            first[_key(it)] = (pos, rec)
            rows.append(_values(it, who.id if isinstance(who, Principal) else None))
    inserted: dict[repo.IncidentKey, repo.IncidentRow] = {}
    for start in range(0, len(rows), CHUNK):
        progress("storing", min(start, len(rows)), len(rows))
        inserted.update(repo.insert_incidents_keyed(session, rows[start : start + CHUNK]))
    progress("storing", len(rows), len(rows))
    stored = repo.incident_ids_by_key(session, [k for k in first if k not in inserted])

    repeats = "incidents.repeats_row" if file else "incidents.repeats_item"
    for pos, rec, it in ok:
        k = _key(it)
        first_pos, first_rec = first[k]
        if k in inserted and first_pos == pos:
            results[pos] = RowResult(rec.row, it.source_ref, "created", inserted[k].incident.id)
        elif k in inserted:
            results[pos] = RowResult.coded(
                rec.row,
                it.source_ref,
                "duplicate",
                inserted[k].incident.id,
                repeats,
                first=first_rec.row,
                source_ref=repr(it.source_ref),
                source=repr(it.source),
            )
        else:
            results[pos] = RowResult.coded(
                rec.row,
                it.source_ref,
                "duplicate",
                stored.get(k),
                "incidents.stored_already",
                source_ref=repr(it.source_ref),
                source=repr(it.source),
                id=stored.get(k),
            )

    report.results = [results[pos] for pos in range(len(records))]
    report.created = sum(r.status == "created" for r in report.results)
    report.duplicate = sum(r.status == "duplicate" for r in report.results)
    report.invalid = sum(r.status == "invalid" for r in report.results)
    if inserted:
        _record_import(session, who, report, inserted.values(), details)
    return report


def _record_import(
    session: Session,
    who: Principal | str,
    report: ImportReport,
    created: Any,
    details: dict[str, Any] | None,
) -> None:
    """One audit row per incident created (as ``POST /incidents`` writes), one for the import with its counts;
    the scores near the new incidents are flagged for re-scoring."""
    made = [incident_out(row) for row in created]
    entries = [audit.entry(who, "create", "incident", out.id, after=audited_state(out)) for out in made]
    invalid_rows = [r.row for r in report.results if r.status == "invalid"]
    summary = {
        "what": report.what,
        **(details or {}),
        "rows": report.rows,
        "created": report.created,
        "duplicate": report.duplicate,
        "invalid": report.invalid,
        "invalid_rows": invalid_rows[:1000],
        "first_id": min(o.id for o in made),
        "last_id": max(o.id for o in made),
    }
    entries.append(audit.entry(who, "import", "incident_import", after=summary))
    audit.record_many(session, entries)
    scores.mark_stale_near(session, [(o.location.lon, o.location.lat) for o in made], STALE_REACH_M)
    alerts.on_incidents(session, made, verified=False)


def import_file(session: Session, actor: str, path: Path, *, progress: Progress = _no_progress) -> ImportReport:
    """``pesisir import incidents FILE``: the whole file in the caller's transaction."""
    records, fmt = read_file(path)
    details = {"format": fmt, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    return import_records(session, actor, records, what=path.name, details=details, progress=progress)


def submit_batch(
    session: Session, who: Principal, raw_items: Sequence[dict[str, Any]], *, lang: str = "en"
) -> IncidentBatchOut:
    """``POST /api/v1/incidents/batch``: every item on its own, in the request's transaction; each item's reason
    in ``lang`` where the catalogue has it, with its code."""
    records = [Record(i, raw) for i, raw in enumerate(raw_items)]
    report = import_records(session, who, records, what="batch", file=False)
    return IncidentBatchOut(
        created=report.created,
        duplicate=report.duplicate,
        invalid=report.invalid,
        items=[
            IncidentBatchItemOut(
                index=r.row, source_ref=r.source_ref, status=r.status, id=r.id, error=r.error(lang), code=r.code
            )
            for r in report.results
        ],
    )
