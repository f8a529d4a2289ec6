"""The map, its notes and the sign-in page speak Bahasa Indonesia and English: every string table has the same keys
in both languages (at every level) and each text takes the same ``{placeholders}``, so switching language never
raises a KeyError or leaves a word untranslated."""

from __future__ import annotations

import string
from typing import Any

import pytest

from app.api.auth import _WORDS
from app.services.risk import _NOTES
from geo.maps import LABELS, LANGUAGES

TABLES = {"geo.maps.LABELS": LABELS, "app.services.risk._NOTES": _NOTES, "app.api.auth._WORDS": _WORDS}


def _shape(value: Any, path: str = "") -> dict[str, frozenset[str]]:
    """Each text's path (``a.b.c``) and the placeholders it takes; nested tables are walked."""
    if isinstance(value, dict):
        out: dict[str, frozenset[str]] = {}
        for key, inner in value.items():
            out |= _shape(inner, f"{path}.{key}" if path else str(key))
        return out
    if isinstance(value, list | tuple):
        out = {}
        for i, inner in enumerate(value):
            out |= _shape(inner, f"{path}[{i}]")
        return out
    text = str(value)
    return {path: frozenset(f for _, f, _, _ in string.Formatter().parse(text) if f)}


@pytest.mark.parametrize("name", list(TABLES))
def test_both_languages_have_the_same_keys_and_placeholders(name: str) -> None:
    table = TABLES[name]
    assert set(table) == set(LANGUAGES), f"{name}: languages {sorted(table)}"
    shapes = {lang: _shape(table[lang]) for lang in LANGUAGES}
    indonesian, english = shapes["id"], shapes["en"]
    assert sorted(set(indonesian) ^ set(english)) == [], f"{name}: keys in one language only"
    differ = {k: (sorted(indonesian[k]), sorted(english[k])) for k in indonesian if indonesian[k] != english[k]}
    assert differ == {}, f"{name}: texts whose placeholders differ between id and en"


def test_the_walk_sees_nested_keys() -> None:
    """The comparison above looks inside nested tables (the map's class and kind names, the notes' data words)."""
    assert {"classes.critical", "kinds_risk.landing"} <= set(_shape(LABELS["en"]))
    assert _shape({"a": {"b": "{n} of {k}"}}) == {"a.b": frozenset({"n", "k"})}
