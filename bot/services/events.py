"""Creating, listing and reading events (the input they are made from: event_input)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.services.errors import EventNotFound, InvalidInput, Problem
from bot.services.event_input import MAX_CAPACITY as MAX_CAPACITY
from bot.services.event_input import MAX_DESCRIPTION_CHARS as MAX_DESCRIPTION_CHARS
from bot.services.event_input import MAX_LOCATION_CHARS as MAX_LOCATION_CHARS

# what a manager types, read and checked (re-exported: events.parse_start …)
from bot.services.event_input import MAX_TITLE_CHARS as MAX_TITLE_CHARS
from bot.services.event_input import MAX_YEARS_AHEAD as MAX_YEARS_AHEAD
from bot.services.event_input import MIN_CAPACITY as MIN_CAPACITY
from bot.services.event_input import clean_description as clean_description
from bot.services.event_input import clean_location as clean_location
from bot.services.event_input import clean_title as clean_title
from bot.services.event_input import clock_jump as clock_jump
from bot.services.event_input import latest_start as latest_start
from bot.services.event_input import parse_capacity as parse_capacity
from bot.services.event_input import parse_start as parse_start
from bot.services.views import EVENT_COLUMNS, EventInfo, Viewer
from db.inline_reads import Reader, reused
from db.models import Event, Registration, TelegramAccount, User, WaitlistEntry


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
