"""How the browser pages travel (app/web.py): the map compressed and never stored, the static files it names
cached for good under this release's version, everything else as it was."""

from __future__ import annotations

import re

from app.web import IMMUTABLE, REVALIDATE, static_url, static_version


def test_the_map_is_compressed_and_not_stored_and_names_versioned_files(client, headers):
    r = client.get("/map", params={"tiles": "false"}, headers={**headers["planner"], "Accept-Encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["content-encoding"] == "gzip" and r.headers["cache-control"] == "no-store"
    assert "accept-encoding" in r.headers["vary"].lower()
    sources = re.findall(r'<script[^>]*src="([^"]+)"', r.text)
    assert sources and all(s.startswith(f"/static/v-{static_version()}/") for s in sources), sources
    for src in sources:
        asset = client.get(src, headers={"Accept-Encoding": "gzip"})
        assert asset.status_code == 200, src
        assert asset.headers["cache-control"] == IMMUTABLE and asset.headers["content-encoding"] == "gzip", src


def test_unversioned_static_files_revalidate_and_a_stale_version_is_no_file(client):
    plain = client.get("/static/pesisir-map.js")
    assert plain.status_code == 200 and plain.headers["cache-control"] == REVALIDATE and plain.headers["etag"]
    versioned = client.get(static_url("pesisir-map.js"))
    assert versioned.content == plain.content  # the same file under both names
    assert client.get("/static/v-000000000000/pesisir-map.js").status_code == 404
    assert client.get(static_url() + "/").status_code == 404  # the version alone names no file
    again = client.get("/static/pesisir-map.js", headers={"If-None-Match": plain.headers["etag"]})
    assert again.status_code == 304


def test_a_range_request_is_served_as_asked_not_compressed(client):
    r = client.get(static_url("vendor/leaflet/leaflet.js"), headers={"Range": "bytes=0-99", "Accept-Encoding": "gzip"})
    assert r.status_code == 206 and len(r.content) == 100 and "content-encoding" not in r.headers


def test_exports_and_the_api_are_not_compressed(client, headers):
    big = client.get("/api/v1/islands", headers={**headers["planner"], "Accept-Encoding": "gzip"})
    assert big.status_code == 200 and len(big.content) > 1024 and "content-encoding" not in big.headers
    export = client.get("/api/v1/export/islands.geojson", headers={**headers["planner"], "Accept-Encoding": "gzip"})
    assert export.status_code == 200 and "content-encoding" not in export.headers
