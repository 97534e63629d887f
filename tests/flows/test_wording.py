"""Wording that must read the same everywhere: large counts with the language's thousands
separator, one answer for every refused number of seats, and dead buttons pointing managers
to /manage (customers to /events)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot import ui
from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator
from bot.handlers.common import EVERYONES_BUTTONS
from db.models import Event
from tests.conftest import RunningBot, Sessions
from tests.flows.helpers import local_text, manager_with_event
from tests.flows.test_authorization import PUBLIC_CALLBACKS
from tests.people import Person
from tests.services.attendee_rows import many_registrations


async def test_large_counts_are_shown_with_thousands_separators(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await manager_with_event(emulator, clock, capacity=2500)
    async with sessions.begin() as session:
        event_id = await session.scalar(select(Event.id))
        assert event_id is not None
        times = [clock.now() - timedelta(minutes=i) for i in range(1200)]
        await many_registrations(session, event_id, times)

    ann = Person(emulator, 1001, "Ann")
    await ann.sign_up("ann@example.com", "customer-secret")
    listing = await ann.ask("/events", "Upcoming events")
    assert "1,300 seats left" in listing.text
    ann.press(listing.labels[0])
    card = await ann.expect("📍 Main hall")
    assert "🎟 1,300 seats left (of 2,500)" in card.text

    picker = await boss.ask("/manage", "Which event?")
    boss.press(picker.labels[0])
    await boss.expect("🎟 Registered 1,200/2,500 · ⏳ waitlist 0 · ✔ checked in 0")
    boss.press("👥 Attendees")
    attendees = await boss.expect("1,200 of 2,500 seats taken")
    assert "Page 1 of " in attendees.text
    boss.press("☑ Check in…")
    await boss.expect("0 of 1,200 checked in")


async def test_every_refused_number_of_seats_reads_the_same_way(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock
) -> None:
    boss = await manager_with_event(emulator, clock, capacity=2)
    await boss.ask("/newevent", "What's the title?")
    await boss.ask("Blues night", "Describe the event")
    await boss.ask("Slow songs.", "When does it start?")
    await boss.ask(local_text(clock.now() + timedelta(days=3)), "Where does it take place?")
    await boss.ask("Cellar", "How many seats are there? (1–100,000)")
    wanted = "⚠️ Please send the number of seats as a whole number from 1 to 100,000."
    for typed in ["ten", "0", "100001", "-3", "2.5", "1e3", "１２"]:
        refusal = await boss.ask(typed, "How many seats")
        assert refusal.text.startswith(wanted + "\n\n"), (typed, refusal.text)
    await boss.ask("/cancel", "Cancelled")


async def test_dead_buttons_point_managers_to_manage_and_customers_to_events(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock
) -> None:
    # the buttons everyone is shown are exactly those the authorization test lets anyone press
    assert EVERYONES_BUTTONS == PUBLIC_CALLBACKS
    boss = await manager_with_event(emulator, clock)
    ann = Person(emulator, 1001, "Ann")
    await ann.sign_up("ann@example.com", "customer-secret")
    stranger = Person(emulator, 1002, "Stranger")
    to_manage = "This button no longer works. Please use /manage to start again."
    to_events = "This button no longer works. Please use /events to start again."
    assert ui.common.stale_button(manager=True) == to_manage
    assert ui.common.stale_button() == to_events

    picker = await boss.ask("/manage", "Which event?")
    for data in ["zz:1", "mc:0", "atl:x", "cin:1:x", "bc:x", "ev:0"]:
        answer = await boss.answer_to(boss.press_data(picker, data))
        # a dead browsing button (ev) is one a manager opens /events for, too
        expected = to_events if data.startswith("ev:") else to_manage
        assert answer["text"] == expected and answer["show_alert"], data
    for person in (ann, stranger):
        listing = await person.ask("/events", "Upcoming events")
        for data in ["zz:1", "ev:0", "evl:x", "my:x"]:
            answer = await person.answer_to(person.press_data(listing, data))
            assert answer["text"] == to_events and answer["show_alert"], (person.name, data)
