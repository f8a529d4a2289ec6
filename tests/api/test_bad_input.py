"""Bad input (docs/RELIABILITY.md §B): each a 4xx whose message names the field and the rule, and nothing stored."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.db.models import Landing
from tests.api.helpers import key, landing

URL = "/api/v1/landings"


def _pt(lon, lat):
    return {"type": "Point", "coordinates": [lon, lat]}


NOW = datetime.now(UTC)
CASES = {
    "lat out of range": ({"location": _pt(113.95, 200)}, "location.coordinates.1", "less than or equal to 90"),
    "lon out of range": ({"location": _pt(-181, -7.07)}, "location.coordinates.0", "greater than or equal to -180"),
    "swapped lat/lon": ({"location": _pt(-7.07, 113.95)}, "location", "coordinates look swapped"),
    "far from the regency": ({"location": _pt(110.4, -7.0)}, "location", "km from the nearest island"),
    "far from own harbour": ({"location": _pt(115.71, -7.02)}, "location", "km from harbour Kalianget"),
    "on land far from the coast": ({"location": _pt(113.80, -7.00)}, "location", "inland"),
    "naive timestamp": ({"observed_start": "2025-06-01T10:00:00", "observed_end": None}, "observed_start", "timezone"),
    "window end before start": (
        {
            "observed_start": (NOW - timedelta(hours=1)).isoformat(),
            "observed_end": (NOW - timedelta(hours=2)).isoformat(),
        },
        "",
        "observed_end precedes observed_start",
    ),
    "future observation": (
        {"observed_start": (NOW + timedelta(days=1)).isoformat(), "observed_end": None},  # NOW is import time
        "observed_start",
        "5 minutes in the future",
    ),
    "year 2999": ({"observed_start": "2999-01-01T00:00:00Z", "observed_end": None}, "observed_start", "future"),
    "before 2000": ({"observed_start": "1999-01-01T00:00:00Z", "observed_end": None}, "observed_start", "before 2000"),
    "negative count": ({"persons_aboard": -1}, "persons_aboard", "greater than or equal to 0"),
    "absurd count": ({"persons_aboard": 10**6}, "persons_aboard", "less than or equal to 2000"),
    "more foreigners than persons": (
        {"persons_aboard": 3, "crew": 1, "foreign_nationals": 5},
        "",
        "foreign_nationals (5) exceeds persons_aboard",
    ),
    "count as string": ({"persons_aboard": "5"}, "persons_aboard", "valid integer"),
    "unknown enum": ({"direction": "sideways"}, "direction", "'arrival' or 'departure'"),
    "unknown flag": ({"suspicion_flags": ["aliens"]}, "suspicion_flags.0", "Input should be"),
    "unknown field": ({"is_admin": True}, "is_admin", "Extra inputs are not permitted"),
    "crs member": (
        {"location": {**_pt(113.95, -7.07), "crs": {"type": "name", "properties": {"name": "EPSG:3857"}}}},
        "location",
        "RFC 7946",
    ),
    "wrong geometry type": (
        {"location": {"type": "LineString", "coordinates": [[113.95, -7.07], [113.96, -7.08]]}},
        "location.type",
        "'Point'",
    ),
    "three coordinates": (
        {"location": {"type": "Point", "coordinates": [113.95, -7.07, 5, 6]}},
        "location.coordinates",
        "at most 2",
    ),
    "text too long": ({"vessel_name": "x" * 121}, "vessel_name", "at most 120 characters"),
    "bad flag code": ({"vessel_flag": "idn"}, "vessel_flag", "pattern"),
    "bad uuid": ({"client_uuid": "not-a-uuid"}, "client_uuid", "UUID"),
    "notes too long": ({"notes": "x" * 1001}, "notes", "at most 1000 characters"),
    "control character in notes": ({"notes": "muatan\x07"}, "notes", "control character U+0007 at position 7"),
}


@pytest.mark.parametrize("change,field,rule", CASES.values(), ids=CASES.keys())
def test_bad_landing_is_4xx_naming_field_and_rule(client, headers, db, change, field, rule):
    body = landing(**change)
    r = client.post(URL, json=body, headers={**headers["harbourmaster"], **key()})
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    if isinstance(detail, str):
        assert detail.startswith(field) and rule in detail
    else:
        assert any(".".join(map(str, d["loc"][1:])) == field and rule in d["msg"] for d in detail), detail
    if change.get("client_uuid") != "not-a-uuid":
        stored = db.execute(select(func.count()).where(Landing.client_uuid == uuid.UUID(body["client_uuid"])))
        assert stored.scalar_one() == 0


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_422_not_500(client, headers, literal):
    body = json.dumps(landing()).replace("113.95", literal)
    r = client.post(
        URL, content=body, headers={**headers["harbourmaster"], **key(), "Content-Type": "application/json"}
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "location", "coordinates", 0]
    assert "finite" in r.json()["detail"][0]["msg"]


def test_nan_in_a_batch_item_is_invalid_not_500(client, headers):
    body = json.dumps({"items": [landing()]}).replace("113.95", "NaN")
    r = client.post(
        f"{URL}/batch", content=body, headers={**headers["harbourmaster"], "Content-Type": "application/json"}
    )
    assert r.status_code == 200 and r.json()["items"][0]["status"] == "invalid"
    assert "finite" in r.json()["items"][0]["error"]


def test_oversized_body_with_content_length_is_413(client, headers):
    r = client.post(
        URL,
        content=b"{" + b" " * 2_000_000 + b"}",
        headers={**headers["harbourmaster"], **key(), "Content-Type": "application/json"},
    )
    assert r.status_code == 413 and "limit" in r.json()["detail"]


def test_oversized_chunked_body_is_413(client, headers):
    def chunks():
        for _ in range(40):
            yield b" " * 65536

    r = client.post(
        URL, content=chunks(), headers={**headers["harbourmaster"], **key(), "Content-Type": "application/json"}
    )
    assert r.status_code == 413


def test_deeply_nested_json_is_4xx_not_500(client, headers):
    body = "[" * 100_000 + "]" * 100_000  # 200 kB, under the body limit (docs/RELIABILITY.md BI-08)
    r = client.post(
        URL, content=body, headers={**headers["harbourmaster"], **key(), "Content-Type": "application/json"}
    )
    assert 400 <= r.status_code < 500
