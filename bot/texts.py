"""Every user-facing string and keyboard in one place. All text is HTML; user text is escaped."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from html import escape, unescape
from zoneinfo import ZoneInfo

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup

from bot.services.events import (
    MAX_CAPACITY,
    AttendeePage,
    EventDraft,
    EventPage,
)
from bot.services.passwords import MAX_PASSWORD_BYTES, MIN_PASSWORD_BYTES
from bot.services.views import Account, ShownEvent
from db.models import Event, Role, User

EVENTS_PAGE_SIZE = 5
ATTENDEES_PAGE_SIZE = 10
MAX_MESSAGE = 4096  # Telegram's limit, counted in UTF-16 code units after parsing the HTML
SHORTENED = "✂️ (shortened to fit Telegram's message limit)"
_TAG = re.compile(r"<[^>]*>")


def tg_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji can count 2)."""
    return len(text.encode("utf-16-le")) // 2


def _visible_len(html: str) -> int:
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
    if _visible_len(html) <= MAX_MESSAGE:
        return html
    budget = MAX_MESSAGE - tg_len(SHORTENED) - 1
    kept: list[str] = []
    used = 0
    for line in html.split("\n"):
        cost = _visible_len(line) + 1
        if used + cost <= budget:
            kept.append(line)
            used += cost
            continue
        if not _TAG.search(line) and budget - used > 2:
            kept.append(escape(_cut(unescape(line), budget - used - 2) + "…"))
        break
    return "\n".join(kept) + "\n" + SHORTENED


# ---- command menu -------------------------------------------------------------------------

PUBLIC_COMMANDS = [
    ("events", "Browse upcoming events"),
    ("myevents", "Your registrations"),
    ("signup", "Create an account"),
    ("login", "Log in"),
    ("logout", "Log out"),
    ("me", "Your account"),
    ("help", "What I can do"),
    ("cancel", "Stop what you're doing"),
]
MANAGER_COMMANDS = [
    ("newevent", "Create an event"),
    ("attendees", "See who is coming"),
]


def menu(role: Role | None) -> list[BotCommand]:
    """The command menu for a role (None: not logged in)."""
    items = PUBLIC_COMMANDS + (MANAGER_COMMANDS if role is Role.MANAGER else [])
    return [BotCommand(name, text) for name, text in items]


# ---- start, help, account -------------------------------------------------------------------


def welcome(user: User | None) -> str:
    """The /start greeting."""
    if user is not None:
        return (
            f"👋 Welcome back, <b>{escape(user.name)}</b>!\n"
            "Browse upcoming events or see the ones you're registered for."
        )
    return (
        "👋 Welcome to <b>EventBot</b>!\n"
        "Browse upcoming events and book your seat right here in the chat.\n\n"
        "New here? Sign up. Already have an account? Log in."
    )


def welcome_keyboard(user: User | None) -> InlineKeyboardMarkup:
    """Buttons under the /start greeting."""
    if user is not None:
        return InlineKeyboardMarkup(
            [[_button("📅 Events", "evl:0"), _button("🎟 My events", "my:0")]]
        )
    return InlineKeyboardMarkup(
        [
            [_button("📝 Sign up", "start:signup"), _button("🔑 Log in", "start:login")],
            [_button("📅 Events", "evl:0")],
        ]
    )


def help_text(user: User | None) -> str:
    """The commands available to this user's role."""
    role = user.role if user is not None else None
    lines = ["<b>What I can do</b>", ""]
    if role is None:
        lines += [
            "/events – browse upcoming events",
            "/signup – create an account",
            "/login – log in to register for events",
        ]
    else:
        lines += [
            "/events – browse upcoming events and register",
            "/myevents – the events you're registered for",
            "/me – your account",
            "/logout – log out",
        ]
    if role is Role.MANAGER:
        lines += [
            "",
            "<b>Manager</b>",
            "/newevent – create an event",
            "/attendees – see who is coming to an event",
        ]
    lines += ["", "/help – this list", "/cancel – stop what you're doing"]
    return "\n".join(lines)


