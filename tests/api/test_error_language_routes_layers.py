"""API errors in the client's language (issue 14, item 2) for sea routes, sign-in, the incident batch, the published
layers and the risk model: answered with ``Accept-Language: id`` each carries its stable ``code`` and the
catalogue's Indonesian text; without the header the English text is exactly what it was before the catalogue
(the strings below are written out, not read from it); tests/test_coded_errors.py keeps every new error coded."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from app.db.models import User
from app.errors import PesisirError
from app.main import create_app
from app.services import risk, routes, users
from app.settings import RoutesSettings
from geo.i18n import CATALOGUES, gettext
from tests.api.helpers import incident

ID = {"Accept-Language": "id-ID,id;q=0.9,en;q=0.5"}
ROUTES = "/api/v1/routes"


def _route_query(**over):
    query = {"origin": "kalianget", "destination": "kangean", "boat": "perahu", "season": "east"}
    query.update(over)
    return query


def _both(get, status):
    """The answers in Indonesian and with no Accept-Language (English), both with ``status``."""
    r_id, r_en = get(ID), get({})
    assert r_id.status_code == r_en.status_code == status, (r_id.text, r_en.text)
    assert r_id.headers["content-language"] == "id" and r_en.headers["content-language"] == "en"
    assert r_id.json()["code"] == r_en.json()["code"]
    return r_id.json(), r_en.json()


# -- sea routes (the map's route tool) ---------------------------------------------------------------------------
ROUTE_CASES = {
    "unknown place": (
        {"origin": "atlantis"},
        "routes.unknown_place",
        {"name": "origin", "text": "'atlantis'"},
        "origin: no place with slug 'atlantis'; GET /api/v1/places lists them, or give lon,lat",
    ),
    "unknown boat": (
        {"boat": "submarine"},
        "routes.not_one_of",
        {"name": "boat", "allowed": "perahu, fishing_boat, speedboat, steel_ship", "value": "'submarine'"},
        "boat: must be one of perahu, fishing_boat, speedboat, steel_ship, got 'submarine'",
    ),
    "not two numbers": (
        {"origin": "113.9,-7.1,3"},
        "routes.end_not_lonlat",
        {"name": "origin", "text": "'113.9,-7.1,3'"},
        "origin: must be a place slug or lon,lat in degrees (two numbers), got '113.9,-7.1,3'",
    ),
    "latitude out of range": (
        {"destination": "113.9,-97"},
        "routes.end_out_of_range",
        {"name": "destination", "text": "'113.9,-97'"},
        "destination: lon must be within ±180 and lat within ±90, got '113.9,-97'",
    ),
    "same place twice": (
        {"destination": "Kalianget"},
        "routes.same_ends",
        {},
        "destination: must differ from origin",
    ),
}


@pytest.mark.parametrize(("over", "code", "params", "english"), ROUTE_CASES.values(), ids=ROUTE_CASES.keys())
def test_route_errors_in_indonesian_with_a_code(client, headers, places, over, code, params, english):
    said_id, said_en = _both(
        lambda extra: client.get(ROUTES, params=_route_query(**over), headers={**headers["planner"], **extra}), 422
    )
    assert said_id["code"] == code and said_id["detail"] == gettext("id", code, **params)
    assert said_en["detail"] == english and said_id["detail"] != english
    assert said_id["field"] == said_en["field"] == english.split(":")[0]  # the API's parameter, not translated


def test_no_sea_graph_is_a_coded_503_in_indonesian(settings, engine, tmp_path, places, headers):
    from tests.fixtures_db import _override_session

    app = create_app(settings.model_copy(update={"routes": RoutesSettings(dir=tmp_path / "empty")}), engine=engine)
    _override_session(app, places)
    with TestClient(app) as c:
        said_id, said_en = _both(
            lambda extra: c.get(ROUTES, params=_route_query(), headers={**headers["planner"], **extra}), 503
        )
    assert said_id["code"] == "routes.graph_not_built"
    assert said_id["detail"] == "graf laut belum dibangun: jalankan 'pesisir routes build'"
    assert said_en["detail"] == "the sea graph is not built yet: run 'pesisir routes build'"


def test_a_point_on_land_is_named_in_indonesian(client, headers, places, sea_graph):
    said_id, said_en = _both(
        lambda extra: client.get(
            ROUTES, params=_route_query(origin="113.87,-7.00"), headers={**headers["admin"], **extra}
        ),
        422,
    )
    assert said_id["code"] == "routes.on_land"
    assert re.fullmatch(r"origin: 113\.87000,-7\.00000 lies on land, [\d,]+ m from the sea", said_en["detail"])
    assert said_id["detail"].startswith("origin: 113.87000,-7.00000 berada di daratan, ")


ROUTER_MESSAGES = {
    "routes.on_land": f"destination: {114.015:.5f},{-7.0:.5f} lies on land, {1234.0:,.0f} m from the sea",
    "routes.outside_graph": f"origin: {120.0:.5f},{-7.0:.5f} lies outside the sea graph "
    f"({112.5:g} to {116.5:g} E, {-8.0:g} to {-5.0:g})",
    "routes.no_open_water": "origin: no open water within 10 km",
    "routes.no_open_water_reachable": "destination: no open water reachable within 10 km",
    "routes.same_ends": "destination: must differ from origin",
    "routes.unreachable": "destination: no sea route reaches it from origin",
    "routes.not_one_of": "season: must be one of west, east, transition, got 'summer'",
}


@pytest.mark.parametrize("code", ROUTER_MESSAGES)
def test_the_routers_messages_become_coded_errors_with_the_same_english(code):
    exc = routes.router_error(ROUTER_MESSAGES[code])
    assert exc.code == code and str(exc) == ROUTER_MESSAGES[code]
    assert gettext("id", code, **exc.params) != str(exc)


def test_a_router_message_not_in_the_table_stays_as_it_is():
    exc = routes.router_error("origin: something new the router says")
    assert exc.code is None and str(exc) == "origin: something new the router says"


# -- sign-in ---------------------------------------------------------------------------------------------------------
def test_a_wrong_password_is_answered_in_indonesian(client, users):
    said_id, said_en = _both(
        lambda extra: client.post(
            "/auth/token", data={"username": "t-planner", "password": "not the password"}, headers=extra
        ),
        401,
    )
    assert said_id["code"] == "auth.wrong_credentials" == said_en["code"]
    assert said_id["detail"] == CATALOGUES["id"]["auth.wrong_credentials"]
    assert said_en["detail"] == "wrong username or password, or the user is disabled"


def test_a_disabled_users_token_is_answered_in_indonesian(client, headers, users, db):
    def get(extra):
        # Disabled again before each request: a refused request rolls back the test's transaction to its savepoint.
        db.execute(update(User).where(User.id == users["planner"].id).values(is_active=False))
        return client.get("/api/v1/places", headers={**headers["planner"], **extra})

    said_id, said_en = _both(get, 401)
    assert said_id["code"] == "auth.token_invalid"  # as a token that fails its signature or expiry
    assert said_id["detail"] == "token tidak sah atau kedaluwarsa: masuk lagi di POST /auth/token"
    assert said_en["detail"] == "invalid or expired token: sign in again at POST /auth/token"


def test_the_user_commands_errors_are_coded_with_their_english(db):
    cases = [
        (dict(username="x", role="planner", harbour=None, password="long enough pw"), "users.username_rule",
         "username: 2 to 64 characters, letters, digits, '.', '_' or '-'"),
        (dict(username="new-one", role="pilot", harbour=None, password="long enough pw"), "users.unknown_role",
         "role: one of admin, intelligence, harbourmaster, planner, not 'pilot'"),
        (dict(username="new-one", role="harbourmaster", harbour="atlantis", password="long enough pw"),
         "users.unknown_harbour", "harbour: no harbour with slug or id 'atlantis'"),
        (dict(username="new-one", role="planner", harbour=None, password="short"), "users.password_short",
         "password: at least 10 characters"),
    ]  # fmt: skip
    for kwargs, code, english in cases:
        with pytest.raises(PesisirError) as caught:
            users.create_user(db, **kwargs)
        assert (caught.value.code, str(caught.value)) == (code, english)
        assert gettext("id", code, **caught.value.params) != english


# -- the incident batch ------------------------------------------------------------------------------------------
BATCH = "/api/v1/incidents/batch"


def test_the_incident_batch_answers_each_reason_in_the_language_with_its_code(client, headers):
    for lang, source in (("id", "Polres id"), ("en", "Polres en")):
        items = [
            incident(source=source, source_ref="LP/1"),
            incident(source=source, source_ref="LP/1"),  # repeats item 0
            incident(source=source, source_ref="LP/2", location={"type": "Point", "coordinates": [110.4, -6.97]}),
        ]
        extra = ID if lang == "id" else {}
        r = client.post(BATCH, json={"items": items}, headers={**headers["intelligence"], **extra})
        assert r.status_code == 207, r.text
        got = r.json()["items"]
        assert [(i["status"], i["code"]) for i in got] == [
            ("created", None),
            ("duplicate", "incidents.repeats_item"),
            ("invalid", "incidents.far_from_regency"),
        ]
        if lang == "en":
            assert got[1]["error"] == f"source_ref: repeats item 0 ('LP/1' of '{source}')"
            assert got[2]["error"].startswith("location: point is ") and got[2]["error"].endswith(
                "; the limit is 60 km: check the lon/lat order"
            )
        else:
            assert got[1]["error"] == f"source_ref: mengulang item 0 ('LP/1' dari '{source}')"
            assert (
                got[2]["error"].startswith("location: titik berjarak ") and "periksa urutan lon/lat" in got[2]["error"]
            )

        again = client.post(BATCH, json={"items": items[:1]}, headers={**headers["intelligence"], **extra})
        assert again.status_code == 200, again.text
        stored = again.json()["items"][0]
        assert stored["code"] == "incidents.stored_already"
        words = "sudah tersimpan sebagai insiden" if lang == "id" else "is incident"
        assert stored["error"] == (
            f"source_ref: 'LP/1' {'dari' if lang == 'id' else 'of'} '{source}' {words} {stored['id']}"
            + ("" if lang == "id" else " already")
        )


def test_an_items_schema_errors_are_answered_from_the_catalogue_in_the_language(client, headers):
    """An item that fails the schema (swapped lon/lat, a negative precision, a local date) is answered field by
    field with the catalogue's text in the request's language, and the first error's code; nothing is stored."""
    swapped = incident(
        source="Polres schema", source_ref="S/1", location={"type": "Point", "coordinates": [-7.07, 113.95]}
    )
    negative = incident(source="Polres schema", source_ref="S/2", precision_m=-5)
    local = incident(source="Polres schema", source_ref="S/3", occurred_start="30/11/2026 21:15")
    for lang in ("id", "en"):
        extra = ID if lang == "id" else {"Accept-Language": "en"}
        r = client.post(BATCH, json={"items": [swapped, negative, local]}, headers={**headers["intelligence"], **extra})
        assert r.status_code == 422, r.text
        assert (r.headers["content-language"], r.headers["vary"]) == (lang, "Accept-Language")
        got = r.json()["items"]
        assert [i["status"] for i in got] == ["invalid"] * 3 and all(i["id"] is None for i in got)
        assert got[0]["code"] == "location.swapped"
        assert got[0]["error"] == "location: " + gettext(lang, "location.swapped", lon="113.95", lat="-7.07")
        assert got[1]["code"] == "greater_than"
        assert got[1]["error"] == "precision_m: " + gettext(lang, "pydantic.greater_than", field="precision_m", gt="0")
        assert got[2]["code"] == "datetime_from_date_parsing" or got[2]["code"].startswith("datetime")
        assert got[2]["error"].startswith("occurred_start: ") and "2026-11-30T21:15:00+07:00" in got[2]["error"]


