"""The message catalogue (app/i18n): every message of the template exists, non-empty, in English and Indonesian,
with the same ``{placeholders}``; nothing is translated that the template lacks; and ``Accept-Language`` picks the
language the client prefers (q-values honoured)."""

from __future__ import annotations

import string

import pytest
from babel.messages.pofile import read_po

from app.i18n import CATALOGUES, DEFAULT, HERE, LANGUAGES, gettext, negotiate, template_ids


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


IDS = template_ids()


def test_the_template_has_messages_and_no_duplicates():
    assert len(IDS) > 20 and len(IDS) == len(set(IDS))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_exists_in_every_language(lang):
    catalogue = CATALOGUES[lang]
    missing = [m for m in IDS if not catalogue.get(m, "").strip()]
    extra = sorted(set(catalogue) - set(IDS))
    assert not missing, f"{lang}: no text for {missing}"
    assert not extra, f"{lang}: text for ids the template lacks: {extra}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_fuzzy_or_obsolete_entries(lang):
    with (HERE / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    assert not [m.id for m in catalog if m.id and m.fuzzy], "a fuzzy entry is not a translation: fix or remove it"
    assert not catalog.obsolete


@pytest.mark.parametrize("msgid", IDS)
def test_placeholders_match_across_languages(msgid):
    shapes = {lang: _placeholders(CATALOGUES[lang][msgid]) for lang in LANGUAGES}
    assert len(set(map(frozenset, shapes.values()))) == 1, shapes


def test_indonesian_differs_from_english():
    same = [m for m in IDS if CATALOGUES["id"][m] == CATALOGUES["en"][m]]
    assert not same, f"untranslated (identical) messages: {same}"


def test_gettext_fills_parameters_and_falls_back():
    assert gettext("id", "time.before_2000", field="observed_start") == "observed_start sebelum tahun 2000"
    assert gettext("fr", "time.before_2000", field="x") == gettext("en", "time.before_2000", field="x")
    assert gettext("en", "time.before_2000") == "{field} lies before 2000"  # a missing parameter never raises
    assert gettext("en", "no.such.message") == "no.such.message"


@pytest.mark.parametrize(
    "header,lang",
    [
        (None, DEFAULT),
        ("", DEFAULT),
        ("id", "id"),
        ("id-ID,id;q=0.9,en-US;q=0.8,en;q=0.7", "id"),
        ("en-US,en;q=0.9,id;q=0.8", "en"),
        ("en;q=0.5, id;q=0.8", "id"),
        ("fr-FR, id;q=0.1", "id"),
        ("id;q=0, en", "en"),
        ("fr, de", DEFAULT),
        ("*", DEFAULT),
        ("in-ID", "id"),
        ("id;q=abc, en;q=0.2", "en"),
        (";;;, ,=", DEFAULT),
    ],
)
def test_accept_language_negotiation(header, lang):
    assert negotiate(header) == lang
