"""Telegram's limits and our page sizes, and ``fit()``, which keeps every message within them."""

from __future__ import annotations

import re
from html import escape, unescape

from bot.ui.i18n import _

MAX_MESSAGE = 4096  # Telegram's limit, counted in UTF-16 code units after parsing the HTML
MAX_CALLBACK_DATA = 64  # bytes of UTF-8
EVENTS_PAGE_SIZE = 5  # also the /attendees picker's pages (attendee lists page by what fits)
MY_EVENTS_BUTTONS = 50
BUTTON_TITLE_CHARS = 40  # an event's title on a button is clipped to this many characters
_TAG = re.compile(r"<[^>]*>")


def shortened_note() -> str:
    """The line that ends a message ``fit()`` had to cut."""
    return _("✂️ (shortened to fit Telegram's message limit)")


def tg_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji can count 2)."""
    return len(text.encode("utf-16-le")) // 2


def visible_len(html: str) -> int:
    """Length of ``html`` as Telegram counts it once the tags are parsed away."""
    return tg_len(unescape(_TAG.sub("", html)))


def _cut(text: str, units: int) -> str:
    """The longest prefix of ``text`` that is at most ``units`` UTF-16 code units."""
    out, used = [], 0
    for char in text:
        used += tg_len(char)
        if used > units:
            break
        out.append(char)
    return "".join(out)


def fit(html: str) -> str:
    """``html`` unchanged if Telegram accepts its length, else cut at a line with a note.

    Our templates open and close tags on one line and escape all user text, so whole lines
    can be dropped safely; a tag-free line (a long description) is cut inside.
    """
    if visible_len(html) <= MAX_MESSAGE:
        return html
    note = shortened_note()
    budget = MAX_MESSAGE - tg_len(note) - 1
    kept: list[str] = []
    used = 0
    for line in html.split("\n"):
        cost = visible_len(line) + 1
        if used + cost <= budget:
            kept.append(line)
            used += cost
            continue
        if not _TAG.search(line) and budget - used > 2:
            kept.append(escape(_cut(unescape(line), budget - used - 2) + "…"))
        break
    return "\n".join(kept) + "\n" + note


def clip(text: str, limit: int = BUTTON_TITLE_CHARS) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when it was longer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
