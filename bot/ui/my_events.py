"""/myevents: the events someone holds a seat at (those under way too), then those they wait for."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.services.waitlist import Waiting
from bot.ui.callbacks import EventCard
from bot.ui.events import event_button
from bot.ui.fmt import number, short_when, when
from bot.ui.i18n import _
from bot.ui.keyboards import button, keyboard_or_none
from bot.ui.limits import MY_EVENTS_BUTTONS, clip
from db.models import Event


def my_events(
    events: Sequence[Event],
    tz: ZoneInfo,
    waiting: Sequence[Waiting] = (),
    *,
    now: datetime | None = None,
) -> str:
    """The /myevents message: the events this person holds a seat at (those under way marked
    as started: their ticket is still wanted at the door), then those they are on the
    waitlist of, each with their place in line."""
    if not events and not waiting:
        return _("🎟 You're not registered for any upcoming events. Find one with /events.")
    lines = [_("🎟 <b>Your upcoming events</b>"), ""]
    for e in events:
        if now is not None and e.starts_at <= now:
            line = _("• <b>{title}</b>\n   {when} · started")
        else:
            line = _("• <b>{title}</b>\n   {when}")
        lines.append(line.format(title=escape(e.title), when=when(e.starts_at, tz)))
    if waiting:
        if events:
            lines.append("")
        lines.append(_("⏳ <b>On the waitlist</b>"))
        lines += [
            _("• <b>{title}</b>\n   {when} · waiting, number {position} in line").format(
                title=escape(w.event.title),
                when=when(w.event.starts_at, tz),
                position=number(w.position),
            )
            for w in waiting
        ]
    return "\n".join(lines)


def my_events_keyboard(
    events: Sequence[Event], tz: ZoneInfo, waiting: Sequence[Waiting] = ()
) -> InlineKeyboardMarkup | None:
    """A button to open each registration's card, then each waited-for event's card (where
    *Leave waitlist* is); MY_EVENTS_BUTTONS at most."""
    rows = [event_button(e, tz, EventCard(e.id, from_mine=True)) for e in events]
    for w in waiting:
        label = _("⏳ {event}").format(
            event=f"{clip(w.event.title)} · {short_when(w.event.starts_at, tz)}"
        )
        rows.append([button(label, EventCard(w.event.id, from_mine=True))])
    return keyboard_or_none(rows[:MY_EVENTS_BUTTONS])
