"""Buttons in the sandbox: which typed number presses which button, and where a link opens."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from bot.emulator import ChatMessage

# a button number: ASCII digits only ("²".isdigit() is True, int("²") fails), "#" to insist
BUTTON = re.compile(r"(#?)([0-9]+)")
URL_BUTTON = "\x00url:"  # keyboard entries of URL buttons (no callback data can start so)
MAX_BARE_DIGITS = 3  # longer numbers are answers ("1000" seats), not buttons


def keyboard_of(message: ChatMessage) -> list[tuple[str, str]]:
    """The message's buttons in order, as (label, callback data); a URL button's data is
    ``URL_BUTTON`` followed by its link."""
    urls = message.urls
    return [
        (label, data or URL_BUTTON + urls.get(label, ""))
        for row in message.buttons
        for label, data in row
    ]


def button_number(text: str, latest: ChatMessage | None) -> str | None:
    """The digits of a button press (``2`` or ``#2``), or None when ``text`` is a message: a
    bare number presses a button only while the newest message (``latest``) has some."""
    match = BUTTON.fullmatch(text)
    if match is None:
        return None
    insist, digits = match.groups()
    if insist:
        return digits
    latest_has_buttons = latest is not None and not latest.deleted and bool(latest.buttons)
    return digits if latest_has_buttons and len(digits) <= MAX_BARE_DIGITS else None


def hash_press_hint(text: str, keyboard_size: int) -> str | None:
    """For a bare number sent as a message while an older keyboard of ``keyboard_size``
    buttons is on screen: how to press that keyboard's button instead (the number may well
    have meant it). None when there is nothing to say."""
    match = BUTTON.fullmatch(text)
    if match is None or match.group(1) or not keyboard_size:
        return None
    digits = match.group(2)
    if len(digits) <= MAX_BARE_DIGITS and 1 <= int(digits) <= keyboard_size:
        return (
            f"sent “{digits}” as a message (the newest message has no buttons); "
            f"#{digits} presses button {digits} of the keyboard above"
        )
    return None


@dataclass(frozen=True)
class LinkOpened:
    """What pressing a URL button does here: a line to show, and the ``/start`` payload to
    send the bot when the link opens this bot's chat."""

    note: str
    start_payload: str | None = None


def open_link(label: str, url: str, *, who: str) -> LinkOpened:
    """A URL button pressed by ``who``: a link to this bot opens its chat with /start
    <payload>, as Telegram does; Telegram's share sheet (t.me/share) would let you pick a chat
    to send it to."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    if parts.hostname == "t.me" and parts.path == "/share/url":
        shared = query.get("url", [""])[0]
        return LinkOpened(
            f"“{label}” opens Telegram's share sheet to send {shared} to a chat; "
            "here, anyone who opens that link gets the card"
        )
    payload = query.get("start", [""])[0]
    if parts.hostname == "t.me" and payload:
        return LinkOpened(f"{who} opened {url}", start_payload=payload)
    return LinkOpened(f"“{label}” opens {url} (outside the sandbox)")
