"""Migrations build the whole domain model; autogenerate finds no drift; the database enforces the rules."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from app.db import migrate
from geo.vocabulary import LANDING_NOTES_MAX

TABLES = {
    "alert_subscriptions",
    "alerts",
    "alert_deliveries",
    "islands",
    "harbours",
    "incidents",
    "landings",
    "coastal_segments",
    "segment_scores",
    "model_evaluations",
    "patrol_bases",
    "users",
    "audit_log",
    "places",
    "corridors",
    "ferry_routes",
    "segment_corridor_exposure",
    "route_builds",
}


@pytest.fixture
def empty_db(cluster):
    name = f"pesisir_mig_{uuid.uuid4().hex[:8]}"
    cluster.create_database(name)
    eng = create_engine(cluster.url(name))
    yield eng
    eng.dispose()
    cluster.drop_database(name)


def _tables(eng):
    with eng.connect() as c:
        return set(c.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars())


def test_upgrade_matches_models_and_downgrades_to_base(empty_db):
    migrate.upgrade(empty_db)
    assert _tables(empty_db) >= TABLES
    assert migrate.pending_changes(empty_db) == []

    with empty_db.connect() as c:
        geoms = {
            (r.f_table_name, r.type, r.srid)
            for r in c.execute(text("SELECT f_table_name, type, srid FROM geometry_columns"))
        }
        gist = set(
            c.execute(text("SELECT tablename FROM pg_indexes WHERE indexdef LIKE '%USING gist (geom)%'")).scalars()
        )
        area_gist = c.execute(text("SELECT count(*) FROM pg_indexes WHERE indexdef LIKE '%USING gist (area)%'"))
        assert area_gist.scalar_one() == 1  # alert_subscriptions.area
    assert geoms == {
        ("islands", "MULTIPOLYGON", 4326),
        ("harbours", "POINT", 4326),
        ("incidents", "POINT", 4326),
        ("landings", "POINT", 4326),
        ("coastal_segments", "LINESTRING", 4326),
        ("patrol_bases", "POINT", 4326),
        ("landings_published", "POINT", 4326),  # the view the published layers read (migration 0006)
        ("landings", "POINT", 3857),  # geom_mercator, for vector tiles (migration 0007), and its view's copy
        ("landings_published", "POINT", 3857),
        ("places", "POINT", 4326),  # the routes gazetteer (migration 0008)
        ("corridors", "LINESTRING", 4326),
        ("ferry_routes", "LINESTRING", 4326),
        ("alert_subscriptions", "MULTIPOLYGON", 4326),  # a subscription's area (migration 0013)
    }
    assert gist == {t for t, _, _ in geoms} - {"landings_published", "alert_subscriptions"}

    with empty_db.connect() as c:
        granted = {
            t: c.execute(text("SELECT has_table_privilege('pesisir_app', :t, 'SELECT')"), {"t": t}).scalar_one()
            for t in ("places", "corridors", "ferry_routes", "segment_corridor_exposure", "route_builds")
        }
        writable = c.execute(text("SELECT has_table_privilege('pesisir_app', 'corridors', 'INSERT')")).scalar_one()
    assert all(granted.values()) and not writable, granted

    # 0014: landings' notes, with a comment, a length check, and in the view the published layers read.
    notes_columns = text(
        "SELECT table_name FROM information_schema.columns WHERE column_name = 'notes' "
        "AND table_name IN ('landings', 'landings_published')"
    )
    with empty_db.connect() as c:
        assert set(c.execute(notes_columns).scalars()) == {"landings", "landings_published"}
        comment = c.execute(
            text(
                "SELECT col_description('landings'::regclass, attnum) FROM pg_attribute "
                "WHERE attrelid = 'landings'::regclass AND attname = 'notes'"
            )
        ).scalar_one()
        assert "never to planners" in comment
    migrate.downgrade(empty_db, "0013_alerts")
    with empty_db.connect() as c:
        assert set(c.execute(notes_columns).scalars()) == set()
        assert c.execute(text("SELECT count(*) FROM landings_published")).scalar_one() == 0
        granted_view = c.execute(text("SELECT has_table_privilege('pesisir_app', 'landings_published', 'SELECT')"))
        assert granted_view.scalar_one()
    migrate.upgrade(empty_db)
    assert migrate.pending_changes(empty_db) == []

    migrate.downgrade(empty_db, "0007_landing_mercator")
    with empty_db.connect() as c:
        cols = set(c.execute(text("SELECT column_name FROM information_schema.columns WHERE table_name = 'landings'")))
        view = c.execute(text("SELECT count(*) FROM landings_published")).scalar_one()
        season = c.execute(text("SELECT count(*) FROM pg_type WHERE typname = 'route_season'")).scalar_one()
    assert ("origin_place_id",) not in cols and view == 0 and season == 0
    assert _tables(empty_db) & {"places", "corridors", "route_builds"} == set()
    migrate.upgrade(empty_db)
    assert migrate.pending_changes(empty_db) == []

    migrate.downgrade(empty_db, "base")
    assert _tables(empty_db) & TABLES == set()
    with empty_db.connect() as c:
        leftover = c.execute(text("SELECT typname FROM pg_type WHERE typname IN ('incident_kind', 'review_state')"))
        assert leftover.all() == []
    assert migrate.current(empty_db) is None


def _landing(**over):
    row = {
        "client_uuid": str(uuid.uuid4()),
        "geom": "SRID=4326;POINT(114.0 -7.0)",
        "precision_m": 10,
        "observed_start": "2025-01-01T00:00:00Z",
        "observed_end": "2025-01-01T01:00:00Z",
        "direction": "arrival",
        "persons_aboard": 5,
        "crew": 2,
        "foreign_nationals": 0,
    }
    row.update(over)
    return row


def _insert_landing(db, **over):
    row = _landing(**over)
    cols = ", ".join(row)
    vals = ", ".join(f":{k}" for k in row)
    vals = vals.replace(":geom", "ST_GeomFromEWKT(:geom)")
    with db.begin_nested():
        db.execute(text(f"INSERT INTO landings ({cols}) VALUES ({vals})"), row)


def test_a_valid_landing_inserts(db):
    _insert_landing(db)
    assert db.execute(text("SELECT count(*) FROM landings WHERE NOT suspicious")).scalar_one() >= 1


def test_a_landings_web_mercator_position_is_computed_and_follows_it(db):
    from pyproj import Transformer

    mercator = Transformer.from_crs(4326, 3857, always_xy=True)
    u = str(uuid.uuid4())
    _insert_landing(db, client_uuid=u)
    where = {"u": u}
    read = text(
        "SELECT ST_X(geom_mercator), ST_Y(geom_mercator), ST_SRID(geom_mercator) FROM landings WHERE client_uuid = :u"
    )
    x, y, srid = db.execute(read, where).one()
    assert srid == 3857 and (x, y) == pytest.approx(mercator.transform(114.0, -7.0), abs=0.01)
    db.execute(
        text("UPDATE landings SET geom = ST_GeomFromEWKT('SRID=4326;POINT(115.4 -6.9)') WHERE client_uuid = :u"), where
    )
    x, y, _ = db.execute(read, where).one()
    assert (x, y) == pytest.approx(mercator.transform(115.4, -6.9), abs=0.01)
    with pytest.raises(DBAPIError, match="geom_mercator"), db.begin_nested():  # nobody writes it but PostgreSQL
        db.execute(text("UPDATE landings SET geom_mercator = NULL WHERE client_uuid = :u"), where)


@pytest.mark.parametrize(
    ("over", "constraint"),
    [
        ({"geom": "SRID=4326;POINT(10 200)"}, "ck_landings_geom_lonlat"),
        ({"geom": "SRID=4326;POINT EMPTY"}, "ck_landings_geom_lonlat"),
        ({"precision_m": 0}, "ck_landings_precision_positive"),
        ({"observed_end": "2024-12-31T00:00:00Z"}, "ck_landings_window_ordered"),
        ({"persons_aboard": -1, "crew": None, "foreign_nationals": None}, "ck_landings_counts_nonnegative"),
        ({"foreign_nationals": 9}, "ck_landings_foreigners_aboard"),
        ({"crew": 6}, "ck_landings_crew_aboard"),
        ({"vessel_flag": "indonesia"}, "value too long"),
        ({"vessel_flag": "id"}, "ck_landings_vessel_flag_iso"),
        ({"notes": "x" * (LANDING_NOTES_MAX + 1)}, "ck_landings_notes_length"),
        ({"notes": ""}, "ck_landings_notes_length"),
    ],
)
def test_database_refuses_rule_breaking_rows(db, over, constraint):
    with pytest.raises((IntegrityError, DBAPIError), match=constraint):
        _insert_landing(db, **over)


def test_geometry_type_and_srid_are_enforced(db):
    with pytest.raises(DBAPIError, match="SRID"):
        _insert_landing(db, geom="SRID=32750;POINT(500000 9200000)")
    with pytest.raises(DBAPIError, match="Geometry type"):
        _insert_landing(db, geom="SRID=4326;LINESTRING(114 -7, 114.1 -7)")


def test_unknown_enum_value_refused(db):
    with pytest.raises(DBAPIError, match="invalid input value for enum landing_direction"):
        _insert_landing(db, direction="sideways")


@pytest.mark.parametrize(
    ("kind", "point", "constraint"),
    [("lighthouse", "POINT(114 -7)", "ck_places_kind_known"), ("port", "POINT(10 200)", "ck_places_geom_lonlat")],
)
def test_database_refuses_a_place_of_unknown_kind_or_off_the_globe(db, kind, point, constraint):
    with pytest.raises(IntegrityError, match=constraint), db.begin_nested():
        db.execute(
            text(
                "INSERT INTO places (slug, name, kind, province, source, geom) "
                "VALUES ('x-test', 'X', :kind, 'Jawa Timur', 'test', ST_GeomFromEWKT(:geom))"
            ),
            {"kind": kind, "geom": f"SRID=4326;{point}"},
        )


def test_harbourmaster_must_be_bound_to_a_harbour(db):
    with pytest.raises(IntegrityError, match="ck_users_harbourmaster_has_harbour"), db.begin_nested():
        db.execute(text("INSERT INTO users (username, role, password_hash) VALUES ('hm', 'harbourmaster', 'x')"))


def test_durability_settings(db):
    for name in ("fsync", "synchronous_commit", "full_page_writes", "data_checksums"):
        assert db.execute(text(f"SHOW {name}")).scalar_one() == "on", name
