"""Browsing and booking: the /events list, event cards and registering (/myevents: my_events)."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
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
from bot.ui.checkin import ticket_rows
from bot.ui.fmt import all_of, duration, number, short_when, when
from bot.ui.i18n import _, ngettext
from bot.ui.keyboards import Row, button, keyboard, keyboard_or_none, pager
from bot.ui.limits import clip
from bot.ui.posts import share_button
from db.models import Event, Role


class Offer(enum.Enum):
    """What an event card offers the person looking at it."""

    REGISTER = enum.auto()
    CANCEL = enum.auto()
    WAITLIST = enum.auto()  # a customer could register, but there is no seat left: queue
    WAITING = enum.auto()  # on the waitlist: Leave waitlist
    NOTHING = enum.auto()  # started, cancelled, or a manager's view


def offer(
    event: ShownEvent,
    *,
    user: Account | None,
    registered: bool,
    started: bool,
    waiting: int | None = None,
) -> Offer:
    """Register for a free seat, Cancel a held one, queue for a full event or leave the queue;
    nothing once it started or was cancelled, or for managers."""
    if started or event.cancelled_at is not None:
        return Offer.NOTHING
    if user is not None and user.role is Role.MANAGER:
        return Offer.NOTHING
    if registered:
        return Offer.CANCEL
    if waiting is not None:
        return Offer.WAITING
    return Offer.WAITLIST if event.seats_left == 0 else Offer.REGISTER


# the button each offer puts on the card: label and the card action it presses
_OFFER_BUTTONS: dict[Offer, tuple[Callable[[], str], CardAction]] = {
    Offer.REGISTER: (lambda: _("✅ Register"), CardAction.REGISTER),
    Offer.CANCEL: (lambda: _("❌ Cancel registration"), CardAction.UNREGISTER),
    Offer.WAITLIST: (lambda: _("⏳ Join waitlist"), CardAction.JOIN_WAITLIST),
    Offer.WAITING: (lambda: _("Leave waitlist"), CardAction.LEAVE_WAITLIST),
}


def seats(event: ShownEvent) -> str:
    """Seats left, or that it is full."""
    if event.seats_left == 0:
        return _("full")
    return ngettext("{count} seat left", "{count} seats left", event.seats_left).format(
        count=number(event.seats_left)
    )


def event_list(page: EventPage, tz: ZoneInfo) -> str:
    """The /events message."""
    if not page.events:
        return _("📅 There are no upcoming events right now. Check back soon!")
    lines = [
        _("📅 <b>Upcoming events</b> · page {page} of {pages}").format(
            page=number(page.page + 1), pages=number(page.pages)
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


def event_button(event: ShownEvent, tz: ZoneInfo, callback: EventCard | Attendees) -> Row:
    label = f"{clip(event.title)} · {short_when(event.starts_at, tz)}"
    return [button(label, callback)]


def event_list_keyboard(page: EventPage, tz: ZoneInfo) -> InlineKeyboardMarkup | None:
    """One button per event plus Prev/Next."""
    rows = [
        event_button(event, tz, EventCard(event.id, list_page=page.page)) for event in page.events
    ]
    nav = pager(page.page, page.pages, EventList)
    return keyboard_or_none([*rows, nav] if nav else rows)


def event_card(
    event: ShownEvent,
    tz: ZoneInfo,
    *,
    user: Account | None,
    registered: bool,
    started: bool,
    waiting: int | None = None,
) -> str:
    """An event's details, and whether this person holds a seat, waits for one, or none is
    left; a started or cancelled event says so instead of counting seats."""
    if event.cancelled_at is not None:
        seats_line = _("🎟 Cancelled")
    elif started:
        seats_line = _("🎟 Started · {count} registered").format(
            count=number(event.capacity - event.seats_left)
        )
    elif event.seats_left == 0:
        seats_line = ngettext(
            "🎟 Full: its one seat is taken",
            "🎟 Full: all {capacity} seats are taken",
            event.capacity,
        ).format(capacity=number(event.capacity))
    else:
        seats_line = ngettext(
            "🎟 {count} seat left (of {capacity})",
            "🎟 {count} seats left (of {capacity})",
            event.seats_left,
        ).format(count=number(event.seats_left), capacity=number(event.capacity))
    card = _("<b>{title}</b>\n🗓 {when}\n📍 {location}\n{seats}\n\n{description}").format(
        title=escape(event.title),
        when=when(event.starts_at, tz),
        location=escape(event.location),
        seats=seats_line,
        description=escape(event.description),
    )
    if event.cancelled_at is not None:
        return card + "\n\n" + cancelled_line()
    if registered:
        card += "\n\n" + _("✅ <b>You're registered.</b>")
    elif waiting is not None:
        card += "\n\n" + waiting_line(waiting)
    elif offer(event, user=user, registered=registered, started=started) is Offer.WAITLIST:
        card += (
            "\n\n"
            + _("😔 This event is full.")
            + " "
            + _("Join the waitlist to get the next free seat.")
        )
    return card


def cancelled_line() -> str:
    """What a cancelled event's card says under its details."""
    return _("✖ <b>This event was cancelled.</b>")


