"""OGC API Features, Part 1 Core with GeoJSON, so QGIS, ArcGIS and GDAL connect without custom code.

Every route here, the landing page and conformance included, needs a bearer token (or the browser's sign-in
cookie) of a planner, intelligence officer or admin: QGIS sends one through an "API header" or OAuth2
authentication configuration."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.api.params import AudienceDep, BBoxDep, IntervalDep, LimitDep, OffsetDep
from app.deps import MapReader, SessionDep, require
from app.security import MAP_READERS
from app.services import audit, layers, ogc

router = APIRouter(prefix="/ogc", tags=["OGC API Features"], dependencies=[Depends(require(MAP_READERS))])
GEOJSON = "application/geo+json"
_GEO = {200: {"content": {GEOJSON: {"schema": {"type": "object"}}}}}


def _base(request: Request) -> str:
    """Where links point: ``PESISIR_PUBLIC_URL``, else the request's own address, whose Host the hardening
    middleware has checked against ``PESISIR_ALLOWED_HOSTS`` (docs/RELIABILITY.md R2-09)."""
    public: str | None = request.state.settings.server.public_url
    return public if public else str(request.base_url).rstrip("/")


@router.get("")
def landing_page(request: Request) -> dict[str, Any]:
    """Landing page: links to the API description, conformance and collections."""
    return ogc.landing(_base(request))


@router.get("/api", response_class=Response, responses={200: {"content": {ogc.OPENAPI30: {}}}})
def api_description(request: Request) -> Response:
    """This API (the /ogc part) described in OpenAPI 3.0, as OGC API Features' oas30 conformance class asks."""
    return Response(json.dumps(ogc.openapi30(request.app.openapi(), _base(request))), media_type=ogc.OPENAPI30)


@router.get("/conformance")
def conformance() -> dict[str, Any]:
    """The conformance classes this service implements."""
    return ogc.conformance()


@router.get("/collections")
def collections(request: Request, session: SessionDep, audience: AudienceDep) -> dict[str, Any]:
    """Every collection the caller may see, with its spatial (and temporal) extent."""
    return ogc.collections(session, _base(request), audience)


@router.get("/collections/{collection_id}")
def collection(collection_id: str, request: Request, session: SessionDep, audience: AudienceDep) -> dict[str, Any]:
    """One collection's description."""
    return ogc.collection(session, _base(request), collection_id, audience)


@router.get("/collections/{collection_id}/items", response_class=Response, responses=_GEO)  # type: ignore[arg-type]
def items(
    collection_id: str,
    request: Request,
    session: SessionDep,
    bbox: BBoxDep,
    interval: IntervalDep,
    limit: LimitDep,
    audience: AudienceDep,
    who: MapReader,
    offset: OffsetDep = 0,
) -> Response:
    """A page of features, filtered by ``bbox`` and ``datetime``, with ``next`` / ``prev`` links."""
    query = {k: v for k, v in request.query_params.items() if k not in ("limit", "offset")}
    body = ogc.items(
        session,
        _base(request),
        collection_id,
        filters=layers.Filters(bbox=bbox, interval=interval),
        limit=limit,
        offset=offset,
        query=query,
        audience=audience,
        reader=audit.BulkRead(who, request.url.path, dict(request.query_params)),
    )
    return Response(body, media_type=GEOJSON)


@router.get("/collections/{collection_id}/items/{feature_id}", response_class=Response, responses=_GEO)  # type: ignore[arg-type]
def item(
    collection_id: str, feature_id: str, request: Request, session: SessionDep, audience: AudienceDep, who: MapReader
) -> Response:
    """One feature."""
    reader = audit.BulkRead(who, request.url.path, dict(request.query_params))
    body = ogc.item(session, _base(request), collection_id, feature_id, audience=audience, reader=reader)
    return Response(body, media_type=GEOJSON)
