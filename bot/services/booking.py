"""Registering for events: capacity is enforced by a guarded decrement in the database;
a seat given back goes to the head of the waitlist in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import waitlist
from bot.services.checkin import new_secret
from bot.services.errors import (
    AlreadyRegistered,
    EventCancelled,
    EventFull,
    EventNotFound,
    EventPast,
    ManagersDontRegister,
    NotRegistered,
)
from bot.services.events import RECENTLY_STARTED
from bot.services.reminders import reminder_rows
from bot.services.views import Account
from db.models import Cancellation, Event, OutboxMessage, Registration, Role, User


async def is_registered(session: AsyncSession, *, user_id: int, event_id: int) -> bool:
    """Tell whether ``user_id`` holds a seat at ``event_id``."""
    found = await session.scalar(
        select(Registration.id).where(
            Registration.user_id == user_id, Registration.event_id == event_id
        )
    )
    return found is not None


async def register(
    session: AsyncSession,
    *,
    user: Account,
    event_id: int,
    chat_id: int,
    now: datetime,
    reminder_offsets: Sequence[timedelta],
) -> Registration:
    """Take one seat and schedule the reminders; atomic against any number of concurrent calls.

    The seat is taken by ``UPDATE ... SET seats_left = seats_left - 1 WHERE seats_left > 0``:
    the database serialises these, so capacity cannot be exceeded whatever the interleaving.
    The unique (user, event) pair makes a second registration fail even when two presses race;
    the caller's transaction then rolls back the decrement with it.
    """
    if user.role is Role.MANAGER:
        raise ManagersDontRegister()
    if await is_registered(session, user_id=user.id, event_id=event_id):
        raise AlreadyRegistered()
    taken = await session.execute(
        update(Event)
        .where(
            Event.id == event_id,
            Event.seats_left > 0,
            Event.starts_at > now,
            Event.cancelled_at.is_(None),
        )
        .values(seats_left=Event.seats_left - 1, revision=Event.revision + 1)
        .returning(Event.starts_at)
    )
    starts_at = taken.scalar_one_or_none()
    if starts_at is None:
        event = await session.get(Event, event_id)
        if event is None:
            raise EventNotFound()
        if event.cancelled_at is not None:
            raise EventCancelled()
        if event.starts_at <= now:
            raise EventPast()
        raise EventFull()
    registration = Registration(
        user_id=user.id,
        event_id=event_id,
        chat_id=chat_id,
        created_at=now,
        ticket_secret=new_secret(),  # the ticket's QR link (bot.services.checkin)
    )
    session.add(registration)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise AlreadyRegistered() from exc
    session.add_all(
        reminder_rows(
            registration_id=registration.id,
            chat_id=chat_id,
            starts_at=starts_at,
            offsets=reminder_offsets,
            now=now,
        )
    )
    await session.flush()
    return registration


async def cancel_registration(
    session: AsyncSession,
    *,
    user: User,
    event_id: int,
    now: datetime,
    reminder_offsets: Sequence[timedelta],
) -> list[waitlist.Promotion]:
    """Give the seat back: its pending reminders go with it, a ``cancellations`` row keeps
    the record, and the seat goes to the head of the waitlist (with ``reminder_offsets``), all
    under the event's lock. Started and cancelled events keep their list."""
    event = await waitlist.lock_event(session, event_id=event_id)
    if event.cancelled_at is not None:
        raise EventCancelled()
    if event.starts_at <= now:
        raise EventPast()
    removed = await session.execute(
        delete(Registration)
        .where(Registration.user_id == user.id, Registration.event_id == event_id)
        .returning(Registration.id, Registration.created_at)
    )
    row = removed.first()
    if row is None:
        raise NotRegistered()
    session.add(
        Cancellation(
            event_id=event_id, user_id=user.id, registered_at=row.created_at, cancelled_at=now
        )
    )
    await session.execute(delete(OutboxMessage).where(OutboxMessage.registration_id == row.id))
    event.seats_left += 1
    event.revision += 1
    await session.flush()
    return await waitlist.promote(session, event=event, now=now, reminder_offsets=reminder_offsets)


async def my_upcoming(session: AsyncSession, *, user_id: int, now: datetime) -> list[Event]:
    """The events ``user_id`` holds a seat at that are still to come or started less than
    RECENTLY_STARTED ago (a latecomer needs their ticket at the door), soonest first."""
    rows = await session.scalars(
        select(Event)
        .join(Registration, Registration.event_id == Event.id)
        .where(
            Registration.user_id == user_id,
            Event.starts_at > now - RECENTLY_STARTED,
            Event.cancelled_at.is_(None),
        )
        .order_by(Event.starts_at, Event.id)
    )
    return list(rows)
