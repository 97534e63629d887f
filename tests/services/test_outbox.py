"""Outbox rows: due selection, one claim per row, expiry of reminders, notices."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.services import accounts, booking, outbox
from db.models import DeliveryStatus, OutboxKind, OutboxMessage, Role, User
from tests.conftest import Sessions
from tests.services.factories import make_event, make_user

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


async def _setup(sessions: Sessions) -> tuple[User, int]:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    ann = await make_user(sessions, "ann@example.com", now=NOW)
    event = await make_event(sessions, manager, now=NOW, starts_in=timedelta(hours=30))
    async with sessions.begin() as session:
        await accounts.start_session(
            session, telegram_user_id=555, chat_id=555, user=ann, now=NOW, ttl=timedelta(days=30)
        )
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
        assert await outbox.due_ids(session, now=NOW, limit=10) == []
        assert len(await outbox.due_ids(session, now=NOW + timedelta(hours=6), limit=10)) == 1
        assert len(await outbox.due_ids(session, now=NOW + timedelta(hours=29), limit=10)) == 2


async def test_concurrent_claimers_get_each_reminder_once(sessions: Sessions) -> None:
    await _setup(sessions)
    later = NOW + timedelta(hours=29)
    async with sessions.begin() as session:
        ids = await outbox.due_ids(session, now=later, limit=10)

    async def claim(reminder_id: int) -> outbox.Delivery | None:
        async with sessions.begin() as session:
            return await outbox.claim(session, message_id=reminder_id, now=later)

    results = await asyncio.gather(*(claim(i) for i in ids for _ in range(8)))
    won = [r for r in results if r is not None]
    assert sorted(d.message_id for d in won) == sorted(ids)
    assert {d.chat_id for d in won} == {555}


async def test_reminders_of_started_events_expire(sessions: Sessions) -> None:
    await _setup(sessions)
    async with sessions.begin() as session:
        assert await outbox.expire_started(session, now=NOW + timedelta(hours=31)) == 2
        statuses = set(await session.scalars(select(OutboxMessage.status)))
    assert statuses == {DeliveryStatus.EXPIRED}


async def test_notices_are_delivered_like_reminders_and_skip_blocked_chats(
    sessions: Sessions,
) -> None:
    await _setup(sessions)
    async with sessions.begin() as session:
        await outbox.add_notices(session, chat_ids=[555, 777], notice="form_timed_out", now=NOW)
        ids = await outbox.due_ids(session, now=NOW, limit=10)
    assert len(ids) == 2  # the notices are due at once; the reminders are not yet
    async with sessions.begin() as session:
        await outbox.mark_chat_blocked(session, chat_id=777, message_id=ids[1], now=NOW)
        first = await outbox.claim(session, message_id=ids[0], now=NOW)
        again = await outbox.claim(session, message_id=ids[0], now=NOW)
    assert first is not None and again is None
    assert first.kind is OutboxKind.NOTICE and first.chat_id == 555
    assert first.payload == {"notice": "form_timed_out", "params": {}}
    assert first.reminder is None


async def test_a_reminder_goes_only_to_a_chat_logged_into_the_account(
    sessions: Sessions,
) -> None:
    ann, _event_id = await _setup(sessions)
    later = NOW + timedelta(hours=29)
    async with sessions.begin() as session:
        first, second = await outbox.due_ids(session, now=later, limit=10)
        # Ann logged in from a second Telegram account, then out of the one she registered from
        await accounts.start_session(
            session, telegram_user_id=777, chat_id=777, user=ann, now=NOW, ttl=timedelta(days=30)
        )
        await accounts.end_session(session, telegram_user_id=555)
        moved = await outbox.claim(session, message_id=first, now=later)
        await accounts.end_session(session, telegram_user_id=777)
        nowhere = await outbox.claim(session, message_id=second, now=later)
        statuses = dict(
            (await session.execute(select(OutboxMessage.id, OutboxMessage.status))).all()
        )
    assert moved is not None and moved.chat_id == 777
    assert nowhere is None and statuses[second] is DeliveryStatus.SKIPPED


async def test_a_reminder_moved_later_after_it_was_picked_is_not_claimed_early(
    sessions: Sessions,
) -> None:
    await _setup(sessions)
    later = NOW + timedelta(hours=6)
    async with sessions.begin() as session:
        [picked] = await outbox.due_ids(session, now=later, limit=10)
        # meanwhile the event moved a day later, and its reminders with it
        row = await session.get_one(OutboxMessage, picked)
        row.due_at = row.due_at + timedelta(days=1)
    async with sessions.begin() as session:
        assert await outbox.claim(session, message_id=picked, now=later) is None
        assert (await session.get_one(OutboxMessage, picked)).status is DeliveryStatus.PENDING
