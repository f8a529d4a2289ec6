"""OGC API Features (Part 1 Core, GeoJSON, OpenAPI 3.0): the documents and their links, around the layers' SQL
(``app.db.repositories.layers``). Collections show the same properties as exports (``app.services.layers``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from app.db.repositories import layers as repo
from app.errors import NotFound
from app.services import audit, layers
from app.services.layers import Audience
from geo.vocabulary import RISK_KINDS

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GEOJSON = "application/geo+json"
OPENAPI30 = "application/vnd.oai.openapi+json;version=3.0"


@dataclass(frozen=True)
class Collection:
    """A published layer as an OGC collection; segments make one collection per risk kind."""

    id: str
    layer: repo.Layer
    risk: str = RISK_KINDS[0]

    @property
    def title(self) -> str:
        return self.layer.title + (f" ({self.risk})" if self.layer.scored else "")

    @property
    def description(self) -> str:
        return self.layer.description + (f" Scores for {self.risk} risk." if self.layer.scored else "")


COLLECTIONS: dict[str, Collection] = {
    c.id: c
    for c in (
        Collection("islands", repo.LAYERS["islands"]),
        Collection("harbours", repo.LAYERS["harbours"]),
        *(Collection(f"segments_{k}", repo.LAYERS["segments"], k) for k in RISK_KINDS),
        Collection("incidents", repo.LAYERS["incidents"]),
        Collection("landings", repo.LAYERS["landings"]),
        Collection("corridors", repo.LAYERS["corridors"]),
        Collection("ferry_routes", repo.LAYERS["ferry_routes"]),
    )
}


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
            _link(f"{base}/ogc/api", "service-desc", OPENAPI30, "the API (OpenAPI 3.0)"),
            _link(f"{base}/docs", "service-doc", "text/html", "the API documentation"),
            _link(f"{base}/ogc/conformance", "conformance", title="conformance classes"),
            _link(f"{base}/ogc/collections", "data", title="collections"),
        ],
    }


def conformance() -> dict[str, Any]:
    return {"conformsTo": CONFORMANCE}


def _find(collection_id: str) -> Collection:
    c = COLLECTIONS.get(collection_id)
    if c is None:
        raise NotFound.coded("ogc.unknown_collection", collection=collection_id)
    return c


def _describe(session: Session, base: str, c: Collection) -> dict[str, Any]:
    spatial, temporal = repo.extent(session, c.layer)
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


def collections(session: Session, base: str, audience: Audience) -> dict[str, Any]:
    """The collections ``audience`` may see (planners: no landings)."""
    shown = [c for c in COLLECTIONS.values() if layers.visible(c.layer.name, audience)]
    return {
        "links": [_link(f"{base}/ogc/collections", "self")],
        "collections": [_describe(session, base, c) for c in shown],
    }


def collection(session: Session, base: str, collection_id: str, audience: Audience) -> dict[str, Any]:
    c = _find(collection_id)
    layers.properties(c.layer, audience)  # Forbidden for a layer the audience may not see
    return _describe(session, base, c)


def items(
    session: Session,
    base: str,
    collection_id: str,
    *,
    filters: layers.Filters,
    limit: int,
    offset: int,
    query: dict[str, str],
    audience: Audience,
    reader: audit.BulkRead | None = None,
) -> str:
    """One page of features as GeoJSON text, with numberMatched / numberReturned and self / next / prev links.

    ``filters.interval`` (``datetime``) filters collections with time (incidents, landings) and is ignored by
    the others."""
    c = _find(collection_id)
    props = layers.properties(c.layer, audience)
    features, matched = repo.page(session, c.layer, c.risk, filters, props, limit=limit, offset=offset)
    sensitive = layers.narrative_object(c.layer, props)
    if sensitive is not None:
        audit.bulk_read(session, reader, len(features), object_type=sensitive)
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


def item(
    session: Session,
    base: str,
    collection_id: str,
    feature_id: str,
    *,
    audience: Audience,
    reader: audit.BulkRead | None = None,
) -> str:
    c = _find(collection_id)
    props = layers.properties(c.layer, audience)
    found = repo.one(session, c.layer, c.risk, props, feature_id)
    if found is None:
        raise NotFound.coded("ogc.unknown_feature", feature=feature_id, collection=collection_id)
    sensitive = layers.narrative_object(c.layer, props)
    if sensitive is not None:
        audit.bulk_read(session, reader, 1, feature_id, object_type=sensitive)
    url = f"{base}/ogc/collections/{c.id}"
    links = [_link(f"{url}/items/{feature_id}", "self", GEOJSON), _link(url, "collection")]
    return found[:-1] + ',"links":' + json.dumps(links) + "}"


# -- the API description, in OpenAPI 3.0 (FastAPI writes 3.1, which GDAL, QGIS and OGC clients do not all read) ----
_NOT_IN_30 = ("$schema", "$id", "contentMediaType", "contentEncoding", "unevaluatedProperties", "prefixItems")


def openapi30(doc: dict[str, Any], base: str) -> dict[str, Any]:
    """The /ogc part of the service's OpenAPI 3.1 document, rewritten as OpenAPI 3.0.3."""
    paths = {p: v for p, v in doc["paths"].items() if p == "/ogc" or p.startswith("/ogc/")}
    schemas = doc.get("components", {}).get("schemas", {})
    used: dict[str, Any] = {}
    pending = _refs(paths)
    while pending:
        name = pending.pop()
        if name not in used and name in schemas:
            used[name] = schemas[name]
            pending |= _refs(schemas[name])
    out = {
        "openapi": "3.0.3",
        "info": {**doc["info"], "title": f"{doc['info']['title']} OGC API Features"},
        "servers": [{"url": base}],
        "paths": paths,
        "components": {"schemas": used},
    }
    return _to30(out)


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[-1]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


def _to30(node: Any) -> Any:
    """JSON Schema 2020-12 (OpenAPI 3.1) constructs as OpenAPI 3.0 has them: ``nullable`` for null types,
    ``enum`` for ``const``, one ``example``, boolean exclusive bounds, and ``$ref`` without siblings."""
    if isinstance(node, list):
        return [_to30(v) for v in node]
    if not isinstance(node, dict):
        return node
    n = {k: _to30(v) for k, v in node.items() if k not in _NOT_IN_30}
    for key in ("anyOf", "oneOf"):
        options = n.get(key)
        if isinstance(options, list) and {"type": "null"} in options:
            rest = [o for o in options if o != {"type": "null"}]
            del n[key]
            n["nullable"] = True
            if len(rest) == 1:
                n = {**rest[0], **n} if "$ref" not in rest[0] else {**n, "allOf": rest}
            else:
                n[key] = rest
    if isinstance(n.get("type"), list):
        types = [t for t in n["type"] if t != "null"]
        if len(types) < len(n["type"]):
            n["nullable"] = True
        n["type"] = types[0] if len(types) == 1 else "string"
    if "const" in n:
        n["enum"] = [n.pop("const")]
    if isinstance(n.get("examples"), list):
        examples = n.pop("examples")
        if examples:
            n["example"] = examples[0]
    for bound, plain in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(n.get(bound), int | float) and not isinstance(n.get(bound), bool):
            n[plain] = n[bound]
            n[bound] = True
    if "$ref" in n and len(n) > 1:
        n = {**{k: v for k, v in n.items() if k != "$ref"}, "allOf": [{"$ref": n["$ref"]}]}
    return n
