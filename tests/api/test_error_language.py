"""API errors in the client's language (issue 14, item 2): every bad-input case of the landing API answered with
``Accept-Language: id`` carries a stable ``code`` and the Indonesian text of the catalogue (geo/i18n), not the
English one; ``en`` and no header give English; swapped lat/lon is named as such and a local date gets an example
of the accepted ISO 8601 form."""

from __future__ import annotations

import re
import string

import pytest

from geo.i18n import CATALOGUES, has
from tests.api.helpers import key, landing
from tests.api.test_bad_input import CASES

URL = "/api/v1/landings"

# For every case of tests/api/test_bad_input.py: the stable code and the field the answer names.
CODES = {
    "lat out of range": ("less_than_equal", "location.coordinates.1"),
    "lon out of range": ("greater_than_equal", "location.coordinates.0"),
    "swapped lat/lon": ("location.swapped", "location"),
    "far from the regency": ("landing.far_from_regency", "location"),
    "far from own harbour": ("landing.far_from_harbour", "location"),
    "on land far from the coast": ("landing.inland", "location"),
    "naive timestamp": ("timezone_aware", "observed_start"),
    "window end before start": ("time.window", "observed_end"),
    "future observation": ("time.future", "observed_start"),
    "year 2999": ("time.future", "observed_start"),
    "before 2000": ("time.before_2000", "observed_start"),
    "negative count": ("greater_than_equal", "persons_aboard"),
    "absurd count": ("less_than_equal", "persons_aboard"),
    "more foreigners than persons": ("count.exceeds", "foreign_nationals"),
    "count as string": ("int_type", "persons_aboard"),
    "unknown enum": ("literal_error", "direction"),
    "unknown flag": ("literal_error", "suspicion_flags.0"),
    "unknown field": ("extra_forbidden", "is_admin"),
    "crs member": ("location.crs", "location"),
    "wrong geometry type": ("literal_error", "location.type"),
    "three coordinates": ("too_long", "location.coordinates"),
    "text too long": ("string_too_long", "vessel_name"),
    "bad flag code": ("string_pattern_mismatch", "vessel_flag"),
    "bad uuid": ("uuid_parsing", "client_uuid"),
    "notes too long": ("string_too_long", "notes"),
    "control character in notes": ("text.control_character", "notes"),
    "local date": ("datetime_from_date_parsing", "observed_start"),
    "missing field": ("missing", "direction"),
}
BODIES = {name: change for name, (change, _, _) in CASES.items()}
BODIES["local date"] = {"observed_start": "30/11/2026 21:15", "observed_end": None}
BODIES["missing field"] = {"direction": None}


def test_every_bad_input_case_has_a_code():
    assert set(CASES) <= set(CODES)


def _template(code: str, lang: str) -> str:
    return CATALOGUES[lang][code if has(code) else f"pydantic.{code}"]


def _fits(template: str, text: str) -> bool:
    """Whether ``text`` is ``template`` with its placeholders filled in."""
    pattern = "".join(
        re.escape(lit) + (".+?" if name is not None else "") for lit, name, _, _ in string.Formatter().parse(template)
    )
    return re.fullmatch(pattern, text, re.DOTALL) is not None


def _post(client, headers, name, accept_language):
    body = landing(**BODIES[name])
    if BODIES[name].get("direction", "") is None:
        del body["direction"]
    extra = {} if accept_language is None else {"Accept-Language": accept_language}
    r = client.post(URL, json=body, headers={**headers["harbourmaster"], **key(), **extra})
    assert r.status_code == 422, r.text
    return r


def _error(r, code, field):
    """The (text, code, field) of the answer's error with ``code``."""
    body = r.json()
    if isinstance(body["detail"], str):
        return body["detail"], body["code"], body.get("field")
    found = [d for d in body["detail"] if d["code"] == code and d["field"] == field]
    assert found, body
    return found[0]["msg"], found[0]["code"], found[0]["field"]


@pytest.mark.parametrize("name", CODES)
def test_bad_input_in_indonesian_with_a_stable_code(client, headers, name):
    code, field = CODES[name]
    r_id = _post(client, headers, name, "id-ID,id;q=0.9,en;q=0.5")
    text_id, code_id, field_id = _error(r_id, code, field)
    assert (code_id, field_id) == (code, field)
    assert r_id.headers["content-language"] == "id"
    assert _fits(_template(code, "id"), text_id), text_id

    r_en = _post(client, headers, name, "en")
    text_en, code_en, field_en = _error(r_en, code, field)
    assert (code_en, field_en) == (code, field)
    assert _fits(_template(code, "en"), text_en), text_en
    assert text_id != text_en


@pytest.mark.parametrize("accept_language", [None, "", "en-GB", "fr, de;q=0.5", "id;q=0, en;q=0.1"])
def test_english_unless_indonesian_is_preferred(client, headers, accept_language):
    r = _post(client, headers, "negative count", accept_language)
    assert r.headers["content-language"] == "en"
    assert r.json()["detail"][0]["msg"] == "Input should be greater than or equal to 0"


def test_q_values_decide(client, headers):
    r = _post(client, headers, "negative count", "en;q=0.4, id;q=0.9")
    assert r.json()["detail"][0]["msg"] == "harus lebih dari atau sama dengan 0"


@pytest.mark.parametrize(
    "lang,words",
    [("en", "coordinates look swapped: GeoJSON is [longitude, latitude]"), ("id", "koordinat tampaknya tertukar")],
)
def test_swapped_lat_lon_is_named_with_the_fix(client, headers, lang, words):
    text, _, _ = _error(_post(client, headers, "swapped lat/lon", lang), "location.swapped", "location")
    assert words in text and "[113.95, -7.07]" in text  # the sent point, in the right order


@pytest.mark.parametrize("lang", ["en", "id"])
def test_local_date_gets_an_iso_8601_example(client, headers, lang):
    text, _, _ = _error(_post(client, headers, "local date", lang), "datetime_from_date_parsing", "observed_start")
    assert "ISO 8601" in text and "2026-11-30T21:15:00+07:00" in text


def test_naive_time_gets_its_own_moment_with_an_offset(client, headers):
    text, _, _ = _error(_post(client, headers, "naive timestamp", "id"), "timezone_aware", "observed_start")
    assert "2025-06-01T10:00:00+07:00" in text


def test_a_batch_answers_each_refusal_in_the_language_with_its_code(client, headers):
    items = [landing(**BODIES["swapped lat/lon"]), landing(**BODIES["far from the regency"]), landing()]
    for lang, swapped, far in [("id", "tertukar", "pulau terdekat"), ("en", "look swapped", "nearest island")]:
        for item in items:
            item["client_uuid"] = landing()["client_uuid"]
        r = client.post(
            f"{URL}/batch", json={"items": items}, headers={**headers["harbourmaster"], "Accept-Language": lang}
        )
        assert r.status_code == 200, r.text
        assert (r.headers["content-language"], r.headers["vary"]) == (lang, "Accept-Language")
        got = [(i["status"], i["code"]) for i in r.json()["items"]]
        assert got == [("invalid", "location.swapped"), ("invalid", "landing.far_from_regency"), ("created", None)]
        assert swapped in r.json()["items"][0]["error"] and far in r.json()["items"][1]["error"]
