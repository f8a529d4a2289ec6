"""Base layers: Sumenep's islands and harbours load completely, idempotently, and bad files write nothing."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app.db.models import AuditLog, Harbour, Island
from app.errors import InvalidInput
from app.services import base_data

DATA = Path(__file__).resolve().parents[2] / "data"


def _official_codes() -> set[str]:
    with (DATA / "official_islands.csv").open() as f:
        return {row["code"] for row in csv.DictReader(f)}


def test_all_38_inhabited_islands_and_madura_are_loaded_and_named(db):
    rows = db.execute(select(Island.code, Island.name, Island.official_codes, Island.inhabited)).all()
    codes = {r.code for r in rows} | {c for r in rows for c in r.official_codes}
    official = _official_codes()
    assert len(official) == 38
    assert official <= codes
    madura = next(r for r in rows if r.code == "35.29")
    assert madura.name == "Madura (Sumenep)" and madura.inhabited
    named = {r.code: r.name for r in rows}
    assert named["35.29.40081"] == "Sapudi"
    assert all(r.inhabited for r in rows if r.code in official)


def test_every_harbour_is_loaded_with_its_source_and_island(db):
    with (DATA / "harbours.csv").open() as f:
        expected = {row["slug"]: row for row in csv.DictReader(f)}
    rows = {h.slug: h for h in db.execute(select(Harbour)).scalars()}
    assert set(rows) == set(expected)
    for slug, row in expected.items():
        assert rows[slug].name == row["name"] and rows[slug].source == row["source"]
        assert rows[slug].monitored == (row["monitored"] == "true")
    kalianget = db.execute(
        select(Island.code).join(Harbour, Harbour.island_id == Island.id).where(Harbour.slug == "kalianget")
    ).scalar_one()
    assert kalianget == "35.29"


def test_loading_again_adds_and_changes_nothing(db):
    before = db.execute(select(func.count()).select_from(AuditLog)).scalar_one()
    reports = base_data.load_base(db)
    assert [r.layer for r in reports][:2] == ["islands", "harbours"]
    assert all((r.inserted, r.updated) == (0, 0) for r in reports), reports
    assert db.execute(select(func.count()).select_from(AuditLog)).scalar_one() == before


def test_a_changed_row_is_updated_and_audited(db, tmp_path):
    src = (DATA / "harbours.csv").read_text().replace("Ambunten,fishing_port,false", "Ambunten,fishing_port,true")
    p = tmp_path / "harbours.csv"
    p.write_text(src)
    report = base_data.load_harbours(db, p, actor="test")
    assert (report.inserted, report.updated) == (0, 1)
    assert db.execute(select(Harbour.monitored).where(Harbour.slug == "ambunten")).scalar_one() is True
    audit = db.execute(select(AuditLog).order_by(AuditLog.id.desc()).limit(1)).scalar_one()
    assert (audit.actor, audit.action, audit.object_type, audit.after["updated"]) == (
        "test",
        "load",
        "harbours",
        1,
    )


def test_bad_file_fails_with_its_name_and_writes_nothing(db, tmp_path):
    counts = db.execute(text("SELECT (SELECT count(*) FROM islands), (SELECT count(*) FROM harbours)")).one()
    bad = tmp_path / "islands.geojson"
    bowtie = [[[114.0, -7.0], [114.1, -6.9], [114.1, -7.0], [114.0, -6.9], [114.0, -7.0]]]
    bad.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"code": "NEW1", "name": "Baru"},
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [[[114.2, -7.2], [114.3, -7.2], [114.3, -7.1], [114.2, -7.2]]],
                        },
                    },
                    {
                        "type": "Feature",
                        "properties": {"code": "BAD", "name": "Dasi"},
                        "geometry": {"type": "Polygon", "coordinates": bowtie},
                    },
                ],
            }
        )
    )
    with pytest.raises(InvalidInput, match=r"islands: .*islands.geojson: feature BAD: invalid polygon"):
        base_data.load_base(db, islands=bad)
    with pytest.raises(InvalidInput, match="missing.csv: file not found"):
        base_data.load_base(db, harbours=tmp_path / "missing.csv")
    after = db.execute(text("SELECT (SELECT count(*) FROM islands), (SELECT count(*) FROM harbours)")).one()
    assert after == counts


def test_reloading_a_rebuilt_layer_removes_the_generated_islands_it_no_longer_has(db, tmp_path):
    """A split part merged into its named island loses its OSM- code; its old row must not stay and be segmented."""
    layer = json.loads((DATA / "sumenep_islands.geojson").read_text(encoding="utf-8"))
    template = next(f for f in layer["features"] if f["properties"]["code"].startswith("OSM-"))
    ring = [[114.2, -7.3], [114.21, -7.3], [114.21, -7.29], [114.2, -7.3]]
    stale = {
        "type": "Feature",
        "properties": {**template["properties"], "code": "OSM-114.4907-7.1476"},
        "geometry": {"type": "MultiPolygon", "coordinates": [[ring]]},
    }
    old = tmp_path / "old.geojson"
    old.write_text(json.dumps({**layer, "features": [*layer["features"], stale]}))
    base_data.load_islands(db, old)
    assert db.execute(select(func.count()).where(Island.code == "OSM-114.4907-7.1476")).scalar_one() == 1
    report = base_data.load_islands(db, DATA / "sumenep_islands.geojson", actor="test")
    assert report.deleted == 1
    assert db.execute(select(func.count()).where(Island.code == "OSM-114.4907-7.1476")).scalar_one() == 0
    # A file without the official islands never deletes them: only generated codes are pruned.
    official_only = tmp_path / "one.geojson"
    official_only.write_text(json.dumps({**layer, "features": layer["features"][:1]}))
    assert base_data.load_islands(db, official_only).deleted == 60  # the layer's unnamed islands
    assert db.execute(select(func.count()).select_from(Island)).scalar_one() == 39  # Madura and the 38
