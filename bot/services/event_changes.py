"""What organisers do to an existing event: read its counters, edit a field, cancel it.

All managers form one team: any manager may change any event (like a pretix organiser team),
so these take no owner. Each change locks the event row first (``waitlist.lock_event``), so it
is serialised with registrations, cancellations and the waitlist; people affected are told
through the outbox in the same transaction, so they hear of a change exactly once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import bindparam, delete, exists, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.services import waitlist
from bot.services.errors import (
    EventCancelled,
    EventNotFound,
    EventStarted,
    InvalidInput,
    Problem,
)
from bot.services.events import MAX_CAPACITY, MAX_YEARS_AHEAD, latest_start
from bot.services.outbox import add_notices
from bot.services.views import EVENT_COLUMNS, EventInfo
from db.inline_reads import Reader, reused
from db.models import (
    DeliveryStatus,
    Event,
    OutboxKind,
    OutboxMessage,
    Registration,
    WaitlistEntry,
)

MOVED_NOTICE = "event_moved"  # params: title, field ("starts_at"/"location"), old, new
CANCELLED_NOTICE = "event_cancelled"  # params: title, starts_at (ISO 8601), waiting (bool)


class EditableField(StrEnum):
    """The fields of an event a manager can change (column names)."""

    TITLE = "title"
    DESCRIPTION = "description"
    START = "starts_at"
    LOCATION = "location"
    CAPACITY = "capacity"


# a change of these is news for everyone registered
NOTIFIED_FIELDS = (EditableField.START, EditableField.LOCATION)


@dataclass(frozen=True)
class ManagerView:
    """An event as its organisers see it: details and counters."""

    event: EventInfo
    registered: int
    waiting: int
    checked_in: int


def _count(*where: object) -> object:
    return select(func.count()).where(*where).correlate(Event).scalar_subquery()  # type: ignore[arg-type]


_MANAGER_CARD = reused(
    select(
        *EVENT_COLUMNS,
        _count(Registration.event_id == Event.id).label("registered"),  # type: ignore[attr-defined]
        _count(WaitlistEntry.event_id == Event.id).label("waiting"),  # type: ignore[attr-defined]
        _count(  # type: ignore[attr-defined]
            Registration.event_id == Event.id, Registration.checked_in_at.is_not(None)
        ).label("checked_in"),
    ).where(Event.id == bindparam("event_id"))
)


async def manager_view(conn: Reader, *, event_id: int) -> ManagerView:
    """The event and its counters in one statement, or EventNotFound."""
    row = (await conn.execute(_MANAGER_CARD, {"event_id": event_id})).first()
    if row is None:
        raise EventNotFound()
    return ManagerView(
        event=EventInfo.from_row(row._mapping),
        registered=int(row.registered),
        waiting=int(row.waiting),
        checked_in=int(row.checked_in),
    )


async def changeable(session: AsyncSession, *, event_id: int, now: datetime) -> Event:
    """The event, if organisers may still change it (not cancelled, not started)."""
    event = await session.get(Event, event_id)
    if event is None:
        raise EventNotFound()
    _check_changeable(event, now)
    return event


def _check_changeable(event: Event, now: datetime) -> None:
    if event.cancelled_at is not None:
        raise EventCancelled()
    if event.starts_at <= now:
        raise EventStarted()


@dataclass(frozen=True)
class Edited:
    """What an edit did."""

    event: Event
    changed: bool
    notified: int = 0
    promoted: list[waitlist.Promotion] = field(default_factory=list)


async def edit_event(
    session: AsyncSession,
    *,
    event_id: int,
    which: EditableField,
    value: str | int | datetime,
    now: datetime,
    reminder_offsets: Sequence[timedelta],
) -> Edited:
    """Set one field (validated by the same cleaners as creation). A new start or place is
    told to everyone registered or waiting and moves pending reminders; more seats go to the
    waitlist first; fewer than are taken is refused. Bumps the revision."""
    event = await waitlist.lock_event(session, event_id=event_id)
    _check_changeable(event, now)
    old = getattr(event, which.value)
    if old == value:
        return Edited(event=event, changed=False)
    if which is EditableField.START:
        assert isinstance(value, datetime)
        if value <= now:
            raise InvalidInput(Problem.START_IN_THE_PAST)
        if value > latest_start(now):
            raise InvalidInput(Problem.START_TOO_FAR, years=MAX_YEARS_AHEAD)
    if which is EditableField.CAPACITY:
        assert isinstance(value, int)
        taken = event.capacity - event.seats_left
        if value < taken:
            raise InvalidInput(
                Problem.CAPACITY_BELOW_REGISTERED, registered=taken, high=MAX_CAPACITY
            )
        event.capacity, event.seats_left = value, value - taken
    else:
        setattr(event, which.value, value)
    event.revision += 1
    await session.flush()
    notified = 0
    if which in NOTIFIED_FIELDS:
        # the registered and those waiting for a seat: both plan around the time and place
        registered = await session.scalars(
            select(Registration.chat_id).where(Registration.event_id == event.id)
        )
        waiting = await session.scalars(
            select(WaitlistEntry.chat_id).where(WaitlistEntry.event_id == event.id)
        )
        notified = await add_notices(
            session,
            chat_ids=[*registered, *waiting],
            notice=MOVED_NOTICE,
            now=now,
            params={
                "title": event.title,
                "field": which.value,
                "old": _plain(old),
                "new": _plain(value),
            },
        )
    if which is EditableField.START:
        await _replan_reminders(session, event, now=now, reminder_offsets=reminder_offsets)
    promoted = await waitlist.promote(
        session, event=event, now=now, reminder_offsets=reminder_offsets
    )
    return Edited(event=event, changed=True, notified=notified, promoted=promoted)


def _plain(value: object) -> str | int:
    """A value as JSON keeps it (dates as ISO 8601)."""
    if isinstance(value, datetime):
        return value.isoformat()
    assert isinstance(value, str | int)
    return value


async def _replan_reminders(
    session: AsyncSession, event: Event, *, now: datetime, reminder_offsets: Sequence[timedelta]
) -> None:
    """Move the event's pending reminders to the new start (those now in the past go), and
    plan the offsets a registration has no reminder for yet (they had passed before). A
    reminder already sent is not sent again: (registration, offset) stays unique."""
    registrations = select(Registration.id).where(Registration.event_id == event.id)
    pending = (
        OutboxMessage.kind == OutboxKind.REMINDER,
        OutboxMessage.status == DeliveryStatus.PENDING,
        OutboxMessage.registration_id.in_(registrations),
    )
    planned = await session.scalars(select(OutboxMessage.offset_seconds).where(*pending).distinct())
    for seconds in list(planned):
        due = event.starts_at - timedelta(seconds=seconds or 0)
        same_offset = (*pending, OutboxMessage.offset_seconds == seconds)
        if due > now:
            statement = update(OutboxMessage).where(*same_offset).values(due_at=due)
        else:
            statement = delete(OutboxMessage).where(*same_offset)  # type: ignore[assignment]
        await session.execute(statement.execution_options(synchronize_session=False))
    for offset in reminder_offsets:
        due = event.starts_at - offset
        if due <= now:
            continue
        seconds = int(offset.total_seconds())
        other = aliased(OutboxMessage)
        columns = OutboxMessage.__table__.c
        await session.execute(
            insert(OutboxMessage).from_select(
                [
                    "kind",
                    "chat_id",
                    "registration_id",
                    "offset_seconds",
                    "due_at",
                    "status",
                    "attempts",
                ],
                select(
                    literal(OutboxKind.REMINDER, columns.kind.type),
                    Registration.chat_id,
                    Registration.id,
                    literal(seconds),
                    literal(due, columns.due_at.type),
                    literal(DeliveryStatus.PENDING, columns.status.type),
                    literal(0),
                ).where(
                    Registration.event_id == event.id,
                    ~exists().where(
                        other.registration_id == Registration.id, other.offset_seconds == seconds
                    ),
                ),
            )
        )


@dataclass(frozen=True)
class CancelledEvent:
    """An event just cancelled, and how many people were told."""

    event: Event
    registered: int
    waiting: int


async def cancel_event(session: AsyncSession, *, event_id: int, now: datetime) -> CancelledEvent:
    """Cancel the event: everyone registered or waiting is told once, pending reminders and
    the waitlist go, registrations stay for the record. A second cancel (two presses racing)
    finds it cancelled under the lock and raises EventCancelled: nobody is told twice."""
    event = await waitlist.lock_event(session, event_id=event_id)
    _check_changeable(event, now)
    event.cancelled_at = now
    event.revision += 1
    await session.flush()
    registered = list(
        await session.scalars(select(Registration.chat_id).where(Registration.event_id == event_id))
    )
    waiting = list(
        await session.scalars(
            select(WaitlistEntry.chat_id).where(WaitlistEntry.event_id == event_id)
        )
    )
    params = {"title": event.title, "starts_at": event.starts_at.isoformat()}
    await add_notices(
        session,
        chat_ids=registered,
        notice=CANCELLED_NOTICE,
        now=now,
        params={**params, "waiting": False},
    )
    await add_notices(
        session,
        chat_ids=waiting,
        notice=CANCELLED_NOTICE,
        now=now,
        params={**params, "waiting": True},
    )
    await session.execute(
        delete(OutboxMessage)
        .where(
            OutboxMessage.kind == OutboxKind.REMINDER,
            OutboxMessage.status == DeliveryStatus.PENDING,
            OutboxMessage.registration_id.in_(
                select(Registration.id).where(Registration.event_id == event_id)
            ),
        )
        .execution_options(synchronize_session=False)
    )
    await session.execute(delete(WaitlistEntry).where(WaitlistEntry.event_id == event_id))
    return CancelledEvent(event=event, registered=len(registered), waiting=len(waiting))
