"""gettext through Babel, looked up on every call so that each update can speak its own language.

Every user-facing sentence is written as ``_("English text")`` (``ngettext`` for counts,
``pgettext`` where one English word needs two translations). The catalogue lives in
``bot/locales``: ``messages.pot`` extracted from the code and ``<lang>/LC_MESSAGES/messages.po``
per language; ``make i18n`` regenerates both. A ``.po`` file is compiled in memory the first
time its language is used, so there is no ``.mo`` file to forget to rebuild.

The language is held in a ContextVar: English unless ``use_language()`` (or ``set_language()``)
chose another for the current update or job.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
DEFAULT_LANGUAGE = "en"
_CODE = re.compile(r"[a-z]{2,3}(?:_[A-Z]{2})?")
# CLDR's "en" joins lists with a serial comma ("a, b, and c"); the bot has always written
# "a, b and c", which is International English (en_001). Its dates would say "Sept", so only
# lists use it.
_LIST_LOCALES = {"en": "en_001"}


@dataclass(frozen=True)
class Language:
    """A catalogue and the CLDR data that formats dates, numbers and lists for it."""

    code: str
    translations: Translations
    locale: Locale
    list_locale: Locale


@functools.cache
def available() -> frozenset[str]:
    """The language codes that have a catalogue."""
    return frozenset(
        path.parent.parent.name for path in LOCALES_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")
    )


def language(code: str | None = None) -> Language:
    """The best catalogue for ``code`` (``pt-BR``, ``pt_BR``, ``pt`` ...), else English."""
    if code:
        base, _sep, region = code.replace("-", "_").partition("_")
        known = available()
        for candidate in (f"{base.lower()}_{region.upper()}", base.lower()):
            if _CODE.fullmatch(candidate) and candidate in known:
                return _load(candidate)
    return _load(DEFAULT_LANGUAGE)


@functools.cache
def _load(code: str) -> Language:
    path = LOCALES_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as po:
        catalog = read_po(po, locale=code, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Language(
        code=code,
        translations=Translations(compiled, domain=DOMAIN),
        locale=Locale.parse(code),
        list_locale=Locale.parse(_LIST_LOCALES.get(code, code)),
    )


_current: ContextVar[Language | None] = ContextVar("eventbot_language", default=None)


def current() -> Language:
    """The language of the update or job being handled (English by default)."""
    chosen = _current.get()
    return chosen if chosen is not None else _load(DEFAULT_LANGUAGE)


def set_language(code: str | None) -> Token[Language | None]:
    """Speak ``code`` in the current context from now on; ``reset_language`` undoes it."""
    return _current.set(language(code))


def reset_language(token: Token[Language | None]) -> None:
    """Go back to the language before ``set_language`` returned ``token``."""
    _current.reset(token)


@contextmanager
def use_language(code: str | None) -> Iterator[Language]:
    """Speak ``code`` inside the ``with`` block (an update, a job, a test)."""
    token = set_language(code)
    try:
        yield current()
    finally:
        reset_language(token)


def gettext(message: str) -> str:
    """``message`` in the current language."""
    return current().translations.gettext(message)


_ = gettext


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a counted message that suits ``n`` in the current language."""
    return current().translations.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in the current language, told apart from its homonyms by ``context``."""
    return str(current().translations.pgettext(context, message))
