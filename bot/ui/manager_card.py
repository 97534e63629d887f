"""The organiser's card of an event: details, counters and the organiser's buttons; editing a
field and cancelling the event."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.services.event_changes import ManagerView
from bot.services.views import ShownEvent
from bot.ui import events as events_ui
from bot.ui import manage
from bot.ui.callbacks import (
    Attendees,
    Callback,
    CardAction,
    EditField,
    EventCard,
    EventField,
    ManageAction,
    ManagePicker,
    ManagerCard,
)
from bot.ui.checkin import ticket_rows
from bot.ui.fmt import number, when
from bot.ui.i18n import _, ngettext
from bot.ui.keyboards import Row, back_to_card, button, keyboard
from bot.ui.posts import share_button


@dataclass(frozen=True)
class OwnPlace:
    """The organiser's own seat or waitlist place at the event (a customer promoted to
    manager keeps theirs), and the card press their buttons come back to."""

    card: EventCard
    registered: bool
    waiting: int | None  # place on the waitlist, None if not on it

    @property
    def any(self) -> bool:
        return self.registered or self.waiting is not None


def manager_card(
    view: ManagerView, tz: ZoneInfo, *, now: datetime, own: OwnPlace | None = None
) -> str:
    """Title, date, place, description, the counters an organiser watches, and the viewer's
    own seat or waitlist place if they hold one."""
    event = view.event
    counters = _(
        "🎟 Registered {registered}/{capacity} · ⏳ waitlist {waiting} · ✔ checked in {checked_in}"
    ).format(
        registered=number(view.registered),
        capacity=number(event.capacity),
        waiting=number(view.waiting),
        checked_in=number(view.checked_in),
    )
    card = _("🛠 <b>{title}</b>\n🗓 {when}\n📍 {location}\n{counters}\n\n{description}").format(
        title=escape(event.title),
        when=when(event.starts_at, tz),
        location=escape(event.location),
        counters=counters,
        description=escape(event.description),
    )
    if event.cancelled_at is not None:
        card += "\n\n" + _("✖ <b>Cancelled</b> on {when}.").format(
            when=when(event.cancelled_at, tz)
        )
    elif event.starts_at <= now:
        card += "\n\n" + _("It has started: it can no longer be edited or cancelled.")
    if event.cancelled_at is None and own is not None:
        if own.registered:
            card += "\n\n" + _("🎟 You hold a seat at this event yourself.")
        elif own.waiting is not None:
            card += "\n\n" + events_ui.waiting_line(own.waiting)
    return card


def own_place_rows(own: OwnPlace | None, *, cancelled: bool, started: bool) -> list[Row]:
    """The viewer's own ticket, and giving back their seat or waitlist place (not once the
    event started; the ticket stays for the door)."""
    if own is None or cancelled:
        return []
    rows = ticket_rows(own.card, registered=own.registered)
    if started:
        return rows
    if own.registered:
        rows.append(
            [button(_("❌ Cancel my registration"), own.card.with_action(CardAction.UNREGISTER))]
        )
    elif own.waiting is not None:
        rows.append([button(_("Leave waitlist"), own.card.with_action(CardAction.LEAVE_WAITLIST))])
    return rows


def _action(label: str, event_id: int, action: ManageAction) -> InlineKeyboardButton:
    return button(label, ManagerCard(event_id, action))


def manager_card_keyboard(
    view: ManagerView,
    *,
    bot_username: str,
    now: datetime,
    back: Row | None = None,
    own: OwnPlace | None = None,
) -> InlineKeyboardMarkup:
    """The organiser's buttons; Edit, Cancel, Post and Share only while the event is on and
    ahead; the viewer's own ticket and seat (``own``); ``back`` (default: the /manage
    picker) last."""
    event = view.event
    event_id = event.id
    cancelled = event.cancelled_at is not None
    changeable = not cancelled and event.starts_at > now
    # the viewer's own seat first, far from ✖ Cancel event at the bottom
    rows = own_place_rows(own, cancelled=cancelled, started=event.starts_at <= now)
    first = [button(_("👥 Attendees"), Attendees(event_id, 0))]
    if changeable:
        first.insert(0, _action(_("✏️ Edit"), event_id, ManageAction.EDIT))
    rows.append(first)
    rows.append(
        [
            _action(_("📣 Message attendees"), event_id, ManageAction.MESSAGE),
            _action(_("📄 Export CSV"), event_id, ManageAction.EXPORT),
        ]
    )
    chart = _action(_("📈 Registrations chart"), event_id, ManageAction.CHART)
    if changeable:  # an invitation only makes sense while people can still come
        rows.append([_action(_("📌 Post to a chat"), event_id, ManageAction.POST), chart])
        rows.append([share_button(bot_username, event.id, event.title)])
    else:
        rows.append([chart])
    if changeable:
        rows.append([_action(_("✖ Cancel event"), event_id, ManageAction.CANCEL)])
    rows.append(back or [button(_("« Events"), ManagePicker(0))])
    return keyboard(rows)


def back_to_card_keyboard(event_id: int, *, below: bool = False) -> InlineKeyboardMarkup:
    """Just the « back to the organiser's card, under a message that ends a task (``below``:
    the card as a new message, this one kept)."""
    return keyboard([back_to_card(event_id, below=below)])


# ---- ✏️ Edit ------------------------------------------------------------------------------

_FIELD_LABELS: dict[EventField, Callable[[], str]] = {
    EventField.TITLE: lambda: _("Title"),
    EventField.DESCRIPTION: lambda: _("Description"),
    EventField.START: lambda: _("Start"),
    EventField.LOCATION: lambda: _("Location"),
    EventField.CAPACITY: lambda: _("Capacity"),
}


def edit_menu(event: ShownEvent) -> str:
    """Which field to change."""
    return _("✏️ What do you want to change in <b>{title}</b>?").format(title=escape(event.title))


def edit_menu_keyboard(event_id: int) -> InlineKeyboardMarkup:
    """One button per field, and back to the card."""
    fields = [button(_FIELD_LABELS[f](), EditField(event_id, f)) for f in EventField]
    back: Callback = ManagerCard(event_id)
    return keyboard([fields[:3], fields[3:], [button(_("« Back"), back)]])


def ask_new_value(field: EventField, current: str, tz: ZoneInfo, *, least: int = 1) -> str:
    """Ask for a field's new value, showing the one it has now (the capacity: at least
    ``least``, the number registered)."""
    questions: dict[EventField, Callable[[], str]] = {
        EventField.TITLE: lambda: _("Send the new title."),
        EventField.DESCRIPTION: lambda: _("Send the new description."),
        EventField.START: lambda: manage.ask_start(tz),
        EventField.LOCATION: lambda: _("Send the new location."),
        EventField.CAPACITY: lambda: manage.ask_capacity(least),
    }
    now_text = _("Now: {current}").format(current=current)
    return questions[field]() + "\n\n" + now_text + "\n\n" + _("(/cancel keeps it as it is.)")


def edited(notified: int, promoted: int) -> str:
    """The change is saved; who is told about it."""
    text = _("✅ Saved.")
    if notified:
        text += " " + ngettext(
            "{count} person (registered or waiting) will be told.",
            "{count} people (registered or waiting) will be told.",
            notified,
        ).format(count=number(notified))
    if promoted:
        text += " " + ngettext(
            "{count} person from the waitlist got a seat.",
            "{count} people from the waitlist got a seat.",
            promoted,
        ).format(count=number(promoted))
    return text


def unchanged() -> str:
    """The new value is the one it already had."""
    return _("That is what it already was: nothing changed.")


# ---- ✖ Cancel event ---------------------------------------------------------------------


def confirm_cancel(event: ShownEvent, registered: int, waiting: int = 0) -> str:
    """Asked before an event is cancelled."""
    if not registered and not waiting:
        return _("Cancel <b>{title}</b>? Nobody is registered or waiting.").format(
            title=escape(event.title)
        )
    return (
        ngettext(
            "Cancel <b>{title}</b>? {count} person is registered.",
            "Cancel <b>{title}</b>? {count} people are registered.",
            registered,
        ).format(title=escape(event.title), count=number(registered))
        + "\n"
        + _("Everyone registered or waiting will be told.")
    )


def confirm_cancel_keyboard(event_id: int) -> InlineKeyboardMarkup:
    """*Yes, cancel* / *Keep it*."""
    return keyboard(
        [
            [
                _action(_("Yes, cancel"), event_id, ManageAction.CANCEL_CONFIRMED),
                button(_("Keep it"), ManagerCard(event_id)),
            ]
        ]
    )


def event_cancelled(event: ShownEvent, registered: int, waiting: int) -> str:
    """The event is cancelled; who will be told (nobody, the registered, those waiting, or
    both)."""
    done = _("✖ <b>{title}</b> is cancelled.").format(title=escape(event.title))
    told = ngettext("{count} person registered", "{count} people registered", registered).format(
        count=number(registered)
    )
    queued = ngettext(
        "{count} person on the waitlist", "{count} people on the waitlist", waiting
    ).format(count=number(waiting))
    if registered and waiting:
        who = _("{registered} and {waiting} will be told.").format(registered=told, waiting=queued)
    elif registered:
        who = ngettext(
            "The {count} person registered will be told.",
            "The {count} people registered will be told.",
            registered,
        ).format(count=number(registered))
    elif waiting:
        who = ngettext(
            "The {count} person on the waitlist will be told.",
            "The {count} people on the waitlist will be told.",
            waiting,
        ).format(count=number(waiting))
    else:
        who = _("Nobody is registered or waiting.")
    return done + " " + who
