"""SQLite locked by someone else: nothing lost, nothing half-written, the bot stays up."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from bot import ui
from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator
from db.models import Event, LoginThrottle, Registration, User
from tests.conftest import BotFactory, Sessions
from tests.flows.helpers import manager_with_event
from tests.people import Person

pytestmark = pytest.mark.sqlite_only  # SQLite's own write lock, held by another process


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


async def test_a_locked_database_delays_updates_and_loses_none(
    start_bot: BotFactory,
    emulator: BotAPIEmulator,
    clock: ShiftableClock,
    sessions: Sessions,
    database_url: str,
) -> None:
    """Updates that arrive while another process holds the lock can't be stored, so they are
    left with Telegram (not confirmed) and handled, each once, when the lock goes."""
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
    seen = len(emulator.events)

    with locked(database_url):
        ann.say("/events")
        press = ann.press("✅ Register", card)
        bob.press("🙋 Customer")
        await asyncio.sleep(1.0)
        assert len(emulator.events) == seen  # nothing answered, nothing half-done
        assert not any(a["id"] == press for a in emulator.callback_answers)

    await ann.expect("Upcoming events")
    await ann.expect("You're registered for Jazz night")
    await bob.expect("Your customer account is ready")
    users, registrations, seats = await counts(sessions)
    assert (users, registrations, seats) == (before[0] + 1, before[1] + 1, before[2] - 1)
    assert [a["id"] for a in emulator.callback_answers].count(press) == 1


async def test_a_write_that_finds_the_database_locked_says_try_again(
    start_bot: BotFactory,
    emulator: BotAPIEmulator,
    sessions: Sessions,
    database_url: str,
) -> None:
    """A lock taken while an update is being handled: a short "try again", nothing
    half-written, and the same answer works once the lock is gone."""
    await start_bot(database_busy_timeout=0.2, bcrypt_rounds=13)  # a slow check to lock during
    ann = Person(emulator, 1001, "Ann")
    await ann.sign_up("ann@example.com", "customer-secret")
    await ann.ask("/logout", "logged out")
    await ann.ask("/login", "email address")
    await ann.ask("ann@example.com", "your password")
    ann.say("customer-secret")

    async def attempt_counted() -> bool:
        async with sessions.begin() as session:
            return bool(await session.scalar(select(func.count()).select_from(LoginThrottle)))

    for _ in range(2000):  # until the attempt is reserved: then bcrypt is running
        if await attempt_counted():
            break
        await asyncio.sleep(0.005)
    with locked(database_url):
        await ann.expect(ui.common.busy_try_again())
    await ann.ask("/me", "Please answer the question below")  # still at the password step
    await ann.ask("customer-secret", "Logged in as Ann")
