"""A landing's free-text notes (issue 14, item 1; migration 0014): stored by the single and batch reports and
returned to those who may read the landing; trimmed, limited, control characters refused in both languages; part of
the Idempotency-Key's body; never in an audit row, a vector tile or the map; bulk reads that carry them audited."""

from __future__ import annotations

import json
import uuid

import mapbox_vector_tile
import pytest
from sqlalchemy import select, text

from app.db.models import AuditLog
from app.services import export
from geo.vocabulary import LANDING_NOTES_MAX
from tests.api.helpers import KALIANGET_SEA, key, landing
from tests.api.test_tiles import tile_of

URL = "/api/v1/landings"
NOTES = "Nakhoda: Pak Salim (Sapeken).\n\tMuatan ditutup terpal, tanpa manifes."


def _stored_notes(db, client_uuid: str) -> list[str | None]:
    rows = db.execute(text("SELECT notes FROM landings WHERE client_uuid = :u"), {"u": uuid.UUID(client_uuid)})
    return list(rows.scalars())


def _post(client, headers, body, role="harbourmaster", k=None, lang=None):
    extra = {"Accept-Language": lang} if lang else {}
    return client.post(URL, json=body, headers={**headers[role], **(k or key()), **extra})


def test_notes_are_stored_and_returned_to_those_who_may_read_the_landing(client, headers, db):
    body = landing(notes=NOTES)
    r = _post(client, headers, body)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["notes"] == NOTES and _stored_notes(db, body["client_uuid"]) == [NOTES]
    for role in ("harbourmaster", "intelligence", "admin"):
        one = client.get(f"{URL}/{made['id']}", headers=headers[role])
        assert one.status_code == 200 and one.json()["notes"] == NOTES, role
        listed = client.get(URL, params={"limit": 500}, headers=headers[role]).json()["items"]
        assert [x["notes"] for x in listed if x["id"] == made["id"]] == [NOTES], role
    # Another harbour's harbourmaster and planners read no landing at all.
    assert client.get(f"{URL}/{made['id']}", headers=headers["harbourmaster_b"]).status_code == 404
    assert client.get(f"{URL}/{made['id']}", headers=headers["planner"]).status_code == 403
    # A report without notes has none.
    plain = _post(client, headers, landing())
    assert plain.status_code == 201 and plain.json()["notes"] is None


def test_the_batch_stores_notes_and_refuses_only_the_bad_item(client, headers, db):
    good, long, blank = landing(notes=NOTES), landing(notes="x" * (LANDING_NOTES_MAX + 1)), landing(notes=" \n ")
    r = client.post(
        f"{URL}/batch",
        json={"items": [good, long, blank]},
        headers={**headers["harbourmaster"], "Accept-Language": "id"},
    )
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [i["status"] for i in items] == ["created", "invalid", "created"]
    assert items[1]["code"] == "string_too_long"
    assert items[1]["error"] == f"notes: paling banyak {LANDING_NOTES_MAX} karakter"
    assert _stored_notes(db, good["client_uuid"]) == [NOTES]
    assert _stored_notes(db, long["client_uuid"]) == []
    assert _stored_notes(db, blank["client_uuid"]) == [None]


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("  Kapal tiba dari Sapeken.  \n", "Kapal tiba dari Sapeken."),
        ("baris satu\r\nbaris dua\rbaris tiga", "baris satu\nbaris dua\nbaris tiga"),  # every line break a \n
        ("\t \n ", None),  # blank is no notes
        ("", None),
        (" " + "x" * LANDING_NOTES_MAX + " ", "x" * LANDING_NOTES_MAX),  # the limit counts the trimmed text
    ],
)
def test_notes_are_trimmed_and_blank_is_none(client, headers, db, sent, kept):
    body = landing(notes=sent)
    r = _post(client, headers, body)
    assert r.status_code == 201, r.text
    assert r.json()["notes"] == kept and _stored_notes(db, body["client_uuid"]) == [kept]


@pytest.mark.parametrize(
    ("notes", "code", "english", "indonesian"),
    [  # too long and a bell character: with every bad-input case (tests/api/test_bad_input.py, test_error_language.py)
        ("\x00", "text.control_character", "U+0000 at position 1", "U+0000 pada posisi 1"),  # PostgreSQL's refusal
        ("escape \x1b[31m", "text.control_character", "U+001B at position 8", "U+001B pada posisi 8"),
        ("C1 \x85", "text.control_character", "U+0085 at position 4", "U+0085 pada posisi 4"),
        ("\r\n\x7f", "text.control_character", "U+007F at position 2", "U+007F pada posisi 2"),  # CR LF: one
        (["a list"], "string_type", "Input should be a valid string", "harus berupa teks"),
    ],
)
def test_bad_notes_are_422_naming_the_field_and_the_rule_in_both_languages(
    client, headers, db, notes, code, english, indonesian
):
    for lang, said in (("en", english), ("id", indonesian)):
        body = landing(notes=notes)
        r = _post(client, headers, body, lang=lang)
        assert r.status_code == 422, r.text
        (error,) = r.json()["detail"]
        assert error["loc"] == ["body", "notes"] and error["field"] == "notes" and error["code"] == code
        assert said in error["msg"], (lang, error["msg"])
        assert r.headers["content-language"] == lang
        assert "escape" not in error["msg"]  # the input is not echoed
        assert _stored_notes(db, body["client_uuid"]) == []


