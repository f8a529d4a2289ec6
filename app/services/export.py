"""Exports of the published layers as GeoJSON, CSV or GeoPackage, streamed so memory stays flat with size.

GeoJSON and CSV are produced chunk by chunk from a server-side cursor while they are sent; a GeoPackage is
written chunk by chunk to a temporary file with pyogrio, then streamed and deleted. Every export carries its
provenance (generated_at, model_version, data_cutoff): GeoJSON as foreign members, CSV as columns, GeoPackage
as metadata. ``audience`` picks the properties (``app.services.layers``).

Over HTTP (docs/RELIABILITY.md LD-03) a user runs one export at a time (``take_turn``) and an export stops at its time
limit: no statement may outlast it (``statement_timeout``), and the rows stop coming once it is past, since a
long export is many short fetches that no statement timeout would catch."""

from __future__ import annotations

import csv
import io
import json
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

import geopandas as gpd
import pandas as pd
import shapely
from sqlalchemy.orm import Session

from app.db import rls
from app.db.repositories import layers as repo
from app.db.repositories import limits, statement_timeout
from app.errors import RateLimited, TimedOut
from app.services import audit, layers
from app.services.layers import Audience, Query
from geo.crs import WGS84
from geo.io import write_geopackage

Format = Literal["geojson", "csv", "gpkg"]
MEDIA_TYPES: dict[str, str] = {
    "geojson": "application/geo+json",
    "csv": "text/csv; charset=utf-8",
    "gpkg": "application/geopackage+sqlite3",
}
_FILE_CHUNK = 1 << 16
RETRY_AFTER_S = 10
_T = TypeVar("_T")
_clock = time.monotonic  # the time limit's clock (a test replaces it, not the event loop's)


def take_turn(session: Session, user_id: int) -> None:
    """One running export per user, in every worker process at once: take ``user_id``'s turn for the rest of
    ``session``'s transaction (the export's own, which lasts until its last byte is sent; PostgreSQL gives the turn
    back at commit or rollback, or when a killed worker's connection closes). RateLimited (429) while another
    export of theirs runs, so five planners hold at most five exports (and five connections) between them."""
    if not limits.try_export_turn(session, user_id):
        raise RateLimited.coded("export.one_at_a_time", RETRY_AFTER_S)


@dataclass(frozen=True)
class _Limit:
    """When an export must have finished (``time.monotonic()``), or never."""

    seconds: float | None
    deadline: float | None

    @classmethod
    def of(cls, seconds: float | None) -> _Limit:
        return cls(seconds, None if seconds is None else _clock() + seconds)

    def check(self) -> None:
        """TimedOut when the deadline is past."""
        if self.deadline is not None and _clock() > self.deadline:
            raise TimedOut.coded("export.time_limit", seconds=f"{self.seconds:g}")

    def rows(self, chunks: Iterator[_T]) -> Iterator[_T]:
        """``chunks`` until the deadline is past, then TimedOut."""
        for chunk in chunks:
            self.check()
            yield chunk


@dataclass(frozen=True)
class Export:
    filename: str
    media_type: str
    chunks: Iterator[bytes]

    @property
    def headers(self) -> dict[str, str]:
        return {"Content-Disposition": f'attachment; filename="{self.filename}"'}


def export_layer(
    session: Session,
    layer: str,
    fmt: Format,
    filters: layers.Filters = layers.Filters(),
    *,
    audience: Audience,
    season: str = "annual",
    timeout_s: float | None = None,
    reader: audit.BulkRead | None = None,
) -> Export:
    """Validate the filters against the layer (400 naming the parameter), then export it."""
    q = layers.query(layer, filters, season=season)
    return export(session, q, fmt, audience=audience, timeout_s=timeout_s, reader=reader)


def export(
    session: Session,
    q: Query,
    fmt: Format,
    *,
    audience: Audience,
    timeout_s: float | None = None,
    reader: audit.BulkRead | None = None,
) -> Export:
    """The layer in ``q`` as ``fmt`` for ``audience``. GeoJSON and CSV chunks read the session as they are
    consumed, so consume them before the session closes. With ``timeout_s`` the export stops (TimedOut) that many
    seconds from now: before the first byte (a 503) or, once streaming, by breaking off the stream.

    Both audiences belong to roles that see every harbour (only map readers are given one: ``app.api.params``),
    and the streamed session is not the one the caller was loaded in, which set the row-level security context:
    so this session is given scope "all" here (``app.db.rls``).

    An export that carries incidents' narratives (or landings' notes) is audited (``reader``) before its first
    byte, in the export's transaction, with the count of incidents (landings) it holds; if that transaction rolls
    back once bytes may have left (the export cut), the row is written again on its own, marked as cut
    (``audit.bulk_read(streamed=True)``)."""
    limit = _Limit.of(timeout_s)
    if timeout_s is not None:
        statement_timeout(session, timeout_s)
    rls.see_all(session)
    props = layers.properties(q.layer, audience)
    sensitive = layers.narrative_object(q.layer, props)
    if reader is not None and sensitive is not None:
        count = repo.count(session, q.layer, q.risk, q.filters)
        audit.bulk_read(session, reader, count, streamed=True, object_type=sensitive)
    prov = layers.provenance(session, q)
    name = q.layer.name if not q.layer.scored else f"{q.layer.name}_{q.risk.replace('/', '_')}"
    writers = {"geojson": _geojson, "csv": _csv, "gpkg": _gpkg}
    return Export(f"{name}.{fmt}", MEDIA_TYPES[fmt], writers[fmt](session, q, props, prov, limit))


