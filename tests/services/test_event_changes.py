"""Editing and cancelling events on a real migrated database; the double cancel also races
over separate connections on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.services import event_changes, waitlist
from bot.services.errors import EventCancelled, EventStarted, InvalidInput, Problem
from bot.services.event_changes import CANCELLED_NOTICE, MOVED_NOTICE, EditableField
from db.models import (
    DeliveryStatus,
    Event,
    OutboxKind,
    OutboxMessage,
    Registration,
    Role,
    User,
)
from tests.conftest import Sessions
from tests.services.factories import make_event, make_user
from tests.services.test_booking import (  # noqa: F401  (fixtures)
    NOW,
    OFFSETS,
    _make_people,
    _register,
    _separate_connections,
    race_sessions,
    race_url,
)


async def _edit(
    sessions: Sessions, event_id: int, which: EditableField, value: object
) -> event_changes.Edited:
    async with sessions.begin() as session:
        return await event_changes.edit_event(
            session,
            event_id=event_id,
            which=which,
            value=value,  # type: ignore[arg-type]
            now=NOW,
            reminder_offsets=OFFSETS,
        )


async def _outbox(sessions: Sessions) -> list[OutboxMessage]:
    async with sessions.begin() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_moving_an_event_tells_everyone_once_and_moves_their_reminders(
    sessions: Sessions,
) -> None:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    ann = await make_user(sessions, "ann@example.com", now=NOW)
    bob = await make_user(sessions, "bob@example.com", now=NOW)
    # starts in 12 hours: the 24-hour reminder had passed, only the 1-hour one is planned
    event = await make_event(sessions, manager, now=NOW, capacity=5, starts_in=timedelta(hours=12))
    await _register(sessions, ann.id, event.id)
    await _register(sessions, bob.id, event.id)
    assert len(await _outbox(sessions)) == 2
    later = event.starts_at + timedelta(days=3)

    edited = await _edit(sessions, event.id, EditableField.START, later)
    assert edited.changed and edited.notified == 2
    rows = await _outbox(sessions)
    notices = [r for r in rows if r.kind is OutboxKind.NOTICE]
    reminders = [r for r in rows if r.kind is OutboxKind.REMINDER]
    assert sorted(n.chat_id for n in notices) == [ann.id, bob.id]
    assert {(n.payload or {})["notice"] for n in notices} == {MOVED_NOTICE}
    assert (notices[0].payload or {})["params"] == {
        "title": "Jazz night",
        "field": "starts_at",
        "old": event.starts_at.isoformat(),
        "new": later.isoformat(),
    }
    # both offsets now lie ahead: one row per registration and offset, due from the new start
    assert sorted((r.registration_id, r.offset_seconds, r.due_at) for r in reminders) == sorted(
        (r.registration_id, int(o.total_seconds()), later - o)
        for r in {r.registration_id: r for r in reminders}.values()
        for o in OFFSETS
    )
    assert len(reminders) == 2 * len(OFFSETS)

    again = await _edit(sessions, event.id, EditableField.START, later)  # the same value
    assert not again.changed and len(await _outbox(sessions)) == len(rows)
    async with sessions.begin() as session:
        revision = (await session.get_one(Event, event.id)).revision
    assert revision == event.revision + 3  # two registrations, one move


async def test_capacity_cannot_drop_below_registered_and_more_seats_go_to_the_waitlist(
    sessions: Sessions,
) -> None:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    people = await _make_people(sessions, 4)
    event = await make_event(sessions, manager, now=NOW, capacity=2)
    for user_id in people:
        async with sessions.begin() as session:
            user = await session.get_one(User, user_id)
            await waitlist.join(
                session, user=user, event_id=event.id, chat_id=1, now=NOW, reminder_offsets=OFFSETS
            )
    with pytest.raises(InvalidInput) as refused:
        await _edit(sessions, event.id, EditableField.CAPACITY, 1)
    assert refused.value.code is Problem.CAPACITY_BELOW_REGISTERED
    assert refused.value.params == {"registered": 2, "high": 100_000}
    edited = await _edit(sessions, event.id, EditableField.CAPACITY, 3)
    assert [p.user_id for p in edited.promoted] == [people[2]]
    async with sessions.begin() as session:
        stored = await session.get_one(Event, event.id)
        assert (stored.capacity, stored.seats_left) == (3, 0)


async def test_cancelling_tells_registered_and_waiting_once_and_keeps_registrations(
    sessions: Sessions,
) -> None:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    people = await _make_people(sessions, 3)
    event = await make_event(sessions, manager, now=NOW, capacity=2)
    for user_id in people:
        async with sessions.begin() as session:
            user = await session.get_one(User, user_id)
            await waitlist.join(
                session,
                user=user,
                event_id=event.id,
                chat_id=user_id,
                now=NOW,
                reminder_offsets=OFFSETS,
            )
    async with sessions.begin() as session:
        done = await event_changes.cancel_event(session, event_id=event.id, now=NOW)
    assert (done.registered, done.waiting) == (2, 1)
    with pytest.raises(EventCancelled):
        async with sessions.begin() as session:
            await event_changes.cancel_event(session, event_id=event.id, now=NOW)
    with pytest.raises(EventCancelled):
        await _edit(sessions, event.id, EditableField.TITLE, "Another")
    rows = await _outbox(sessions)
    assert [r.kind for r in rows] == [OutboxKind.NOTICE] * 3  # reminders are gone
    waiting = {r.chat_id: (r.payload or {})["params"]["waiting"] for r in rows}
    assert waiting == {people[0]: False, people[1]: False, people[2]: True}
    assert {(r.payload or {})["notice"] for r in rows} == {CANCELLED_NOTICE}
    async with sessions.begin() as session:
        kept = list(await session.scalars(select(Registration.user_id)))
    assert sorted(kept) == people[:2]


async def test_a_started_event_cannot_be_changed(sessions: Sessions) -> None:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    event = await make_event(sessions, manager, now=NOW, capacity=2)
    with pytest.raises(EventStarted):
        async with sessions.begin() as session:
            await event_changes.cancel_event(session, event_id=event.id, now=event.starts_at)


async def test_two_racing_cancels_tell_everyone_once(
    race_url: str,  # noqa: F811
    race_sessions: Sessions,  # noqa: F811
) -> None:
    manager = await make_user(race_sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    people = await _make_people(race_sessions, 5)
    event = await make_event(race_sessions, manager, now=NOW, capacity=5)
    for user_id in people:
        await _register(race_sessions, user_id, event.id)
    async with _separate_connections(race_url, 8) as handle:
        start = asyncio.Barrier(8)

        async def press(n: int) -> None:
            await start.wait()
            async with handle.openers[n % len(handle.openers)]() as session:
                await session.connection()
                await asyncio.sleep(0)
                await event_changes.cancel_event(session, event_id=event.id, now=NOW)

        results = await asyncio.gather(*(press(n) for n in range(8)), return_exceptions=True)
    assert results.count(None) == 1
    assert all(isinstance(r, EventCancelled) for r in results if r is not None)
    rows = await _outbox(race_sessions)
    assert sorted(r.chat_id for r in rows) == sorted(people)  # one notice each, no reminders
    assert all(r.status is DeliveryStatus.PENDING for r in rows)


async def test_a_move_is_told_to_those_waiting_too(sessions: Sessions) -> None:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    ann = await make_user(sessions, "ann@example.com", now=NOW)
    bob = await make_user(sessions, "bob@example.com", now=NOW)
    event = await make_event(sessions, manager, now=NOW, capacity=1, starts_in=timedelta(days=2))
    await _register(sessions, ann.id, event.id)
    async with sessions.begin() as session:
        joined = await waitlist.join(
            session,
            user=await session.get_one(User, bob.id),
            event_id=event.id,
            chat_id=bob.id,
            now=NOW,
            reminder_offsets=OFFSETS,
        )
    assert joined.position == 1
    edited = await _edit(sessions, event.id, EditableField.LOCATION, "Other hall")
    notices = [r for r in await _outbox(sessions) if r.kind is OutboxKind.NOTICE]
    assert edited.notified == 2
    assert sorted(n.chat_id for n in notices) == [ann.id, bob.id]
