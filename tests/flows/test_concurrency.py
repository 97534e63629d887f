"""One slow user must not stall the others; one chat's updates stay in order."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from typing import Any

import bcrypt
from telegram import Update

from bot.emulator import BotAPIEmulator
from bot.services import accounts
from bot.transport.update_processor import PerChatUpdateProcessor
from bot.transport.worker_slot import off_worker
from db.models import Role
from tests.conftest import BotFactory, Sessions
from tests.people import Person

LOGINS = 6


async def test_events_is_answered_while_others_log_in(
    start_bot: BotFactory,
    emulator: BotAPIEmulator,
    sessions: Sessions,
) -> None:
    # production cost: each login spends ~0.25 s in bcrypt; fewer workers than logins, since
    # a login waiting for the bcrypt threads gives its worker back (off_worker)
    await start_bot(bcrypt_rounds=12, concurrent_chats=2)
    slow_hash = bcrypt.hashpw(b"customer-secret", bcrypt.gensalt(12))
    async with sessions.begin() as session:
        for i in range(LOGINS):
            await accounts.create_user(
                session,
                name=f"User {i}",
                email=f"user{i}@example.com",
                password_hash=slow_hash,
                role=Role.CUSTOMER,
                now=datetime.now(UTC),
            )
    people = [Person(emulator, 2000 + i, f"User {i}") for i in range(LOGINS)]
    for i, person in enumerate(people):
        await person.ask("/login", "email address of your account")
        await person.ask(f"user{i}@example.com", "your password")
    browser = Person(emulator, 3000, "Browser")
    start = len(emulator.events)
    for person in people:
        person.say("customer-secret")
    browser.say("/events")
    await browser.expect("no upcoming events")
    for person in people:
        await person.expect("Logged in as")

    order = [e for e in emulator.events[start:] if e.kind == "sent"]
    first_login = next(i for i, e in enumerate(order) if "Logged in as" in e.message.text)
    events_reply = next(i for i, e in enumerate(order) if "no upcoming events" in e.message.text)
    # sent after every password, answered before any of the six logins finished
    assert events_reply < first_login


def _update(update_id: int, chat_id: int) -> Update:
    data: dict[str, Any] = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "x"},
            "text": str(update_id),
        },
    }
    return Update.de_json(data, None)


async def test_processor_keeps_each_chats_order_and_runs_chats_in_parallel() -> None:
    processor = PerChatUpdateProcessor(workers=4)
    seen: dict[int, list[int]] = {}
    running = 0
    most_at_once = 0
    rng = random.Random(7)

    async def handle(chat_id: int, update_id: int) -> None:
        nonlocal running, most_at_once
        running += 1
        most_at_once = max(most_at_once, running)
        await asyncio.sleep(rng.random() / 200)
        seen.setdefault(chat_id, []).append(update_id)
        running -= 1

    tasks = []
    for update_id in range(1, 201):
        chat_id = rng.choice([1, 2, 3, 4, 5, 6])
        update = _update(update_id, chat_id)
        # PTB creates one task per update, in arrival order
        tasks.append(
            asyncio.create_task(processor.process_update(update, handle(chat_id, update_id)))
        )
    await asyncio.gather(*tasks)
    assert all(ids == sorted(ids) for ids in seen.values())
    assert sum(len(ids) for ids in seen.values()) == 200
    assert most_at_once == 4  # chats overlap, never more than the worker count


async def test_an_update_waiting_off_worker_lets_other_chats_run() -> None:
    processor = PerChatUpdateProcessor(workers=1)
    hashing = asyncio.Event()
    done: list[str] = []

    async def login() -> None:
        async with off_worker():
            hashing.set()
            await asyncio.sleep(0.2)  # stands in for the bcrypt threads
        done.append("login")

    async def browse() -> None:
        done.append("browse")

    first = asyncio.create_task(processor.process_update(_update(1, 1), login()))
    await hashing.wait()
    await asyncio.wait_for(processor.process_update(_update(2, 2), browse()), 0.1)
    await first
    assert done == ["browse", "login"]

    # the same chat still waits for its own earlier update
    order: list[int] = []

    async def step(n: int) -> None:
        async with off_worker():
            await asyncio.sleep(0.01 * (3 - n))
        order.append(n)

    steps = [processor.process_update(_update(10 + n, 5), step(n)) for n in range(3)]
    await asyncio.gather(*(asyncio.create_task(s) for s in steps))
    assert order == [0, 1, 2]


async def test_off_worker_keeps_the_worker_count_when_cancelled() -> None:
    processor = PerChatUpdateProcessor(workers=1)
    entered = asyncio.Event()
    release = asyncio.Event()

    async def slow() -> None:
        async with off_worker():
            entered.set()
            await asyncio.sleep(10)

    async def busy() -> None:
        await release.wait()

    victim = asyncio.create_task(processor.process_update(_update(1, 1), slow()))
    await entered.wait()
    holder = asyncio.create_task(processor.process_update(_update(2, 2), busy()))
    await asyncio.sleep(0.01)
    victim.cancel()  # off worker: it now waits to take a worker back, which `busy` holds
    await asyncio.sleep(0.01)
    victim.cancel()  # and is cancelled while waiting for it
    release.set()
    await holder
    await asyncio.gather(victim, return_exceptions=True)
    running = 0
    most = 0

    async def count() -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)
        running -= 1

    counted = [processor.process_update(_update(20 + n, 20 + n), count()) for n in range(5)]
    await asyncio.gather(*counted)
    assert most == 1  # still exactly one worker: nothing was released twice
