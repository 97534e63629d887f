"""Tickets and check-in: the ticket's caption and picture words, what a scan answers, and the
managers' check-in list."""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.services.checkin import DOORS_OPEN, CheckIn, DoorPage, Ticket
from bot.services.checkin_undo import Undone
from bot.ui.callbacks import (
    Attendees,
    CardAction,
    CheckInAgain,
    CheckInList,
    EventCard,
    UndoCheckIn,
)
from bot.ui.fmt import number, short_when, time_of_day, when
from bot.ui.i18n import _, ngettext
from bot.ui.keyboards import Row, button, keyboard, pager
from bot.ui.limits import clip
from bot.ui.ticket_image import TicketFace

CHECK_IN_PAGE_SIZE = 8  # people a page of the check-in list, one button each


def ticket_rows(card: EventCard, *, registered: bool) -> list[Row]:
    """*🎟 My ticket* on the card of an event the viewer holds a seat at."""
    if not registered:
        return []
    return [[button(_("🎟 My ticket"), card.with_action(CardAction.TICKET))]]


def ticket_face(ticket: Ticket, tz: ZoneInfo, link: str) -> TicketFace:
    """The words on the ticket's picture."""
    return TicketFace(
        heading=_("Ticket"),
        title=ticket.title,
        when=when(ticket.starts_at, tz),
        where=ticket.location,
        name=ticket.attendee,
        footer=_("Show this code at the door"),
        link=link,
    )


def ticket_caption(ticket: Ticket, tz: ZoneInfo) -> str:
    """The picture's caption: what the picture shows, as text (≤ 1024 characters: a title of
    100, a place of 200 and a name of 64 leave room to spare)."""
    return _(
        "🎟 <b>{title}</b>\n🗓 {when}\n📍 {location}\n👤 {name}\n\n"
        "Show this QR code at the door to check in."
    ).format(
        title=escape(ticket.title),
        when=when(ticket.starts_at, tz),
        location=escape(ticket.location),
        name=escape(ticket.attendee),
    )


def ticket_for_cancelled_event(title: str, *, html: bool = True) -> str:
    """A ticket of, or a scan at, an event that was cancelled (``html=False``: an alert)."""
    return _("❌ {title} was cancelled: this ticket is no longer valid.").format(
        title=escape(title) if html else title
    )


def ticket_invalid() -> str:
    """A scan that matches no ticket (never saying which part was wrong)."""
    return _("⛔ This ticket isn't valid.")


def only_managers_check_in() -> str:
    """A customer opened a ticket link."""
    return _("🎟 This is an entry ticket: an organiser scans it at the door to check you in.")


def attendee_gone() -> str:
    """The person pressed on the check-in list has cancelled meanwhile."""
    return _("They are no longer registered for this event.")


def _moment(at: datetime, now: datetime, tz: ZoneInfo) -> str:
    """``19:02`` on the same day (in the bot's zone), ``28 Nov 19:02`` otherwise."""
    if at.astimezone(tz).date() == now.astimezone(tz).date():
        return time_of_day(at, tz)
    return short_when(at, tz)


def checked_in(result: CheckIn, now: datetime, tz: ZoneInfo, *, html: bool = True) -> str:
    """What a scan answers (HTML), or a press on the check-in list (``html=False``: a toast,
    at most 200 characters with a name of 64)."""
    name = escape(result.name) if html else result.name
    if result.first:
        said = _("✅ {name} checked in ({count}/{registered})").format(
            name=name, count=number(result.checked_in), registered=number(result.registered)
        )
    else:
        said = _("☑ Already checked in at {time}: {name}").format(
            name=name, time=_moment(result.at, now, tz)
        )
    if not html:  # a toast on the check-in list, whose heading names the event
        return said
    # a scan: the event is named, so a ticket for another event can't pass for this one
    return said + "\n" + _event_line(result.title, result.starts_at, tz)


def _event_line(title: str, starts_at: datetime, tz: ZoneInfo) -> str:
    return _("🎟 <b>{title}</b> · {when}").format(title=escape(title), when=when(starts_at, tz))


