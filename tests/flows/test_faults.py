"""Telegram misbehaves (429, 5xx, time-outs): flows recover, polling goes on, nothing is lost."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest

from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator
from bot.services import accounts, booking
from tests.conftest import BotFactory, Sessions
from tests.flows.helpers import manager_with_event
from tests.people import Person
from tests.services.factories import make_user

# a short client time-out so "Telegram took too long" costs little test time
FAST = {"telegram_timeout": 0.5}
SLOW = 1.0  # emulator delay that exceeds it


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every ERROR record: an unhandled exception would show up here."""
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def customer_with_an_event(
    start_bot: BotFactory, emulator: BotAPIEmulator, clock: ShiftableClock
) -> Person:
    """A bot with the short time-out, a manager's event, and Ann signed up as a customer."""
    await start_bot(**FAST)
    await manager_with_event(emulator, clock)
    ann = Person(emulator, 1001, "Ann")
    await ann.sign_up("ann@example.com", "customer-secret")
    return ann


FAULTS = [
    pytest.param("sendMessage", {"status": 429, "retry_after": 1}, id="send-429"),
    pytest.param("sendMessage", {"status": 500}, id="send-500"),
    pytest.param("sendMessage", {"status": 502, "times": 2}, id="send-502x2"),
    pytest.param("editMessageText", {"status": 429, "retry_after": 1}, id="edit-429"),
    pytest.param("editMessageText", {"status": 502}, id="edit-502"),
    pytest.param("answerCallbackQuery", {"status": 500, "times": 2}, id="answer-500x2"),
    pytest.param("answerCallbackQuery", {"status": 429, "retry_after": 1}, id="answer-429"),
]


@pytest.mark.parametrize(("method", "fault"), FAULTS)
async def test_booking_flow_recovers_from_api_errors(
    start_bot: BotFactory,
    emulator: BotAPIEmulator,
    clock: ShiftableClock,
    caplog: pytest.LogCaptureFixture,
    method: str,
    fault: dict[str, int],
) -> None:
    ann = await customer_with_an_event(start_bot, emulator, clock)
    caplog.clear()
    emulator.inject_fault(method, **fault)
    listing = await ann.ask("/events", "Upcoming events")
    ann.press(listing.labels[0])
    await ann.expect("📍 Main hall")
    query = ann.press("✅ Register")
    await ann.expect("You're registered for Jazz night")
    assert (await ann.answer_to(query))["text"] == "✅ You're registered!"
    assert emulator.faults[method.lower()] == type(emulator.faults[method.lower()])()  # all used
    assert errors_logged(caplog) == []


@pytest.mark.parametrize("method", ["sendMessage", "editMessageText", "answerCallbackQuery"])
async def test_a_slow_telegram_is_survived(
    start_bot: BotFactory,
    emulator: BotAPIEmulator,
    clock: ShiftableClock,
    caplog: pytest.LogCaptureFixture,
    method: str,
) -> None:
    ann = await customer_with_an_event(start_bot, emulator, clock)
    caplog.clear()
    before = len(emulator.bot_messages(ann.chat_id))
    emulator.inject_fault(method, status=None, delay=SLOW)
    listing = await ann.ask("/events", "Upcoming events")  # arrives late if sendMessage is slow
    ann.press(listing.labels[0])
    await ann.expect("📍 Main hall")
    ann.press("✅ Register")
    await ann.expect("You're registered for Jazz night")
    await ann.ask("/myevents", "Jazz night")
    # a time-out is not retried: list (now the card), confirmation, /myevents: once each
    texts = [m.text for m in emulator.bot_messages(ann.chat_id)[before:]]
    assert len(texts) == 3, texts
    assert sum("You're registered for" in t for t in texts) == 1
    assert errors_logged(caplog) == []


async def test_polling_goes_on_through_get_updates_failures(
    start_bot: BotFactory, emulator: BotAPIEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    await start_bot(**FAST)
    ann = Person(emulator, 1001, "Ann")
    await ann.ask("/start", "Welcome")
    caplog.clear()
    emulator.inject_fault("getUpdates", status=500, times=2)
    emulator.inject_fault("getUpdates", status=502)
    emulator.inject_fault("getUpdates", status=429, retry_after=1)
    emulator.inject_fault("getUpdates", status=None, delay=2.5)  # longer than the read time-out
    await ann.ask("/help", "What I can do")
    await ann.ask("/events", "no upcoming events")
    assert not emulator.faults["getupdates"]
    assert errors_logged(caplog) == []
    assert any("Telegram API trouble while polling" in r.getMessage() for r in caplog.records)


async def test_reminders_survive_api_errors_and_arrive_exactly_once(
    start_bot: BotFactory,
    emulator: BotAPIEmulator,
    clock: ShiftableClock,
    sessions: Sessions,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await start_bot(**FAST)
    await manager_with_event(emulator, clock, capacity=30)
    people = [Person(emulator, 5000 + i, f"P{i}") for i in range(30)]
    for person in people:
        user = await make_user(sessions, f"{person.name.lower()}@example.com", now=clock.now())
        async with sessions.begin() as session:
            await accounts.start_session(  # reminders go only to chats logged into the account
                session,
                telegram_user_id=person.user_id,
                chat_id=person.chat_id,
                user=user,
                now=clock.now(),
                ttl=timedelta(days=30),
            )
            await booking.register(
                session,
                user=user,
                event_id=1,
                chat_id=person.chat_id,
                now=clock.now(),
                reminder_offsets=(timedelta(hours=24),),
            )
    caplog.clear()
    emulator.inject_fault("sendMessage", status=500, times=2)
    emulator.inject_fault("sendMessage", status=429, retry_after=1)
    emulator.inject_fault("sendMessage", status=502)
    emulator.inject_fault("sendMessage", status=None, delay=SLOW)
    emulator.inject_fault("sendMessage", status=500, times=4)  # outlasts one send's retries
    clock.advance(timedelta(days=1, minutes=5))

    def delivered() -> bool:
        return all(
            any(m.text.startswith("⏰") for m in emulator.bot_messages(p.chat_id)) for p in people
        )

    await emulator.wait_until(delivered, 20)
    await emulator.wait_until(lambda: not emulator.faults["sendmessage"], 5)
    await asyncio.sleep(SLOW + 0.5)  # the slow request lands late: a resend would show now
    for person in people:
        reminders = [m for m in emulator.bot_messages(person.chat_id) if m.text.startswith("⏰")]
        assert len(reminders) == 1, person.name
    assert errors_logged(caplog) == []
