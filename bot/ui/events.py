"""Browsing and booking: the /events list, event cards, registering and /myevents."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import timedelta
from html import escape
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.services.events import EventPage
from bot.services.views import Account, ShownEvent
from bot.ui.callbacks import (
    Attendees,
    CardAction,
    EventCard,
    EventList,
    MyEvents,
    Start,
    StartAction,
)
from bot.ui.fmt import all_of, duration, short_when, when
from bot.ui.i18n import _, ngettext
from bot.ui.keyboards import Row, button, keyboard, keyboard_or_none, pager
from bot.ui.limits import MY_EVENTS_BUTTONS, clip
from bot.ui.posts import share_button
from db.models import Event, Role


class Offer(enum.Enum):
    """What an event card offers the person looking at it."""

    REGISTER = enum.auto()
    CANCEL = enum.auto()
    FULL = enum.auto()  # a customer could register, but there is no seat left
    NOTHING = enum.auto()  # started, or a manager's view


def offer(event: ShownEvent, *, user: Account | None, registered: bool, started: bool) -> Offer:
    """Register for a free seat, Cancel a held one; nothing once it started or for managers."""
    if started or (user is not None and user.role is Role.MANAGER):
        return Offer.NOTHING
    if registered:
        return Offer.CANCEL
    return Offer.FULL if event.seats_left == 0 else Offer.REGISTER


def seats(event: ShownEvent) -> str:
    """Seats left, or that it is full."""
    if event.seats_left == 0:
        return _("full")
    return ngettext("{count} seat left", "{count} seats left", event.seats_left).format(
        count=event.seats_left
    )


def event_list(page: EventPage, tz: ZoneInfo) -> str:
    """The /events message."""
    if not page.events:
        return _("📅 There are no upcoming events right now. Check back soon!")
    lines = [
        _("📅 <b>Upcoming events</b> · page {page} of {pages}").format(
            page=page.page + 1, pages=page.pages
        ),
        "",
    ]
    for event in page.events:
        lines.append(
            _("• <b>{title}</b>\n   {when} · {seats}").format(
                title=escape(event.title), when=when(event.starts_at, tz), seats=seats(event)
            )
        )
    lines += ["", _("Tap an event to see details and register.")]
    return "\n".join(lines)


def _event_button(event: ShownEvent, tz: ZoneInfo, callback: EventCard | Attendees) -> Row:
    label = f"{clip(event.title)} · {short_when(event.starts_at, tz)}"
    return [button(label, callback)]


def event_list_keyboard(page: EventPage, tz: ZoneInfo) -> InlineKeyboardMarkup | None:
    """One button per event plus Prev/Next."""
    rows = [
        _event_button(event, tz, EventCard(event.id, list_page=page.page)) for event in page.events
    ]
    nav = pager(page.page, page.pages, EventList)
    return keyboard_or_none([*rows, nav] if nav else rows)


def event_card(
    event: ShownEvent, tz: ZoneInfo, *, user: Account | None, registered: bool, started: bool
) -> str:
    """An event's details, and whether this person holds a seat or none is left."""
    if event.seats_left == 0:
        seats_line = _("🎟 Full (of {capacity})").format(capacity=event.capacity)
    else:
        seats_line = ngettext(
            "🎟 {count} seat left (of {capacity})",
            "🎟 {count} seats left (of {capacity})",
            event.seats_left,
        ).format(count=event.seats_left, capacity=event.capacity)
    card = _("<b>{title}</b>\n🗓 {when}\n📍 {location}\n{seats}\n\n{description}").format(
        title=escape(event.title),
        when=when(event.starts_at, tz),
        location=escape(event.location),
        seats=seats_line,
        description=escape(event.description),
    )
    if registered:
        card += "\n\n" + _("✅ <b>You're registered.</b>")
    elif offer(event, user=user, registered=registered, started=started) is Offer.FULL:
        card += "\n\n" + _("😔 This event is full.")
    return card


