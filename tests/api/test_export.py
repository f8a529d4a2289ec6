"""Exports: planners' allow-list in every layer and format, RFC 7946 validity, GeoPackage through pyogrio, filters,
provenance, errors naming the parameter, and the ``pesisir export`` command."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import time
from contextlib import contextmanager, suppress
from datetime import datetime

import pyogrio
import pytest
import shapely
from shapely.geometry import box, shape
from sqlalchemy import text

from app.errors import Forbidden
from app.services.layers import PLANNER_PROPERTIES
from tests.fixtures_db import published_token

LAYERS = ("islands", "harbours", "segments", "incidents", "landings")
PLANNER_LAYERS = tuple(name for name in LAYERS if name in PLANNER_PROPERTIES)
"""Planners get no landings (the role table in README.md): a 403, ``test_planners_get_no_landing_export``."""
PROVENANCE = ("generated_at", "model_version", "weights_source", "data_cutoff")
KANGEAN = (115.1, -7.0, 115.5, -6.7)


# -- an RFC 7946 validator ----------------------------------------------------------------------------------------
def _positions(coords, depth: int) -> list:
    return [coords] if depth == 0 else [p for c in coords for p in _positions(c, depth - 1)]


def _check_position(p, where: str) -> None:
    assert isinstance(p, list) and len(p) in (2, 3), f"{where}: a position has 2 or 3 numbers, got {p!r}"
    assert all(isinstance(v, int | float) and math.isfinite(v) for v in p), f"{where}: {p!r} is not numeric"
    assert -180 <= p[0] <= 180 and -90 <= p[1] <= 90, f"{where}: {p!r} is not lon/lat"


def _check_ring(ring, where: str, *, exterior: bool) -> None:
    assert len(ring) >= 4, f"{where}: a linear ring has at least 4 positions"
    assert ring[0] == ring[-1], f"{where}: a linear ring is closed"
    ccw = shapely.LinearRing([p[:2] for p in ring]).is_ccw
    assert ccw == exterior, f"{where}: {'exterior' if exterior else 'interior'} ring breaks the right-hand rule"


def check_geometry(g, where: str) -> None:
    assert isinstance(g, dict) and "crs" not in g, f"{where}: a geometry object without crs"
    t = g.get("type")
    if t == "GeometryCollection":
        for i, member in enumerate(g["geometries"]):
            check_geometry(member, f"{where}.geometries[{i}]")
        return
    depth = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}
    assert t in depth, f"{where}: unknown geometry type {t!r}"
    coords = g["coordinates"]
    for p in _positions(coords, depth[t]):
        _check_position(p, where)
    if t == "LineString":
        assert len(coords) >= 2, f"{where}: a LineString has at least 2 positions"
    if t == "MultiLineString":
        assert all(len(line) >= 2 for line in coords), f"{where}: each line has at least 2 positions"
    polygons = [coords] if t == "Polygon" else coords if t == "MultiPolygon" else []
    for k, polygon in enumerate(polygons):
        for r, ring in enumerate(polygon):
            _check_ring(ring, f"{where}[{k}][{r}]", exterior=r == 0)


def check_rfc7946(doc) -> None:
    """RFC 7946: FeatureCollection of Features with geometry and properties members, lon/lat positions, closed
    rings following the right-hand rule (exteriors counter-clockwise), and no ``crs`` member anywhere."""
    assert doc.get("type") == "FeatureCollection" and isinstance(doc.get("features"), list)
    assert "crs" not in doc, "RFC 7946 §4: no crs member"
    if "bbox" in doc:
        assert len(doc["bbox"]) in (4, 6)
    for i, f in enumerate(doc["features"]):
        where = f"features[{i}]"
        assert f.get("type") == "Feature" and "geometry" in f and "properties" in f, f"{where}: a Feature"
        assert "crs" not in f, f"{where}: no crs member"
        assert "id" not in f or isinstance(f["id"], str | int | float), f"{where}: id is a string or a number"
        assert f["properties"] is None or isinstance(f["properties"], dict), f"{where}: properties is an object"
        if f["geometry"] is not None:
            check_geometry(f["geometry"], f"{where}.geometry")


def test_the_validator_catches_what_rfc7946_forbids():
    good = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
            }
        ],
    }
    check_rfc7946(good)
    bad = [
        {**good, "crs": {"type": "name"}},
        {
            **good,
            "features": [
                {
                    "type": "Feature",
                    "properties": {},
                    "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 0]]]},
                }
            ],
        },
        {
            **good,
            "features": [
                {
                    "type": "Feature",
                    "properties": {},
                    "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]},
                }
            ],
        },
        {
            **good,
            "features": [
                {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [-6.9, 215.4]}}
            ],
        },
        {**good, "features": [{"type": "Feature", "geometry": None}]},
    ]
    for doc in bad:
        with pytest.raises(AssertionError):
            check_rfc7946(doc)


# -- allow-list, every layer in every format ------------------------------------------------------------------------
def _csv(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode())))


@pytest.mark.parametrize("layer", PLANNER_LAYERS)
def test_planner_geojson_has_the_allow_list_and_is_rfc7946(published, layer):
    r = published.get(f"/api/v1/export/{layer}.geojson")
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    assert f'filename="{layer}' in r.headers["content-disposition"]
    doc = r.json()
    check_rfc7946(doc)
    assert doc["features"], f"{layer}: nothing exported"
    for f in doc["features"]:
        assert set(f["properties"]) == set(PLANNER_PROPERTIES[layer])
    assert doc["generated_at"].endswith("Z") and doc["model_version"] and datetime.fromisoformat(doc["data_cutoff"])
    assert "expert prior" in doc["weights_source"]  # where the scores' weights come from, on every layer


@pytest.mark.parametrize("layer", PLANNER_LAYERS)
def test_planner_csv_has_the_allow_list_lonlat_or_wkt_and_provenance(published, layer):
    r = published.get(f"/api/v1/export/{layer}.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = _csv(r.content)
    assert rows
    cols = list(rows[0])
    geometry = ["lon", "lat"] if cols[1] == "lon" else ["wkt"]
    props = cols[1 + len(geometry) :]
    assert set(props) - set(PROVENANCE) == set(PLANNER_PROPERTIES[layer]) - set(PROVENANCE)
    assert set(PROVENANCE) <= set(props)
    for row in rows[:50]:
        if geometry == ["wkt"]:
            g = shapely.from_wkt(row["wkt"])
            assert g.is_valid and box(113.0, -8.0, 117.0, -4.5).contains(g)
        else:
            assert 113 < float(row["lon"]) < 117 and -8 < float(row["lat"]) < -4.5
        assert row["generated_at"] and row["model_version"]


@pytest.mark.parametrize("layer", PLANNER_LAYERS)
def test_planner_geopackage_opens_with_pyogrio_and_carries_provenance(published, layer, tmp_path):
    r = published.get(f"/api/v1/export/{layer}.gpkg")
    assert r.status_code == 200 and r.headers["content-type"] == "application/geopackage+sqlite3"
    path = tmp_path / f"{layer}.gpkg"
    path.write_bytes(r.content)
    frame = pyogrio.read_dataframe(path, layer=layer)
    assert len(frame) > 0 and frame.crs.to_epsg() == 4326
    assert set(frame.columns) - {"id", "geometry"} == set(PLANNER_PROPERTIES[layer])
    info = pyogrio.read_info(path, layer=layer)
    for meta in (info["layer_metadata"], info["dataset_metadata"]):
        assert set(PROVENANCE) <= set(meta) and meta["generated_at"]
    if layer == "segments":
        assert frame["score"].dtype.kind == "f" and frame["ordinal"].dtype.kind == "i"
        assert {"remoteness"} <= set(json.loads(frame["contributions"].iloc[0]))


def test_full_audience_adds_what_planners_never_see(published_settings):
    from sqlalchemy.orm import Session

    from app.db.session import make_engine
    from app.services import export, layers

    engine = make_engine(published_settings.database)
    try:
        with Session(engine) as s:
            full = b"".join(export.export_layer(s, "landings", "geojson", audience="full").chunks)
            with pytest.raises(Forbidden):
                export.export_layer(s, "landings", "geojson", audience="planner")
    finally:
        engine.dispose()
    full_props = set(json.loads(full)["features"][0]["properties"])
    assert {"vessel_name", "vessel_registration", "origin", "reporter_id"} <= full_props
    assert not full_props - set(layers.properties(layers.layer("landings"), "full"))


@pytest.mark.parametrize("fmt", ["geojson", "csv", "gpkg"])
def test_planners_get_no_landing_export(published, fmt):
    assert published.get(f"/api/v1/export/landings.{fmt}").status_code == 403


def test_incident_narratives_never_reach_planners():
    assert not {"narrative", "source", "review_reason"} & set(PLANNER_PROPERTIES["incidents"])
    assert "landings" not in PLANNER_PROPERTIES


# -- filters ------------------------------------------------------------------------------------------------------
def _features(published, layer: str, **params) -> list[dict]:
    # Landings are not for planners: read as intelligence.
    headers = {"Authorization": f"Bearer {published_token(published, 'intelligence')}"} if layer == "landings" else {}
    r = published.get(f"/api/v1/export/{layer}.geojson", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["features"]


def test_bbox_filters(published):
    every = _features(published, "segments")
    inside = _features(published, "segments", bbox=",".join(map(str, KANGEAN)))
    assert 0 < len(inside) < len(every)
    assert all(shape(f["geometry"]).intersects(box(*KANGEAN)) for f in inside)


def test_datetime_filters_incidents_and_landings(published):
    window = "2024-01-01T00:00:00Z/2024-06-30T23:59:59Z"
    for layer, start, end in (
        ("incidents", "occurred_start", "occurred_end"),
        ("landings", "observed_start", "observed_end"),
    ):
        every, some = _features(published, layer), _features(published, layer, datetime=window)
        assert 0 < len(some) < len(every)
        for f in some:
            p = f["properties"]
            assert p[start] <= "2024-06-30T23:59:59" and p[end] >= "2024-01-01"


def test_kind_class_and_min_score_filter(published):
    ports = _features(published, "harbours", kind="fishing_port")
    assert ports and {f["properties"]["kind"] for f in ports} == {"fishing_port"}
    tppo = _features(published, "incidents", kind="tppo")
    assert tppo and {f["properties"]["kind"] for f in tppo} == {"tppo"}
    high = _features(published, "segments", kind="tppo", **{"class": "high"})
    assert high and {(f["properties"]["risk_kind"], f["properties"]["risk_class"]) for f in high} == {("tppo", "high")}
    top = _features(published, "segments", min_score=0.5)
    assert top and min(f["properties"]["score"] for f in top) >= 0.5
    assert len(top) < len(_features(published, "segments"))


def test_filters_apply_to_csv_and_geopackage_too(published, tmp_path):
    rows = _csv(published.get("/api/v1/export/harbours.csv", params={"kind": "ferry_terminal"}).content)
    assert rows and {r["kind"] for r in rows} == {"ferry_terminal"}
    path = tmp_path / "x.gpkg"
    path.write_bytes(published.get("/api/v1/export/incidents.gpkg", params={"bbox": "0,0,1,1"}).content)
    empty = pyogrio.read_dataframe(path)
    assert len(empty) == 0 and set(empty.columns) - {"id", "geometry"} == set(PLANNER_PROPERTIES["incidents"])


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/api/v1/export/islands.geojson?bbox=1,2,3", 400, "bbox: needs 4 comma-separated numbers"),
        ("/api/v1/export/incidents.csv?datetime=yesterday", 400, "datetime: 'yesterday' is not an RFC 3339"),
        ("/api/v1/export/islands.csv?datetime=2025-01-01T00:00:00Z", 400, "datetime: layer 'islands' has no time"),
        ("/api/v1/export/incidents.geojson?kind=piracy", 400, "kind: must be one of tppo"),
        ("/api/v1/export/islands.gpkg?kind=big", 400, "kind: layer 'islands' has no kind"),
        ("/api/v1/export/segments.geojson?kind=piracy", 400, "kind: must be one of landing, tppo"),
        ("/api/v1/export/segments.geojson?class=extreme", 400, "class: must be one of low"),
        ("/api/v1/export/harbours.geojson?class=high", 400, "class: layer 'harbours' has no scores"),
        ("/api/v1/export/segments.csv?min_score=1.5", 400, "min_score: must be a number from 0 to 1"),
        ("/api/v1/export/segments.csv?min_score=nan", 400, "min_score: must be a number from 0 to 1"),
        ("/api/v1/export/rivers.geojson", 404, "layer 'rivers' does not exist"),
    ],
)
def test_bad_parameters_name_the_parameter_and_rule(published, url, status, message):
    r = published.get(url)
    assert r.status_code == status
    assert message in r.json()["detail"]


@pytest.mark.parametrize(
    ("url", "field"),
    [("/api/v1/export/islands.shp", "fmt"), ("/api/v1/export/segments.csv?min_score=high", "min_score")],
)
def test_malformed_parameters_are_422_naming_the_field(published, url, field):
    r = published.get(url)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == field


# -- the command --------------------------------------------------------------------------------------------------
def test_cli_export_writes_the_same_file(published, published_settings, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from app import cli

    monkeypatch.setattr(cli, "_settings", lambda: published_settings)
    out = tmp_path / "ports.gpkg"
    args = ["export", "harbours", "--format", "gpkg", "--out", str(out), "--kind", "official_port"]
    result = CliRunner().invoke(cli.cli, args)
    assert result.exit_code == 0, result.output
    assert "written to" in result.stdout and not (tmp_path / "ports.gpkg.partial").exists()
    frame = pyogrio.read_dataframe(out)
    assert len(frame) > 0 and set(frame["kind"]) == {"official_port"}
    bad = CliRunner().invoke(cli.cli, ["export", "harbours", "--format", "shp", "--out", str(tmp_path / "x")])
    assert bad.exit_code != 0 and "--format: must be one of geojson, csv, gpkg" in str(bad.exception)


# -- docs/RELIABILITY.md LD-03: one export at a time per user, and a time limit ------------------------------------
def _bearer(client, role: str) -> dict[str, str]:
    from tests.fixtures_db import published_token

    return {"Authorization": f"Bearer {published_token(client, role)}"}


@contextmanager
def _turn_held_elsewhere(settings, user_id: int):
    """``user_id``'s export turn held by another connection to the database, as by an export of theirs streaming
    in another worker process."""
    from app.db.session import make_engine, make_sessionmaker, unit_of_work
    from app.services.export import take_turn

    eng = make_engine(settings.database)
    try:
        with unit_of_work(make_sessionmaker(eng)) as session:
            take_turn(session, user_id)
            yield session
    finally:
        eng.dispose()


def _wait_until_gone(engine, pid: int, limit_s: float = 30.0) -> None:
    """Wait until the server process ``pid`` has ended (its session's advisory locks released with it)."""
    deadline = time.monotonic() + limit_s
    with engine.connect() as conn:
        while conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p"), {"p": pid}).scalar_one():
            assert time.monotonic() < deadline, f"server process {pid} still there after {limit_s} s"
            time.sleep(0.05)
            conn.rollback()  # a fresh snapshot of pg_stat_activity on the next read


def test_a_turn_is_one_at_a_time_per_user_and_comes_back_whatever_happens(published_settings):
    from app.db.session import make_engine, make_sessionmaker, unit_of_work
    from app.errors import RateLimited
    from app.services.export import take_turn

    eng = make_engine(published_settings.database)
    factory = make_sessionmaker(eng)
    try:
        with (
            _turn_held_elsewhere(published_settings, 1),
            _turn_held_elsewhere(published_settings, 2),
            pytest.raises(RateLimited, match="one at a time per user"),
            unit_of_work(factory) as s,
        ):
            take_turn(s, 1)  # two users at once, but never one user twice
        with pytest.raises(RuntimeError), unit_of_work(factory) as s:
            take_turn(s, 1)
            raise RuntimeError("the client went away")
        with unit_of_work(factory) as s:
            take_turn(s, 1)
        # A worker killed mid-export: its connection closes, and PostgreSQL gives the turn back once the server
        # process has seen the socket close (asynchronous: wait for that process to be gone, not for a time).
        with suppress(Exception), _turn_held_elsewhere(published_settings, 1) as held:
            pid = held.execute(text("SELECT pg_backend_pid()")).scalar_one()
            held.connection().invalidate()
        _wait_until_gone(eng, pid)
        with unit_of_work(factory) as s:
            take_turn(s, 1)
    finally:
        eng.dispose()


def test_a_second_export_of_the_same_user_waits_its_turn(published_settings):
    import jwt
    from fastapi.testclient import TestClient

    from app import main

    with TestClient(main.create_app(published_settings)) as c:
        planner, intelligence = _bearer(c, "planner"), _bearer(c, "intelligence")
        planner_id = int(jwt.decode(planner["Authorization"][7:], options={"verify_signature": False})["sub"])
        with _turn_held_elsewhere(published_settings, planner_id):  # as while an export of theirs is streaming
            refused = c.get("/api/v1/export/harbours.geojson", headers=planner)
            assert refused.status_code == 429 and refused.headers["retry-after"] == "10"
            assert "one at a time per user" in refused.json()["detail"]
            assert c.get("/api/v1/export/harbours.geojson", headers=intelligence).status_code == 200  # others go on
        for _ in range(2):  # and once it has finished, each export gives the turn back
            assert c.get("/api/v1/export/harbours.csv", headers=planner).status_code == 200


def test_an_export_stops_at_its_time_limit(published_settings, monkeypatch, caplog):
    from fastapi.testclient import TestClient

    from app import main
    from app.errors import TimedOut
    from app.services import export

    clock = iter(range(0, 10**9, 1000))  # every reading of the clock is 1,000 s after the last
    monkeypatch.setattr(export, "_clock", lambda: next(clock))
    with TestClient(main.create_app(published_settings)) as c:
        bearer = _bearer(c, "intelligence")  # planners get no landings
        gpkg = c.get("/api/v1/export/landings.gpkg", headers=bearer)  # written before its first byte: an answer
        assert gpkg.status_code == 503 and "retry-after" not in gpkg.headers
        assert "stopped at its time limit of 600 s (PESISIR_EXPORT_TIMEOUT_S)" in gpkg.json()["detail"]
        # Already streaming: the application stops without finishing the response, which uvicorn answers by closing
        # the connection mid-body; a client never gets a complete-looking file. Here: a body without its end.
        with caplog.at_level("ERROR", logger="app.hardening"):
            broken = c.get("/api/v1/export/landings.geojson", headers=bearer)
        assert broken.status_code == 200 and broken.content.startswith(b'{"type": "FeatureCollection"')
        assert not broken.content.endswith(b"]}")
        with pytest.raises(json.JSONDecodeError):
            json.loads(broken.content)
        assert any(isinstance(r.exc_info[1].__cause__, TimedOut) for r in caplog.records if r.exc_info)
        assert c.get("/api/v1/export/landings.geojson", headers=bearer, params={"bbox": "0,0,1,1"}).status_code == 200


def test_a_statement_past_its_timeout_is_timed_out_not_a_lost_database(db):
    from sqlalchemy import text

    from app.db.repositories import statement_timeout
    from app.deps import request_transaction
    from app.errors import TimedOut

    with pytest.raises(TimedOut, match="time limit"), request_transaction(db):
        statement_timeout(db, 0.05)
        db.execute(text("SELECT pg_sleep(2)"))
    assert db.execute(text("SELECT 1")).scalar_one() == 1  # the connection is fine


def test_cli_export_into_a_missing_folder_says_what_to_do_in_one_line(tmp_path):
    """No traceback: one line naming the folder and what to do, exit 1, and no folder made behind the user's back.
    The check comes before any database work, so no database is needed here."""
    import subprocess
    import sys

    missing = tmp_path / "no" / "such" / "folder"
    for out, words in (
        (missing / "harbours.geojson", f"--out: the folder {missing} does not exist: create it first (mkdir -p"),
        (tmp_path, f"--out: {tmp_path} is a folder: give the name of the file to write in it"),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "app", "export", "harbours", "--out", str(out)],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "PESISIR_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"},
        )
        assert done.returncode == 1, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: {words}"), done.stderr
        assert done.stdout == ""
    assert not missing.exists() and not (tmp_path / "data").exists()
