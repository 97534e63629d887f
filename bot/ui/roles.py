"""/promote and /demote: their usage and what changed."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from bot.services.roles import RoleChange
from bot.ui.i18n import _
from db.models import Role


def usage(command: str) -> str:
    """/promote or /demote without an email."""
    if command == "promote":
        return _("Make an account a manager: /promote name@example.com")
    return _("Make a manager a customer again: /demote name@example.com")


def changed(change: RoleChange) -> str:
    """The role was changed."""
    if change.role is Role.MANAGER:
        text = _("✅ <b>{name}</b> ({email}) is now a manager.")
    else:
        text = _("✅ <b>{name}</b> ({email}) is now a customer.")
    return text.format(name=escape(change.name), email=escape(change.email))


def role_notice(params: Mapping[str, object]) -> str:
    """The notice a promoted or demoted person gets in each chat logged into their account."""
    if params.get("role") == Role.MANAGER.value:
        return _(
            "🛠 You are now a manager of EventBot: /manage opens an event's organiser card, "
            "/newevent creates an event, and /help lists every command."
        )
    return _(
        "You are no longer a manager of EventBot: your account is a customer's again. "
        "Browse and register with /events; /help lists what you can do."
    )
