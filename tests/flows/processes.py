"""Real ``eventbot run`` processes for the kill -9 and replica tests: start, kill, stop,
people to send to, and what may be said of an outbox after a kill."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.emulator import BotAPIEmulator
from bot.outbox import WORKERS
from bot.services import accounts, booking
from db.models import DeliveryStatus, OutboxKind, OutboxMessage, Role
from tests.conftest import TOKEN, Sessions
from tests.services.factories import make_event, make_user

ROOT = Path(__file__).resolve().parents[2]


async def spawn_bot(
    database_url: str, emulator: BotAPIEmulator, **env: str
) -> asyncio.subprocess.Process:
    """``eventbot run`` as a real process against the emulator."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run",
        cwd=ROOT,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "BOT_TOKEN": TOKEN,
            "DATABASE_URL": database_url,
            "TELEGRAM_API_URL": emulator.url,
            "BCRYPT_ROUNDS": "4",
            "REMINDER_POLL_SECONDS": "0.3",
            "LOG_LEVEL": "WARNING",
            "REPLICA_CLAIM_SECONDS": "3",
            **env,
        },
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def kill_hard(process: asyncio.subprocess.Process) -> None:
    process.send_signal(signal.SIGKILL)
    await process.wait()


async def stop(process: asyncio.subprocess.Process, emulator: BotAPIEmulator) -> str:
    emulator.set_long_polls(False)
    process.send_signal(signal.SIGINT)
    _, stderr = await asyncio.wait_for(process.communicate(), 30)
    emulator.set_long_polls(True)
    return stderr.decode()


async def seed_people(
    sessions: Sessions, emulator: BotAPIEmulator, count: int
) -> tuple[int, list[int]]:
    """A manager's event and ``count`` customers logged in from their own Telegram chats."""
    now = datetime.now(UTC)
    boss = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=now)
    event = await make_event(
        sessions, boss, now=now, capacity=min(count, 100_000), starts_in=timedelta(hours=1)
    )
    chat_ids = list(range(10_000, 10_000 + count))
    customers = [await make_user(sessions, f"p{i}@example.com", now=now) for i in range(count)]
    async with sessions.begin() as session:
        for i, (chat_id, user) in enumerate(zip(chat_ids, customers, strict=True)):
            emulator.add_user(chat_id, f"P{i}")
            await accounts.start_session(
                session,
                telegram_user_id=chat_id,
                chat_id=chat_id,
                user=user,
                now=now,
                ttl=timedelta(days=1),
            )
    return event.id, chat_ids  # fmt: skip


async def seed_due_reminders(sessions: Sessions, emulator: BotAPIEmulator, count: int) -> list[int]:
    """``count`` customers registered two days ago for an event an hour away, so each one's
    24-hour reminder is due now; returns their chats."""
    event_id, chat_ids = await seed_people(sessions, emulator, count)
    async with sessions.begin() as session:
        for chat_id in chat_ids:
            user = await accounts.current_user(
                session, telegram_user_id=chat_id, now=datetime.now(UTC)
            )
            assert user is not None
            await booking.register(
                session,
                user=user,
                event_id=event_id,
                chat_id=chat_id,
                now=datetime.now(UTC) - timedelta(days=2),
                reminder_offsets=(timedelta(hours=24),),
            )
    return chat_ids


def reminders_received(emulator: BotAPIEmulator, chat_ids: list[int]) -> Counter[int]:
    """How many reminders each chat got."""
    return Counter(
        chat_id
        for chat_id in chat_ids
        for message in emulator.bot_messages(chat_id)
        if message.text.startswith("⏰")
    )


async def wait_until_nothing_pending(sessions: Sessions, seconds: float) -> None:
    """Until no outbox row is pending (or ``seconds`` passed), then a second more for the last
    sends to land."""
    for _ in range(int(seconds * 10)):
        async with sessions.begin() as session:
            pending = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == DeliveryStatus.PENDING)
            )
        if not pending:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(1)


async def outbox_states(sessions: Sessions, kind: OutboxKind) -> dict[int, DeliveryStatus]:
    """The status of each chat's outbox row of ``kind`` (one row per chat in these tests)."""
    async with sessions.begin() as session:
        result = await session.execute(
            select(OutboxMessage.chat_id, OutboxMessage.status).where(OutboxMessage.kind == kind)
        )
        return {chat: status for chat, status in result}


def assert_once_after_a_kill(
    chat_ids: Iterable[int], counts: Counter[int], states: Mapping[int, DeliveryStatus]
) -> set[int]:
    """What must hold after a kill -9 and a restart: nothing doubled; every row sent or
    'sending'; nothing marked sent that never arrived; and the only missing messages are
    calls the kill cut off, at most one per worker. Returns the chats still 'sending'."""
    in_flight = {chat for chat, state in states.items() if state == DeliveryStatus.SENDING}
    lost = set(chat_ids) - set(counts)
    assert max(counts.values()) == 1  # nothing doubled
    assert set(states.values()) <= {DeliveryStatus.SENT, DeliveryStatus.SENDING}
    assert {chat for chat, state in states.items() if state == DeliveryStatus.SENT} <= set(counts)
    assert lost <= in_flight  # only a call cut off by the kill can have gone missing
    # sent ones are confirmed a batch at a time, so 'sending' may hold delivered ones too
    assert len(in_flight - set(counts)) <= WORKERS
    return in_flight