def waiting_line(position: int) -> str:
    """Where this person is on the waitlist."""
    return _("⏳ You're number {position} on the waitlist.").format(position=number(position))


def event_card_keyboard(
    event: ShownEvent,
    *,
    user: Account | None,
    registered: bool,
    started: bool,
    origin: EventCard | None = None,
    waiting: int | None = None,
    share_as: str | None = None,
) -> InlineKeyboardMarkup:
    """What this person can do (Register / Cancel / Join or Leave the waitlist), 🔗 Share
    (the event's deep link, given the bot's username ``share_as``), then a way back to where
    the card was opened from (``origin``: the press that opened it)."""
    card = (origin or EventCard(event.id)).with_action(CardAction.OPEN)
    rows: list[Row] = []
    chosen = offer(event, user=user, registered=registered, started=started, waiting=waiting)
    if chosen in _OFFER_BUTTONS:
        label, action = _OFFER_BUTTONS[chosen]
        rows.append([button(label(), card.with_action(action))])
    if event.cancelled_at is None:  # a cancelled event's ticket is void: nothing to show
        rows += ticket_rows(card, registered=registered)  # 🎟 My ticket (bot.ui.checkin)
    if share_as is not None and event.cancelled_at is None and not started:
        # nothing to invite anyone to once it is cancelled or under way
        rows.append([share_button(share_as, event.id, event.title)])
    rows.append(back_row(card))
    return keyboard(rows)


def back_row(card: EventCard) -> Row:
    """« back where the card was opened from: /myevents, or its page of /events."""
    if card.from_mine:
        return [button(_("« My events"), MyEvents())]
    return [button(_("« All events"), EventList(card.list_page))]


def confirm_unregister(event: ShownEvent, tz: ZoneInfo, waiting: int = 0) -> str:
    """Asked before a registration is cancelled, saying what becomes of the seat: the first
    of the ``waiting`` people on the waitlist gets it, else it is free again for anyone
    (nobody waits while a seat is free: services.waitlist)."""
    if waiting:
        seat = ngettext(
            "{count} person is on the waitlist: your seat goes to them.",
            "{count} people are on the waitlist: your seat goes to the first of them.",
            waiting,
        ).format(count=number(waiting))
    else:
        seat = _("Your seat is free again for anyone to take.")
    return (
        _("Cancel your registration for <b>{title}</b> on {when}?").format(
            title=escape(event.title), when=when(event.starts_at, tz)
        )
        + "\n"
        + seat
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


def waitlist_joined_toast(position: int) -> str:
    """The answer to a ⏳ Join waitlist press that queued."""
    return _("⏳ You're number {position} on the waitlist.").format(position=number(position))


def waitlist_left_toast() -> str:
    """The answer to a Leave waitlist press."""
    return _("You left the waitlist.")


def log_in_to_wait(event: ShownEvent) -> str:
    """A logged-out person pressed ⏳ Join waitlist."""
    return _(
        "To join the waitlist for <b>{title}</b>, log in, or sign up if you're new. "
        "I'll bring you back to this event afterwards."
    ).format(title=escape(event.title))


def registered_toast() -> str:
    """The answer to a successful Register press."""
    return _("✅ You're registered!")


def cancelled_toast() -> str:
    """The answer to a successful Cancel registration press."""
    return _("Registration cancelled.")
