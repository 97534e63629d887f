"""What every feature says: the greeting, /help, refusals, and the replies to the unexpected."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardMarkup

from bot.services.views import Account
from bot.ui.callbacks import EventList, MyEvents, Start, StartAction
from bot.ui.i18n import _
from bot.ui.keyboards import button, keyboard
from db.models import Role


def welcome(user: Account | None) -> str:
    """The /start greeting."""
    if user is not None:
        return _(
            "👋 Welcome back, <b>{name}</b>!\n"
            "Browse upcoming events or see the ones you're registered for."
        ).format(name=escape(user.name))
    return _(
        "👋 Welcome to <b>EventBot</b>!\n"
        "Browse upcoming events and book your seat right here in the chat.\n\n"
        "New here? Sign up. Already have an account? Log in."
    )


def welcome_keyboard(user: Account | None) -> InlineKeyboardMarkup:
    """Buttons under the /start greeting."""
    events = button(_("📅 Events"), EventList(0))
    if user is not None:
        return keyboard([[events, button(_("🎟 My events"), MyEvents())]])
    return keyboard(
        [
            [
                button(_("📝 Sign up"), Start(StartAction.SIGNUP)),
                button(_("🔑 Log in"), Start(StartAction.LOGIN)),
            ],
            [events],
        ]
    )


def help_text(user: Account | None) -> str:
    """The commands available to this user's role."""
    role = user.role if user is not None else None
    lines = [_("<b>What I can do</b>"), ""]
    if role is None:
        lines += [
            _("/events – browse upcoming events"),
            _("/signup – create an account"),
            _("/login – log in to register for events"),
        ]
    elif role is Role.MANAGER:
        lines += [
            _("/events – browse upcoming events and see their attendees"),
            _("/me – your account"),
            _("/sessions – where you're logged in"),
            _("/password – change your password"),
            _("/logout – log out"),
            "",
            _("<b>Manager</b>"),
            _("/newevent – create an event"),
            _("/attendees – see who is coming to an event"),
            _("/manage – an event's card: edit, cancel, message attendees, share"),
            _("/post – post an event in a group or channel (or /post there)"),
            _("/promote, /demote – make an account a manager or a customer"),
        ]
    else:
        lines += [
            _("/events – browse upcoming events and register"),
            _("/myevents – the events you're registered for"),
            _("/me – your account"),
            _("/sessions – where you're logged in"),
            _("/password – change your password"),
            _("/logout – log out"),
        ]
    lines += ["", _("/help – this list"), _("/cancel – stop what you're doing")]
    return "\n".join(lines)


def group_pointer(bot_username: str, *, deleted: bool = False) -> str:
    """What the bot says in group chats."""
    link = f"https://t.me/{escape(bot_username)}?start=hi"
    text = _(
        "I handle accounts and bookings in a private chat only. "
        '<a href="{link}">Open a chat with me</a>.'
    ).format(link=link)
    if deleted:
        text += "\n" + _("🔒 I deleted that message: never type a password in a group.")
    return text


def invalid_answer(reason: str, question: str) -> str:
    """A friendly refusal followed by the same question again."""
    return _("⚠️ {reason}\n\n{question}").format(reason=escape(reason), question=question)


def login_first() -> str:
    """An action that needs an account, asked by someone logged out."""
    return _("Please log in first: /login (or /signup if you're new).")


def managers_only() -> str:
    """A manager's action, asked by someone else."""
    return _("Sorry, only managers can do that.")


def nothing_to_cancel() -> str:
    """/cancel outside any conversation."""
    return _("There's nothing to cancel.")


def cancelled() -> str:
    """/cancel inside a conversation."""
    return _("Cancelled. Nothing was saved.")


def timed_out() -> str:
    """A conversation left alone too long."""
    return _("⌛ That took a while, so I stopped. Nothing was saved; start again any time.")


def unknown_command() -> str:
    """A command the bot doesn't have."""
    return _("I don't know that command. /help lists what I can do.")


def unknown_text() -> str:
    """Free text outside any conversation."""
    return _("I didn't understand that. /help lists what I can do.")


def stale_button(*, manager: bool = False) -> str:
    """A button press that no longer means anything (old or forged data); a manager's
    (``manager``) is pointed to /manage, where the organiser's tools are."""
    if manager:
        return _("This button no longer works. Please use /manage to start again.")
    return _("This button no longer works. Please use /events to start again.")


def in_conversation() -> str:
    """Another button pressed while a form waits for an answer (a short notice on the press;
    typed nudges ask the question again, bot.ui.forms)."""
    return _("Please answer the question above, or send /cancel to stop.")


def something_went_wrong() -> str:
    """The apology for an unexpected error."""
    return _("😕 Sorry, something went wrong on my side. Please try again in a moment.")


def busy_try_again() -> str:
    """The database was too busy to answer in time."""
    return _("⏳ I'm very busy right now. Please try that again in a few seconds.")