def group_pointer(bot_username: str, *, deleted: bool = False) -> str:
    """What the bot says in group chats."""
    warning = "\n🔒 I deleted that message: never type a password in a group." if deleted else ""
    return (
        "I handle accounts and bookings in a private chat only. "
        f'<a href="https://t.me/{escape(bot_username)}?start=hi">Open a chat with me</a>.' + warning
    )


def me(user: User) -> str:
    """The /me card."""
    return f"👤 <b>{escape(user.name)}</b>\n✉️ {escape(user.email)}\nRole: {role_label(user.role)}"


def role_label(role: Role) -> str:
    """A role as people say it."""
    return "Manager" if role is Role.MANAGER else "Customer"


NOT_LOGGED_IN = "You're not logged in. Use /login, or /signup to create an account."
LOGIN_FIRST = "Please log in first: /login (or /signup if you're new)."
MANAGERS_ONLY = "Sorry, only managers can do that."
LOGGED_OUT = "👋 You're logged out. See you soon!"
WAS_NOT_LOGGED_IN = "You weren't logged in."
NOTHING_TO_CANCEL = "There's nothing to cancel."
CANCELLED = "Cancelled. Nothing was saved."
TIMED_OUT = "⌛ That took a while, so I stopped. Nothing was saved; start again any time."
UNKNOWN_COMMAND = "I don't know that command. /help lists what I can do."
UNKNOWN_TEXT = "I didn't understand that. /help lists what I can do."
STALE_BUTTON = "This button no longer works. Please use /events to start again."
IN_CONVERSATION = "Please answer the question above, or send /cancel to stop."
SOMETHING_WENT_WRONG = "😕 Sorry, something went wrong on my side. Please try again in a moment."
BUSY_TRY_AGAIN = "⏳ I'm very busy right now. Please try that again in a few seconds."


def already_logged_in(user: User) -> str:
    """Refusal to sign up or log in twice."""
    return (
        f"You're already logged in as <b>{escape(user.name)}</b>. "
        "Use /logout first if you want to switch accounts."
    )


# ---- sign-up and login ----------------------------------------------------------------------

SIGNUP_ASK_NAME = "📝 Let's create your account.\nWhat's your name?"
SIGNUP_ASK_PASSWORD = (
    f"Choose a password ({MIN_PASSWORD_BYTES}–{MAX_PASSWORD_BYTES} characters).\n"
    "🔒 I'll delete your message as soon as I've read it."
)
SIGNUP_ASK_ROLE = "Last step: are you joining as a customer or as an event manager?"
SIGNUP_ASK_CODE = (
    "Please send the manager invite code.\n🔒 I'll delete your message as soon as I've read it."
)
SIGNUP_WRONG_CODE = (
    "🔒 I deleted that message. That invite code isn't right.\n"
    "Send it again, or continue as a customer."
)
SIGNUP_NO_MANAGERS = (
    "Manager sign-up is switched off on this bot (no invite code is configured). "
    "You can continue as a customer."
)
SIGNUP_EMAIL_TAKEN = (
    "An account with this email already exists. Send a different email, "
    "or /cancel and /login instead."
)
LOGIN_ASK_EMAIL = "🔑 Log in.\nWhat's the email address of your account?"
LOGIN_ASK_PASSWORD = "And your password?\n🔒 I'll delete your message as soon as I've read it."
LOGIN_FAILED = "🔒 That email and password don't match an account. Use /login to try again."


def login_locked(until: datetime, now: datetime) -> str:
    """Too many failed logins: say when to try again."""
    seconds = max(1, math.ceil((until - now).total_seconds()))
    wait = f"{seconds} seconds" if seconds < 90 else f"{-(-seconds // 60)} minutes"
    return (
        "⏳ Too many failed logins for this email. For your safety, please wait "
        f"{wait} before trying again."
    )


