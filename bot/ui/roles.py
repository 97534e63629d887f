"""/promote and /demote: their usage and what changed."""

from __future__ import annotations

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
