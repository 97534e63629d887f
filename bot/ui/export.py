"""The attendee export: the CSV file's header and name, the caption under it."""

from __future__ import annotations

from html import escape

from bot.services.export import AttendeeExport, document_name
from bot.ui.fmt import number
from bot.ui.i18n import _, ngettext


def csv_header() -> list[str]:
    """The CSV file's column names."""
    return [
        _("name"),
        _("email"),
        _("registered at"),
        _("checked in at"),
        _("waitlist position"),
    ]


def file_name(title: str, part: int, parts: int) -> str:
    """``<title>-attendees.csv``; ``<title>-attendees-2-of-3.csv`` when it had to be split."""
    suffix = "-attendees.csv" if parts == 1 else f"-attendees-{part}-of-{parts}.csv"
    return document_name(title, suffix)


def caption(export: AttendeeExport, part: int, parts: int) -> str:
    """Under the file: the event and how many people it lists (at most 1024 characters)."""
    registered = ngettext(
        "{count} registered", "{count} registered", len(export.registered)
    ).format(count=number(len(export.registered)))
    waiting = ngettext("{count} waiting", "{count} waiting", len(export.waiting)).format(
        count=number(len(export.waiting))
    )
    text = _("📄 Attendees of <b>{title}</b>: {registered}, {waiting}.").format(
        title=escape(export.title), registered=registered, waiting=waiting
    )
    if parts > 1:
        text += "\n" + _(
            "Part {part} of {parts} (Telegram takes files up to 50 MB; each part has the header)."
        ).format(part=number(part), parts=number(parts))
    return text


def nobody_to_export(title: str) -> str:
    """The event has nobody registered or waiting: no file."""
    return _("Nobody has registered for <b>{title}</b> yet, so there is nothing to export.").format(
        title=escape(title)
    )
