"""Pesisir's messages in the user's language, from one catalogue (gettext ``.po`` files read with Babel).

``messages.pot`` is the template: one ``msgid`` per message, a stable code such as ``location.swapped``, which is
also what API errors carry as ``code``. Its parts name where a message is shown: ``map.*`` the risk map and its
legend (:mod:`geo.maps`), ``notes.*`` the legend's notes on weights and accuracy, ``login.*`` the sign-in page,
``report.*`` the harbour reporting page, ``alerts.*`` the map's bell, ``cli.*`` the ``pesisir`` command's output;
the rest are API errors. One catalogue for all of them: pages that look words up by parts get a nested table
(:func:`tree`). ``<lang>/LC_MESSAGES/messages.po`` holds each language's text, with
``{name}`` placeholders (Python brace format). The catalogues are read at import with
:func:`babel.messages.pofile.read_po`, so there is no compile step to forget; tests/test_i18n.py checks that every
message exists, non-empty, in every language with the same placeholders. README.md says how to add one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
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


class Message(str):
    """A message's English text that keeps its catalogue code and parameters, so that whoever shows it may say it
    in another language (:func:`say`): what a service returns as a plain reason (``"its inputs changed"``) and the
    ``pesisir`` command prints in the user's language. Anything that treats it as a string gets the English."""

    code: str
    params: Mapping[str, Any]

    def __new__(cls, code: str, **params: Any) -> Message:
        text = super().__new__(cls, gettext(DEFAULT, code, **params))
        text.code, text.params = code, MappingProxyType(dict(params))
        return text


def say(lang: str, text: str) -> str:
    """``text`` in ``lang``: a :class:`Message` from the catalogue, any other text as it is."""
    return gettext(lang, text.code, **text.params) if isinstance(text, Message) else str(text)


def tree(lang: str, prefix: str) -> dict[str, Any]:
    """The messages under ``prefix`` in ``lang`` as a nested table, for code and pages that look words up by
    parts: ``tree("id", "map")["classes"]["high"]`` is ``map.classes.high``. A message missing in ``lang`` is
    taken from English, like :func:`gettext`; a fresh table each call (the caller may change it)."""
    out: dict[str, Any] = {}
    start = prefix + "."
    for msgid, text in CATALOGUES[DEFAULT].items():
        if not msgid.startswith(start):
            continue
        node = out
        *parents, leaf = msgid[len(start) :].split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = CATALOGUES.get(lang, {}).get(msgid) or text
    if not out:
        raise KeyError(f"no message under {prefix!r} in the catalogue")
    return out


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


_C_LOCALES: Final = ("C", "POSIX")


def from_environment(environ: Mapping[str, str] = os.environ) -> str:
    """The language of :data:`LANGUAGES` that the process environment asks for, read as GNU gettext reads it (the
    ``pesisir`` command's output): the locale of messages is the first non-empty of ``LC_ALL``, ``LC_MESSAGES``
    and ``LANG``; ``LANGUAGE``, a colon-separated list of languages in order of preference, overrides it unless
    that locale is ``C``/``POSIX`` (or unset), where GNU gettext ignores ``LANGUAGE``. The first entry naming a
    language of the catalogue wins (``id_ID.UTF-8``, ``id`` and the withdrawn ``in`` are Indonesian); none:
    :data:`DEFAULT`. (:func:`babel.core.default_locale` differs: it reads ``LC_CTYPE`` instead of ``LC_MESSAGES``
    and honours ``LANGUAGE`` in the C locale.)"""
    locale = next((environ[k] for k in ("LC_ALL", "LC_MESSAGES", "LANG") if environ.get(k)), "C")
    if locale in _C_LOCALES:
        return DEFAULT
    for entry in (environ.get("LANGUAGE") or locale).split(":"):
        code = re.split(r"[_.@\-]", entry.strip(), maxsplit=1)[0].lower()
        code = _ALIASES.get(code, code)
        if code in LANGUAGES:
            return code
    return DEFAULT
