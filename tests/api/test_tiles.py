"""Vector tiles: decoded features and their (planner) properties, cache headers, empty tiles, errors."""

from __future__ import annotations

import math
from datetime import datetime

import mapbox_vector_tile
import pytest

from app.services import layers
from app.services.layers import PLANNER_PROPERTIES
from tests.fixtures_db import published_token

MVT = "application/vnd.mapbox-vector-tile"


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The XYZ tile holding lon/lat at zoom z (web mercator)."""
    n = 1 << z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int((lon + 180) / 360 * n), int(y)


KANGEAN_Z10 = (10, *tile_of(115.4, -6.9, 10))


def _decode(body: bytes) -> dict:
    return mapbox_vector_tile.decode(body)


def test_kangean_is_where_we_think():
    assert KANGEAN_Z10 == (10, 840, 531)


def test_segment_tile_carries_scores_for_the_risk_kind(published):
    z, x, y = KANGEAN_Z10
    r = published.get(f"/tiles/segments/{z}/{x}/{y}.pbf", params={"risk": "tppo"})
    assert r.status_code == 200 and r.headers["content-type"] == MVT
    assert r.headers["etag"].startswith('"') and "max-age" in r.headers["cache-control"]
    features = _decode(r.content)["segments"]["features"]
    assert len(features) > 10
    for f in features:
        p = f["properties"]
        assert set(p) <= {"id", *PLANNER_PROPERTIES["segments"]} and p["id"]  # a segment's id is text
        assert (
            p["risk_kind"] == "tppo"
            and 0 <= p["score"] <= 1
            and p["risk_class"] in ("low", "medium", "high", "critical")
        )
        assert f["geometry"]["type"] in ("LineString", "MultiLineString")
    landing = _decode(published.get(f"/tiles/segments/{z}/{x}/{y}.pbf").content)["segments"]["features"]
    assert {f["properties"]["risk_kind"] for f in landing} == {"landing"}


@pytest.mark.parametrize("layer", ["islands", "harbours", "incidents", "landings"])
def test_every_layer_tiles_with_the_planner_allow_list(published, layer):
    x, y = tile_of(114.8, -6.5, 6)  # one z6 tile covers the whole regency
    r = published.get(f"/tiles/{layer}/6/{x}/{y}.pbf")
    if layer not in PLANNER_PROPERTIES:  # landings: not for planners
        assert r.status_code == 403
        return
    assert r.status_code == 200
    features = _decode(r.content)[layer]["features"]
    assert features
    for f in features:
        assert set(f["properties"]) <= {"id", *PLANNER_PROPERTIES[layer]}
    if layer == "islands":  # an island's id is its code, text: a property
        assert all(f["properties"]["id"] == f["properties"]["code"] for f in features)
    else:  # a numeric id is the tile's feature id (not a property), the feature's id in OGC API Features
        assert all("id" not in f["properties"] for f in features)
        ids = [f["id"] for f in features]
        assert len(set(ids)) == len(ids)
        one = published.get(f"/ogc/collections/{layer}/items/{ids[0]}")
        assert one.status_code == 200 and one.json()["id"] == str(ids[0])
        start = {"incidents": "occurred_start", "landings": "observed_start"}.get(layer)
        if start:  # the same moment, in Unix seconds
            stored = datetime.fromisoformat(one.json()["properties"][start]).timestamp()
            assert features[0]["properties"][start] == round(stored)
    if layer == "incidents":  # times travel as Unix seconds, for a map's time filter
        assert all(f["properties"]["occurred_start"] > 1.5e9 for f in features)


@pytest.mark.parametrize("layer", ["islands", "harbours", "segments", "incidents", "landings"])
def test_intelligence_tiles_carry_the_full_properties(published, layer):
    x, y = tile_of(114.8, -6.5, 6)
    bearer = {"Authorization": f"Bearer {published_token(published, 'intelligence')}"}
    r = published.get(f"/tiles/{layer}/6/{x}/{y}.pbf", headers=bearer)
    assert r.status_code == 200
    seen = set().union(*(f["properties"] for f in _decode(r.content)[layer]["features"]))
    full = set(layers.tile_properties(layers.layer(layer), "full"))
    assert seen - {"id"} <= full
    # Everything the full audience reads elsewhere, but a landing's notes (tests/api/test_landing_notes.py tiles one).
    assert set(layers.properties(layers.layer(layer), "full")) - full == ({"notes"} if layer == "landings" else set())
    # What planners may not see is there (empty values are left out of a tile, so a column the demo leaves empty,
    # like a reporter, is not); the other layers show planners everything.
    hidden_from_planners = full - set(PLANNER_PROPERTIES.get(layer, ()))
    assert {"landings": {"vessel_name", "origin"}, "incidents": {"narrative"}}.get(layer, set()) <= seen
    assert bool(hidden_from_planners) == (layer in ("landings", "incidents"))


def test_etag_revalidates_and_empty_tiles_are_204(published):
    z, x, y = KANGEAN_Z10
    first = published.get(f"/tiles/islands/{z}/{x}/{y}.pbf")
    again = published.get(f"/tiles/islands/{z}/{x}/{y}.pbf", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and not again.content and again.headers["etag"] == first.headers["etag"]
    empty = published.get("/tiles/islands/10/0/0.pbf")  # the Arctic off Alaska
    assert empty.status_code == 204 and not empty.content


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/tiles/rivers/10/840/531.pbf", 404, "layer 'rivers' does not exist"),
        ("/tiles/islands/23/0/0.pbf", 400, "z: must be from 0 to 22"),
        ("/tiles/islands/10/1024/531.pbf", 400, "x: must be from 0 to 1023 at zoom 10"),
        ("/tiles/islands/10/840/-1.pbf", 400, "y: must be from 0 to 1023 at zoom 10"),
    ],
)
def test_bad_tiles_name_the_coordinate(published, path, status, message):
    r = published.get(path)
    assert r.status_code == status and message in r.json()["detail"]


def test_malformed_tile_coordinates_and_risk_are_422(published):
    assert published.get("/tiles/islands/10/abc/531.pbf").json()["detail"][0]["loc"][-1] == "x"
    assert published.get("/tiles/segments/10/840/531.pbf?risk=piracy").json()["detail"][0]["loc"][-1] == "risk"


def test_segment_tiles_and_exports_follow_the_season(published):
    z, x, y = KANGEAN_Z10
    tiles = {
        season: _decode(published.get(f"/tiles/segments/{z}/{x}/{y}.pbf", params={"season": season}).content)
        for season in ("annual", "west", "east")
    }
    for season, tile in tiles.items():
        assert {f["properties"]["season"] for f in tile["segments"]["features"]} == {season}
    bad = published.get(f"/tiles/segments/{z}/{x}/{y}.pbf", params={"season": "summer"})
    assert bad.status_code == 422 and "season" in bad.text
    east = published.get("/api/v1/export/segments.geojson", params={"kind": "tppo", "season": "east"}).json()
    assert {f["properties"]["season"] for f in east["features"]} == {"east"}
    refused = published.get("/api/v1/export/islands.geojson", params={"season": "west"})
    assert refused.status_code == 400 and "season: layer 'islands' has no scores" in refused.text
