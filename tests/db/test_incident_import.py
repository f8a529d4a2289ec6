"""Importing incidents from files: every row created, duplicate or invalid (row number and reason), keyed by the
source's own id, one transaction per file. The command runs for real against a committed database (``scratch``),
so "nothing stored" means nothing committed."""

from __future__ import annotations

import csv
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app import cli
from app.db.models import AuditLog, Incident
from app.errors import InvalidInput
from app.services import incident_import
from app.settings import DatabaseSettings, Settings

TEMPLATE = Path(__file__).resolve().parents[2] / "data" / "templates" / "incidents.csv"
HEADER = list(incident_import.COLUMNS)
# At sea off Sumenep's coasts (each within a few km of an island).
SEA = [(113.95, -7.07), (114.02, -7.10), (115.71, -7.02), (114.35, -6.92), (113.90, -7.12)]


def _good(i: int, source: str) -> dict[str, str]:
    lon, lat = SEA[i % len(SEA)]
    start = datetime(2023, 1, 1, tzinfo=UTC) + timedelta(hours=7 * i)
    row = {
        "source_ref": f"LP/{i:04d}",
        "source": source,
        "kind": ("people_smuggling", "tppo", "pmi_nonprocedural")[i % 3],
        "occurred_start": start.isoformat(),
        "occurred_end": "",
        "lon": f"{lon + (i % 7) * 0.001:.4f}",
        "lat": f"{lat - (i % 5) * 0.001:.4f}",
        "precision_m": "250",
        "people": str(i % 20),
        "vessels": "1",
        "confidence": "medium",
        "narrative": f"record {i}, with a comma",
    }
    if i % 50 == 0:  # a time window and a coarse position
        row.update(occurred_end=(start + timedelta(days=3)).isoformat(), precision_m="5000")
    if i % 97 == 0:  # a bare date: the whole day in WIB
        row.update(occurred_start="2024-05-06", occurred_end="", precision_m="12000")
    return row


# Ten different faults, each with the column its reason must name.
FAULTS = [
    ({"lon": "113,95"}, "lon:"),
    ({"lat": ""}, "lat:"),
    ({"kind": "piracy"}, "kind:"),
    ({"occurred_start": "2024-01-01T10:00:00"}, "occurred_start:"),
    ({"occurred_start": "2024-02-01T00:00:00+07:00", "occurred_end": "2024-01-01T00:00:00+07:00"}, "occurred_end:"),
    ({"precision_m": "0"}, "precision_m:"),
    ({"people": "-3"}, "people:"),
    ({"source_ref": ""}, "source_ref:"),
    ({"lon": "-7.07", "lat": "113.95"}, "lon/lat: coordinates look swapped"),
    ({"lon": "110.40", "lat": "-6.97"}, "lon/lat:"),  # Semarang: far from every island of Sumenep
]


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=HEADER)
        w.writeheader()
        w.writerows(rows)
    return path


def _acceptance_file(path: Path, source: str) -> tuple[Path, dict[int, str], list[int]]:
    """1,000 rows: 985 good, 10 malformed, 5 repeats of earlier source ids. Returns the file, the malformed rows'
    numbers (spreadsheet rows: the header is row 1) with the column each reason names, and the repeats' rows."""
    rows = [_good(i, source) for i in range(985)]
    bad: dict[int, str] = {}
    for k, (fault, _) in enumerate(FAULTS):
        row = _good(k * 13 + 1, source)
        row["source_ref"] = f"BAD/{k}"
        row.update(fault)
        at = 40 + k * 90  # spread over the file
        rows.insert(at, row)
    repeats = []
    for k in range(5):
        again = _good(k * 100 + 3, source)
        again["narrative"] = "sent again by the source"
        rows.insert(600 + k * 70, again)
    # Row numbers once every insert is done.
    for n, row in enumerate(rows, start=2):
        if row["source_ref"] == "" or row["source_ref"].startswith("BAD/"):
            column = next(c for f, c in FAULTS if all(row.get(k) == v for k, v in f.items()))
            bad[n] = column
        elif row["narrative"] == "sent again by the source":
            repeats.append(n)
    assert len(rows) == 1000 and len(bad) == 10 and len(repeats) == 5
    return _write(path, rows), bad, repeats


