"""Every update is stored before Telegram is told it arrived: a crash loses nothing, and an
update delivered or handled twice changes nothing twice (issue: kill -9 during a burst)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import cast

import pytest
from sqlalchemy import delete, func, select, update
from telegram import Bot, Chat, Message, Update, User

from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator
from bot.transport.inbox import Inbox
from db.models import FormState, InboxUpdate, Registration
from tests.conftest import BotFactory, Sessions
from tests.flows.helpers import manager_with_event
from tests.people import Person


async def test_an_answer_saved_before_a_crash_is_not_applied_again(
    start_bot: BotFactory, emulator: BotAPIEmulator, sessions: Sessions
) -> None:
    first = await start_bot()
    bob = Person(emulator, 1002, "Bob")
    await bob.ask("/signup", "What's your name?")
    await bob.ask("Bob", "What's your email address?")
    await first.__aexit__(None, None, None)
    # the process died after the answer committed but before the update was marked handled
    async with sessions.begin() as session:
        rows = (await session.scalars(select(InboxUpdate))).all()
        answer = next(r for r in rows if r.payload.get("message", {}).get("text") == "Bob")
        assert answer.applied_writes == 1
        await session.execute(
            update(InboxUpdate)
            .where(InboxUpdate.update_id == answer.update_id)
            .values(handled_at=None)
        )
    await start_bot()
    # handled again: the name isn't taken for the email; the reply owed is the question now
    await bob.expect("What's your email address?")
    await bob.ask("bob@example.com", "Choose a password")
    texts = [m.text for m in emulator.bot_messages(bob.chat_id)]
    assert not any("email address doesn't look right" in t for t in texts), texts


async def test_a_repeated_delivery_changes_nothing(
    start_bot: BotFactory,
    emulator: BotAPIEmulator,
    clock: ShiftableClock,
    sessions: Sessions,
    caplog: pytest.LogCaptureFixture,
) -> None:
    first = await start_bot()
    await manager_with_event(emulator, clock, capacity=5)
    ann = Person(emulator, 1001, "Ann")
    await ann.sign_up("ann@example.com", "customer-secret")
    listing = await ann.ask("/events", "Upcoming events")
    ann.press(listing.labels[0])
    card = await ann.expect("📍 Main hall")
    # the getUpdates that would confirm the press hangs, and the process stops meanwhile:
    # the press was stored and handled, but Telegram was never told it arrived
    emulator.inject_fault("getUpdates", status=None, delay=3)
    press = ann.press("✅ Register", card)
    await ann.expect("You're registered for Jazz night")
    await first.__aexit__(None, None, None)
    assert any(u.get("callback_query", {}).get("id") == press for u in emulator.updates)
    caplog.set_level(logging.INFO, logger="bot.transport.inbox")
    seen = len(emulator.events)
    await start_bot()
    await ann.ask("/me", "ann@example.com")
    assert any("dropped 1 repeated update" in r.getMessage() for r in caplog.records)
    assert [e.message.text for e in emulator.events[seen:]] == [
        emulator.bot_messages(ann.chat_id)[-1].text
    ]  # only the answer to /me: the repeat changed and said nothing
    assert [a["id"] for a in emulator.callback_answers].count(press) == 1
    async with sessions.begin() as session:
        assert await session.scalar(select(func.count()).select_from(Registration)) == 1


async def test_a_clean_restart_hands_over_nothing(
    start_bot: BotFactory, emulator: BotAPIEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    first = await start_bot()
    ann = Person(emulator, 1001, "Ann")
    for _ in range(5):
        await ann.ask("/start", "Welcome")
    await first.__aexit__(None, None, None)
    caplog.set_level(logging.INFO, logger="bot.transport.inbox")
    await start_bot()
    await ann.ask("/start", "Welcome")
    assert not any("had not finished" in r.getMessage() for r in caplog.records)


async def test_an_update_ptb_cannot_read_is_skipped_and_the_next_ones_handled(
    start_bot: BotFactory, emulator: BotAPIEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    await start_bot()
    caplog.set_level(logging.ERROR, logger="bot.transport.polling")
    bad = emulator.next_update_id()
    # a message without its date: PTB can't build an Update from it
    emulator._push_update({"message": {"message_id": 1, "chat": {"id": 1001, "type": "private"}}})
    ann = Person(emulator, 1001, "Ann")
    await ann.ask("/start", "Welcome")  # polling went on past it
    assert any(f"update {bad} from getUpdates" in r.getMessage() for r in caplog.records)
    assert all(u["update_id"] > bad for u in emulator.updates)  # confirmed with the rest


async def test_a_replay_after_a_lapsed_form_was_closed_still_opens_the_new_form(
    start_bot: BotFactory, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    first = await start_bot()
    boss = await manager_with_event(emulator, clock)
    await boss.ask("/newevent", "What's the title?")
    clock.advance(timedelta(minutes=16))  # the form lapses; no sweep has run
    command = emulator.next_update_id()
    await boss.ask("/newevent", "What's the title?")  # closes the lapsed one, opens a new one
    await first.__aexit__(None, None, None)
    # as if the process died after closing the lapsed form, before the new one committed
    async with sessions.begin() as session:
        row = await session.get_one(InboxUpdate, command)
        await session.execute(delete(FormState))
        row.applied_writes -= 1
        row.handled_at = None
    await start_bot()
    await boss.expect("What's the title?")  # the replay asks again...
    await boss.ask("Late show", "Describe the event")  # ...and the form is really open


async def test_two_webhook_deliveries_of_one_update_waiting_for_the_lock_queue_it_once(
    sessions: Sessions, clock: ShiftableClock
) -> None:
    inbox = Inbox(sessions.db, clock)
    queue: asyncio.Queue[object] = asyncio.Queue()
    await inbox.start(cast(Bot, None), queue)
    chat = Chat(7, Chat.PRIVATE)
    update = Update(5, message=Message(1, clock.now(), chat, from_user=User(7, "A", False)))
    held = asyncio.Event()

    async def other_writer() -> None:
        async with sessions.db.write_core():
            held.set()
            await asyncio.sleep(0.2)

    holder = asyncio.create_task(other_writer())
    await held.wait()
    try:  # a proxy re-sends the request while the first still waits for the write lock
        first, second = await asyncio.gather(inbox.receive(update), inbox.receive(update))
        await holder
        assert queue.qsize() == 1 and first is second
        assert inbox.begin(update) is not None  # the copy handled is numbered
    finally:
        await inbox.stop()
