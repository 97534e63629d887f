"""The waitlist on a real migrated database; the races over separate connections, on SQLite
and on PostgreSQL (the ``race_url`` fixture of test_booking)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.services import booking, waitlist
from bot.services.errors import (
    AlreadyRegistered,
    AlreadyWaiting,
    EventCancelled,
    NotWaiting,
)
from bot.services.waitlist import PROMOTED_NOTICE, Joined, Promotion
from db.models import (
    Cancellation,
    Event,
    OutboxKind,
    OutboxMessage,
    Registration,
    Role,
    User,
    WaitlistEntry,
)
from db.session import is_sqlite
from tests.conftest import Sessions
from tests.services.factories import make_event, make_user
from tests.services.test_booking import (  # noqa: F401  (fixtures)
    NOW,
    OFFSETS,
    RACE_TIMEOUT,
    _clients_for,
    _make_people,
    _separate_connections,
    race_sessions,
    race_url,
)


async def _join(sessions: Sessions, user_id: int, event_id: int) -> Joined:
    async with sessions.begin() as session:
        user = await session.get_one(User, user_id)
        return await waitlist.join(
            session,
            user=user,
            event_id=event_id,
            chat_id=user_id,
            now=NOW,
            reminder_offsets=OFFSETS,
        )


async def _cancel(sessions: Sessions, user_id: int, event_id: int) -> list[Promotion]:
    async with sessions.begin() as session:
        user = await session.get_one(User, user_id)
        return await booking.cancel_registration(
            session, user=user, event_id=event_id, now=NOW, reminder_offsets=OFFSETS
        )


async def _state(sessions: Sessions, event_id: int) -> tuple[int, set[int], list[int]]:
    """Seats left, who is registered, who waits (in order)."""
    async with sessions.begin() as session:
        seats_left = (await session.get_one(Event, event_id)).seats_left
        registered = set(
            await session.scalars(
                select(Registration.user_id).where(Registration.event_id == event_id)
            )
        )
        waiting = list(
            await session.scalars(
                select(WaitlistEntry.user_id)
                .where(WaitlistEntry.event_id == event_id)
                .order_by(WaitlistEntry.id)
            )
        )
    return seats_left, registered, waiting


async def test_join_takes_a_free_seat_else_queues_and_a_freed_seat_goes_to_the_head(
    sessions: Sessions,
) -> None:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    ann, bob, cid, dan = [await make_user(sessions, f"{n}@example.com", now=NOW) for n in "abcd"]
    event = await make_event(sessions, manager, now=NOW, capacity=1)
    seated = await _join(sessions, ann.id, event.id)
    assert seated.registration is not None and seated.position is None
    assert (await _join(sessions, bob.id, event.id)).position == 1
    assert (await _join(sessions, cid.id, event.id)).position == 2
    assert (await _join(sessions, dan.id, event.id)).position == 3
    with pytest.raises(AlreadyWaiting):
        await _join(sessions, bob.id, event.id)
    with pytest.raises(AlreadyRegistered):
        await _join(sessions, ann.id, event.id)
    async with sessions.begin() as session:
        await waitlist.leave(session, user=cid, event_id=event.id)
        with pytest.raises(NotWaiting):
            await waitlist.leave(session, user=cid, event_id=event.id)
        assert await waitlist.position(session, user_id=dan.id, event_id=event.id) == 2

    promoted = await _cancel(sessions, ann.id, event.id)
    assert [p.user_id for p in promoted] == [bob.id]
    assert await _state(sessions, event.id) == (0, {bob.id}, [dan.id])
    async with sessions.begin() as session:
        record = (await session.scalars(select(Cancellation))).one()
        notices = list(
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.NOTICE)
            )
        )
        reminders = await session.scalar(
            select(func.count()).where(OutboxMessage.registration_id == promoted[0].registration_id)
        )
    assert (record.user_id, record.event_id, record.registered_at) == (ann.id, event.id, NOW)
    assert [(n.chat_id, (n.payload or {})["notice"]) for n in notices] == [
        (bob.id, PROMOTED_NOTICE)
    ]
    assert reminders == len(OFFSETS)


async def test_a_cancelled_event_takes_nobody(sessions: Sessions) -> None:
    from bot.services import event_changes

    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    ann = await make_user(sessions, "ann@example.com", now=NOW)
    event = await make_event(sessions, manager, now=NOW, capacity=1)
    async with sessions.begin() as session:
        await event_changes.cancel_event(session, event_id=event.id, now=NOW)
    with pytest.raises(EventCancelled):
        await _join(sessions, ann.id, event.id)
    with pytest.raises(EventCancelled):
        async with sessions.begin() as session:
            user = await session.get_one(User, ann.id)
            await booking.register(
                session, user=user, event_id=event.id, chat_id=1, now=NOW, reminder_offsets=()
            )


SEATS = 20
CANCELS = 10
CUSTOMERS = 200


async def test_200_racing_for_20_seats_with_10_cancellations_promote_in_order(
    race_url: str,  # noqa: F811
    race_sessions: Sessions,  # noqa: F811
) -> None:
    """200 customers press ⏳ Join (a seat if one is free, else the queue) at once; when half of
    them are through, 10 of the registered cancel, racing the rest. Every transaction has its
    own connection; only the event row's lock keeps them apart."""
    total = await _clients_for(race_url, CUSTOMERS + CANCELS)
    customers = total - CANCELS
    manager = await make_user(race_sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    people = await _make_people(race_sessions, customers)
    event = await make_event(race_sessions, manager, now=NOW, capacity=SEATS)
    outcomes: dict[int, Joined] = {}
    promotions: list[Promotion] = []
    cancelled: list[int] = []
    half_through = asyncio.Event()

    async with _separate_connections(race_url, total) as handle:
        openers = handle.openers
        start = asyncio.Barrier(customers)

        async def customer(n: int, user_id: int) -> None:
            await start.wait()
            async with openers[n % len(openers)]() as session:
                await session.connection()
                await asyncio.sleep(0)
                user = await session.get_one(User, user_id)
                joined = await waitlist.join(
                    session,
                    user=user,
                    event_id=event.id,
                    chat_id=user_id,
                    now=NOW,
                    reminder_offsets=OFFSETS,
                )
            outcomes[user_id] = joined  # committed
            if len(outcomes) == customers // 2:
                half_through.set()

        async def canceller(n: int) -> None:
            await half_through.wait()
            seated = sorted(u for u, j in outcomes.items() if j.registration is not None)
            user_id = seated[n]
            async with openers[n % len(openers)]() as session:
                user = await session.get_one(User, user_id)
                promoted = await booking.cancel_registration(
                    session, user=user, event_id=event.id, now=NOW, reminder_offsets=OFFSETS
                )
            cancelled.append(user_id)
            promotions.extend(promoted)

        async with asyncio.timeout(RACE_TIMEOUT * 3):
            results = await asyncio.gather(
                *(customer(n, user_id) for n, user_id in enumerate(people)),
                *(canceller(n) for n in range(CANCELS)),
                return_exceptions=True,
            )
    assert [r for r in results if r is not None] == []

    seats_left, registered, waiting = await _state(race_sessions, event.id)
    assert (seats_left, len(registered)) == (0, SEATS)
    assert not registered & set(waiting)  # nobody both registered and waiting
    assert not set(cancelled) & (registered | set(waiting))
    queued = sorted((j.entry_id or 0, u) for u, j in outcomes.items() if j.registration is None)
    assert len(queued) == customers - SEATS
    promoted = [p.user_id for p in promotions]
    # the freed seats went to the head of the line, in order; the rest still wait in order
    assert sorted(promoted) == sorted(u for _, u in queued[:CANCELS])
    assert waiting == [u for _, u in queued[CANCELS:]]
    assert registered == {u for u, j in outcomes.items() if j.registration} - set(cancelled) | set(
        promoted
    )
    async with race_sessions.begin() as session:
        records = await session.scalar(select(func.count()).select_from(Cancellation))
        notices = list(
            await session.scalars(
                select(OutboxMessage.chat_id).where(OutboxMessage.kind == OutboxKind.NOTICE)
            )
        )
        reminded = set(
            await session.scalars(
                select(Registration.user_id)
                .join(OutboxMessage, OutboxMessage.registration_id == Registration.id)
                .where(Registration.event_id == event.id)
            )
        )
    assert records == CANCELS
    assert sorted(notices) == sorted(promoted)  # each promoted person told once
    assert reminded == registered  # everyone seated has reminders, promoted people too
    if is_sqlite(race_url):
        assert handle.lock_conflicts > 0  # the writers did meet at SQLite's lock


async def test_waiting_for_lists_upcoming_waitlists_with_places_soonest_first(
    sessions: Sessions,
) -> None:
    from bot.services import event_changes

    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    ann, bob, cid = [await make_user(sessions, f"{n}@example.com", now=NOW) for n in "abc"]
    later = await make_event(
        sessions, manager, now=NOW, capacity=1, starts_in=timedelta(days=5), title="Later"
    )
    sooner = await make_event(
        sessions, manager, now=NOW, capacity=1, starts_in=timedelta(days=2), title="Sooner"
    )
    gone = await make_event(sessions, manager, now=NOW, capacity=1, title="Gone")
    for event in (later, sooner, gone):
        await _join(sessions, ann.id, event.id)  # takes the one seat
    for event in (later, sooner, gone):
        await _join(sessions, bob.id, event.id)
    await _join(sessions, cid.id, later.id)
    await _join(sessions, cid.id, sooner.id)
    async with sessions.begin() as session:
        await waitlist.leave(session, user=bob, event_id=sooner.id)  # Cid moves up
        await event_changes.cancel_event(session, event_id=gone.id, now=NOW)

    async def places(user: User, now: datetime) -> list[tuple[str, int]]:
        async with sessions.begin() as session:
            found = await waitlist.waiting_for(session, user_id=user.id, now=now)
        return [(w.event.title, w.position) for w in found]

    assert await places(cid, NOW) == [("Sooner", 1), ("Later", 2)]
    assert await places(bob, NOW) == [("Later", 1)]  # a cancelled event is left out
    assert await places(ann, NOW) == []  # holding seats is not waiting
    # an event that has started is no longer listed
    assert await places(cid, NOW + timedelta(days=3)) == [("Later", 2)]
