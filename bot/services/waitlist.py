"""The waitlist of a full event: joining, leaving, and promoting the head when a seat frees up.

Every change to an event's waitlist, and every change that frees a seat, first locks the event
row (``lock_event``: ``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite serialises writers with
its write lock and leaves the clause out). Seats that free up are given to the head of the
list in the same transaction (``promote``), so ``seats_left > 0`` only ever holds while nobody
waits: a plain Register (booking.register, lock-free) can't jump the queue, and nobody is both
registered and waiting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.services.errors import (
    AlreadyRegistered,
    AlreadyWaiting,
    EventCancelled,
    EventNotFound,
    EventPast,
    ManagersDontRegister,
    NotWaiting,
)
from bot.services.outbox import add_notices
from bot.services.reminders import reminder_rows
from bot.services.views import Account
from db.models import Event, Registration, Role, WaitlistEntry

PROMOTED_NOTICE = "waitlist_promoted"  # params: title, starts_at (ISO 8601, UTC)


async def lock_event(session: AsyncSession, *, event_id: int) -> Event:
    """The event row, locked until the transaction ends (``FOR UPDATE``), fresh from the
    database; EventNotFound if there is none."""
    event = await session.scalar(
        select(Event)
        .where(Event.id == event_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if event is None:
        raise EventNotFound()
    return event


@dataclass(frozen=True)
class Joined:
    """What pressing ⏳ Join waitlist did: a seat (it was free after all) or a place in line."""

    registration: Registration | None
    position: int | None
    entry_id: int | None = None


async def join(
    session: AsyncSession,
    *,
    user: Account,
    event_id: int,
    chat_id: int,
    now: datetime,
    reminder_offsets: Sequence[timedelta],
) -> Joined:
    """Queue ``user`` for the next free seat, or register them if one is free right now."""
    if user.role is Role.MANAGER:
        raise ManagersDontRegister()
    event = await lock_event(session, event_id=event_id)
    if event.cancelled_at is not None:
        raise EventCancelled()
    if event.starts_at <= now:
        raise EventPast()
    registered = await session.scalar(
        select(Registration.id).where(
            Registration.user_id == user.id, Registration.event_id == event_id
        )
    )
    if registered is not None:
        raise AlreadyRegistered()
    if event.seats_left > 0:  # nobody waits while a seat is free (see the module's docstring)
        registration = await _seat(
            session, event, user.id, chat_id, now=now, reminder_offsets=reminder_offsets
        )
        return Joined(registration=registration, position=None)
    entry = WaitlistEntry(user_id=user.id, event_id=event_id, chat_id=chat_id, created_at=now)
    session.add(entry)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise AlreadyWaiting() from exc
    event.revision += 1  # posts show how many wait ("Full · 4 waiting")
    return Joined(
        registration=None,
        position=await position(session, user_id=user.id, event_id=event_id),
        entry_id=entry.id,
    )


async def leave(session: AsyncSession, *, user: Account, event_id: int) -> None:
    """Take ``user`` off the waitlist of ``event_id``."""
    event = await lock_event(session, event_id=event_id)
    removed = await session.execute(
        delete(WaitlistEntry)
        .where(WaitlistEntry.user_id == user.id, WaitlistEntry.event_id == event_id)
        .returning(WaitlistEntry.id)
    )
    if removed.scalar_one_or_none() is None:
        raise NotWaiting()
    event.revision += 1  # posts show how many wait


async def position(session: AsyncSession, *, user_id: int, event_id: int) -> int | None:
    """``user_id``'s place in line for ``event_id`` (1: next to get a seat), None if not on it."""
    mine = (
        select(WaitlistEntry.id)
        .where(WaitlistEntry.user_id == user_id, WaitlistEntry.event_id == event_id)
        .scalar_subquery()
    )
    ahead = await session.scalar(
        select(func.count(WaitlistEntry.id)).where(
            WaitlistEntry.event_id == event_id, WaitlistEntry.id <= mine
        )
    )
    return int(ahead) if ahead else None


async def waiting_count(session: AsyncSession, *, event_id: int) -> int:
    """How many people wait for a seat at ``event_id``."""
    count = await session.scalar(
        select(func.count(WaitlistEntry.id)).where(WaitlistEntry.event_id == event_id)
    )
    return int(count or 0)


@dataclass(frozen=True)
class Promotion:
    """Someone who got a seat from the waitlist."""

    user_id: int
    registration_id: int


async def promote(
    session: AsyncSession,
    *,
    event: Event,
    now: datetime,
    reminder_offsets: Sequence[timedelta],
) -> list[Promotion]:
    """Give the event's free seats to the head of its waitlist, in order; each promoted person
    gets their reminders and a notice. The caller holds the event's lock (``lock_event``)."""
    if event.cancelled_at is not None or event.starts_at <= now or event.seats_left <= 0:
        return []
    heads = list(
        await session.scalars(
            select(WaitlistEntry)
            .where(WaitlistEntry.event_id == event.id)
            .order_by(WaitlistEntry.id)
            .limit(event.seats_left)
        )
    )
    promoted: list[Promotion] = []
    for entry in heads:
        await session.execute(delete(WaitlistEntry).where(WaitlistEntry.id == entry.id))
        registration = await _seat(
            session, event, entry.user_id, entry.chat_id, now=now, reminder_offsets=reminder_offsets
        )
        promoted.append(Promotion(user_id=entry.user_id, registration_id=registration.id))
        await add_notices(
            session,
            chat_ids=[entry.chat_id],
            notice=PROMOTED_NOTICE,
            now=now,
            params={"title": event.title, "starts_at": event.starts_at.isoformat()},
        )
    return promoted


async def _seat(
    session: AsyncSession,
    event: Event,
    user_id: int,
    chat_id: int,
    *,
    now: datetime,
    reminder_offsets: Sequence[timedelta],
) -> Registration:
    """Take one seat of the locked ``event`` for ``user_id``, with its reminders (the lock
    makes a plain read-modify-write of the counter safe; the CHECK backs it up)."""
    event.seats_left -= 1
    event.revision += 1
    registration = Registration(user_id=user_id, event_id=event.id, chat_id=chat_id, created_at=now)
    session.add(registration)
    await session.flush()
    session.add_all(
        reminder_rows(
            registration_id=registration.id,
            chat_id=chat_id,
            starts_at=event.starts_at,
            offsets=reminder_offsets,
            now=now,
        )
    )
    await session.flush()
    return registration


@dataclass(frozen=True)
class Waiting:
    """An upcoming event someone is on the waitlist of, and their place in line (1: next)."""

    event: Event
    position: int


async def waiting_for(session: AsyncSession, *, user_id: int, now: datetime) -> list[Waiting]:
    """The upcoming events ``user_id`` waits for a seat at (cancelled ones left out), soonest
    first, each with their place in line: one statement."""
    ahead = aliased(WaitlistEntry)
    place = (
        select(func.count(ahead.id))
        .where(ahead.event_id == WaitlistEntry.event_id, ahead.id <= WaitlistEntry.id)
        .correlate(WaitlistEntry)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Event, place)
        .join(WaitlistEntry, WaitlistEntry.event_id == Event.id)
        .where(
            WaitlistEntry.user_id == user_id, Event.starts_at > now, Event.cancelled_at.is_(None)
        )
        .order_by(Event.starts_at, Event.id)
    )
    return [Waiting(event=event, position=int(position)) for event, position in rows]
