"""Managers' screens: the /newevent questions and summary, the /attendees and /manage
pickers and the attendee lists."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.services.attendees import Attendee, AttendeePage, Packing
from bot.services.events import MAX_CAPACITY, MIN_CAPACITY, RECENTLY_STARTED, EventDraft, EventPage
from bot.ui.callbacks import (
    AttendeePicker,
    Attendees,
    Callback,
    ConfirmAction,
    ManagePast,
    ManagePicker,
    ManagerCard,
    NewEventConfirm,
    PastEvents,
)
from bot.ui.checkin import check_in_button
from bot.ui.fmt import duration, number, short_when, when
from bot.ui.i18n import _, ngettext
from bot.ui.keyboards import Row, button, keyboard, pager
from bot.ui.limits import MAX_MESSAGE, clip, tg_len, visible_len
from db.models import Event


def ask_title() -> str:
    """First /newevent question."""
    return _("🛠 New event. What's the title?")


def ask_description() -> str:
    """Second /newevent question."""
    return _("Describe the event in a few lines.")


def ask_start(tz: ZoneInfo) -> str:
    """Ask for the start time in the bot's zone."""
    return _(
        "When does it start? Send it as <code>YYYY-MM-DD HH:MM</code> in "
        "{zone} time, for example <code>2030-05-17 19:30</code>."
    ).format(zone=escape(str(tz)))


def ask_location() -> str:
    """Fourth /newevent question."""
    return _("Where does it take place?")


def ask_capacity(least: int = MIN_CAPACITY) -> str:
    """Last /newevent question (and ✏️ Edit's, whose ``least`` is the number registered)."""
    return _("How many seats are there? ({min}–{max})").format(
        min=number(max(MIN_CAPACITY, least)), max=number(MAX_CAPACITY)
    )


def discarded() -> str:
    """/newevent ended with Cancel."""
    return _("Discarded. No event was created.")


def summary(draft: EventDraft, tz: ZoneInfo) -> str:
    """What the manager is about to create."""
    seats = ngettext("🎟 {count} seat", "🎟 {count} seats", draft.capacity).format(
        count=number(draft.capacity)
    )
    return _(
        "Please check the event:\n\n"
        "<b>{title}</b>\n🗓 {when}\n📍 {location}\n{seats}\n\n{description}"
    ).format(
        title=escape(draft.title),
        when=when(draft.starts_at, tz),
        location=escape(draft.location),
        seats=seats,
        description=escape(draft.description),
    )


def confirm_keyboard() -> InlineKeyboardMarkup:
    """Create / Cancel under the summary."""
    return keyboard(
        [
            [
                button(_("✅ Create"), NewEventConfirm(ConfirmAction.CREATE)),
                button(_("✖ Cancel"), NewEventConfirm(ConfirmAction.CANCEL)),
            ]
        ]
    )


def event_created(event: Event, tz: ZoneInfo) -> str:
    """Confirmation after /newevent."""
    return ngettext(
        "🎉 Created <b>{title}</b> on {when} with {count} seat. It's now listed in /events.",
        "🎉 Created <b>{title}</b> on {when} with {count} seats. It's now listed in /events.",
        event.capacity,
    ).format(
        title=escape(event.title), when=when(event.starts_at, tz), count=number(event.capacity)
    )


@dataclass(frozen=True)
class Picker:
    """An event picker (current events, and under 🕰 the past ones) and what a pick opens:
    /attendees opens the attendee list, /manage the organiser's card."""

    current: type[AttendeePicker] | type[ManagePicker]
    past: type[PastEvents] | type[ManagePast]
    opens: Callable[[int], Callback]
    question: Callable[[], str]  # without its icon: the past page puts 🕰 there


ATTENDEES = Picker(
    AttendeePicker, PastEvents, lambda event_id: Attendees(event_id),
    lambda: _("Whose attendees?"),
)  # fmt: skip
MANAGE = Picker(
    ManagePicker, ManagePast, lambda event_id: ManagerCard(event_id),
    lambda: _("Which event?"),
)  # fmt: skip


def picker_text(picker: Picker, page: EventPage, *, past: bool) -> str:
    """Ask which event: those under way or ahead, or (``past``) those that started earlier."""
    span = duration(RECENTLY_STARTED)
    if past:
        if not page.events:
            return _("🕰 No past events yet: an event moves here {span} after its start.").format(
                span=span
            )
        return _(
            "🕰 {question} Events that started more than {span} ago, most recent first "
            "(page {page} of {pages})."
        ).format(
            question=picker.question(),
            span=span,
            page=number(page.page + 1),
            pages=number(page.pages),
        )
    if not page.events:
        return _(
            "No event started in the last {span} or is still to come. Create one with "
            "/newevent; older events are under 🕰 Past events."
        ).format(span=span)
    return _(
        "📅 {question} Events that started in the last {span} or are still to come, "
        "soonest first (page {page} of {pages})."
    ).format(
        question=picker.question(), span=span, page=number(page.page + 1), pages=number(page.pages)
    )


