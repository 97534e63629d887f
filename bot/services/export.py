"""An event's attendees as CSV files: who is registered (and checked in), then who is waiting.

One row per person, in this order: the registered in registration order, then the waiting list
in the order seats are offered (its 1-based position). Columns: name, email, registered at,
checked in at, waitlist position. Times are ISO 8601 in the bot's zone with their offset
(``2026-11-27T19:30:05+01:00``). A waiting person has not registered, so their "registered
at" and "checked in at" are empty and their position is set; a registered person's position
is empty.

The rows are read with Core selects, a chunk at a time (``bot.services.chunks``), in one read
transaction: nobody is both registered and waiting, and 100,000 rows cost no ORM objects.
``csv_files`` is plain CPU work meant for a worker thread.
"""

from __future__ import annotations

import codecs
import csv
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.chunks import keyset_chunks
from bot.services.events import get_event
from bot.services.text import JOINERS
from db.models import Registration, User, WaitlistEntry

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024  # what a bot may upload to Telegram
# a cell starting with one of these is a formula to spreadsheets (OWASP "CSV injection")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_NAME_BYTES = 120  # of a file name's stem, in UTF-8 (file systems allow 255)
_UNSAFE_IN_NAMES = re.compile(r'[/\\:*?"<>|]')


@dataclass(frozen=True)
class Registered:
    """A registered person: name, email, when they registered, when they were checked in."""

    name: str
    email: str
    registered_at: datetime
    checked_in_at: datetime | None


@dataclass(frozen=True)
class Waiting:
    """A person on the waiting list (in the order of ``AttendeeExport.waiting``)."""

    name: str
    email: str


@dataclass(frozen=True)
class AttendeeExport:
    """Everything the CSV file of one event holds."""

    event_id: int
    title: str
    registered: list[Registered] = field(default_factory=list)
    waiting: list[Waiting] = field(default_factory=list)


async def attendee_export(session: AsyncSession, *, event_id: int) -> AttendeeExport:
    """Read the event's registrations and waiting list (raises EventNotFound).

    Call it in a ``Database.read()`` transaction so both lists come from one snapshot.
    """
    event = await get_event(session, event_id=event_id)
    export = AttendeeExport(event_id=event.id, title=event.title)
    registrations = keyset_chunks(
        session,
        lambda after: (
            select(
                Registration.id,
                User.name,
                User.email,
                Registration.created_at,
                Registration.checked_in_at,
            )
            .join(User, User.id == Registration.user_id)
            .where(Registration.event_id == event_id, Registration.id > after)
            .order_by(Registration.id)
        ),
    )
    async for seats in registrations:
        export.registered.extend(
            Registered(name, email, registered_at, checked_in_at)
            for _, name, email, registered_at, checked_in_at in seats
        )
    waiting = keyset_chunks(
        session,
        lambda after: (
            select(WaitlistEntry.id, User.name, User.email)
            .join(User, User.id == WaitlistEntry.user_id)
            .where(WaitlistEntry.event_id == event_id, WaitlistEntry.id > after)
            .order_by(WaitlistEntry.id)
        ),
    )
    async for queue in waiting:
        export.waiting.extend(Waiting(name, email) for _, name, email in queue)
    return export


def neutralised(cell: str) -> str:
    """``cell`` with a leading ``'`` if a spreadsheet would take it for a formula (OWASP)."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def iso(moment: datetime | None, tz: ZoneInfo) -> str:
    """``moment`` as ISO 8601 in ``tz`` with its offset, to the second; empty for None."""
    if moment is None:
        return ""
    return moment.astimezone(tz).isoformat(timespec="seconds")


def csv_rows(export: AttendeeExport, tz: ZoneInfo) -> Iterator[list[str]]:
    """The data rows of the file (without the header), cells made safe for spreadsheets."""
    for person in export.registered:
        yield [
            neutralised(person.name),
            neutralised(person.email),
            iso(person.registered_at, tz),
            iso(person.checked_in_at, tz),
            "",
        ]
    for position, waiting in enumerate(export.waiting, start=1):
        yield [neutralised(waiting.name), neutralised(waiting.email), "", "", str(position)]


class _LastLine:
    """A file-like target for ``csv.writer`` that keeps only the line just written."""

    line = ""

    def write(self, text: str) -> int:
        self.line = text
        return len(text)


def csv_files(
    header: Sequence[str],
    export: AttendeeExport,
    tz: ZoneInfo,
    *,
    max_bytes: int = MAX_DOCUMENT_BYTES,
) -> list[bytes]:
    """The export as UTF-8 CSV with a byte order mark (so spreadsheets read the encoding),
    one file, or several of at most ``max_bytes`` each (every one with the BOM and header) when
    it would not fit one upload. Quotes, commas and line breaks are quoted by ``csv``."""
    target = _LastLine()
    writer = csv.writer(target)
    writer.writerow(header)
    head = codecs.BOM_UTF8 + target.line.encode()
    files: list[bytearray] = [bytearray(head)]
    for row in csv_rows(export, tz):
        writer.writerow(row)
        line = target.line.encode()
        if len(files[-1]) > len(head) and len(files[-1]) + len(line) > max_bytes:
            files.append(bytearray(head))
        files[-1] += line
    return [bytes(part) for part in files]


def document_name(title: str, suffix: str) -> str:
    """A file name made of ``title`` and ``suffix`` that every file system and client takes:
    no path separators, reserved or control characters, no leading dots, the title cut to
    MAX_NAME_BYTES of UTF-8 on a character boundary; other letters and emoji stay."""
    cleaned = "".join(char if _keeps(char) else " " for char in unicodedata.normalize("NFC", title))
    stem = " ".join(_UNSAFE_IN_NAMES.sub("_", cleaned).split()).lstrip(". ")
    cut = stem.encode()[:MAX_NAME_BYTES].decode(errors="ignore").rstrip(". ")
    return f"{cut or 'event'}{suffix}"


def _keeps(char: str) -> bool:
    """Whether a file name may keep ``char``: not a control, private-use, surrogate or line
    separator, and of the format characters only emoji joiners and tags (no direction marks,
    which make ``gpj.exe`` read as ``exe.jpg``)."""
    category = unicodedata.category(char)
    if category == "Cf":
        return char in JOINERS or 0xE0020 <= ord(char) <= 0xE007F
    return category not in ("Cc", "Co", "Cs", "Zl", "Zp")
