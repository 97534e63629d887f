"""Attendees, waiting people, check-ins and cancellations for the export and chart tests.

Registrations go through ``booking.register``. The waiting list, check-in and the
cancellation record are written by other features' services (waitlist, tickets,
cancelling), which this branch doesn't have yet: their rows are inserted here directly,
with the columns those services fill. Accounts are inserted directly too, so that names
the sign-up form would refuse (line breaks, a leading ``=``) can be exported: old rows and
other writers may hold them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import booking
from db.models import Event, Registration, Role, User, WaitlistEntry
from tests.services.factories import FAST_HASH


async def add_person(session: AsyncSession, name: str, email: str, *, now: datetime) -> User:
    """An account named exactly ``name`` (no cleaning)."""
    user = User(name=name, email=email, password_hash=FAST_HASH, role=Role.CUSTOMER, created_at=now)
    session.add(user)
    await session.flush()
    return user


async def register(
    session: AsyncSession, user: User, event_id: int, *, now: datetime
) -> Registration:
    """``user`` takes a seat at ``now`` (the booking service, without reminders)."""
    return await booking.register(
        session, user=user, event_id=event_id, chat_id=user.id, now=now, reminder_offsets=[]
    )


async def join_waitlist(session: AsyncSession, user: User, event_id: int, *, now: datetime) -> None:
    """``user`` queues for a seat (the row the waitlist service writes)."""
    session.add(WaitlistEntry(user_id=user.id, event_id=event_id, chat_id=user.id, created_at=now))
    await session.flush()


async def check_in(session: AsyncSession, registration_id: int, *, at: datetime) -> None:
    """Mark a registration checked in at ``at`` (what the door scan writes)."""
    await session.execute(
        update(Registration).where(Registration.id == registration_id).values(checked_in_at=at)
    )


async def cancel(session: AsyncSession, user: User, event_id: int, *, now: datetime) -> None:
    """``user`` cancels through the booking service, which records the cancellation (the
    registration's own ``created_at`` is the ``registered_at`` it keeps)."""
    await booking.cancel_registration(
        session, user=user, event_id=event_id, now=now, reminder_offsets=()
    )


async def many_registrations(
    session: AsyncSession, event_id: int, times: Sequence[datetime], *, first: int = 0
) -> None:
    """One account and registration per time in ``times``, inserted in bulk (Core)."""
    users = [
        {
            "name": f"Guest {first + i}",
            "email": f"guest{first + i}@example.com",
            "password_hash": FAST_HASH,
            "role": Role.CUSTOMER,
            "created_at": at,
        }
        for i, at in enumerate(times)
    ]
    added = insert(User).returning(User.id, sort_by_parameter_order=True)
    ids = (await session.execute(added, users)).scalars().all()
    await session.execute(
        insert(Registration),
        [
            {"user_id": user_id, "event_id": event_id, "chat_id": user_id, "created_at": at}
            for user_id, at in zip(ids, times, strict=True)
        ],
    )
    await session.execute(
        update(Event).where(Event.id == event_id).values(seats_left=Event.seats_left - len(times))
    )
