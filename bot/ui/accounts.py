"""Sign-up, login, logout and /me: questions, answers and their buttons."""

from __future__ import annotations

import math
from datetime import datetime
from html import escape

from telegram import InlineKeyboardMarkup

from bot.services.passwords import MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS
from bot.services.views import Account
from bot.ui.callbacks import RoleChoice
from bot.ui.i18n import _, ngettext
from bot.ui.keyboards import button, keyboard
from db.models import Role


def _deleted_promise() -> str:
    return _("🔒 I'll delete your message as soon as I've read it.")


def me(user: Account) -> str:
    """The /me card."""
    return _("👤 <b>{name}</b>\n✉️ {email}\nRole: {role}").format(
        name=escape(user.name), email=escape(user.email or ""), role=role_label(user.role)
    )


def role_label(role: Role) -> str:
    """A role as people say it."""
    return _("Manager") if role is Role.MANAGER else _("Customer")


def not_logged_in() -> str:
    """/me while logged out."""
    return _("You're not logged in. Use /login, or /signup to create an account.")


def logged_out() -> str:
    """/logout done."""
    return _("👋 You're logged out. See you soon!")


def was_not_logged_in() -> str:
    """/logout while logged out."""
    return _("You weren't logged in.")


def already_logged_in(user: Account) -> str:
    """Refusal to sign up or log in twice."""
    return _(
        "You're already logged in as <b>{name}</b>. "
        "Use /logout first if you want to switch accounts."
    ).format(name=escape(user.name))


# ---- sign-up --------------------------------------------------------------------------------


def signup_ask_name() -> str:
    """First sign-up question."""
    return _("📝 Let's create your account.\nWhat's your name?")


def signup_ask_email(name: str) -> str:
    """Second sign-up question."""
    return _("Nice to meet you, <b>{name}</b>! What's your email address?").format(
        name=escape(name)
    )


def signup_email_taken() -> str:
    """The email typed at sign-up already has an account."""
    return _(
        "An account with this email already exists. Send a different email, "
        "or /cancel and /login instead."
    )


def signup_ask_password() -> str:
    """Third sign-up question; the answer is deleted as soon as it is read."""
    return (
        _(
            "Choose a password: at least {min} characters, spaces welcome (at most {max} "
            "bytes, so fewer characters with accents or emoji)."
        ).format(min=MIN_PASSWORD_CHARS, max=MAX_PASSWORD_BYTES)
        + "\n"
        + _deleted_promise()
    )


def password_rejected(reason: str) -> str:
    """A refused password (already deleted), then the question again."""
    return _("🔒 I deleted that message. {reason}\n\n{question}").format(
        reason=escape(reason), question=signup_ask_password()
    )


def signup_ask_role() -> str:
    """Last sign-up question."""
    return _("Last step: are you joining as a customer or as an event manager?")


def signup_ask_code() -> str:
    """A manager's invite code; the answer is deleted as soon as it is read."""
    return _("Please send the manager invite code.") + "\n" + _deleted_promise()


def signup_wrong_code() -> str:
    """A wrong invite code (already deleted)."""
    return _(
        "🔒 I deleted that message. That invite code isn't right.\n"
        "Send it again, or continue as a customer."
    )


def signup_no_managers() -> str:
    """Manager chosen, but this bot has no invite code."""
    return _(
        "Manager sign-up is switched off on this bot (no invite code is configured). "
        "You can continue as a customer."
    )


def role_keyboard() -> InlineKeyboardMarkup:
    """Customer / Manager choice."""
    return keyboard(
        [
            [
                button(_("🙋 Customer"), RoleChoice(Role.CUSTOMER)),
                button(_("🛠 Manager"), RoleChoice(Role.MANAGER)),
            ]
        ]
    )


def continue_as_customer_keyboard() -> InlineKeyboardMarkup:
    """Way out of a failed invite code."""
    return keyboard([[button(_("🙋 Continue as customer"), RoleChoice(Role.CUSTOMER))]])


def signed_up(user: Account) -> str:
    """End of a successful sign-up: what to do next depends on the role."""
    if user.role is Role.MANAGER:
        return _(
            "🎉 Welcome, <b>{name}</b>! Your manager account is ready and you're logged in.\n"
            "Create an event with /newevent; /attendees shows who is coming."
        ).format(name=escape(user.name))
    return _(
        "🎉 Welcome, <b>{name}</b>! Your customer account is ready and you're logged in.\n"
        "Try /events to find something to join."
    ).format(name=escape(user.name))


# ---- login ----------------------------------------------------------------------------------


def login_ask_email() -> str:
    """First login question."""
    return _("🔑 Log in.\nWhat's the email address of your account?")


def login_ask_password() -> str:
    """Second login question; the answer is deleted as soon as it is read."""
    return _("And your password?") + "\n" + _deleted_promise()


def login_failed() -> str:
    """Unknown email or wrong password: deliberately the same words."""
    return _("🔒 That email and password don't match an account. Use /login to try again.")


def login_locked(until: datetime, now: datetime) -> str:
    """Locked already when the email arrives: the form still goes on to the password step,
    so the password people type next anyway is deleted rather than left in the chat."""
    return (
        _(
            "⏳ Too many failed logins. For your safety, please wait {wait}, then send your "
            "password (or /cancel)."
        ).format(wait=_wait(until, now))
        + "\n"
        + _deleted_promise()
    )


def login_locked_send_again(until: datetime, now: datetime, *, failed: bool = False) -> str:
    """Locked at a password step (the typed password already deleted): the form waits there,
    so whatever is typed next is still treated, and deleted, as a password."""
    wait = _wait(until, now)
    if failed:
        return _(
            "🔒 I deleted that message. That email and password don't match an account.\n"
            "⏳ Too many failed logins: for your safety, please wait {wait}, then send the "
            "password again (or /cancel)."
        ).format(wait=wait)
    return _(
        "🔒 I deleted that message.\n⏳ Too many failed logins: for your safety, please wait "
        "{wait}, then send the password again (or /cancel)."
    ).format(wait=wait)


def _wait(until: datetime, now: datetime) -> str:
    """How long until ``until``: whole seconds under 90, else minutes (rounded up)."""
    seconds = max(1, math.ceil((until - now).total_seconds()))
    if seconds < 90:
        return ngettext("{count} second", "{count} seconds", seconds).format(count=seconds)
    minutes = -(-seconds // 60)
    return ngettext("{count} minute", "{count} minutes", minutes).format(count=minutes)


def logged_in(user: Account) -> str:
    """End of a successful login."""
    if user.role is Role.MANAGER:
        return _("✅ Logged in as <b>{name}</b> (manager).").format(name=escape(user.name))
    return _("✅ Logged in as <b>{name}</b> (customer).").format(name=escape(user.name))


def login_try_again() -> str:
    """A wrong password (already deleted): the password is asked for again."""
    return _(
        "🔒 I deleted that message. That email and password don't match an account.\n"
        "Send the password again, or /cancel."
    )


def invite_locked(until: datetime, now: datetime) -> str:
    """Too many wrong manager invite codes: say when to try again."""
    return _(
        "⏳ Too many wrong invite codes. For safety, please wait {wait} before trying "
        "again, or continue as a customer."
    ).format(wait=_wait(until, now))
