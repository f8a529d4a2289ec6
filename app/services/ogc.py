"""OGC API Features (Part 1 Core, GeoJSON): the documents and their links, around the SQL in repositories.ogc."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from app.db.repositories import ogc as repo
from app.errors import NotFound

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GEOJSON = "application/geo+json"


def _link(href: str, rel: str, type_: str = "application/json", title: str | None = None) -> dict[str, str]:
    link = {"href": href, "rel": rel, "type": type_}
    if title:
        link["title"] = title
    return link


def landing(base: str) -> dict[str, Any]:
    return {
        "title": "Pesisir",
        "description": "Coastal risk data of Kabupaten Sumenep as OGC API Features (open it in QGIS or GDAL).",
        "links": [
            _link(f"{base}/ogc", "self", title="this document"),
            _link(f"{base}/openapi.json", "service-desc", "application/vnd.oai.openapi+json;version=3.0", "the API"),
            _link(f"{base}/docs", "service-doc", "text/html", "the API documentation"),
            _link(f"{base}/ogc/conformance", "conformance", title="conformance classes"),
            _link(f"{base}/ogc/collections", "data", title="collections"),
        ],
    }


def conformance() -> dict[str, Any]:
    return {"conformsTo": CONFORMANCE}


def _find(collection_id: str) -> repo.Collection:
    c = repo.COLLECTIONS.get(collection_id)
    if c is None:
        raise NotFound(f"collection '{collection_id}' does not exist")
    return c


def _describe(session: Session, base: str, c: repo.Collection) -> dict[str, Any]:
    spatial, temporal = repo.extent(session, c)
    extent: dict[str, Any] = {}
    if spatial is not None:
        extent["spatial"] = {"bbox": [spatial], "crs": CRS84}
    if temporal is not None:
        extent["temporal"] = {"interval": [temporal], "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}
    url = f"{base}/ogc/collections/{c.id}"
    return {
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "itemType": "feature",
        "crs": [CRS84],
        "extent": extent,
        "links": [_link(url, "self"), _link(f"{url}/items", "items", GEOJSON, "the features")],
    }


def collections(session: Session, base: str) -> dict[str, Any]:
    return {
        "links": [_link(f"{base}/ogc/collections", "self")],
        "collections": [_describe(session, base, c) for c in repo.COLLECTIONS.values()],
    }


def collection(session: Session, base: str, collection_id: str) -> dict[str, Any]:
    return _describe(session, base, _find(collection_id))


def items(
    session: Session,
    base: str,
    collection_id: str,
    *,
    bbox: tuple[float, float, float, float] | None,
    interval: tuple[datetime | None, datetime | None] | None,
    limit: int,
    offset: int,
    query: dict[str, str],
) -> str:
    """One page of features as GeoJSON text, with numberMatched / numberReturned and self / next / prev links."""
    c = _find(collection_id)
    features, matched = repo.items(session, c, bbox=bbox, interval=interval, limit=limit, offset=offset)
    url = f"{base}/ogc/collections/{c.id}/items"

    def page(at: int) -> str:
        return f"{url}?{urlencode({**query, 'limit': limit, 'offset': at})}"

    links = [_link(page(offset), "self", GEOJSON), _link(f"{base}/ogc/collections/{c.id}", "collection")]
    if offset + len(features) < matched:
        links.append(_link(page(offset + limit), "next", GEOJSON))
    if offset > 0:
        links.append(_link(page(max(0, offset - limit)), "prev", GEOJSON))
    meta = {
        "numberMatched": matched,
        "numberReturned": len(features),
        "timeStamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "links": links,
    }
    # The features come as JSON text from PostGIS; splice them in rather than parse and re-serialise.
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]," + json.dumps(meta)[1:]


def item(session: Session, base: str, collection_id: str, feature_id: str) -> str:
    c = _find(collection_id)
    found = repo.item(session, c, feature_id)
    if found is None:
        raise NotFound(f"feature '{feature_id}' does not exist in collection '{collection_id}'")
    url = f"{base}/ogc/collections/{c.id}"
    links = [_link(f"{url}/items/{feature_id}", "self", GEOJSON), _link(url, "collection")]
    return found[:-1] + ',"links":' + json.dumps(links) + "}"
