"""Creating, listing and reading events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from bot.services.errors import EventNotFound, InvalidInput
from bot.services.views import EVENT_COLUMNS, EventInfo, Viewer
from db.models import Event, Registration, TelegramAccount, User

MAX_TITLE_CHARS = 100
MAX_DESCRIPTION_CHARS = 2000
MAX_LOCATION_CHARS = 200
MIN_CAPACITY = 1
MAX_CAPACITY = 100_000
DATE_FORMAT = "%Y-%m-%d %H:%M"
# ids arrive in callback data and can be forged; keep them within a 64-bit signed integer
MAX_ID = 2**63 - 1


def _clean_text(raw: str, *, what: str, limit: int, multiline: bool = False) -> str:
    text = raw.strip() if multiline else " ".join(raw.split())
    if not text:
        raise InvalidInput(f"The {what} can't be empty.")
    if len(text) > limit:
        raise InvalidInput(f"The {what} is {len(text)} characters; the limit is {limit}.")
    return text


def clean_title(raw: str) -> str:
    """A one-line title of at most MAX_TITLE_CHARS."""
    return _clean_text(raw, what="title", limit=MAX_TITLE_CHARS)


def clean_description(raw: str) -> str:
    """A description that may span lines, at most MAX_DESCRIPTION_CHARS."""
    return _clean_text(raw, what="description", limit=MAX_DESCRIPTION_CHARS, multiline=True)


def clean_location(raw: str) -> str:
    """A one-line location of at most MAX_LOCATION_CHARS."""
    return _clean_text(raw, what="location", limit=MAX_LOCATION_CHARS)


def parse_capacity(raw: str) -> int:
    """A whole number of seats between MIN_CAPACITY and MAX_CAPACITY."""
    text = raw.strip().replace("_", "").replace(",", "").replace(" ", "")
    if not text.isascii() or not text.isdigit() or len(text) > 7:
        raise InvalidInput(
            f"Please send the number of seats as a whole number from {MIN_CAPACITY} "
            f"to {MAX_CAPACITY:,}."
        )
    value = int(text)
    if not MIN_CAPACITY <= value <= MAX_CAPACITY:
        raise InvalidInput(f"Capacity must be between {MIN_CAPACITY} and {MAX_CAPACITY:,}.")
    return value


def parse_start(raw: str, *, tz: ZoneInfo, now: datetime) -> datetime:
    """Read ``YYYY-MM-DD HH:MM`` in ``tz``; it must lie in the future. Returns aware UTC."""
    text = " ".join(raw.split())
    try:
        local = datetime.strptime(text, DATE_FORMAT)
    except ValueError:
        raise InvalidInput(
            "Please send the date and time as YYYY-MM-DD HH:MM, for example 2030-05-17 19:30."
        ) from None
    starts_at = local.replace(tzinfo=tz).astimezone(now.tzinfo)
    if starts_at <= now:
        raise InvalidInput("That moment has already passed; please pick a time in the future.")
    return starts_at


def parse_id(raw: str) -> int:
    """A positive database id from untrusted text, or raise EventNotFound."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > 19 or not 0 < int(raw) <= MAX_ID:
        raise EventNotFound()
    return int(raw)


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
        raise InvalidInput("That moment has already passed; please pick a time in the future.")
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
    """One page of upcoming events."""

    events: list[EventInfo]
    page: int
    pages: int
    total: int


_TOTAL_UPCOMING = select(func.count()).where(Event.starts_at > bindparam("now"))
# The page and the number of upcoming events in one statement: a single statement is its own
# consistent read, so Database.query() needs no transaction around it. The count walks only
# the starts_at index (a window count made SQLite read every upcoming row: 100,000 events
# cost tens of milliseconds, benchmark P4); SQLite evaluates the uncorrelated subquery once.
_UPCOMING = (
    select(*EVENT_COLUMNS, _TOTAL_UPCOMING.scalar_subquery().label("total"))
    .where(Event.starts_at > bindparam("now"))
    .order_by(Event.starts_at.desc(), Event.id.desc())
    .offset(bindparam("offset"))
    .limit(bindparam("limit"))
)


async def upcoming_page(
    conn: AsyncConnection, *, now: datetime, page: int, page_size: int
) -> EventPage:
    """Upcoming events, latest date first as the contract says, ``page_size`` at a time.

    A page past the end shows the last page (the list may have shrunk since the button was
    drawn); that case costs a second query, the common one a single statement.
    """
    page = max(page, 0)
    rows = (await conn.execute(_UPCOMING, _page_params(now, page, page_size))).all()
    total = int(rows[0].total) if rows else await _count_upcoming(conn, now)
    pages = max(1, -(-total // page_size))
    if page > pages - 1:
        page = pages - 1
        if total:
            rows = (await conn.execute(_UPCOMING, _page_params(now, page, page_size))).all()
    events = [EventInfo.from_row(row._mapping) for row in rows]
    return EventPage(events=events, page=page, pages=pages, total=total)


async def _count_upcoming(conn: AsyncConnection, now: datetime) -> int:
    return (await conn.scalar(_TOTAL_UPCOMING, {"now": now})) or 0


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


_CARD = (
    select(
        *EVENT_COLUMNS,
        User.id.label("viewer_id"),
        User.name.label("viewer_name"),
        User.role.label("viewer_role"),
        TelegramAccount.session_expires_at,
        Registration.id.label("registration_id"),
    )
    .select_from(Event)
    .outerjoin(TelegramAccount, TelegramAccount.telegram_user_id == bindparam("telegram_user_id"))
    .outerjoin(User, User.id == TelegramAccount.user_id)
    .outerjoin(
        Registration,
        (Registration.event_id == Event.id) & (Registration.user_id == User.id),
    )
    .where(Event.id == bindparam("event_id"))
)


async def card_view(
    conn: AsyncConnection, *, event_id: int, telegram_user_id: int, now: datetime
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
    return CardView(event=EventInfo.from_row(row._mapping), user=viewer, registered=registered)


@dataclass(frozen=True)
class Attendee:
    """What a manager sees of one registration."""

    name: str
    email: str


@dataclass(frozen=True)
class AttendeePage:
    """One page of an event's attendee list, oldest registration first."""

    event: Event
    attendees: list[Attendee]
    page: int
    pages: int
    total: int


async def attendee_page(
    session: AsyncSession, *, event_id: int, page: int, page_size: int
) -> AttendeePage:
    """The attendees of ``event_id`` in registration order, ``page_size`` at a time."""
    event = await get_event(session, event_id=event_id)
    total = (
        await session.scalar(
            select(func.count(Registration.id)).where(Registration.event_id == event_id)
        )
        or 0
    )
    pages = max(1, -(-total // page_size))
    page = min(max(page, 0), pages - 1)
    rows = await session.execute(
        select(User.name, User.email)
        .join(Registration, Registration.user_id == User.id)
        .where(Registration.event_id == event_id)
        .order_by(Registration.id)
        .offset(page * page_size)
        .limit(page_size)
    )
    attendees = [Attendee(name=name, email=email) for name, email in rows]
    return AttendeePage(event=event, attendees=attendees, page=page, pages=pages, total=total)
