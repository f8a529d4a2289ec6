"""The message catalogue (geo/i18n): every message of the template exists, non-empty, in English and Indonesian,
with the same ``{placeholders}``; nothing is translated that the template lacks; and ``Accept-Language`` picks the
language the client prefers (q-values honoured), as the environment (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``)
does for the ``pesisir`` command."""

from __future__ import annotations

import string

import pytest
from babel.messages.pofile import read_po

from geo.i18n import (
    CATALOGUES,
    DEFAULT,
    HERE,
    LANGUAGES,
    Message,
    from_environment,
    gettext,
    negotiate,
    say,
    template_ids,
    tree,
)


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


SAME = "same in both languages"
"""The template's comment on a message whose text is the same in both (a name such as ``TPPO`` or ``Sumenep``)."""


def _template() -> dict[str, list[str]]:
    with (HERE / "messages.pot").open("rb") as f:
        return {str(m.id): list(m.auto_comments) for m in read_po(f) if m.id}


def test_indonesian_differs_from_english_unless_marked_the_same():
    marked = {m for m, comments in _template().items() if SAME in comments}
    same = [m for m in IDS if CATALOGUES["id"][m] == CATALOGUES["en"][m] and m not in marked]
    assert not same, f"untranslated (identical) messages: {same}; if on purpose, comment '#. {SAME}' in the template"
    stale = [m for m in marked if CATALOGUES["id"][m] != CATALOGUES["en"][m]]
    assert not stale, f"marked '{SAME}' but they differ: {stale}"


def test_tree_gives_the_messages_under_a_prefix_as_a_nested_table():
    words = tree("id", "map")
    assert words["classes"]["high"] == CATALOGUES["id"]["map.classes.high"] == "tinggi"
    assert tree("en", "map")["route"]["title"] == CATALOGUES["en"]["map.route.title"]
    assert set(tree("id", "report")) == set(tree("en", "report"))
    words["classes"]["high"] = "changed"
    assert tree("id", "map")["classes"]["high"] == "tinggi"  # a fresh table each call
    with pytest.raises(KeyError):
        tree("en", "no_such_part")


@pytest.mark.parametrize("part", ["map", "notes", "login", "report", "report_refused", "alerts", "cli"])
def test_every_part_of_the_interface_is_in_the_catalogue(part):
    """The map, its notes, the sign-in page, the reporting page, the bell and the command take their words from here."""
    assert len(tree("en", part)) >= 2 and tree("en", part).keys() == tree("id", part).keys()


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


@pytest.mark.parametrize(
    "environ,lang",
    [
        ({}, DEFAULT),
        ({"LANG": "id_ID.UTF-8"}, "id"),
        ({"LANG": "id"}, "id"),
        ({"LANG": "in_ID"}, "id"),  # the withdrawn code for Indonesian
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({"LANG": "fr_FR.UTF-8"}, DEFAULT),
        ({"LANG": "id_ID.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}, "en"),
        ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "id_ID.UTF-8"}, "id"),
        ({"LC_MESSAGES": "id_ID.UTF-8", "LC_ALL": "en_US.UTF-8"}, "en"),
        ({"LC_ALL": "", "LC_MESSAGES": "", "LANG": "id_ID.UTF-8"}, "id"),  # empty counts as unset
        ({"LANG": "id_ID.UTF-8", "LC_CTYPE": "en_US.UTF-8"}, "id"),  # LC_CTYPE is not the messages' locale
        ({"LANG": "en_US.UTF-8", "LANGUAGE": "id"}, "id"),
        ({"LANG": "id_ID.UTF-8", "LANGUAGE": "en"}, "en"),
        ({"LANG": "en_US.UTF-8", "LANGUAGE": "fr:de:id_ID:en"}, "id"),  # the first language with a catalogue
        ({"LANG": "id_ID.UTF-8", "LANGUAGE": "fr"}, DEFAULT),  # LANGUAGE replaces the locale's language
        ({"LANG": "en_US.UTF-8", "LANGUAGE": ":in:"}, "id"),
        ({"LANG": "C.UTF-8", "LANGUAGE": "id"}, "id"),
        ({"LANG": "C", "LANGUAGE": "id"}, DEFAULT),  # GNU gettext ignores LANGUAGE in the C locale ...
        ({"LC_ALL": "POSIX", "LANG": "id_ID.UTF-8", "LANGUAGE": "id"}, DEFAULT),
        ({"LANGUAGE": "id"}, DEFAULT),  # ... which is the locale when none is set
        ({"LANG": "id_ID.UTF-8@latin"}, "id"),
    ],
)
def test_the_language_of_the_environment_is_read_as_gnu_gettext_reads_it(environ, lang):
    assert from_environment(environ) == lang


def test_a_message_is_its_english_text_and_can_be_said_in_indonesian():
    """What a service returns as a reason (``geo.i18n.Message``) reads as English anywhere a string does, and the
    command says it in its user's language."""
    reason = Message("cli.reasons.inputs_changed", at="2026-12-01T10:00", names="islands")
    assert reason == "changed since 2026-12-01T10:00: islands" and f"({reason})".startswith("(changed since")
    assert say("id", reason) == "berubah sejak 2026-12-01T10:00: islands"
    assert say("id", "a plain reason") == "a plain reason"  # text without a code stays as it is
    assert reason.code == "cli.reasons.inputs_changed" and dict(reason.params) == {
        "at": "2026-12-01T10:00",
        "names": "islands",
    }