def signup_ask_email(name: str) -> str:
    """Second sign-up question."""
    return f"Nice to meet you, <b>{escape(name)}</b>! What's your email address?"


def invalid_answer(reason: str, question: str) -> str:
    """A friendly refusal followed by the same question again."""
    return f"⚠️ {escape(reason)}\n\n{question}"


def password_rejected(reason: str) -> str:
    """A refused password (already deleted)."""
    return (
        f"🔒 I deleted that message. The password needs {escape(reason)}\n\n{SIGNUP_ASK_PASSWORD}"
    )


def role_keyboard() -> InlineKeyboardMarkup:
    """Customer / Manager choice."""
    return InlineKeyboardMarkup(
        [[_button("🙋 Customer", "su:role:customer"), _button("🛠 Manager", "su:role:manager")]]
    )


def continue_as_customer_keyboard() -> InlineKeyboardMarkup:
    """Way out of a failed invite code."""
    return InlineKeyboardMarkup([[_button("🙋 Continue as customer", "su:role:customer")]])


def signed_up(user: User) -> str:
    """End of a successful sign-up."""
    extra = (
        "\nAs a manager you can also use /newevent and /attendees."
        if user.role is Role.MANAGER
        else ""
    )
    return (
        f"🎉 Welcome, <b>{escape(user.name)}</b>! Your {role_label(user.role).lower()} account "
        f"is ready and you're logged in.\nTry /events to find something to join.{extra}"
    )


def logged_in(user: User) -> str:
    """End of a successful login."""
    return f"✅ Logged in as <b>{escape(user.name)}</b> ({role_label(user.role).lower()})."


# ---- events ---------------------------------------------------------------------------------


def when(moment: datetime, tz: ZoneInfo) -> str:
    """A start time as people read it, in the bot's zone: ``Sat 17 May 2030, 19:30 CEST``."""
    local = moment.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()}"


def _short_when(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{local.day} {local:%b %H:%M}"


def seats(event: ShownEvent) -> str:
    """Seats left, or that it is full."""
    if event.seats_left == 0:
        return "full"
    return f"{event.seats_left} seat{'s' if event.seats_left != 1 else ''} left"


def event_list(page: EventPage, tz: ZoneInfo) -> str:
    """The /events message."""
    if not page.events:
        return "📅 There are no upcoming events right now. Check back soon!"
    lines = [f"📅 <b>Upcoming events</b> · page {page.page + 1} of {page.pages}", ""]
    for event in page.events:
        lines.append(
            f"• <b>{escape(event.title)}</b>\n   {when(event.starts_at, tz)} · {seats(event)}"
        )
    lines += ["", "Tap an event to see details and register."]
    return "\n".join(lines)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def event_list_keyboard(page: EventPage, tz: ZoneInfo) -> InlineKeyboardMarkup | None:
    """One button per event plus Prev/Next."""
    rows = [
        [
            _button(
                f"{_clip(event.title, 40)} · {_short_when(event.starts_at, tz)}", f"ev:{event.id}"
            )
        ]
        for event in page.events
    ]
    nav = []
    if page.page > 0:
        nav.append(_button("◀ Prev", f"evl:{page.page - 1}"))
    if page.page + 1 < page.pages:
        nav.append(_button("Next ▶", f"evl:{page.page + 1}"))
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows) if rows else None


def event_card(event: ShownEvent, tz: ZoneInfo, *, registered: bool) -> str:
    """An event's details."""
    status = "\n\n✅ <b>You're registered.</b>" if registered else ""
    return (
        f"<b>{escape(event.title)}</b>\n"
        f"🗓 {when(event.starts_at, tz)}\n"
        f"📍 {escape(event.location)}\n"
        f"🎟 {seats(event).capitalize()} (of {event.capacity})\n\n"
        f"{escape(event.description)}{status}"
    )


