"""/sessions and /password: the Telegram accounts logged into an account, and a new password."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.services.sessions import LoginSession
from bot.ui.callbacks import EndOtherSessions
from bot.ui.fmt import number, when
from bot.ui.i18n import _, ngettext
from bot.ui.keyboards import button, keyboard


def sessions(mine: Sequence[LoginSession], *, this_user_id: int, tz: ZoneInfo) -> str:
    """Where the account is logged in, this chat first."""
    lines = [_("🔐 <b>Where you're logged in</b>"), ""]
    ordered = sorted(mine, key=lambda s: s.telegram_user_id != this_user_id)
    for entry in ordered:
        name = escape(entry.telegram_name or _("a Telegram account"))
        since = when(entry.logged_in_at, tz) if entry.logged_in_at else _("an earlier version")
        if entry.telegram_user_id == this_user_id:
            lines.append(
                _("• <b>This chat</b> ({name}), since {since}").format(name=name, since=since)
            )
        else:
            lines.append(_("• {name}, since {since}").format(name=name, since=since))
    others = len(ordered) - 1
    if others:
        lines += [
            "",
            ngettext(
                "You're also logged in on {count} other Telegram account.",
                "You're also logged in on {count} other Telegram accounts.",
                others,
            ).format(count=number(others)),
        ]
    else:
        lines += ["", _("No other Telegram account is logged in.")]
    return "\n".join(lines)


def sessions_keyboard(mine: Sequence[LoginSession]) -> InlineKeyboardMarkup | None:
    """*Log out the others* when there are others."""
    if len(mine) < 2:
        return None
    return keyboard([[button(_("🚪 Log out the others"), EndOtherSessions())]])


def others_logged_out(count: int) -> str:
    """After *Log out the others*."""
    if not count:
        return _("No other Telegram account was logged in.")
    return ngettext(
        "✅ Logged out {count} other Telegram account. Only this chat is logged in now.",
        "✅ Logged out {count} other Telegram accounts. Only this chat is logged in now.",
        count,
    ).format(count=number(count))


def new_login(params: Mapping[str, object], tz: ZoneInfo) -> str:
    """Told in the account's other chats when a Telegram account logs in to it."""
    at = datetime.fromisoformat(str(params["at"]))
    who = str(params.get("who") or "") or _("a Telegram account")
    return _(
        "🔐 New login to your account from {who}, {when}.\n"
        "If that wasn't you, change your password with /password: it logs out every other "
        "session. /sessions lists where you're logged in."
    ).format(who=escape(who), when=when(at, tz))


def logged_out_elsewhere() -> str:
    """Told in a chat whose session another one ended."""
    return _("🔐 You were logged out here from another Telegram account. /login to come back.")


def ask_current_password() -> str:
    """First question of /password."""
    return _(
        "🔑 Change your password.\nFirst, your current password?\n"
        "🔒 I'll delete your message as soon as I've read it."
    )


def wrong_current_password() -> str:
    """The current password didn't match."""
    return _(
        "🔒 I deleted that message. That isn't your current password.\nSend it again, or /cancel."
    )


def ask_new_password() -> str:
    """Second question of /password (the same rules as at sign-up)."""
    from bot.ui.accounts import signup_ask_password

    return _("Now the new password.") + "\n" + signup_ask_password()


def password_changed(others: int) -> str:
    """The end of /password."""
    if not others:
        return _("✅ Your password is changed.")
    return ngettext(
        "✅ Your password is changed, and {count} other Telegram account was logged out.",
        "✅ Your password is changed, and {count} other Telegram accounts were logged out.",
        others,
    ).format(count=number(others))
