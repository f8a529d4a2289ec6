"""OGC API Features beyond the base layers: segments (per risk kind), incidents and landings with the planners'
properties, single items, the OpenAPI 3.0 description (oas30), and GDAL's OAPIF driver against a real server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import urllib.parse
import urllib.request

import pytest
from openapi_spec_validator import OpenAPIV30SpecValidator

from app.services.layers import PLANNER_PROPERTIES
from tests.fixtures_db import LIVE_USER, PASSWORD, published_token

NEW = {"segments_landing": "segments", "segments_tppo": "segments", "incidents": "incidents", "landings": "landings"}


def _intelligence(published):
    return {"Authorization": f"Bearer {published_token(published, 'intelligence')}"}


def test_collections_for_segments_incidents_and_landings_with_extents(published):
    planners = {c["id"] for c in published.get("/ogc/collections").json()["collections"]}
    assert set(NEW) - {"landings"} | {"islands", "harbours", "corridors", "ferry_routes"} == planners
    assert published.get("/ogc/collections/landings").status_code == 403
    every = published.get("/ogc/collections", headers=_intelligence(published)).json()["collections"]
    cols = {c["id"]: c for c in every}
    assert planners | {"landings"} == set(cols)
    for cid in NEW:
        minx, miny, maxx, maxy = cols[cid]["extent"]["spatial"]["bbox"][0]
        assert 113 < minx < maxx < 117 and -8 < miny < maxy < -4.5
    for cid in ("incidents", "landings"):
        start, end = cols[cid]["extent"]["temporal"]["interval"][0]
        assert start < end
    assert "tppo" in cols["segments_tppo"]["title"]


@pytest.mark.parametrize("collection", [c for c in NEW if NEW[c] in PLANNER_PROPERTIES])
def test_items_carry_the_planner_allow_list_and_page(published, collection):
    body = published.get(f"/ogc/collections/{collection}/items", params={"limit": 250}).json()
    assert body["numberReturned"] == 250 < body["numberMatched"]
    for f in body["features"]:
        assert set(f["properties"]) == set(PLANNER_PROPERTIES[NEW[collection]])
    if collection.startswith("segments_"):
        assert {f["properties"]["risk_kind"] for f in body["features"]} == {collection.removeprefix("segments_")}
    nxt = next(link["href"] for link in body["links"] if link["rel"] == "next")
    second = published.get(nxt).json()
    assert not {f["id"] for f in body["features"]} & {f["id"] for f in second["features"]}


def test_datetime_filters_incidents(published):
    every = published.get("/ogc/collections/incidents/items").json()["numberMatched"]
    some = published.get(
        "/ogc/collections/incidents/items", params={"datetime": "2024-01-01T00:00:00Z/..", "limit": 1000}
    ).json()
    assert 0 < some["numberMatched"] < every
    assert all(f["properties"]["occurred_end"] >= "2024-01-01" for f in some["features"])


def test_single_items(published):
    seg = published.get("/ogc/collections/segments_tppo/items/35.29-0001").json()
    assert seg["id"] == "35.29-0001" and seg["properties"]["risk_kind"] == "tppo"
    full = _intelligence(published)
    first = published.get("/ogc/collections/landings/items?limit=1", headers=full).json()["features"][0]
    one = published.get(f"/ogc/collections/landings/items/{first['id']}", headers=full).json()
    assert one["properties"] == first["properties"] and "vessel_name" in one["properties"]
    assert published.get("/ogc/collections/landings/items?limit=1").status_code == 403  # planners: none
    assert published.get(f"/ogc/collections/landings/items/{first['id']}").status_code == 403
    assert published.get("/ogc/collections/incidents/items/999999").status_code == 404


def test_openapi_30_description_and_conformance(published):
    assert (
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30"
        in published.get("/ogc/conformance").json()["conformsTo"]
    )
    desc = next(link for link in published.get("/ogc").json()["links"] if link["rel"] == "service-desc")
    assert desc["href"].endswith("/ogc/api") and desc["type"] == "application/vnd.oai.openapi+json;version=3.0"
    r = published.get("/ogc/api")
    assert r.headers["content-type"].startswith("application/vnd.oai.openapi+json")
    doc = r.json()
    assert doc["openapi"] == "3.0.3" and "/ogc/collections/{collection_id}/items" in doc["paths"]
    assert not [p for p in doc["paths"] if not p.startswith("/ogc")]
    OpenAPIV30SpecValidator(doc).validate()
    # what FastAPI writes (3.1: type null, anyOf) is not valid 3.0: the rewrite is what makes it so
    assert list(OpenAPIV30SpecValidator(published.get("/openapi.json").json()).iter_errors())


GDAL_READ = textwrap.dedent(
    """
    import json, sys
    import pyogrio
    url, layer = sys.argv[1], sys.argv[2]
    frame = pyogrio.read_dataframe("OAPIF:" + url + "/ogc", layer=layer)
    print(json.dumps({"n": len(frame), "columns": sorted(frame.columns), "epsg": frame.crs.to_epsg()}))
    """
)


@pytest.mark.parametrize(("layer", "count"), [("islands", 99), ("harbours", 20)])
def test_gdal_reads_a_collection_from_the_live_server(live_url, layer, count, tmp_path):
    # In a subprocess: GDAL's HTTP calls hold the GIL, so inside the pytest process they would starve the
    # server thread answering them (the hang of an earlier attempt). Timeouts make a stall fail, not hang.
    # The token goes in an HTTP header file, as QGIS sends it (the OAPIF driver ignores GDAL_HTTP_HEADERS).
    form = urllib.parse.urlencode({"username": LIVE_USER, "password": PASSWORD}).encode()
    with urllib.request.urlopen(f"{live_url}/auth/token", data=form, timeout=30) as signed:
        token = json.loads(signed.read())["access_token"]
    headers = tmp_path / "headers.txt"
    headers.write_text(f"Authorization: Bearer {token}\n")
    env = {
        "GDAL_HTTP_HEADER_FILE": str(headers),
        "GDAL_HTTP_TIMEOUT": "20",
        "GDAL_HTTP_MAX_RETRY": "0",
        "CPL_CURL_VERBOSE": "NO",
        "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    }
    done = subprocess.run(
        [sys.executable, "-c", GDAL_READ, live_url, layer],
        capture_output=True,
        text=True,
        timeout=90,
        env={**os.environ, **env},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["n"] == count and result["epsg"] == 4326
    assert set(PLANNER_PROPERTIES[layer]) <= set(result["columns"])