@pytest.fixture
def scratch_cli(cluster, scratch, monkeypatch):
    """The command on the scratch database (committed for real)."""
    name, engine = scratch
    settings = Settings(database=DatabaseSettings(data_dir=cluster.data_dir, name=name))
    monkeypatch.setattr(cli, "_settings", lambda: settings)

    def run(*args: str):
        return CliRunner().invoke(cli.cli, list(args))

    return run, engine


def _counts(engine, source: str) -> tuple[int, int]:
    with Session(engine) as s:
        incidents = s.execute(select(func.count()).select_from(Incident).where(Incident.source == source)).scalar_one()
        audit = s.execute(select(func.count()).select_from(AuditLog)).scalar_one()
    return incidents, audit


def test_a_thousand_rows_ten_malformed_five_repeats(scratch_cli, tmp_path):
    run, engine = scratch_cli
    source = f"Polres Sumenep {uuid.uuid4().hex[:8]}"
    path, bad, repeats = _acceptance_file(tmp_path / "incidents.csv", source)
    _, audit_before = _counts(engine, source)

    result = run("import", "incidents", str(path))
    assert result.exit_code == 2, result.output  # stored, but some rows were invalid
    assert "1000 rows: 985 created, 5 duplicate, 10 invalid" in result.stdout
    for n, column in bad.items():
        line = next(x for x in result.stdout.splitlines() if x.startswith(f"row {n}: invalid: "))
        assert column in line, line
    for n in repeats:
        assert f"row {n}: duplicate: source_ref: repeats row " in result.stdout

    incidents, audit_after = _counts(engine, source)
    assert incidents == 985
    assert audit_after - audit_before == 985 + 1  # one per incident, as POST /incidents writes, and the import's
    with Session(engine) as s:
        stored = {n.source_ref: n for n in s.execute(select(Incident).where(Incident.source == source)).scalars()}
        summary = s.execute(
            select(AuditLog).where(AuditLog.object_type == "incident_import").order_by(AuditLog.id.desc()).limit(1)
        ).scalar_one()
    assert not any(n.synthetic for n in stored.values())
    window = stored["LP/0050"]
    assert window.occurred_end - window.occurred_start == timedelta(days=3) and window.precision_m == 5000
    day = stored["LP/0097"]  # a bare date: the whole day in WIB
    assert day.occurred_start == datetime(2024, 5, 5, 17, tzinfo=UTC)
    assert day.occurred_end == datetime(2024, 5, 6, 16, 59, 59, tzinfo=UTC) and day.precision_m == 12000
    assert stored["LP/0103"].narrative == "record 103, with a comma"  # the first of a repeated id is kept
    after = summary.after
    assert (after["rows"], after["created"], after["duplicate"], after["invalid"]) == (1000, 985, 5, 10)
    assert after["invalid_rows"] == sorted(bad) and after["format"] == "CSV" and len(after["sha256"]) == 64
    assert summary.actor.startswith("cli:")

    again = run("import", "incidents", str(path))
    assert again.exit_code == 2, again.output
    assert "1000 rows: 0 created, 990 duplicate, 10 invalid" in again.stdout
    assert _counts(engine, source) == (985, audit_after)  # nothing created, nothing audited


def test_a_file_with_no_valid_row_changes_nothing(scratch_cli, tmp_path):
    run, engine = scratch_cli
    source = f"Polairud {uuid.uuid4().hex[:8]}"
    rows = []
    for k, (fault, _) in enumerate(FAULTS):
        row = _good(k, source)
        row.update(fault)
        rows.append(row)
    path = _write(tmp_path / "all-bad.csv", rows)
    before = _counts(engine, source)
    result = run("import", "incidents", str(path))
    assert result.exit_code == 1
    assert "10 rows: 0 created, 0 duplicate, 10 invalid" in result.stdout
    assert "no valid row: nothing stored" in result.stderr
    assert _counts(engine, source) == before