def _geojson(session: Session, q: Query, props: list[str], prov: layers.Provenance, limit: _Limit) -> Iterator[bytes]:
    # Foreign members first (RFC 7946 §6.1), then the features as PostGIS builds them.
    head = {"type": "FeatureCollection", "name": q.layer.name, **prov.as_dict()}
    yield (json.dumps(head)[:-1] + ',"features":[').encode()
    first = True
    for chunk in limit.rows(repo.geojson_features(session, q.layer, q.risk, q.filters, props)):
        if chunk:
            yield (("" if first else ",") + ",".join(chunk)).encode()
            first = False
    yield b"]}"


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _csv(session: Session, q: Query, props: list[str], prov: layers.Provenance, limit: _Limit) -> Iterator[bytes]:
    points = q.layer.geometry_type == "Point"
    geometry = "lonlat" if points else "wkt"
    # Provenance columns on every row; segments already carry their own model_version and data_cutoff.
    extra = {k: v for k, v in prov.as_dict().items() if k not in props}
    tail = list(extra.values())
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")  # RFC 4180
    writer.writerow(["id", *(["lon", "lat"] if points else ["wkt"]), *props, *extra])
    for chunk in limit.rows(repo.rows(session, q.layer, q.risk, q.filters, props, geometry=geometry)):
        writer.writerows([*(_cell(v) for v in row), *tail] for row in chunk)
        yield buf.getvalue().encode()
        buf.seek(0)
        buf.truncate()
    yield buf.getvalue().encode()


def _dtypes(q: Query, props: list[str]) -> dict[str, str]:
    # Column types come from the SQL types, not from each chunk's values: a chunk of NULLs must not make a
    # text field of a number (GDAL fixes a field's type when the first chunk creates the layer).
    cols = q.layer.columns(q.risk)
    out: dict[str, str] = {}
    for p in props:
        try:
            py = cols[p].type.python_type
        except NotImplementedError:
            py = str
        out[p] = {bool: "boolean", int: "Int64", float: "float64", datetime: "datetime64[ms, UTC]"}.get(py, "object")
    return out


def _frame(chunk: Sequence[Any], props: list[str], dtypes: dict[str, str]) -> gpd.GeoDataFrame:
    frame = pd.DataFrame([[_gpkg_value(v) for v in row[2:]] for row in chunk], columns=props, dtype=object)
    frame = frame.astype(dtypes)
    frame.insert(0, "id", [str(row[0]) for row in chunk])
    geoms = shapely.from_wkb([bytes(row[1]) for row in chunk])
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=WGS84), crs=WGS84)


def _gpkg_value(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _gpkg(session: Session, q: Query, props: list[str], prov: layers.Provenance, limit: _Limit) -> Iterator[bytes]:
    tmp = Path(tempfile.mkdtemp(prefix="pesisir-export-"))
    path = tmp / f"{q.layer.name}.gpkg"
    chunks = limit.rows(repo.rows(session, q.layer, q.risk, q.filters, props, geometry="wkb"))
    dtypes = _dtypes(q, props)
    frames = (_frame(chunk, props, dtypes) for chunk in chunks)
    meta = {k: v or "" for k, v in prov.as_dict().items()}
    try:
        write_geopackage(
            frames,
            path,
            layer=q.layer.name,
            geometry_type=q.layer.geometry_type,
            metadata=meta,
            empty=_frame([], props, dtypes),
        )
        limit.check()  # the file took the whole limit to write: a 503 now, not a second limit for sending it
    except BaseException:
        _remove(tmp)
        raise
    return _read_and_remove(path, tmp)


def _read_and_remove(path: Path, tmp: Path) -> Iterator[bytes]:
    try:
        with path.open("rb") as f:
            while block := f.read(_FILE_CHUNK):
                yield block
    finally:
        _remove(tmp)


def _remove(tmp: Path) -> None:
    for p in tmp.iterdir():
        p.unlink()
    tmp.rmdir()