def event_card_keyboard(
    event: ShownEvent, *, user: Account | None, registered: bool, started: bool
) -> InlineKeyboardMarkup:
    """Register / Cancel for customers, Attendees for managers, and a way back."""
    rows: list[list[InlineKeyboardButton]] = []
    is_manager = user is not None and user.role is Role.MANAGER
    if not started and not is_manager:
        if registered:
            rows.append([_button("❌ Cancel registration", f"ev:{event.id}:unreg")])
        else:
            rows.append([_button("✅ Register", f"ev:{event.id}:reg")])
    if is_manager:
        rows.append([_button("👥 Attendees", f"att:{event.id}:0")])
    rows.append([_button("« All events", "evl:0")])
    return InlineKeyboardMarkup(rows)


def reminder_phrase(offsets: Sequence[timedelta]) -> str:
    """``24 hours and 1 hour`` for the confirmation message."""
    parts = [_human(offset) for offset in offsets]
    if not parts:
        return ""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _human(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    for size, unit in ((1440, "day"), (60, "hour"), (1, "minute")):
        # "24 hours" reads better than "1 day" for the usual REMINDER_OFFSETS=24h
        if minutes % size == 0 and minutes >= (2 * size if unit == "day" else size):
            count = minutes // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{int(offset.total_seconds())} seconds"


def registered_message(event: ShownEvent, tz: ZoneInfo, offsets: Sequence[timedelta]) -> str:
    """Confirmation after taking a seat."""
    remind = reminder_phrase(offsets)
    tail = f"\nI'll remind you {remind} before it starts." if remind else ""
    return (
        f"✅ You're registered for <b>{escape(event.title)}</b> on "
        f"{when(event.starts_at, tz)}.{tail}"
    )


def cancelled_message(event: Event) -> str:
    """Confirmation after giving a seat back."""
    return f"Your registration for <b>{escape(event.title)}</b> is cancelled."


REGISTERED_TOAST = "✅ You're registered!"
EVENT_FULL = "😔 Sorry, this event is full."
ALREADY_REGISTERED = "You're already registered for this event."
EVENT_PAST = "This event has already started, so registration is closed."
EVENT_GONE = "That event doesn't exist (any more)."
NOT_REGISTERED = "You're not registered for this event."
CANCELLED_TOAST = "Registration cancelled."
MANAGERS_DONT_REGISTER = "Manager accounts organise events; log in as a customer to register."


def my_events(events: Sequence[Event], tz: ZoneInfo) -> str:
    """The /myevents message."""
    if not events:
        return "🎟 You're not registered for any upcoming events. Find one with /events."
    lines = ["🎟 <b>Your upcoming events</b>", ""]
    lines += [f"• <b>{escape(e.title)}</b>\n   {when(e.starts_at, tz)}" for e in events]
    return "\n".join(lines)


def my_events_keyboard(events: Sequence[Event], tz: ZoneInfo) -> InlineKeyboardMarkup | None:
    """A button to open each registration's card."""
    rows = [
        [_button(f"{_clip(e.title, 40)} · {_short_when(e.starts_at, tz)}", f"ev:{e.id}")]
        for e in events[:50]
    ]
    return InlineKeyboardMarkup(rows) if rows else None


# ---- managers -------------------------------------------------------------------------------

NEWEVENT_ASK_TITLE = "🛠 New event. What's the title?"
NEWEVENT_ASK_DESCRIPTION = "Describe the event in a few lines."
NEWEVENT_ASK_LOCATION = "Where does it take place?"
NEWEVENT_ASK_CAPACITY = f"How many seats are there? (1–{MAX_CAPACITY:,})"
NEWEVENT_DISCARDED = "Discarded. No event was created."


def newevent_ask_start(tz: ZoneInfo) -> str:
    """Ask for the start time in the bot's zone."""
    return (
        "When does it start? Send it as <code>YYYY-MM-DD HH:MM</code> in "
        f"{escape(str(tz))} time, for example <code>2030-05-17 19:30</code>."
    )


def newevent_summary(draft: EventDraft, tz: ZoneInfo) -> str:
    """What the manager is about to create."""
    return (
        "Please check the event:\n\n"
        f"<b>{escape(draft.title)}</b>\n"
        f"🗓 {when(draft.starts_at, tz)}\n"
        f"📍 {escape(draft.location)}\n"
        f"🎟 {draft.capacity} seats\n\n"
        f"{escape(draft.description)}"
    )


def newevent_confirm_keyboard() -> InlineKeyboardMarkup:
    """Create / Cancel under the summary."""
    return InlineKeyboardMarkup(
        [[_button("✅ Create", "ne:create"), _button("✖ Cancel", "ne:cancel")]]
    )


def event_created(event: Event, tz: ZoneInfo) -> str:
    """Confirmation after /newevent."""
    return (
        f"🎉 Created <b>{escape(event.title)}</b> on {when(event.starts_at, tz)} "
        f"with {event.capacity} seats. It's now listed in /events."
    )


def attendee_picker(page: EventPage) -> str:
    """Ask which event's attendees to show."""
    if not page.events:
        return "There are no upcoming events. Create one with /newevent."
    return f"👥 Whose attendees? Pick an event (page {page.page + 1} of {page.pages})."


def attendee_picker_keyboard(page: EventPage, tz: ZoneInfo) -> InlineKeyboardMarkup | None:
    """Events as buttons that open their attendee lists."""
    rows = [
        [_button(f"{_clip(e.title, 40)} · {_short_when(e.starts_at, tz)}", f"att:{e.id}:0")]
        for e in page.events
    ]
    nav = []
    if page.page > 0:
        nav.append(_button("◀ Prev", f"atl:{page.page - 1}"))
    if page.page + 1 < page.pages:
        nav.append(_button("Next ▶", f"atl:{page.page + 1}"))
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows) if rows else None


