"""Neither the bot token nor any password reaches the logs, even at DEBUG."""

from __future__ import annotations

import logging

import pytest

from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator
from tests.conftest import TOKEN, RunningBot
from tests.flows.helpers import manager_with_event
from tests.people import Person

PASSWORDS = ["manager-secret", "customer-secret", "wrong-guess-1"]


async def test_token_and_passwords_never_logged(
    bot: RunningBot,
    emulator: BotAPIEmulator,
    clock: ShiftableClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # as with LOG_LEVEL=DEBUG
    await manager_with_event(emulator, clock)  # signs up with "manager-secret"
    ann = Person(emulator, 1001, "Ann")
    await ann.sign_up("ann@example.com", "customer-secret")
    await ann.ask("/logout", "logged out")
    await ann.log_in("ann@example.com", "wrong-guess-1")
    await ann.log_in("ann@example.com", "customer-secret")
    listing = await ann.ask("/events", "Upcoming events")
    ann.press(listing.labels[0])
    await ann.expect("📍 Main hall")
    emulator.inject_fault("sendMessage", status=502)  # failures log too
    ann.press("✅ Register")
    await ann.expect("You're registered for")
    logging.getLogger("tests").error("failing call to %s/bot%s/getMe", emulator.url, TOKEN)

    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "logged in as account" in logged and "failed login" in logged  # the flow was logged
    for record in caplog.records:
        text = record.getMessage() + (record.exc_text or "")
        assert TOKEN not in text, text
        for password in PASSWORDS:
            assert password not in text, text
    assert any("<BOT_TOKEN>" in r.getMessage() for r in caplog.records)
