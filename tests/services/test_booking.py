"""Registration rules on a real migrated SQLite database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.services import booking
from bot.services.errors import (
    AlreadyRegistered,
    EventFull,
    EventNotFound,
    EventPast,
    NotRegistered,
)
from db.models import Event, Registration, Reminder, Role, User
from tests.conftest import Sessions
from tests.services.factories import make_event, make_user

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
OFFSETS = (timedelta(hours=24), timedelta(hours=1))


async def _register(sessions: Sessions, user_id: int, event_id: int, now: datetime = NOW) -> None:
    async with sessions.begin() as session:
        user = await session.get_one(User, user_id)
        await booking.register(
            session,
            user=user,
            event_id=event_id,
            chat_id=user_id,
            now=now,
            reminder_offsets=OFFSETS,
        )


async def _counts(sessions: Sessions, event_id: int) -> tuple[int, int]:
    async with sessions.begin() as session:
        seats_left = (await session.get_one(Event, event_id)).seats_left
        taken = await session.scalar(
            select(func.count()).select_from(Registration).where(Registration.event_id == event_id)
        )
    return seats_left, int(taken or 0)


async def test_register_takes_a_seat_and_schedules_reminders(sessions: Sessions) -> None:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    ann = await make_user(sessions, "ann@example.com", now=NOW)
    event = await make_event(sessions, manager, now=NOW, capacity=3)
    await _register(sessions, ann.id, event.id)
    assert await _counts(sessions, event.id) == (2, 1)
    async with sessions.begin() as session:
        due = sorted(r.due_at for r in await session.scalars(select(Reminder)))
    assert due == [event.starts_at - timedelta(hours=24), event.starts_at - timedelta(hours=1)]


async def test_second_registration_is_refused_and_changes_nothing(sessions: Sessions) -> None:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    ann = await make_user(sessions, "ann@example.com", now=NOW)
    event = await make_event(sessions, manager, now=NOW, capacity=3)
    await _register(sessions, ann.id, event.id)
    with pytest.raises(AlreadyRegistered):
        await _register(sessions, ann.id, event.id)
    assert await _counts(sessions, event.id) == (2, 1)


async def test_full_past_and_missing_events_are_refused(sessions: Sessions) -> None:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    ann = await make_user(sessions, "ann@example.com", now=NOW)
    bob = await make_user(sessions, "bob@example.com", now=NOW)
    event = await make_event(sessions, manager, now=NOW, capacity=1)
    await _register(sessions, ann.id, event.id)
    with pytest.raises(EventFull):
        await _register(sessions, bob.id, event.id)
    with pytest.raises(EventPast):
        await _register(sessions, bob.id, event.id, now=event.starts_at)
    with pytest.raises(EventNotFound):
        await _register(sessions, bob.id, 999_999)
    assert await _counts(sessions, event.id) == (0, 1)


async def test_cancel_gives_the_seat_and_reminders_back(sessions: Sessions) -> None:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    ann = await make_user(sessions, "ann@example.com", now=NOW)
    event = await make_event(sessions, manager, now=NOW, capacity=1)
    await _register(sessions, ann.id, event.id)
    async with sessions.begin() as session:
        await booking.cancel_registration(session, user=ann, event_id=event.id, now=NOW)
    assert await _counts(sessions, event.id) == (1, 0)
    async with sessions.begin() as session:
        assert await session.scalar(select(func.count()).select_from(Reminder)) == 0
        with pytest.raises(NotRegistered):
            await booking.cancel_registration(session, user=ann, event_id=event.id, now=NOW)


async def test_fifty_concurrent_registrations_fill_ten_seats_exactly(sessions: Sessions) -> None:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    people = [await make_user(sessions, f"p{i}@example.com", now=NOW) for i in range(50)]
    event = await make_event(sessions, manager, now=NOW, capacity=10)

    async def attempt(user_id: int) -> str:
        try:
            await _register(sessions, user_id, event.id)
        except EventFull:
            return "full"
        return "registered"

    outcomes = await asyncio.gather(*(attempt(p.id) for p in people))
    assert outcomes.count("registered") == 10
    assert outcomes.count("full") == 40
    assert await _counts(sessions, event.id) == (0, 10)


async def test_concurrent_double_press_registers_once(sessions: Sessions) -> None:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    ann = await make_user(sessions, "ann@example.com", now=NOW)
    event = await make_event(sessions, manager, now=NOW, capacity=5)
    results = await asyncio.gather(
        *(_register(sessions, ann.id, event.id) for _ in range(5)), return_exceptions=True
    )
    assert sum(r is None for r in results) == 1
    assert all(isinstance(r, AlreadyRegistered) for r in results if r is not None)
    assert await _counts(sessions, event.id) == (4, 1)


async def test_database_refuses_overbooking_even_without_the_service(sessions: Sessions) -> None:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    event = await make_event(sessions, manager, now=NOW, capacity=1)
    with pytest.raises(Exception, match="CHECK constraint failed"):
        async with sessions.begin() as session:
            (await session.get_one(Event, event.id)).seats_left = -1


async def test_attendees_come_in_pages_in_registration_order(sessions: Sessions) -> None:
    from bot.services.events import attendee_page

    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    event = await make_event(sessions, manager, now=NOW, capacity=30)
    people = [await make_user(sessions, f"p{i:02}@example.com", now=NOW) for i in range(23)]
    for person in people:
        await _register(sessions, person.id, event.id)
    async with sessions.begin() as session:
        pages = [
            await attendee_page(session, event_id=event.id, page=n, page_size=10) for n in range(3)
        ]
        beyond = await attendee_page(session, event_id=event.id, page=99, page_size=10)
    assert [len(p.attendees) for p in pages] == [10, 10, 3]
    assert [a.email for p in pages for a in p.attendees] == [p.email for p in people]
    assert pages[0].pages == 3 and pages[0].total == 23
    assert beyond.page == 2  # clamped to the last page
