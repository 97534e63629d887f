"""The one check for characters people must not slip into text that others see.

Control, format, private-use and surrogate characters (Unicode categories Cc, Cf, Co, Cs)
are invisible or unpredictable on screen: a right-to-left override (U+202E) makes
``gpj.exe`` read as ``exe.jpg``, a zero-width space makes two identical-looking titles
differ, a NUL or a lone surrogate breaks what shows it. They are refused, with three
exceptions that real writing needs and that cannot reorder or hide anything:

- the zero-width joiner and non-joiner (U+200D, U+200C) *between two visible characters*:
  emoji sequences (👩‍💻, 🏳️‍🌈) and Persian, Urdu and Indic spelling (``می‌خواهم``) need them;
  at either end of the text or beside a space they only hide, so they are refused there;
- tag characters (U+E0020–U+E007F) in an emoji tag sequence, i.e. directly after the black
  flag U+1F3F4 and ended by the cancel tag U+E007F: the flags of England, Scotland, Wales;
- whatever the caller allows (a description keeps its line breaks).

Variation selectors (U+FE0E, U+FE0F: text or emoji style) are combining marks, not format
characters, so they pass anyway.
"""

from __future__ import annotations

import unicodedata

REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs"})
JOINERS = frozenset({"\u200c", "\u200d"})
BLACK_FLAG = "\U0001f3f4"
CANCEL_TAG = "\U000e007f"
_TAGS = range(0xE0020, 0xE007F)  # tag space .. tag tilde; CANCEL_TAG ends the sequence


def _visible(char: str) -> bool:
    return not char.isspace() and unicodedata.category(char) not in REFUSED_CATEGORIES


def _joins(text: str, i: int) -> bool:
    """Whether ``text[i]`` is a joiner between two visible characters."""
    return (
        text[i] in JOINERS
        and 0 < i < len(text) - 1
        and _visible(text[i - 1])
        and _visible(text[i + 1])
    )


def _tag_run_end(text: str, start: int) -> int | None:
    """If an emoji tag sequence's tags begin at ``start``, the index after its cancel tag."""
    if start == 0 or text[start - 1] != BLACK_FLAG:
        return None
    end = start
    while end < len(text) and ord(text[end]) in _TAGS:
        end += 1
    if end == start or end >= len(text) or text[end] != CANCEL_TAG:
        return None
    return end + 1


def hidden_character(text: str, *, allow: str = "") -> str | None:
    """The first character of ``text`` that must not be shown to others, or None.

    ``allow``: further characters the caller accepts (``"\\n"`` for multi-line text).
    """
    i = 0
    while i < len(text):
        char = text[i]
        if char in allow or unicodedata.category(char) not in REFUSED_CATEGORIES:
            i += 1
            continue
        if _joins(text, i):
            i += 1
            continue
        end = _tag_run_end(text, i)
        if end is None:
            return char
        i = end
    return None
