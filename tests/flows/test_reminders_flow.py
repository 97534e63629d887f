"""Reminders arrive once each, survive restarts, skip cancellations and blocked users."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

from sqlalchemy import select

from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator
from db.models import DeliveryStatus, Event, OutboxMessage
from tests.conftest import BotFactory, Sessions
from tests.flows.helpers import manager_with_event
from tests.people import Person

STARTS_IN = timedelta(days=2)
POLLS = 0.2 * 4  # a few dispatcher polls (REMINDER_POLL_SECONDS is 0.2 in tests)


def reminders_in(emulator: BotAPIEmulator, person: Person) -> list[str]:
    """The reminder texts a person received."""
    return [m.text for m in emulator.bot_messages(person.chat_id) if m.text.startswith("⏰")]


async def register(person: Person) -> None:
    """Sign up, open the only event and register."""
    await person.sign_up(f"{person.name.lower()}@example.com", "customer-secret")
    listing = await person.ask("/events", "Upcoming events")
    person.press(listing.labels[0])
    await person.expect("📍 Main hall")
    person.press("✅ Register")
    await person.expect("You're registered for Jazz night")


async def test_each_reminder_arrives_exactly_once_across_a_restart(
    start_bot: BotFactory,
    emulator: BotAPIEmulator,
    clock: ShiftableClock,
    sessions: Sessions,
) -> None:
    first = await start_bot()
    await manager_with_event(emulator, clock, capacity=5, starts_in=STARTS_IN)
    ann, bob = Person(emulator, 1001, "Ann"), Person(emulator, 1002, "Bob")
    await register(ann)
    await register(bob)
    assert reminders_in(emulator, ann) == []

    clock.advance(STARTS_IN - timedelta(hours=24) + timedelta(minutes=1))
    day_before = await ann.expect("starts in 24 hours")
    assert "Jazz night" in day_before.text and "📍 Main hall" in day_before.text
    await bob.expect("starts in 24 hours")

    # Bob cancels: his 1-hour reminder must not come
    bob.press(bob.message_with_button("❌ Cancel registration").buttons[0][0][0])
    bob.press("Yes, cancel it", await bob.expect("Cancel your registration"))
    await bob.expect("is cancelled")

    # restart: stop the bot, let the 1-hour reminder fall due while it is down, start again
    await first.__aexit__(None, None, None)
    clock.advance(timedelta(hours=23, minutes=30))
    await start_bot()
    # missed while down, sent on start-up, saying how long is really left
    # (the start was set to a whole minute, so "28" or "29" depending on the second it ran)
    late = await ann.expect(" minutes.\n")
    assert re.match(r"⏰ Reminder: Jazz night starts in 2[89] minutes\.", late.text)
    await asyncio.sleep(POLLS)

    assert len(reminders_in(emulator, ann)) == 2
    assert [t.split("\n")[0] for t in reminders_in(emulator, ann)] == [
        "⏰ Reminder: Jazz night starts in 24 hours.",
        late.text.split("\n")[0],
    ]
    assert len(reminders_in(emulator, bob)) == 1
    async with sessions.begin() as session:
        statuses = list(await session.scalars(select(OutboxMessage.status)))
    # Ann's two were sent; Bob's went with his cancelled registration
    assert statuses == [DeliveryStatus.SENT, DeliveryStatus.SENT]


async def test_reminders_after_the_event_started_are_not_sent(
    start_bot: BotFactory, emulator: BotAPIEmulator, clock: ShiftableClock
) -> None:
    bot = await start_bot()
    await manager_with_event(emulator, clock, capacity=5, starts_in=STARTS_IN)
    ann = Person(emulator, 1001, "Ann")
    await register(ann)
    await bot.__aexit__(None, None, None)
    clock.advance(STARTS_IN + timedelta(minutes=5))
    await start_bot()
    await asyncio.sleep(POLLS)
    assert reminders_in(emulator, ann) == []


async def test_late_reminders_say_the_real_time_left_and_come_once(
    start_bot: BotFactory, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    bot = await start_bot()
    await manager_with_event(emulator, clock, capacity=5, starts_in=STARTS_IN)
    ann = Person(emulator, 1001, "Ann")
    await register(ann)
    await bot.__aexit__(None, None, None)
    async with sessions.begin() as session:
        starts_at = await session.scalar(select(Event.starts_at))
    assert starts_at is not None
    clock.advance(starts_at - clock.now() - timedelta(seconds=40))  # both due, 40 s to go
    await start_bot()
    await ann.expect("starts in less than a minute")
    await asyncio.sleep(POLLS)
    assert len(reminders_in(emulator, ann)) == 1  # the 24-hour one is not sent as well
    async with sessions.begin() as session:
        statuses = sorted(await session.scalars(select(OutboxMessage.status)))
    assert statuses == sorted([DeliveryStatus.SENT, DeliveryStatus.SKIPPED])


async def test_a_user_who_blocked_the_bot_is_skipped_without_retries(
    start_bot: BotFactory, emulator: BotAPIEmulator, clock: ShiftableClock
) -> None:
    await start_bot()
    await manager_with_event(emulator, clock, capacity=5, starts_in=STARTS_IN)
    ann = Person(emulator, 1001, "Ann")
    await register(ann)
    emulator.block(ann.user_id)
    sends_before = emulator.calls["sendMessage"]
    clock.advance(STARTS_IN - timedelta(hours=24) + timedelta(minutes=1))
    await asyncio.sleep(POLLS)
    clock.advance(timedelta(hours=23, minutes=30))
    await asyncio.sleep(POLLS)
    # one refused attempt for the first reminder; the second is skipped without trying
    assert emulator.calls["sendMessage"] - sends_before == 1
    assert reminders_in(emulator, ann) == []
