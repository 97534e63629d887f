"""Reminder rows: due selection, one claim per row, expiry."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.services import booking, reminders
from db.models import Reminder, ReminderStatus, Role, User
from tests.conftest import Sessions
from tests.services.factories import make_event, make_user

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


async def _setup(sessions: Sessions) -> tuple[User, int]:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    ann = await make_user(sessions, "ann@example.com", now=NOW)
    event = await make_event(sessions, manager, now=NOW, starts_in=timedelta(hours=30))
    async with sessions.begin() as session:
        await booking.register(
            session,
            user=ann,
            event_id=event.id,
            chat_id=555,
            now=NOW,
            reminder_offsets=(timedelta(hours=24), timedelta(hours=1)),
        )
    return ann, event.id


async def test_only_due_reminders_are_selected(sessions: Sessions) -> None:
    await _setup(sessions)
    async with sessions.begin() as session:
        assert await reminders.due_ids(session, now=NOW, limit=10) == []
        assert len(await reminders.due_ids(session, now=NOW + timedelta(hours=6), limit=10)) == 1
        assert len(await reminders.due_ids(session, now=NOW + timedelta(hours=29), limit=10)) == 2


async def test_concurrent_claimers_get_each_reminder_once(sessions: Sessions) -> None:
    await _setup(sessions)
    later = NOW + timedelta(hours=29)
    async with sessions.begin() as session:
        ids = await reminders.due_ids(session, now=later, limit=10)

    async def claim(reminder_id: int) -> reminders.Delivery | None:
        async with sessions.begin() as session:
            return await reminders.claim(session, reminder_id=reminder_id, now=later)

    results = await asyncio.gather(*(claim(i) for i in ids for _ in range(8)))
    won = [r for r in results if r is not None]
    assert sorted(d.reminder_id for d in won) == sorted(ids)
    assert {d.chat_id for d in won} == {555}


async def test_reminders_of_started_events_expire(sessions: Sessions) -> None:
    await _setup(sessions)
    async with sessions.begin() as session:
        assert await reminders.expire_started(session, now=NOW + timedelta(hours=31)) == 2
        statuses = set(await session.scalars(select(Reminder.status)))
    assert statuses == {ReminderStatus.EXPIRED}