def attendee_list(page: AttendeePage, tz: ZoneInfo) -> str:
    """One page of attendees; bounded well under Telegram's 4096 characters."""
    event = page.event
    taken = event.capacity - event.seats_left
    head = (
        f"👥 <b>{escape(event.title)}</b>\n🗓 {when(event.starts_at, tz)}\n"
        f"{taken} of {event.capacity} seats taken"
    )
    if not page.attendees:
        return f"{head}\n\nNobody has registered yet."
    first = page.page * ATTENDEES_PAGE_SIZE
    lines = [
        f"{first + i}. {escape(a.name)} — {escape(a.email)}"
        for i, a in enumerate(page.attendees, start=1)
    ]
    footer = f"\n\nPage {page.page + 1} of {page.pages}" if page.pages > 1 else ""
    return head + "\n\n" + "\n".join(lines) + footer


def attendee_list_keyboard(page: AttendeePage) -> InlineKeyboardMarkup:
    """Prev/Next through the attendees and back to the card."""
    event_id = page.event.id
    nav = []
    if page.page > 0:
        nav.append(_button("◀ Prev", f"att:{event_id}:{page.page - 1}"))
    if page.page + 1 < page.pages:
        nav.append(_button("Next ▶", f"att:{event_id}:{page.page + 1}"))
    rows = [nav] if nav else []
    rows.append([_button("« Event", f"ev:{event_id}")])
    return InlineKeyboardMarkup(rows)


# ---- reminders ------------------------------------------------------------------------------


def reminder(
    title: str, location: str, starts_at: datetime, offset: timedelta, tz: ZoneInfo
) -> str:
    """The reminder message."""
    return (
        f"⏰ Reminder: <b>{escape(title)}</b> starts in {_human(offset)}.\n"
        f"🗓 {when(starts_at, tz)}\n"
        f"📍 {escape(location)}"
    )


def _button(text: str, data: str) -> InlineKeyboardButton:
    assert len(data.encode()) <= 64, data
    return InlineKeyboardButton(text, callback_data=data)
