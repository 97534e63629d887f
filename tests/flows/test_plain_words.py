"""Words that say what actually happens: the seat given back, who a cancelled event's notice
reaches (nobody, singular, plural), a seat from the waitlist whatever freed it, the password
rule as a sentence, and the attendee list of an event that started with nobody registered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator
from bot.services.views import EventInfo
from bot.ui import manager_card as card_ui
from tests.conftest import RunningBot
from tests.flows.helpers import manager_with_event
from tests.flows.test_edit_event import customer
from tests.people import Person


async def test_giving_a_seat_back_says_what_becomes_of_it(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock
) -> None:
    await manager_with_event(emulator, clock, capacity=2)
    ann = await customer(emulator, 1001, "Ann")
    ann.press("✅ Register")
    await ann.expect("You're registered for Jazz night")
    # a seat is left, so nobody is waiting: the seat is simply free again
    card = ann.message_with_button("❌ Cancel registration")
    assert "1 seat left" in card.text
    ann.press("❌ Cancel registration", card)
    ask = await ann.expect("Cancel your registration for Jazz night")
    assert "Your seat is free again for anyone to take." in ask.text
    assert "goes to" not in ask.text
    ann.press("Keep it", ask)
    await ann.expect("1 seat left")
    # full: someone may be waiting, and would get it
    bob = await customer(emulator, 1002, "Bob")
    bob.press("✅ Register")
    await bob.expect("You're registered for Jazz night")
    card = ann.message_with_button("❌ Cancel registration")  # drawn before Bob came
    ann.press("❌ Cancel registration", card)
    ask = await ann.expect("Cancel your registration for Jazz night")
    # full, and nobody waiting: free for anyone, as before
    assert "Your seat is free again for anyone to take." in ask.text
    ann.press("Keep it", ask)
    await ann.expect("You're registered.")
    # with people waiting, the first of them gets it: the count is read when asked
    for user_id, name in ((1003, "Cy"), (1004, "Di")):
        waiter = await customer(emulator, user_id, name)
        waiter.press("⏳ Join waitlist")
        await waiter.expect("on the waitlist")
    ann.press("❌ Cancel registration")
    ask = await ann.expect("Cancel your registration for Jazz night")
    assert "2 people are on the waitlist: your seat goes to the first of them." in ask.text


async def test_cancelling_an_event_nobody_registered_for_says_nobody_is_told(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock
) -> None:
    boss = await manager_with_event(emulator, clock, capacity=2)
    picker = await boss.ask("/manage", "Which event?")
    boss.press(picker.labels[0])
    boss.press("✖ Cancel event", await boss.expect("Registered 0/2"))
    ask = await boss.expect("Cancel Jazz night? Nobody is registered or waiting.")
    assert "will be told" not in ask.text and "0 people" not in ask.text
    boss.press("Yes, cancel", ask)
    done = await boss.expect("Jazz night is cancelled. Nobody is registered or waiting.")
    assert "0 people" not in done.text


async def test_cancelling_an_event_names_who_is_told_in_the_right_number(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock
) -> None:
    boss = await manager_with_event(emulator, clock, capacity=2)
    for user_id, name in [(1001, "Ann"), (1002, "Bob")]:
        person = await customer(emulator, user_id, name)
        person.press("✅ Register")
        await person.expect("You're registered for Jazz night")
    picker = await boss.ask("/manage", "Which event?")
    boss.press(picker.labels[0])
    boss.press("✖ Cancel event", await boss.expect("Registered 2/2"))
    boss.press("Yes, cancel", await boss.expect("Cancel Jazz night? 2 people are registered."))
    done = await boss.expect("Jazz night is cancelled. The 2 people registered will be told.")
    assert "waitlist" not in done.text


def test_every_mix_of_registered_and_waiting_is_worded() -> None:
    event = EventInfo(1, "Jazz", "D", "L", clock_free_start(), 5, 0)
    said = {
        (r, w): card_ui.event_cancelled(event, r, w).removeprefix("✖ <b>Jazz</b> is cancelled. ")
        for r in (0, 1, 2)
        for w in (0, 1, 3)
    }
    assert said[0, 0] == "Nobody is registered or waiting."
    assert said[1, 0] == "The 1 person registered will be told."
    assert said[0, 1] == "The 1 person on the waitlist will be told."
    assert said[0, 3] == "The 3 people on the waitlist will be told."
    assert said[1, 1] == "1 person registered and 1 person on the waitlist will be told."
    assert said[2, 3] == "2 people registered and 3 people on the waitlist will be told."


def clock_free_start() -> datetime:
    return datetime(2030, 1, 1, tzinfo=UTC)


async def test_the_password_rule_is_a_sentence(bot: RunningBot, emulator: BotAPIEmulator) -> None:
    ann = Person(emulator, 1001, "Ann")
    await ann.ask("/signup", "What's your name?")
    await ann.ask("Ann", "email address")
    await ann.ask("ann@example.com", "Choose a password")
    await ann.ask("short", "The password needs at least 8 characters, please.\n")


async def test_an_event_that_started_with_nobody_registered_offers_no_check_in(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock
) -> None:
    boss = await manager_with_event(emulator, clock, capacity=5, starts_in=timedelta(hours=1))
    picker = await boss.ask("/attendees", "Whose attendees?")
    boss.press(picker.labels[0])
    ahead = await boss.expect("Nobody has registered yet.")
    assert ahead.labels == ["« Event"]  # nobody to check in
    clock.advance(timedelta(hours=2))
    picker = await boss.ask("/attendees", "Whose attendees?")
    boss.press(picker.labels[0])
    started = await boss.expect("Nobody registered.")
    assert "yet" not in started.text
    assert started.labels == ["« Event"]