def test_a_far_points_reason_keeps_its_english(client, headers):
    """The reason of a far point is the catalogue's English with the numbers filled in, word for word as before."""
    item = incident(source="Polres far", source_ref="LP/9", location={"type": "Point", "coordinates": [110.4, -6.97]})
    r = client.post(BATCH, json={"items": [item]}, headers=headers["intelligence"])
    assert r.status_code == 422, r.text
    text = r.json()["items"][0]["error"]
    assert re.fullmatch(
        r"location: point is \d+ km from the nearest island of Sumenep \(.+\); the limit is 60 km: check the lon/lat "
        r"order",
        text,
    ), text


# -- published layers (exports, tiles, OGC API Features) -----------------------------------------------------------
LAYER_CASES = {
    "no time": (
        "/api/v1/export/islands.csv?datetime=2025-01-01T00:00:00Z",
        400,
        "layers.no_time",
        "datetime: layer 'islands' has no time; only incidents and landings take one",
    ),
    "unknown kind": (
        "/api/v1/export/segments.geojson?kind=piracy",
        400,
        "layers.unknown_kind",
        "kind: must be one of landing, tppo for segments, got 'piracy'",
    ),
    "no scores": (
        "/api/v1/export/harbours.geojson?class=high",
        400,
        "layers.no_scores",
        "class: layer 'harbours' has no scores; only segments take it",
    ),
    "min_score": (
        "/api/v1/export/segments.csv?min_score=1.5",
        400,
        "layers.min_score_range",
        "min_score: must be a number from 0 to 1, got 1.5",
    ),
    "unknown layer": (
        "/api/v1/export/rivers.geojson",
        404,
        "layers.unknown",
        None,
    ),
}


