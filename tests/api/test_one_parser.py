"""One parser (``app.params``) for bbox, datetime and time windows: the same bad value is the same 400 with the
same message on every route that takes it, OGC API Features included, and the same one-line error from
``pesisir export``."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

BAD_BBOXES = {
    "three numbers": ("1,2,3", "bbox: needs 4 comma-separated numbers (minLon,minLat,maxLon,maxLat), got 3"),
    "not a number": ("a,b,c,d", "bbox: every value must be a number"),
    "not finite": ("nan,1,2,3", "bbox: values must be finite numbers"),
    "latitude out of range": ("100,-95,120,0", "bbox: longitudes must be within ±180 and latitudes within ±90"),
    "min above max": ("114,-7,113,-6", "bbox: minLon must not exceed maxLon (antimeridian-crossing boxes are not"),
    "too long": ("1," * 150 + "1", "bbox: at most 200 characters, got 301"),
}
BBOX_ROUTES = (
    "/api/v1/landings",
    "/api/v1/incidents",
    "/api/v1/export/islands.geojson",
    "/ogc/collections/islands/items",
    "/ogc/collections/landings/items",
)


@pytest.mark.parametrize(("value", "message"), BAD_BBOXES.values(), ids=BAD_BBOXES.keys())
def test_a_bad_bbox_is_the_same_400_on_every_route(client, headers, value, message):
    for path in BBOX_ROUTES:
        r = client.get(path, params={"bbox": value}, headers=headers["admin"])
        assert r.status_code == 400, (path, r.text)
        assert r.json()["detail"].startswith(message), (path, r.text)


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("yesterday", "'yesterday' is not an RFC 3339 date-time"),
        ("2025-01-01T00:00:00", "'2025-01-01T00:00:00' needs a time zone (for example 2025-01-01T00:00:00Z)"),
        ("9999-12-31T00:00:00Z", "must be from 1900-01-01 to 2199-12-31, got 9999-12-31"),
    ],
)
def test_a_bad_date_time_is_the_same_400_naming_each_parameter(client, headers, value, rule):
    cases = [
        ("/ogc/collections/incidents/items", "datetime"),
        ("/api/v1/export/incidents.csv", "datetime"),
        ("/api/v1/incidents", "occurred_from"),
        ("/api/v1/incidents", "occurred_to"),
        ("/api/v1/landings", "observed_from"),
        ("/api/v1/landings", "observed_to"),
    ]
    for path, name in cases:
        r = client.get(path, params={name: value}, headers=headers["admin"])
        assert r.status_code == 400, (path, name, r.text)
        assert r.json()["detail"] == f"{name}: {rule}", (path, name, r.text)


def test_a_window_that_ends_before_it_starts_is_400(client, headers):
    later, earlier = "2025-02-01T00:00:00Z", "2025-01-01T00:00:00Z"
    for path, field in (("/api/v1/incidents", "occurred"), ("/api/v1/landings", "observed")):
        r = client.get(path, params={f"{field}_from": later, f"{field}_to": earlier}, headers=headers["admin"])
        assert r.status_code == 400 and r.json()["detail"] == f"{field}_to: must not precede {field}_from", r.text
    r = client.get(
        "/ogc/collections/incidents/items", params={"datetime": f"{later}/{earlier}"}, headers=headers["admin"]
    )
    assert r.status_code == 400 and r.json()["detail"] == "datetime: the interval's start is after its end"
    r = client.get("/map", params={"from": "2025-02-01", "to": "2025-01-01"}, headers=headers["admin"])
    assert r.status_code == 400 and r.json()["detail"] == "to: must not be before from (2025-01-01 < 2025-02-01)"
    r = client.get("/map", params={"from": "1st of May"}, headers=headers["admin"])
    assert r.status_code == 400 and r.json()["detail"] == "from: '1st of May' is not a day (YYYY-MM-DD)"


def _pesisir_export(tmp_path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "export", "islands", "--out", str(tmp_path / "islands.geojson"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PESISIR_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"},
    )


def test_the_command_refuses_the_same_values_with_the_same_message(client, headers, tmp_path):
    """``pesisir export`` parses with the same module: exit 1, one line, the API's very message (checked before
    any database work, so no database is needed)."""
    for option, value, path in (
        ("--bbox", BAD_BBOXES["three numbers"][0], "/api/v1/export/islands.geojson?bbox="),
        ("--datetime", "yesterday", "/api/v1/export/incidents.csv?datetime="),
    ):
        api = client.get(path + value, headers=headers["admin"])
        assert api.status_code == 400
        done = _pesisir_export(tmp_path, option, value)
        assert done.returncode == 1, done.stderr
        assert done.stderr.strip().splitlines() == [f"error: {api.json()['detail']}"]
        assert done.stdout == "" and not (tmp_path / "islands.geojson").exists()