def picker_keyboard(
    picker: Picker, page: EventPage, tz: ZoneInfo, *, past: bool
) -> InlineKeyboardMarkup:
    """Events as buttons, Prev/Next, and the way to the past ones (or back from them)."""
    nav = pager(page.page, page.pages, picker.past if past else picker.current)
    rows: list[Row] = []
    for e in page.events:
        label = f"{clip(e.title)} · {short_when(e.starts_at, tz)}"
        if e.cancelled_at is not None:
            label = _("✖ {event}").format(event=label)
        rows.append([button(label, picker.opens(e.id))])
    if past:
        last = [button(_("« Current events"), picker.current(0))]
    else:
        last = [button(_("🕰 Past events"), picker.past(0))]
    return keyboard([*rows, *([nav] if nav else []), last])


def _attendee_head(event: Event, tz: ZoneInfo) -> str:
    return ngettext(
        "👥 <b>{title}</b>\n🗓 {when}\n{taken} of {count} seat taken",
        "👥 <b>{title}</b>\n🗓 {when}\n{taken} of {count} seats taken",
        event.capacity,
    ).format(
        title=escape(event.title),
        when=when(event.starts_at, tz),
        taken=number(event.capacity - event.seats_left),
        count=number(event.capacity),
    )


def _attendee_line() -> str:
    return _("{number}. {name} — {email}")


def _arrived_mark(attendee: Attendee) -> str:
    """`` ✅`` after someone checked in at the door (bot.ui.checkin)."""
    # TRANSLATORS: the mark after an attendee who checked in at the door
    return " " + _("✅") if attendee.checked_in else ""


def _page_footer(page: int, pages: int) -> str:
    return _("Page {page} of {pages}").format(page=number(page), pages=number(pages))


def attendee_packing(event: Event, tz: ZoneInfo) -> Packing:
    """How attendee_list fills a page: as many lines as fit one message with the heading and
    the page footer, counted as Telegram counts (UTF-16 units of the visible text).

    The footer is reserved at its longest (page numbers as high as the capacity, which no
    page count exceeds), so the pages don't depend on how many there are.
    """
    footer = visible_len(_page_footer(event.capacity, event.capacity))
    # head, blank line, lines with a line break after each but the last, blank line, footer
    room = MAX_MESSAGE - visible_len(_attendee_head(event, tz)) - 2 + 1 - 2 - footer
    line = _attendee_line()
    frame = visible_len(line.format(number="", name="", email="")) + 1

    def cost(number: int, attendee: Attendee) -> int:
        # the same as visible_len(line.format(...)) + 1, without building the line: user text
        # is escaped in the message and unescaped again by Telegram, so it counts as typed
        mark = tg_len(_arrived_mark(attendee))
        return frame + len(str(number)) + tg_len(attendee.name + attendee.email) + mark

    return Packing(room=room, cost=cost)


def attendee_list(page: AttendeePage, tz: ZoneInfo, *, now: datetime) -> str:
    """One page of attendees, as many as attendee_packing put on it: never cut by fit()."""
    head = _attendee_head(page.event, tz)
    if not page.attendees:
        if page.event.starts_at <= now:  # it has started: nobody will register any more
            return head + "\n\n" + _("Nobody registered.")
        return head + "\n\n" + _("Nobody has registered yet.")
    line = _attendee_line()
    lines = [
        line.format(number=page.first + i, name=escape(a.name), email=escape(a.email))
        + _arrived_mark(a)
        for i, a in enumerate(page.attendees, start=1)
    ]
    text = head + "\n\n" + "\n".join(lines)
    if page.pages > 1:
        text += "\n\n" + _page_footer(page.page + 1, page.pages)
    return text


def attendee_list_keyboard(page: AttendeePage) -> InlineKeyboardMarkup:
    """Prev/Next through the attendees, *☑ Check in…* when there is someone to check in, and
    back to the organiser's card."""
    event_id = page.event.id
    nav = pager(page.page, page.pages, lambda n: Attendees(event_id, n))
    back = [button(_("« Event"), ManagerCard(event_id))]
    someone = page.total > 0 and page.event.cancelled_at is None
    door = [check_in_button(event_id)] if someone else []
    return keyboard([nav, *door, back] if nav else [*door, back])