@pytest.mark.parametrize(("url", "status", "code", "english"), LAYER_CASES.values(), ids=LAYER_CASES.keys())
def test_layer_parameter_errors_in_indonesian(client, headers, url, status, code, english):
    said_id, said_en = _both(lambda extra: client.get(url, headers={**headers["planner"], **extra}), status)
    assert said_id["code"] == code
    if english is not None:
        assert said_en["detail"] == english
    else:
        assert said_en["detail"].startswith("layer 'rivers' does not exist (one of: ")
    template = re.escape(CATALOGUES["id"][code])
    pattern = re.sub(r"\\\{\w+\\\}", ".+", template)
    assert re.fullmatch(pattern, said_id["detail"]), said_id["detail"]
    assert said_id["detail"] != said_en["detail"]


# -- the risk model ----------------------------------------------------------------------------------------------
def test_unreadable_fitted_weights_are_coded_and_say_how_to_go_back(tmp_path):
    (tmp_path / "landing.json").write_text("{not json")
    with pytest.raises(PesisirError) as caught:
        risk.ModelStore(fitted_dir=tmp_path).served("landing")
    exc = caught.value
    assert exc.code == "models.fitted_unreadable"
    assert str(exc).endswith("; 'pesisir model reset' goes back to the expert prior")
    assert gettext("id", exc.code, **exc.params).endswith(
        "; jalankan 'pesisir model reset' untuk kembali ke prior pakar"
    )


def test_risk_parameter_errors_are_coded():
    for call, code, english in [
        (lambda: risk.check_season("summer"), "risk.season", "season: must be one of annual, west, east, got 'summer'"),
        (lambda: risk.segments_geojson(None, kind="piracy"), "risk.kind", "risk: must be one of landing, tppo, got 'piracy'"),
    ]:  # fmt: skip
        with pytest.raises(PesisirError) as caught:
            call()
        assert (caught.value.code, str(caught.value)) == (code, english)
