"""The map shows each viewer what the API lets them read, within the chosen time window."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select, update

from app import params
from app.db.models import Incident, Landing
from app.errors import InvalidParameter
from app.services import demo, maps


def _data(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="pesisir-data-[^"]+">(.*?)</script>', html, re.S)
    assert found, "the map carries its event data as JSON"
    return json.loads(found.group(1))


@pytest.fixture
def reports(db):
    demo.load_demo(db, seed=5, n_incidents=120, n_landings=300)
    db.execute(update(Incident).values(narrative="saksi melihat kapal tanpa nama"))
    return db


def test_each_role_sees_what_the_api_allows(reports):
    db = reports
    full = _data(maps.render_map(db, web_tiles=False, scope=maps.scope_for("intelligence")))
    assert len(full["incidents"]) == 120 and len(full["landings"]) == 300
    assert all(row[6] == "saksi melihat kapal tanpa nama" for row in full["incidents"])

    planner = _data(maps.render_map(db, web_tiles=False, scope=maps.scope_for("planner")))
    assert planner["landings"] is None and len(planner["incidents"]) == 120
    assert all(len(row) == 6 for row in planner["incidents"])  # no narrative column at all
    assert "saksi melihat" not in maps.render_map(db, web_tiles=False, scope=maps.scope_for("planner"))

    harbour = db.scalars(select(Landing.harbour_id).where(Landing.harbour_id.is_not(None)).limit(1)).one()
    own = db.scalars(select(Landing.id).where(Landing.harbour_id == harbour)).all()
    hm = _data(maps.render_map(db, web_tiles=False, scope=maps.scope_for("harbourmaster", harbour)))
    assert hm["incidents"] is None and len(hm["landings"]) == len(own) < 300
    with pytest.raises(ValueError, match="role: unknown role"):
        maps.scope_for("guest")


def test_time_window_limits_the_events(reports):
    start, end = params.day_window("2024-01-01", "2024-12-31")
    data = _data(maps.render_map(reports, web_tiles=False, start=start, end=end))
    days = [row[2] for row in data["incidents"] + data["landings"]]
    assert days and all("2023-12-01" <= d <= "2024-12-31" for d in days)
    assert len(data["incidents"]) < 120
    with pytest.raises(InvalidParameter, match="to: must not be before from"):
        params.day_window("2024-05-01", "2024-01-01")


def test_a_coast_beyond_the_limit_is_drawn_from_vector_tiles(reports, monkeypatch):
    from app.services import risk

    risk.segment(reports)
    risk.score(reports, season="west")
    html = maps.render_map(reports, web_tiles=False, risk_kind="tppo", season="west")
    assert "L.vectorGrid.protobuf" not in html and "risk-legend" in html  # ~2,000 segments: one GeoJSON layer
    monkeypatch.setattr(maps, "SEGMENT_GEOJSON_LIMIT", 100)
    html = maps.render_map(reports, web_tiles=False, risk_kind="tppo", season="west")
    assert "L.vectorGrid.protobuf" in html and "/tiles/segments/{z}/{x}/{y}.pbf?risk=tppo&season=west" in html
    assert "risk-legend" in html
