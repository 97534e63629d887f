"""Broadcast rows: the text's checks, one outbox row per attendee in one transaction, reminders
claimed before broadcasts, progress counted by outcome; the per-chat pace of the outbox."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select

from bot.services import accounts, booking, broadcasts, outbox
from bot.services.errors import InvalidInput, NobodyRegistered, Problem
from bot.transport.send_limiter import ChatPacer
from bot.ui import broadcast as ui_broadcast
from bot.ui.limits import MAX_MESSAGE, tg_len, visible_len
from db.models import Broadcast, DeliveryStatus, OutboxKind, OutboxMessage, Registration, Role
from tests.conftest import Sessions
from tests.services.factories import make_event, make_user

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


async def _event_with(sessions: Sessions, people: int, *, reminders: bool = False) -> int:
    """An event 30 hours ahead with ``people`` attendees (chats 600..), logged in."""
    boss = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    event = await make_event(sessions, boss, now=NOW, starts_in=timedelta(hours=30))
    for i in range(people):
        user = await make_user(sessions, f"p{i}@example.com", now=NOW)
        async with sessions.begin() as session:
            await accounts.start_session(
                session,
                telegram_user_id=600 + i,
                chat_id=600 + i,
                user=user,
                now=NOW,
                ttl=timedelta(days=30),
            )
            await booking.register(
                session, user=user, event_id=event.id, chat_id=600 + i, now=NOW,
                reminder_offsets=(timedelta(hours=24),) if reminders else (),
            )  # fmt: skip
    return event.id


async def _start(sessions: Sessions, event_id: int, *, now: datetime = NOW) -> Broadcast:
    async with sessions.begin() as session:
        return await broadcasts.start_broadcast(
            session, event_id=event_id, author_id=1, text="Hello!", status_chat_id=1,
            status_message_id=7, now=now,
        )  # fmt: skip


def test_a_message_keeps_its_lines_and_refuses_hidden_characters() -> None:
    assert broadcasts.clean_message("  Doors at 7.  \r\n\nBring\tfriends \n") == (
        "Doors at 7.\n\nBring friends"
    )
    assert broadcasts.clean_message("👩‍💻 coders welcome") == "👩‍💻 coders welcome"
    for raw, code in [
        ("   \n ", Problem.MESSAGE_EMPTY),
        ("gate \u202e3", Problem.MESSAGE_UNPRINTABLE),
        ("zero\u200bwidth", Problem.MESSAGE_UNPRINTABLE),
        ("🎷" * (broadcasts.MAX_MESSAGE_UNITS // 2 + 1), Problem.MESSAGE_TOO_LONG),
    ]:
        with pytest.raises(InvalidInput) as refused:
            broadcasts.clean_message(raw)
        assert refused.value.code is code, raw
    with pytest.raises(InvalidInput) as too_long:
        broadcasts.clean_message("x" * (broadcasts.MAX_MESSAGE_UNITS + 1))
    assert too_long.value.params == {"limit": 3500, "length": 3501}
    assert broadcasts.clean_message("x" * broadcasts.MAX_MESSAGE_UNITS)


def test_the_longest_message_fits_one_telegram_message_with_its_heading_and_preview() -> None:
    title = "🎷" * 100  # the longest title, two UTF-16 units a character
    text = "<&>" * (broadcasts.MAX_MESSAGE_UNITS // 3)  # escaping must not count
    assert visible_len(ui_broadcast.message(title, text)) <= MAX_MESSAGE
    assert visible_len(ui_broadcast.preview(title, text, 100_000)) <= MAX_MESSAGE
    assert tg_len(text) <= broadcasts.MAX_MESSAGE_UNITS


async def test_starting_a_broadcast_owes_it_once_to_every_attendee(sessions: Sessions) -> None:
    event_id = await _event_with(sessions, 4)
    broadcast = await _start(sessions, event_id)
    async with sessions.begin() as session:
        rows = (
            await session.execute(
                select(OutboxMessage.chat_id, OutboxMessage.kind, OutboxMessage.status).where(
                    OutboxMessage.broadcast_id == broadcast.id
                )
            )
        ).all()
        stored = await session.get_one(Broadcast, broadcast.id)
        assert stored.recipients == 4 and stored.status_message_id == 7
    assert sorted(rows) == [
        (600 + i, OutboxKind.BROADCAST, DeliveryStatus.PENDING) for i in range(4)
    ]


async def test_nobody_registered_writes_nothing(sessions: Sessions) -> None:
    event_id = await _event_with(sessions, 0)
    with pytest.raises(NobodyRegistered):
        await _start(sessions, event_id)
    async with sessions.begin() as session:
        assert await session.scalar(select(func.count()).select_from(Broadcast)) == 0
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


async def test_reminders_are_claimed_before_an_older_broadcast(sessions: Sessions) -> None:
    event_id = await _event_with(sessions, 3, reminders=True)
    await _start(sessions, event_id, now=NOW - timedelta(hours=1))  # due before the reminders
    due = NOW + timedelta(hours=7)  # the 24-hour reminders are due too
    async with sessions.begin() as session:
        await outbox.add_notices(session, chat_ids=[600], notice="form_timed_out", now=due)
        ids = await outbox.due_ids(session, now=due, limit=10)
        kinds = [
            await session.scalar(select(OutboxMessage.kind).where(OutboxMessage.id == i))
            for i in ids
        ]
        first_two = await outbox.due_ids(session, now=due, limit=2)
    assert kinds == [OutboxKind.REMINDER] * 3 + [OutboxKind.NOTICE] + [OutboxKind.BROADCAST] * 3
    assert first_two == ids[:2]


async def test_a_claimed_broadcast_row_carries_the_text_and_goes_to_a_logged_in_chat(
    sessions: Sessions,
) -> None:
    event_id = await _event_with(sessions, 2)
    broadcast = await _start(sessions, event_id)
    async with sessions.begin() as session:  # the second person logged out
        await accounts.end_session(session, telegram_user_id=601)
        ids = await outbox.due_ids(session, now=NOW, limit=10)
        deliveries = [await outbox.claim(session, message_id=i, now=NOW) for i in ids]
        shown = await broadcasts.progress(session, broadcast_id=broadcast.id)
    first, second = deliveries
    assert first is not None and second is None  # skipped: no chat of theirs is logged in
    assert first.chat_id == 600
    assert first.broadcast == outbox.BroadcastInfo(broadcast.id, "Jazz night", "Hello!")
    assert (shown.sent, shown.logged_out, shown.blocked) == (1, 1, 0)
    assert "1 couldn't be reached: not logged in to the bot any more." in ui_broadcast.status(shown)


async def test_progress_counts_each_outcome(sessions: Sessions) -> None:
    event_id = await _event_with(sessions, 6)
    broadcast = await _start(sessions, event_id)
    async with sessions.begin() as session:
        ids = await outbox.due_ids(session, now=NOW, limit=10)
        for message_id in ids[:2]:
            await outbox.claim(session, message_id=message_id, now=NOW)
            await outbox.confirm_sent(session, message_id=message_id, now=NOW)
        await outbox.claim(session, message_id=ids[2], now=NOW)  # in flight: counts as sent
        await outbox.mark_chat_blocked(session, chat_id=603, message_id=ids[3], now=NOW)
        await outbox.mark_failed(session, message_id=ids[4])
        await session.execute(delete(Registration).where(Registration.chat_id == 605))
        shown = await broadcasts.progress(session, broadcast_id=broadcast.id)
    assert (shown.sent, shown.blocked, shown.refused, shown.pending, shown.cancelled) == (
        3, 1, 1, 0, 1,
    )  # fmt: skip
    assert shown.finished and shown.done == 6
    assert ui_broadcast.status(shown) == (
        "📣 Jazz night: sent to 3 of 6 people.\n"
        "1 couldn't be reached: they blocked the bot.\n"
        "1 couldn't be reached: Telegram didn't deliver it.\n"
        "1 cancelled their registration before it went out."
    )


async def test_the_outbox_sends_one_message_a_second_to_a_chat() -> None:
    pacer = ChatPacer(interval=0.3)
    assert pacer._take(1) == 0.0 and pacer._take(2) == 0.0  # other chats don't wait
    assert pacer._take(1) > 0.2  # the same chat does
    started = time.monotonic()
    await asyncio.gather(pacer.wait_turn(5), pacer.wait_turn(5), pacer.wait_turn(5))
    assert time.monotonic() - started >= 0.6  # three turns: two intervals at least
    pacer.sent(6)  # a call that came back just now starts the interval again
    assert pacer._take(6) > 0.2
    assert ChatPacer(interval=0.0)._take(1) == 0.0