def event_card_keyboard(
    event: ShownEvent,
    *,
    user: Account | None,
    registered: bool,
    started: bool,
    origin: EventCard | None = None,
    share_as: str | None = None,
) -> InlineKeyboardMarkup:
    """Register / Cancel for customers, Attendees for managers, 🔗 Share (the event's deep
    link, given the bot's username ``share_as``), and a way back to where the card was opened
    from (``origin``: the press that opened it)."""
    card = (origin or EventCard(event.id)).with_action(CardAction.OPEN)
    rows: list[Row] = []
    match offer(event, user=user, registered=registered, started=started):
        case Offer.REGISTER:
            rows.append([button(_("✅ Register"), card.with_action(CardAction.REGISTER))])
        case Offer.CANCEL:
            rows.append(
                [button(_("❌ Cancel registration"), card.with_action(CardAction.UNREGISTER))]
            )
    if user is not None and user.role is Role.MANAGER:
        rows.append([button(_("👥 Attendees"), Attendees(event.id))])
    if share_as is not None:
        rows.append([share_button(share_as, event.id, event.title)])
    if card.from_mine:
        rows.append([button(_("« My events"), MyEvents())])
    else:
        rows.append([button(_("« All events"), EventList(card.list_page))])
    return keyboard(rows)


def confirm_unregister(event: ShownEvent, tz: ZoneInfo) -> str:
    """Asked before a registration is cancelled."""
    return (
        _("Cancel your registration for <b>{title}</b> on {when}?").format(
            title=escape(event.title), when=when(event.starts_at, tz)
        )
        + "\n"
        + _("Your seat goes to someone else.")
    )


def confirm_unregister_keyboard(origin: EventCard) -> InlineKeyboardMarkup:
    """*Yes, cancel it* / *Keep it*."""
    return keyboard(
        [
            [
                button(_("Yes, cancel it"), origin.with_action(CardAction.UNREGISTER_CONFIRMED)),
                button(_("Keep it"), origin.with_action(CardAction.OPEN)),
            ]
        ]
    )


def log_in_to_register(event: ShownEvent) -> str:
    """A logged-out person pressed Register."""
    return _(
        "To register for <b>{title}</b>, log in, or sign up if you're new. "
        "I'll bring you back to this event afterwards."
    ).format(title=escape(event.title))


def log_in_to_register_keyboard(event_id: int) -> InlineKeyboardMarkup:
    """*Log in* / *Sign up*, each coming back to the event."""
    return keyboard(
        [
            [
                button(_("🔑 Log in"), Start(StartAction.LOGIN, event_id)),
                button(_("📝 Sign up"), Start(StartAction.SIGNUP, event_id)),
            ]
        ]
    )


def reminder_phrase(offsets: Sequence[timedelta]) -> str:
    """``24 hours and 1 hour`` for the confirmation message."""
    return all_of([duration(offset) for offset in offsets])


def registered_message(event: ShownEvent, tz: ZoneInfo, offsets: Sequence[timedelta]) -> str:
    """Confirmation after taking a seat."""
    text = _("✅ You're registered for <b>{title}</b> on {when}.").format(
        title=escape(event.title), when=when(event.starts_at, tz)
    )
    if offsets:
        text += "\n" + _("I'll remind you {when} before it starts.").format(
            when=reminder_phrase(offsets)
        )
    return text


def cancelled_message(event: Event) -> str:
    """Confirmation after giving a seat back."""
    return _("Your registration for <b>{title}</b> is cancelled.").format(title=escape(event.title))


def registered_toast() -> str:
    """The answer to a successful Register press."""
    return _("✅ You're registered!")


def cancelled_toast() -> str:
    """The answer to a successful Cancel registration press."""
    return _("Registration cancelled.")


def my_events(events: Sequence[Event], tz: ZoneInfo) -> str:
    """The /myevents message."""
    if not events:
        return _("🎟 You're not registered for any upcoming events. Find one with /events.")
    lines = [_("🎟 <b>Your upcoming events</b>"), ""]
    lines += [
        _("• <b>{title}</b>\n   {when}").format(title=escape(e.title), when=when(e.starts_at, tz))
        for e in events
    ]
    return "\n".join(lines)


def my_events_keyboard(events: Sequence[Event], tz: ZoneInfo) -> InlineKeyboardMarkup | None:
    """A button to open each registration's card."""
    return keyboard_or_none(
        [_event_button(e, tz, EventCard(e.id, from_mine=True)) for e in events[:MY_EVENTS_BUTTONS]]
    )
