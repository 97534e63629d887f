"""The command lists of Telegram's command menu, per role, in the current language."""

from __future__ import annotations

from telegram import BotCommand

from bot.ui.i18n import _
from db.models import Role

PUBLIC = (
    "events", "myevents", "signup", "login", "logout", "me", "sessions", "password", "help",
    "cancel",
)  # fmt: skip
MANAGER = ("newevent", "manage", "attendees", "post", "promote", "demote")


def _descriptions() -> dict[str, str]:
    return {
        "events": _("Browse upcoming events"),
        "myevents": _("Your registrations"),
        "signup": _("Create an account"),
        "login": _("Log in"),
        "logout": _("Log out"),
        "me": _("Your account"),
        "sessions": _("Where you're logged in"),
        "password": _("Change your password"),
        "help": _("What I can do"),
        "cancel": _("Stop what you're doing"),
        "newevent": _("Create an event"),
        "attendees": _("See who is coming"),
        "manage": _("Manage an event"),
        "post": _("Post an event in a group or channel"),
        "promote": _("Make an account a manager"),
        "demote": _("Make a manager a customer"),
    }


def commands(role: Role | None) -> list[BotCommand]:
    """The command menu for a role (None: not logged in)."""
    names = PUBLIC + (MANAGER if role is Role.MANAGER else ())
    descriptions = _descriptions()
    return [BotCommand(name, descriptions[name]) for name in names]
