"""Pesisir's messages in the user's language, from one catalogue (gettext ``.po`` files read with Babel).

``messages.pot`` is the template: one ``msgid`` per message, a stable code such as ``location.swapped``, which is
also what API errors carry as ``code``. ``<lang>/LC_MESSAGES/messages.po`` holds each language's text, with
``{name}`` placeholders (Python brace format). The catalogues are read at import with
:func:`babel.messages.pofile.read_po`, so there is no compile step to forget; tests/test_i18n.py checks that every
message exists, non-empty, in every language with the same placeholders. README.md says how to add one.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Final

from babel.messages.pofile import read_po

HERE: Final = Path(__file__).parent
LANGUAGES: Final = ("en", "id")
DEFAULT: Final = "en"
"""The API answers in English unless the client prefers Indonesian (``Accept-Language: id``)."""
_ALIASES: Final = {"in": "id"}  # the withdrawn ISO 639 code some old Android phones still send for Indonesian


def _load(lang: str) -> dict[str, str]:
    with (HERE / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale=lang)
    return {str(m.id): str(m.string) for m in catalog if m.id and m.string}


def template_ids() -> list[str]:
    """Every message id of the template, in order."""
    with (HERE / "messages.pot").open("rb") as f:
        return [str(m.id) for m in read_po(f) if m.id]


CATALOGUES: Final = {lang: _load(lang) for lang in LANGUAGES}


class _Keep(dict[str, Any]):
    def __missing__(self, key: str) -> str:  # an error message must never fail for a missing parameter
        return "{" + key + "}"


def has(msgid: str) -> bool:
    return msgid in CATALOGUES[DEFAULT]


def gettext(lang: str, msgid: str, **params: Any) -> str:
    """The message ``msgid`` in ``lang`` (English when the language or the message is missing) with ``params``
    filled in; an unknown ``msgid`` comes back as itself."""
    text = CATALOGUES.get(lang, {}).get(msgid) or CATALOGUES[DEFAULT].get(msgid) or msgid
    return text.format_map(_Keep(params))


_RANGE = re.compile(r"^\s*([A-Za-z*]{1,8})(?:-[A-Za-z0-9]{1,8})*\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*$")


def negotiate(accept_language: str | None, default: str = DEFAULT) -> str:
    """The language of :data:`LANGUAGES` that an ``Accept-Language`` header prefers (RFC 9110 §12.5.4: q-values
    honoured, ``q=0`` refused, ``id-ID`` counts as ``id``); ``default`` when it names none of them."""
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")[:32]):
        m = _RANGE.match(part)
        if not m:
            continue
        try:
            q = float(m.group(2)) if m.group(2) else 1.0
        except ValueError:
            continue
        tag = m.group(1).lower()
        tag = _ALIASES.get(tag, tag)
        if q > 0:
            ranked.append((-q, i, default if tag == "*" else tag))
    for _, _, tag in sorted(ranked):
        if tag in LANGUAGES:
            return tag
    return default
