"""SQLite locked by someone else: a short "try again", nothing half-written, the bot stays up."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import func, select

from bot import ui
from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator
from db.models import Event, Registration, User
from tests.conftest import BotFactory, Sessions
from tests.flows.helpers import manager_with_event
from tests.people import Person


@contextmanager
def locked(database_url: str) -> Iterator[None]:
    """Hold SQLite's write lock from another connection, as a stuck process would."""
    connection = sqlite3.connect(database_url.split("///", 1)[1], isolation_level=None)
    connection.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        connection.execute("ROLLBACK")
        connection.close()


async def counts(sessions: Sessions) -> tuple[int, int, int]:
    async with sessions.begin() as session:
        return (
            int(await session.scalar(select(func.count()).select_from(User)) or 0),
            int(await session.scalar(select(func.count()).select_from(Registration)) or 0),
            int(await session.scalar(select(func.sum(Event.seats_left))) or 0),
        )


async def test_a_locked_database_gets_a_try_again_and_nothing_is_lost(
    start_bot: BotFactory,
    emulator: BotAPIEmulator,
    clock: ShiftableClock,
    sessions: Sessions,
    database_url: str,
) -> None:
    await start_bot(database_busy_timeout=0.2)
    await manager_with_event(emulator, clock, capacity=5)
    ann = Person(emulator, 1001, "Ann")
    await ann.sign_up("ann@example.com", "customer-secret")
    listing = await ann.ask("/events", "Upcoming events")
    ann.press(listing.labels[0])
    card = await ann.expect("📍 Main hall")
    bob = Person(emulator, 1002, "Bob")
    await bob.ask("/signup", "What's your name?")
    await bob.ask("Bob", "email address")
    await bob.ask("bob@example.com", "Choose a password")
    await bob.ask("bob-secret-1", "customer or as an event manager")
    before = await counts(sessions)

    with locked(database_url):
        await ann.ask("/events", "Upcoming events")  # reads never wait for a writer (WAL)
        answer = await ann.answer_to(ann.press("✅ Register", card))
        assert answer["text"] == ui.common.busy_try_again() and answer["show_alert"]
        bob.press("🙋 Customer")  # creating the account needs the database
        await bob.expect(ui.common.busy_try_again())

    assert await counts(sessions) == before  # nothing half-written
    ann.press("✅ Register", card)
    await ann.expect("You're registered for Jazz night")
    bob.press("🙋 Customer")  # the conversation waited at the same step
    await bob.expect("Your customer account is ready")
    users, registrations, seats = await counts(sessions)
    assert (users, registrations, seats) == (before[0] + 1, before[1] + 1, before[2] - 1)
