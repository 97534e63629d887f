"""Every update is stored before Telegram is told it arrived: a crash loses nothing, and an
update delivered or handled twice changes nothing twice (issue: kill -9 during a burst)."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select, update

from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator
from db.models import InboxUpdate, Registration
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