def test_the_idempotency_key_covers_the_notes(client, headers, db):
    body, k = landing(notes=NOTES), key()
    first = _post(client, headers, body, k=k)
    again = _post(client, headers, body, k=k)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true" and again.json() == first.json()
    # Whitespace the service trims away is the same body: still a replay.
    padded = _post(client, headers, {**body, "notes": f"  {NOTES}\n"}, k=k)
    assert padded.status_code == 201 and padded.headers["idempotent-replayed"] == "true"
    # Other notes under the same key are another body: refused as any changed body is, nothing changed.
    other = _post(client, headers, {**body, "notes": NOTES + " Dua orang asing."}, k=k, lang="id")
    assert other.status_code == 422 and other.json()["code"] == "idempotency.mismatch", other.text
    dropped = _post(client, headers, {k_: v for k_, v in body.items() if k_ != "notes"}, k=k)
    assert dropped.status_code == 422 and dropped.json()["code"] == "idempotency.mismatch"
    assert _stored_notes(db, body["client_uuid"]) == [NOTES]


def test_audit_rows_keep_the_length_of_the_notes_not_the_text(client, headers, db):
    r = _post(client, headers, landing(notes=NOTES))
    assert r.status_code == 201
    landing_id = r.json()["id"]
    review = {"review_state": "verified", "reason": "checked at the quay"}
    assert client.patch(f"{URL}/{landing_id}", json=review, headers=headers["intelligence"]).status_code == 200
    rows = db.execute(
        select(AuditLog).where(AuditLog.object_type == "landing", AuditLog.object_id == str(landing_id))
    ).scalars()
    states = [s for row in rows for s in (row.before, row.after) if s is not None]
    assert len(states) == 3  # created; reviewed: before and after
    assert all(s["notes"] == f"<{len(NOTES)} characters>" for s in states)
    assert "Salim" not in str(states)


def _landing_reads(db) -> list[AuditLog]:
    stmt = select(AuditLog).where(AuditLog.action == "read_sensitive", AuditLog.object_type == "landing")
    return list(db.execute(stmt.order_by(AuditLog.id)).scalars())


def test_bulk_reads_carrying_notes_are_audited_and_tiles_and_the_map_carry_none(client, headers, db, users):
    made = _post(client, headers, landing(notes=NOTES))
    assert made.status_code == 201
    landing_id = made.json()["id"]
    reads = [
        ("/api/v1/export/landings.geojson", {}),
        ("/api/v1/export/landings.csv", {"datetime": "2020-01-01T00:00:00Z/.."}),
        ("/api/v1/export/landings.gpkg", {}),
        ("/ogc/collections/landings/items", {"limit": "500"}),
        (f"/ogc/collections/landings/items/{landing_id}", {}),
    ]
    for path, params in reads:
        before = len(_landing_reads(db))
        r = client.get(path, params=params, headers=headers["intelligence"])
        assert r.status_code == 200, (path, r.text[:300])
        if path.startswith("/ogc"):
            assert "Pak Salim" in r.text, path  # the full audience reads the notes here
        rows = _landing_reads(db)
        assert len(rows) == before + 1, path
        row = rows[-1]
        assert row.actor == users["intelligence"].username and row.after["route"] == path
        assert row.after["filters"] == params and row.after["landings"] >= 1
        assert "Salim" not in str(row.after)

    # The exports carry them too (read here in the test's own transaction: over HTTP the test client's stream comes
    # after the request's row-level security context is reset, so it holds no landing).
    geojson = b"".join(export.export_layer(db, "landings", "geojson", audience="full").chunks)
    features = json.loads(geojson)["features"]
    assert [f["properties"]["notes"] for f in features if f["id"] == str(landing_id)] == [NOTES]

    # No vector tile carries notes, for any audience; so a tile of landings is not a read of them either.
    before = len(_landing_reads(db))
    x, y = tile_of(*KALIANGET_SEA, 12)
    r = client.get(f"/tiles/landings/12/{x}/{y}.pbf", headers=headers["intelligence"])
    assert r.status_code == 200
    features = mapbox_vector_tile.decode(r.content)["landings"]["features"]
    ours = [f for f in features if f["id"] == landing_id]
    assert ours and "notes" not in ours[0]["properties"] and "vessel_name" in ours[0]["properties"]
    assert b"Salim" not in r.content
    # Nor the map's popups.
    page = client.get("/map", params={"tiles": "false", "lang": "en"}, headers=headers["intelligence"])
    assert page.status_code == 200 and "Salim" not in page.text
    assert len(_landing_reads(db)) == before
    # Planners: no landing layer at all.
    assert client.get("/api/v1/export/landings.geojson", headers=headers["planner"]).status_code == 403