def test_a_dry_run_reports_and_stores_nothing(scratch_cli, tmp_path):
    run, engine = scratch_cli
    source = f"Lanal Batuporon {uuid.uuid4().hex[:8]}"
    path = _write(tmp_path / "few.csv", [_good(i, source) for i in range(3)])
    before = _counts(engine, source)
    result = run("import", "incidents", str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "3 rows: 3 would be created, 0 duplicate, 0 invalid (dry run: nothing stored)" in result.stdout
    assert _counts(engine, source) == before


# -- the service, in the test's rolled-back transaction -----------------------------------------------------------
def test_the_template_imports(db):
    report = incident_import.import_file(db, "cli:test", TEMPLATE)
    assert (report.created, report.duplicate, report.invalid) == (2, 0, 0), report.results
    ngo = db.execute(select(Incident).where(Incident.source_ref == "KASUS-2024-031")).scalar_one()
    assert ngo.occurred_start == datetime(2024, 10, 31, 17, tzinfo=UTC)  # 1 November, 00:00 WIB
    assert ngo.occurred_end == datetime(2024, 11, 30, 16, 59, 59, tzinfo=UTC) and ngo.vessels is None


def test_geojson_and_geopackage_keep_row_numbers(db, tmp_path):
    source = "KSOP Kalianget"
    rows = [_good(i, source) for i in range(4)]
    rows[2]["kind"] = "piracy"
    frame = gpd.GeoDataFrame(
        [{k: v for k, v in r.items() if k not in ("lon", "lat")} for r in rows],
        geometry=[shapely.Point(float(r["lon"]), float(r["lat"])) for r in rows],
        crs="EPSG:4326",
    )
    frame["precision_m"] = frame["precision_m"].astype(float)
    frame.loc[3, "source_ref"] = "LP/0000"  # repeats feature 1
    gj = tmp_path / "incidents.geojson"
    frame.to_file(gj, driver="GeoJSON")
    report = incident_import.import_file(db, "cli:test", gj)
    assert [(r.row, r.status) for r in report.results] == [
        (1, "created"),
        (2, "created"),
        (3, "invalid"),
        (4, "duplicate"),
    ]
    assert report.results[2].reason.startswith("kind: ")
    gpkg = tmp_path / "incidents.gpkg"
    frame.to_crs(32749).to_file(gpkg, driver="GPKG")  # UTM 49S: reprojected on reading
    again = incident_import.import_file(db, "cli:test", gpkg)
    assert [r.status for r in again.results] == ["duplicate", "duplicate", "invalid", "duplicate"]
    assert again.results[0].id == report.results[0].id


def test_a_file_that_cannot_be_read_as_a_whole_is_refused(db, tmp_path):
    wrong = tmp_path / "typo.csv"
    wrong.write_text("source_ref,source,kind,ocurred_start,lon,lat,precision_m\nA,B,tppo,2024-01-01,114,-7,10\n")
    with pytest.raises(InvalidInput, match="occurred_start missing"):
        incident_import.import_file(db, "cli:test", wrong)
    extra = tmp_path / "extra.csv"
    extra.write_text(",".join([*HEADER, "reporter"]) + "\n")
    with pytest.raises(InvalidInput, match="unknown column.*'reporter'"):
        incident_import.import_file(db, "cli:test", extra)
    sheet = tmp_path / "t.xlsx"
    sheet.write_bytes(TEMPLATE.read_bytes())
    with pytest.raises(InvalidInput, match="CSV .* GeoJSON or GeoPackage"):
        incident_import.import_file(db, "cli:test", sheet)


def test_a_semicolon_csv_from_an_indonesian_spreadsheet(db, tmp_path):
    path = tmp_path / "semi.csv"
    row = _good(1, "Polres Sumenep")
    path.write_text(";".join(HEADER) + "\n" + ";".join(row[c] for c in HEADER) + "\n", encoding="utf-8-sig")
    report = incident_import.import_file(db, "cli:test", path)
    assert report.created == 1, report.results


def test_a_record_missing_required_fields_names_them_and_stores_nothing(db):
    records = [incident_import.Record(2, {"kind": "tppo"})]
    report = incident_import.import_records(db, "cli:test", records, what="x")
    assert report.invalid == 1 and "source_ref" in (report.results[0].reason or "")
    rows = db.execute(select(AuditLog).where(AuditLog.object_type == "incident_import")).scalars().all()
    assert not any(r.after.get("what") == "x" for r in rows)  # no valid row: not even an audit row
