"""Synthetic demo data: enough of every kind, flagged synthetic, idempotent for a seed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from app.db.models import Incident, Landing
from app.errors import InvalidInput
from app.services import demo
from geo.vocabulary import INCIDENT_KINDS


def test_demo_data_loads_once_per_seed(db):
    first = demo.load_demo(db, seed=11)
    assert first.incidents_inserted == first.incidents_generated >= 300
    assert first.landings_inserted == first.landings_generated >= 2000

    kinds = set(db.execute(select(Incident.kind).distinct()).scalars())
    assert kinds == set(INCIDENT_KINDS)
    assert db.execute(select(func.count()).where(Incident.synthetic.is_(False))).scalar_one() == 0
    assert db.execute(select(func.count()).select_from(Landing).where(Landing.synthetic.is_(False))).scalar_one() == 0
    at_harbour = db.execute(
        select(func.count()).select_from(Landing).where(Landing.harbour_id.is_not(None))
    ).scalar_one()
    suspicious = db.execute(select(func.count()).select_from(Landing).where(Landing.suspicious)).scalar_one()
    total = first.landings_inserted
    assert at_harbour > total / 2 and at_harbour < total  # most at harbours, some off-harbour
    assert 0 < suspicious < total / 2

    again = demo.load_demo(db, seed=11)
    assert (again.incidents_inserted, again.landings_inserted) == (0, 0)
    assert db.execute(select(func.count()).select_from(Landing)).scalar_one() == total


def test_demo_data_needs_the_base_layers(db):
    db.execute(text("DELETE FROM harbours"))
    with pytest.raises(InvalidInput, match="run 'pesisir load-base' first"):
        demo.load_demo(db, seed=1)
