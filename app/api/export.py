"""Exports of the published layers (GeoJSON, CSV, GeoPackage), filtered and streamed."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from app.api.params import AudienceDep, BBoxDep, IntervalDep, SeasonQuery
from app.deps import MapReader, SettingsDep, StreamingSessionDep
from app.errors import TimedOut
from app.security import Principal
from app.services import audit, export, layers

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1", tags=["export"])
_FILES = {
    200: {"content": {t: {} for t in export.MEDIA_TYPES.values()}, "description": "the layer as a file"},
    429: {"description": "another export of yours is still running (Retry-After)"},
    503: {"description": "the export reached its time limit before its first byte (PESISIR_EXPORT_TIMEOUT_S)"},
}


def export_turn(caller: MapReader, session: StreamingSessionDep) -> Principal:
    """The caller's turn to export (docs/RELIABILITY.md LD-03: one export at a time per user), taken in the
    export's own transaction, so it is held until the last byte is sent or the client goes away, and seen by
    every worker process (an advisory lock in PostgreSQL)."""
    export.take_turn(session, caller.id)
    return caller


class DeadlineStreamingResponse(StreamingResponse):
    """A streamed export that ends at its time limit even while the client is not reading (docs/RELIABILITY.md
    R2-03). The export itself checks its deadline between fetches; a client that stops reading blocks the sending
    instead, where no fetch happens. Here the whole sending runs under the limit: past it, the sending is cancelled,
    the rows' generator (its server-side cursor) closed and TimedOut raised, so the session dependency rolls back
    and returns the connection to the pool, and the server cuts the connection mid-body."""

    def __init__(self, content: Iterator[bytes], *, timeout_s: float, started: float, **kw: Any) -> None:
        super().__init__(content, **kw)
        self._source = content
        self._timeout_s = timeout_s
        self._deadline = started + timeout_s  # time.monotonic(): the limit counts from the request, not the 1st byte

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            if time.monotonic() >= self._deadline:  # used up while preparing: a 503 before the first byte
                raise TimeoutError
            async with asyncio.timeout(self._deadline - time.monotonic()):
                await super().__call__(scope, receive, send)
        except TimeoutError:
            log.warning("export %s cut at its time limit of %g s while sending", scope.get("path"), self._timeout_s)
            raise TimedOut.coded("export.time_limit_sending", seconds=f"{self._timeout_s:g}") from None
        finally:
            await run_in_threadpool(_close, self._source)


def _close(chunks: Iterator[bytes]) -> None:
    close = getattr(chunks, "close", None)
    if close is None:
        return
    try:
        close()
    except ValueError:  # still running in a worker thread: it stops at its own deadline check
        log.warning("export generator still running at its time limit; it stops at its next fetch")


@router.get("/export/{layer}.{fmt}", response_class=StreamingResponse, responses=_FILES)  # type: ignore[arg-type]
def export_layer(
    request: Request,
    layer: str,
    fmt: export.Format,
    session: StreamingSessionDep,
    caller: Annotated[Principal, Depends(export_turn)],
    audience: AudienceDep,
    settings: SettingsDep,
    bbox: BBoxDep,
    interval: IntervalDep,
    kind: Annotated[str | None, Query(description="harbour or incident kind; for segments the risk kind")] = None,
    risk_class: Annotated[str | None, Query(alias="class", description="segments: low|medium|high|critical")] = None,
    min_score: Annotated[float | None, Query(description="segments: the lowest score, 0 to 1")] = None,
    season: SeasonQuery = "annual",
) -> StreamingResponse:
    """A layer as GeoJSON (RFC 7946), CSV or GeoPackage, with generated_at, model_version and data_cutoff. One
    export at a time per user (429 otherwise), each stopped at PESISIR_EXPORT_TIMEOUT_S (default 600 s) from the
    start of its work, however the time is split between preparing (a GeoPackage is written first) and sending."""
    started = time.monotonic()
    filters = layers.Filters(bbox=bbox, interval=interval, kind=kind, risk_class=risk_class, min_score=min_score)
    out = export.export_layer(
        session,
        layer,
        fmt,
        filters,
        audience=audience,
        season=season,
        timeout_s=settings.server.export_timeout_s,
        reader=audit.BulkRead(caller, request.url.path, dict(request.query_params)),
    )
    return DeadlineStreamingResponse(
        out.chunks,
        timeout_s=settings.server.export_timeout_s,
        started=started,
        media_type=out.media_type,
        headers=out.headers,
    )
