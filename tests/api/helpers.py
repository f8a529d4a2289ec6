"""Shared request bodies for the landing and incident tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

# Just off Kalianget harbour (113.943889, -7.055833), at sea.
KALIANGET_SEA = [113.95, -7.07]
# Off Sapeken (Kangean archipelago), at sea.
SAPEKEN_SEA = [115.71, -7.02]


def landing(**over):
    now = datetime.now(UTC)
    body = {
        "client_uuid": str(uuid.uuid4()),
        "location": {"type": "Point", "coordinates": list(KALIANGET_SEA)},
        "precision_m": 25.0,
        "observed_start": (now - timedelta(hours=2)).isoformat(),
        "observed_end": (now - timedelta(hours=1)).isoformat(),
        "direction": "arrival",
        "vessel_name": "KM Sumber Rejeki",
        "vessel_type": "fishing",
        "persons_aboard": 6,
        "crew": 3,
        "foreign_nationals": 0,
        "suspicion_flags": [],
    }
    body.update(over)
    return body


def incident(**over):
    now = datetime.now(UTC)
    body = {
        "kind": "people_smuggling",
        "occurred_start": (now - timedelta(days=3)).isoformat(),
        "occurred_end": (now - timedelta(days=2)).isoformat(),
        "location": {"type": "Point", "coordinates": list(KALIANGET_SEA)},
        "precision_m": 500.0,
        "people": 12,
        "vessels": 1,
        "source": "informant report 17",
        "confidence": "medium",
        "narrative": "Named witness saw twelve people transferred at night.",
    }
    body.update(over)
    return body


def key():
    return {"Idempotency-Key": str(uuid.uuid4())}
