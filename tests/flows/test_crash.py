"""kill -9 of the real bot process mid-work, then a restart: nothing doubled, nothing lost.

Telegram offers no idempotency key and no way to ask whether a message arrived, so a process
killed *during* an HTTP call cannot know whether that one message was delivered. EventBot
settles it in favour of "never twice": the claim marks the reminder 'sending' before the call
(and a batch's sent ones 'sent' after it), so at most the few calls in flight at the instant
of the kill (one per dispatch worker) can go missing, they stay visible as 'sending' rows, and
everything else arrives exactly once.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from bot.emulator import BotAPIEmulator
from db.models import Event, OutboxKind, OutboxMessage, Registration
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

ROOT = Path(__file__).resolve().parents[2]
REMINDERS = 500


async def test_kill_during_reminder_dispatch_then_restart(
    emulator: BotAPIEmulator,
    sessions: Sessions,
    database_url: str,
) -> None:
    chat_ids = await seed_due_reminders(sessions, emulator, REMINDERS)

    def delivered() -> Counter[int]:
        return reminders_received(emulator, chat_ids)

    first = await spawn_bot(database_url, emulator, SEND_RATE_LIMIT="150")
    await emulator.wait_until(lambda: sum(delivered().values()) >= REMINDERS // 4, 60)
    await kill_hard(first)
    at_kill = sum(delivered().values())
    assert at_kill < REMINDERS, "the kill came too late to test anything"

    second = await spawn_bot(database_url, emulator, SEND_RATE_LIMIT="150")

    await wait_until_nothing_pending(sessions, 60)
    stderr = await stop(second, emulator)
    assert "Traceback" not in stderr, stderr

    counts = delivered()
    states = await outbox_states(sessions, OutboxKind.REMINDER)
    in_flight = assert_once_after_a_kill(chat_ids, counts, states)
    lost = set(chat_ids) - set(counts)
    print(f"\nkilled after {at_kill}/{REMINDERS}; in flight {len(in_flight)}, lost {len(lost)}")


async def test_kill_during_a_registration_burst_then_restart(
    emulator: BotAPIEmulator,
    sessions: Sessions,
    database_url: str,
) -> None:
    people = 300
    capacity = 120
    event_id, chat_ids = await seed_people(sessions, emulator, people)
    async with sessions.begin() as session:
        event = await session.get_one(Event, event_id)
        event.capacity = event.seats_left = capacity
    cards = {
        chat_id: emulator.post_as_bot(chat_id, "Jazz night", {"inline_keyboard": [[
            {"text": "✅ Register", "callback_data": f"ev:{event_id}:reg"}
        ]]})
        for chat_id in chat_ids
    }  # fmt: skip

    first = await spawn_bot(database_url, emulator)
    presses = {  # everyone presses at once
        emulator.press(chat_id, card, f"ev:{event_id}:reg"): chat_id
        for chat_id, card in cards.items()
    }
    await emulator.wait_until(lambda: len(emulator.callback_answers) >= people // 5, 60)
    await kill_hard(first)
    answered_before = len(emulator.callback_answers)
    assert answered_before < people, "the kill came too late to test anything"
    # nobody presses again: what reached the first process before the kill is in its inbox
    # or still with Telegram (not confirmed), and the restarted bot answers all of it
    second = await spawn_bot(database_url, emulator)
    await emulator.wait_until(
        lambda: {a["id"] for a in emulator.callback_answers} >= set(presses), 60
    )
    await asyncio.sleep(0.5)  # time for a second answer, were one coming
    stderr = await stop(second, emulator)
    assert "Traceback" not in stderr, stderr

    async with sessions.begin() as session:
        seats_left = (await session.get_one(Event, event_id)).seats_left
        registered = int(await session.scalar(select(func.count()).select_from(Registration)) or 0)
        reminders = int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)
    assert seats_left + registered == capacity  # no seat lost or counted twice
    assert registered == capacity  # 300 people wanted 120 seats: all taken
    assert reminders == 0  # the event starts within the hour: no reminder was due to be made
    answers = Counter(str(a["id"]) for a in emulator.callback_answers)
    assert set(answers) == set(presses) and set(answers.values()) == {1}  # each exactly once
    texts = Counter(str(a["text"]) for a in emulator.callback_answers)
    assert texts["✅ You're registered!"] <= capacity
    # a press whose seat committed just before the kill is answered from the database
    assert (
        texts["✅ You're registered!"] + texts["You're already registered for this event."]
        == capacity
    )
    assert texts["😔 Sorry, this event is full."] == people - capacity
    confirmations = Counter(
        m.chat_id
        for chat_id in chat_ids
        for m in emulator.bot_messages(chat_id)
        if "You're registered for" in m.text
    )
    assert all(n == 1 for n in confirmations.values())  # nobody told twice
    print(f"\nkilled after {answered_before}/{people} answers; all {people} answered once")