def ticket_not_today(title: str, starts_at: datetime, tz: ZoneInfo, *, early: bool) -> str:
    """A genuine ticket scanned outside its event's doors' hours (nothing was changed)."""
    if early:
        hours = int(DOORS_OPEN.total_seconds() // 3600)
        return ngettext(
            "⛔ Not checked in: this ticket is for <b>{title}</b> on {when}. Check-in opens "
            "{hours} hour before the start.",
            "⛔ Not checked in: this ticket is for <b>{title}</b> on {when}. Check-in opens "
            "{hours} hours before the start.",
            hours,
        ).format(title=escape(title), when=when(starts_at, tz), hours=number(hours))
    return _(
        "⛔ Not checked in: this ticket is for <b>{title}</b> on {when}, which is over."
    ).format(title=escape(title), when=when(starts_at, tz))


def scan_keyboard(result: CheckIn) -> InlineKeyboardMarkup | None:
    """*↩ Undo check-in* under the answer to the scan that checked someone in; none under
    "already checked in" (a second scan, of a shared screenshot say, must not be able to
    take back the check-in of the person who came first)."""
    if not result.first:
        return None
    undo = UndoCheckIn(result.event_id, result.registration_id)
    return keyboard([[button(_("↩ Undo check-in"), undo)]])


def undone(result: Undone, *, html: bool = True) -> str:
    """A check-in taken back: the scan's answer edited (HTML, with the door's count), or a
    toast on the check-in list (``html=False``)."""
    if not html:
        return _("↩ {name} is no longer checked in").format(name=result.name)
    return _("↩ {name} is no longer checked in ({count}/{registered})").format(
        name=escape(result.name),
        count=number(result.checked_in),
        registered=number(result.registered),
    )


def undone_keyboard(result: Undone) -> InlineKeyboardMarkup:
    """*✅ Check in again* under a scan's answer whose check-in was undone."""
    again = CheckInAgain(result.event_id, result.registration_id)
    return keyboard([[button(_("✅ Check in again"), again)]])


def not_checked_in(name: str) -> str:
    """Undo pressed for someone who isn't checked in (an alert: plain text)."""
    return _("{name} wasn't checked in: nothing to undo.").format(name=name)


def check_in_button(event_id: int) -> Row:
    """*☑ Check in…* under an attendee list."""
    return [button(_("☑ Check in…"), CheckInList(event_id))]


def door_list(page: DoorPage, tz: ZoneInfo) -> str:
    """The check-in list's message: who is still to arrive, one button each."""
    head = _("☑ <b>Check in: {title}</b>\n🗓 {when}\n{count} of {registered} checked in").format(
        title=escape(page.event.title),
        when=when(page.event.starts_at, tz),
        count=number(page.checked_in),
        registered=number(page.registered),
    )
    if page.event.cancelled_at is not None:
        return head + "\n\n" + ticket_for_cancelled_event(page.event.title)
    if not page.waiting:
        if page.registered == 0:
            return head + "\n\n" + _("Nobody has registered yet.")
        return head + "\n\n" + _("🎉 Everyone is checked in.")
    text = head + "\n\n" + _("Tap who has arrived.")
    if page.pages > 1:
        text += "\n" + _("Page {page} of {pages}").format(
            page=number(page.page + 1), pages=number(page.pages)
        )
    return text


def door_keyboard(page: DoorPage, last: CheckIn | None = None) -> InlineKeyboardMarkup:
    """One button per person still to arrive, Prev/Next, *↩ Undo: <name>* for ``last`` (who
    was just checked in from this list), and back to the attendee list."""
    event_id = page.event.id
    rows: list[Row] = []
    if page.event.cancelled_at is None:
        rows = [
            [
                button(
                    f"{clip(a.name, 32)} · {clip(a.email, 24)}",
                    CheckInList(event_id, page.page, a.registration_id),
                )
            ]
            for a in page.waiting
        ]
    nav = pager(page.page, page.pages, lambda n: CheckInList(event_id, n))
    if nav:
        rows.append(nav)
    if last is not None and last.first and page.event.cancelled_at is None:
        undo = UndoCheckIn(event_id, last.registration_id, page.page)
        rows.append([button(_("↩ Undo: {name}").format(name=clip(last.name, 32)), undo)])
    rows.append([button(_("« Attendees"), Attendees(event_id))])
    return keyboard(rows)
