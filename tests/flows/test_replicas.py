"""Two `eventbot run` processes on one PostgreSQL database: whichever replica gets an update,
nothing is lost, nothing is doubled, one chat's updates stay in order, and when a replica is
killed the other finishes its work (issue: PostgreSQL and several replicas)."""

from __future__ import annotations

import asyncio
import re
import socket
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.emulator import BotAPIEmulator
from db.models import Event, Lease, OutboxKind, Registration
from tests.conftest import Sessions
from tests.flows.processes import (
    assert_once_after_a_kill,
    kill_hard,
    outbox_states,
    reminders_received,
    seed_due_reminders,
    seed_people,
    spawn_bot,
    stop,
    wait_until_nothing_pending,
)
from tests.people import Person

pytestmark = pytest.mark.postgres
SECRET = "replica-test-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def pg_sessions(postgres_url: str) -> AsyncIterator[Sessions]:
    handle = Sessions(postgres_url)
    yield handle
    await handle.db.dispose()


async def webhook_replicas(
    postgres_url: str, emulator: BotAPIEmulator, count: int = 2, **env: str
) -> list[asyncio.subprocess.Process]:
    """``count`` replicas in webhook mode behind one URL (the emulator round-robins them)."""
    urls = []
    processes = []
    for _ in range(count):
        port = free_port()
        url = f"http://127.0.0.1:{port}/telegram"
        urls.append(url)
        processes.append(
            await spawn_bot(
                postgres_url,
                emulator,
                WEBHOOK_URL=url,
                WEBHOOK_SECRET=SECRET,
                WEBHOOK_PORT=str(port),
                **env,
            )
        )
    await emulator.wait_until(lambda: emulator.webhook is not None, 30)
    emulator.webhook_targets = urls  # the load balancer in front of the replicas
    return processes


async def test_a_ticket_drop_split_across_two_webhook_replicas_one_killed(
    emulator: BotAPIEmulator, pg_sessions: Sessions, postgres_url: str
) -> None:
    people, capacity = 300, 50
    event_id, chat_ids = await seed_people(pg_sessions, emulator, people)
    async with pg_sessions.begin() as session:
        event = await session.get_one(Event, event_id)
        event.capacity = event.seats_left = capacity
    cards = {
        chat_id: emulator.post_as_bot(chat_id, "Jazz night", {"inline_keyboard": [[
            {"text": "✅ Register", "callback_data": f"ev:{event_id}:reg"}
        ]]})
        for chat_id in chat_ids
    }  # fmt: skip
    first, second = await webhook_replicas(postgres_url, emulator)
    # one person's sign-up, its steps alternating between the replicas
    ann = Person(emulator, 1001, "Ann")
    await ann.sign_up("ann@example.com", "customer-secret")
    presses = {
        emulator.press(chat_id, card, f"ev:{event_id}:reg"): chat_id
        for chat_id, card in cards.items()
    }
    # Telegram answers some calls only after a delay, and delivers some presses twice
    emulator.inject_fault("answerCallbackQuery", status=None, delay=0.5, times=20)
    some = list(presses)[::25]
    emulator.webhook_repeat.update(
        u["update_id"] for u in emulator.updates if u.get("callback_query", {}).get("id") in some
    )
    await emulator.wait_until(lambda: len(emulator.callback_answers) >= people // 4, 60)
    await kill_hard(first)
    assert len(emulator.callback_answers) < people, "the kill came too late to test anything"
    await emulator.wait_until(
        lambda: {a["id"] for a in emulator.callback_answers} >= set(presses), 90
    )
    await asyncio.sleep(1.0)  # time for a second answer, were one coming
    stderr = await stop(second, emulator)
    assert "Traceback" not in stderr, stderr

    answers = Counter(str(a["id"]) for a in emulator.callback_answers)
    assert all(answers[press] == 1 for press in presses)  # each press answered exactly once
    async with pg_sessions.begin() as session:
        seats_left = (await session.get_one(Event, event_id)).seats_left
        registered = await session.scalar(select(func.count()).select_from(Registration))
    assert (registered, seats_left) == (capacity, 0)
    urls = {url for _, url, status in emulator.webhook_deliveries if status == 200}
    assert len(urls) == 2  # both replicas took deliveries
    signup_steps = [
        d
        for d in emulator.webhook_deliveries
        if d[2] == 200 and d[0] <= min(u for u, _, _ in emulator.webhook_deliveries) + 6
    ]
    assert len({url for _, url, _ in signup_steps}) == 2  # Ann's sign-up crossed replicas


async def test_due_reminders_go_out_once_with_two_replicas_one_killed(
    emulator: BotAPIEmulator, pg_sessions: Sessions, postgres_url: str
) -> None:
    count = 500
    chat_ids = await seed_due_reminders(pg_sessions, emulator, count)

    def delivered() -> Counter[int]:
        return reminders_received(emulator, chat_ids)

    first, second = await webhook_replicas(postgres_url, emulator, SEND_RATE_LIMIT="100")
    await emulator.wait_until(lambda: sum(delivered().values()) >= count // 4, 60)
    await kill_hard(first)
    assert sum(delivered().values()) < count, "the kill came too late to test anything"

    await wait_until_nothing_pending(pg_sessions, 90)  # the survivor sends the rest
    assert "Traceback" not in await stop(second, emulator)
    counts = delivered()
    assert_once_after_a_kill(
        chat_ids, counts, await outbox_states(pg_sessions, OutboxKind.REMINDER)
    )


async def test_polling_replicas_elect_one_poller_and_another_takes_over(
    emulator: BotAPIEmulator, pg_sessions: Sessions, postgres_url: str
) -> None:
    replicas = {
        process.pid: process
        for process in [
            await spawn_bot(postgres_url, emulator),
            await spawn_bot(postgres_url, emulator),
        ]
    }

    async def poller_pid() -> int | None:
        async with pg_sessions.begin() as session:
            holder = await session.scalar(select(Lease.holder).where(Lease.name == "poller"))
        found = re.search(r"-(\d+)-[0-9a-f]+$", holder or "")
        return int(found.group(1)) if found else None

    for _ in range(100):
        if await poller_pid() in replicas:
            break
        await asyncio.sleep(0.1)
    pid = await poller_pid()
    assert pid in replicas
    ann = Person(emulator, 1001, "Ann")
    await ann.sign_up("ann@example.com", "customer-secret")
    await kill_hard(replicas.pop(pid))
    # the survivor takes the lease over within seconds and answers what comes next
    ann.say("/me")
    await emulator.wait_until(
        lambda: any("ann@example.com" in m.text for m in emulator.bot_messages(ann.chat_id)), 30
    )
    assert await poller_pid() in replicas
    (survivor,) = replicas.values()
    assert "Traceback" not in await stop(survivor, emulator)
