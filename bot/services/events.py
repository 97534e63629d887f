"""Creating, listing and reading events."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.services.errors import EventNotFound, InvalidInput, Problem, StartInGap
from bot.services.text import hidden_character
from bot.services.views import EVENT_COLUMNS, EventInfo, Viewer
from db.inline_reads import Reader, reused
from db.models import Event, Registration, TelegramAccount, User, WaitlistEntry

MAX_TITLE_CHARS = 100
MAX_DESCRIPTION_CHARS = 2000
MAX_LOCATION_CHARS = 200
MIN_CAPACITY = 1
MAX_CAPACITY = 100_000
MAX_YEARS_AHEAD = 5
# YYYY-MM-DD HH:MM (one or two digits for all but the year); whether the numbers name a real
# moment is checked after, so that a wrong day or hour gets its own reason
_START = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2}) ([0-9]{1,2}):([0-9]{1,2})")


def _clean_text(
    raw: str,
    *,
    empty: Problem,
    too_long: Problem,
    unprintable: Problem,
    limit: int,
    multiline: bool = False,
) -> str:
    """Trimmed text others will read: one line with single spaces, or (``multiline``) the
    lines kept, every line break as ``\n`` and tabs as spaces. Control and format characters
    are refused (bot.services.text: emoji joiners and tag sequences pass)."""
    if multiline:
        text = "\n".join(raw.splitlines()).replace("\t", " ").strip()
    else:
        text = " ".join(raw.split())
    if not text:
        raise InvalidInput(empty)
    if len(text) > limit:
        raise InvalidInput(too_long, limit=limit, length=len(text))
    hidden = hidden_character(text, allow="\n" if multiline else "")
    if hidden is not None:
        raise InvalidInput(unprintable, codepoint=ord(hidden))
    return text


def clean_title(raw: str) -> str:
    """A one-line title of at most MAX_TITLE_CHARS."""
    return _clean_text(
        raw,
        empty=Problem.TITLE_EMPTY,
        too_long=Problem.TITLE_TOO_LONG,
        unprintable=Problem.TITLE_UNPRINTABLE,
        limit=MAX_TITLE_CHARS,
    )


def clean_description(raw: str) -> str:
    """A description that may span lines, at most MAX_DESCRIPTION_CHARS."""
    return _clean_text(
        raw,
        empty=Problem.DESCRIPTION_EMPTY,
        too_long=Problem.DESCRIPTION_TOO_LONG,
        unprintable=Problem.DESCRIPTION_UNPRINTABLE,
        limit=MAX_DESCRIPTION_CHARS,
        multiline=True,
    )


def clean_location(raw: str) -> str:
    """A one-line location of at most MAX_LOCATION_CHARS."""
    return _clean_text(
        raw,
        empty=Problem.LOCATION_EMPTY,
        too_long=Problem.LOCATION_TOO_LONG,
        unprintable=Problem.LOCATION_UNPRINTABLE,
        limit=MAX_LOCATION_CHARS,
    )


def parse_capacity(raw: str, *, registered: int = 0) -> int:
    """A whole number of seats between MIN_CAPACITY and MAX_CAPACITY, and not below the
    ``registered`` (editing an event people hold seats at): every refusal names the real
    lower end, the larger of the two."""
    low = max(MIN_CAPACITY, registered)
    text = raw.strip().replace("_", "").replace(",", "").replace(" ", "")
    if not text.isascii() or not text.isdigit() or len(text) > 7:
        raise InvalidInput(Problem.CAPACITY_NOT_A_NUMBER, low=low, high=MAX_CAPACITY)
    value = int(text)
    if MIN_CAPACITY <= value < registered:
        raise InvalidInput(
            Problem.CAPACITY_BELOW_REGISTERED, registered=registered, high=MAX_CAPACITY
        )
    if not low <= value <= MAX_CAPACITY:
        raise InvalidInput(Problem.CAPACITY_OUT_OF_RANGE, low=low, high=MAX_CAPACITY)
    return value


def parse_start(raw: str, *, tz: ZoneInfo, now: datetime) -> datetime:
    """Read ``YYYY-MM-DD HH:MM`` in ``tz``; it must lie in the future. Returns aware UTC.

    Only an answer of another shape is ``START_MALFORMED``; a well-shaped one naming a month,
    day, hour or minute that doesn't exist says which (``2026-02-30``: February has 28 days),
    and one the clocks skip in ``tz`` says so (``StartInGap``), rather than being moved. A time
    that happens twice (the clocks go back) is its first occurrence (``fold=0``).
    """
    shape = _START.fullmatch(" ".join(raw.split()))
    if shape is None:
        raise InvalidInput(Problem.START_MALFORMED)
    year, month, day, hour, minute = (int(part) for part in shape.groups())
    if year < 1:
        raise InvalidInput(Problem.START_MALFORMED)
    if not 1 <= month <= 12:
        raise InvalidInput(Problem.START_NO_SUCH_MONTH, month=month)
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise InvalidInput(Problem.START_NO_SUCH_DAY, year=year, month=month, days=days)
    if hour > 23:
        raise InvalidInput(Problem.START_NO_SUCH_HOUR, hour=hour)
    if minute > 59:
        raise InvalidInput(Problem.START_NO_SUCH_MINUTE, minute=minute)
    if year > now.year + MAX_YEARS_AHEAD:
        raise InvalidInput(Problem.START_TOO_FAR, years=MAX_YEARS_AHEAD)
    local = datetime(year, month, day, hour, minute, tzinfo=tz)
    try:
        starts_at = local.astimezone(now.tzinfo)
        jump = clock_jump(local)
    except OverflowError:  # 0001-01-01 00:00 east of UTC is before the year 1 in UTC
        raise InvalidInput(Problem.START_IN_THE_PAST) from None
    if starts_at <= now:
        raise InvalidInput(Problem.START_IN_THE_PAST)
    if starts_at > latest_start(now):
        raise InvalidInput(Problem.START_TOO_FAR, years=MAX_YEARS_AHEAD)
    if jump is not None:
        before, after = jump
        raise StartInGap(
            zone=str(tz),
            year=year,
            month=month,
            day=day,
            hour=hour,
            minute=minute,
            from_hour=before.hour,
            from_minute=before.minute,
            to_hour=after.hour,
            to_minute=after.minute,
        )
    return starts_at


def clock_jump(local: datetime) -> tuple[datetime, datetime] | None:
    """For a wall-clock time ``local`` (aware, in its zone) that the clocks skip there, the
    wall-clock times (naive) they jump from and to (02:00, 03:00); None when it exists.

    A skipped time doesn't survive the round trip to UTC and back (02:30 comes back 03:30).
    """
    back = local.astimezone(UTC).astimezone(local.tzinfo)
    if back.replace(tzinfo=None) == local.replace(tzinfo=None):
        return None
    # the two readings of a skipped time (fold 0 and 1) lie on either side of the jump:
    # halve the span between them down to the second at which the offset changes
    low, high = sorted(int(local.replace(fold=fold).timestamp()) for fold in (0, 1))

    def shift(second: int) -> timedelta | None:
        return datetime.fromtimestamp(second, UTC).astimezone(local.tzinfo).utcoffset()

    old = shift(low)
    while high - low > 1:
        middle = (low + high) // 2
        if shift(middle) == old:
            low = middle
        else:
            high = middle
    after = datetime.fromtimestamp(high, UTC).astimezone(local.tzinfo)
    new = after.utcoffset()
    assert old is not None and new is not None  # zoneinfo zones always have an offset
    after = after.replace(tzinfo=None)
    return after - (new - old), after


def latest_start(now: datetime) -> datetime:
    """How far ahead an event may start: MAX_YEARS_AHEAD years (dates stay far from the
    calendar's end in every time zone, and nobody plans further)."""
    return now + timedelta(days=365 * MAX_YEARS_AHEAD + 2)


@dataclass(frozen=True)
class EventDraft:
    """The validated answers of the /newevent conversation."""

    title: str
    description: str
    location: str
    starts_at: datetime
    capacity: int


async def create_event(
    session: AsyncSession, *, manager: User, draft: EventDraft, now: datetime
) -> Event:
    """Insert an event with all seats free."""
    if draft.starts_at <= now:
        raise InvalidInput(Problem.START_IN_THE_PAST)
    if draft.starts_at > latest_start(now):
        raise InvalidInput(Problem.START_TOO_FAR, years=MAX_YEARS_AHEAD)
    event = Event(
        title=draft.title,
        description=draft.description,
        location=draft.location,
        starts_at=draft.starts_at,
        capacity=draft.capacity,
        seats_left=draft.capacity,
        created_by=manager.id,
        created_at=now,
    )
    session.add(event)
    await session.flush()
    return event


@dataclass(frozen=True)
class EventPage:
    """One page of a list of events (upcoming, current or past)."""

    events: list[EventInfo]
    page: int
    pages: int
    total: int


# how long after its start an event stays among the current ones in the /attendees picker
# (events have no end time; the list is wanted at the door and for a while after)
RECENTLY_STARTED = timedelta(hours=24)

# what customers see: upcoming events that are not cancelled. The count has to read each
# upcoming row for its cancelled_at (about 12 ms for 100,000 upcoming events on SQLite,
# against 1 ms for the bare index walk; a partial index would bring that back)
_LISTED = (Event.starts_at > bindparam("now"), Event.cancelled_at.is_(None))
_TOTAL_LISTED = reused(select(func.count()).where(*_LISTED))
_LISTED_PAGE = reused(
    select(*EVENT_COLUMNS, _TOTAL_LISTED.scalar_subquery().label("total"))
    .where(*_LISTED)
    .order_by(Event.starts_at, Event.id)
    .offset(bindparam("offset"))
    .limit(bindparam("limit"))
)
# what organisers pick from: every event from "now" on, cancelled ones too (marked)
_TOTAL_UPCOMING = reused(select(func.count()).where(Event.starts_at > bindparam("now")))
# The page and the number of upcoming events in one statement: a single statement is its own
# consistent read, so Database.query() needs no transaction around it. The count walks only
# the starts_at index (a window count made SQLite read every upcoming row: 100,000 events
# cost tens of milliseconds, benchmark P4); SQLite evaluates the uncorrelated subquery once.
_UPCOMING = reused(
    select(*EVENT_COLUMNS, _TOTAL_UPCOMING.scalar_subquery().label("total"))
    .where(Event.starts_at > bindparam("now"))
    .order_by(Event.starts_at, Event.id)
    .offset(bindparam("offset"))
    .limit(bindparam("limit"))
)
# the other side of the same line: events that started at or before "now", most recent first
_TOTAL_PAST = reused(select(func.count()).where(Event.starts_at <= bindparam("now")))
_PAST = reused(
    select(*EVENT_COLUMNS, _TOTAL_PAST.scalar_subquery().label("total"))
    .where(Event.starts_at <= bindparam("now"))
    .order_by(Event.starts_at.desc(), Event.id.desc())
    .offset(bindparam("offset"))
    .limit(bindparam("limit"))
)


async def upcoming_page(conn: Reader, *, now: datetime, page: int, page_size: int) -> EventPage:
    """Upcoming events that are not cancelled, soonest first, ``page_size`` at a time.

    A page past the end shows the last page (the list may have shrunk since the button was
    drawn); that case costs a second query, the common one a single statement.
    """
    return await _event_page(conn, _LISTED_PAGE, _TOTAL_LISTED, now, page, page_size)


async def current_page(conn: Reader, *, now: datetime, page: int, page_size: int) -> EventPage:
    """Events that started less than RECENTLY_STARTED ago or are still to come, soonest
    first: the /attendees picker, which must not lose an event the moment it starts."""
    return await _event_page(
        conn, _UPCOMING, _TOTAL_UPCOMING, now - RECENTLY_STARTED, page, page_size
    )


async def past_page(conn: Reader, *, now: datetime, page: int, page_size: int) -> EventPage:
    """Events that started RECENTLY_STARTED ago or earlier, most recent first: exactly those
    current_page leaves out."""
    return await _event_page(conn, _PAST, _TOTAL_PAST, now - RECENTLY_STARTED, page, page_size)


async def _event_page(
    conn: Reader,
    statement: Select[Any],
    count: Select[Any],
    now: datetime,
    page: int,
    page_size: int,
) -> EventPage:
    page = max(page, 0)
    rows = (await conn.execute(statement, _page_params(now, page, page_size))).all()
    total = int(rows[0].total) if rows else (await conn.scalar(count, {"now": now})) or 0
    pages = max(1, -(-total // page_size))
    if page > pages - 1:
        page = pages - 1
        if total:
            rows = (await conn.execute(statement, _page_params(now, page, page_size))).all()
    events = [EventInfo.from_row(row._mapping) for row in rows]
    return EventPage(events=events, page=page, pages=pages, total=total)


def _page_params(now: datetime, page: int, page_size: int) -> dict[str, object]:
    return {"now": now, "offset": page * page_size, "limit": page_size}


async def get_event(session: AsyncSession, *, event_id: int) -> Event:
    """The event with ``event_id`` or raise EventNotFound."""
    event = await session.get(Event, event_id)
    if event is None:
        raise EventNotFound()
    return event


@dataclass(frozen=True)
class CardView:
    """An event as one Telegram user sees it: who they are (if logged in), and their seat."""

    event: EventInfo
    user: Viewer | None
    registered: bool
    waiting: int | None = None  # their place on the waitlist (1: next), None if not on it


_ahead = aliased(WaitlistEntry)
_CARD = reused(
    select(
        *EVENT_COLUMNS,
        User.id.label("viewer_id"),
        User.name.label("viewer_name"),
        User.role.label("viewer_role"),
        TelegramAccount.session_expires_at,
        Registration.id.label("registration_id"),
        case(
            (WaitlistEntry.id.is_(None), None),
            else_=select(func.count(_ahead.id))
            .where(_ahead.event_id == Event.id, _ahead.id <= WaitlistEntry.id)
            .correlate(Event, WaitlistEntry)
            .scalar_subquery(),
        ).label("waiting"),
    )
    .select_from(Event)
    .outerjoin(TelegramAccount, TelegramAccount.telegram_user_id == bindparam("telegram_user_id"))
    .outerjoin(User, User.id == TelegramAccount.user_id)
    .outerjoin(
        Registration,
        (Registration.event_id == Event.id) & (Registration.user_id == User.id),
    )
    .outerjoin(
        WaitlistEntry,
        (WaitlistEntry.event_id == Event.id) & (WaitlistEntry.user_id == User.id),
    )
    .where(Event.id == bindparam("event_id"))
)


async def card_view(
    conn: Reader, *, event_id: int, telegram_user_id: int, now: datetime
) -> CardView:
    """Event, viewer and seat in one statement (the card is the busiest screen)."""
    result = await conn.execute(_CARD, {"event_id": event_id, "telegram_user_id": telegram_user_id})
    row = result.first()
    if row is None:
        raise EventNotFound()
    expires_at = row.session_expires_at
    viewer = None
    if row.viewer_id is not None and expires_at is not None and expires_at > now:
        viewer = Viewer(id=row.viewer_id, name=row.viewer_name, role=row.viewer_role)
    registered = viewer is not None and row.registration_id is not None
    waiting = int(row.waiting) if viewer is not None and row.waiting is not None else None
    return CardView(
        event=EventInfo.from_row(row._mapping), user=viewer, registered=registered, waiting=waiting
    )
