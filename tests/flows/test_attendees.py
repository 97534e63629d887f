"""/attendees at the door: every attendee can be read, however long their names, and an event
stays reachable after it starts, then among the past events."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot import ui
from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator
from db.models import Event
from tests.conftest import RunningBot, Sessions
from tests.flows.helpers import manager_with_event, seat_customer
from tests.people import Person

ATTENDEES = 13
TITLE = "🎷" * 100  # the longest title, two UTF-16 units a character


def longest_name(i: int) -> str:
    """64 characters, nearly all emoji; the number keeps every name apart."""
    return f"{i:02}" + "😀" * 62


def longest_email(i: int) -> str:
    """254 characters, nearly all emoji (500 UTF-16 units)."""
    return f"{i:02}" + "🙂" * 246 + "@x.org"


async def register_attendees(sessions: Sessions, clock: ShiftableClock) -> list[str]:
    async with sessions.begin() as session:
        event_id = await session.scalar(select(Event.id).where(Event.title == TITLE))
        assert event_id is not None
        for i in range(1, ATTENDEES + 1):
            name, email = longest_name(i), longest_email(i)
            await seat_customer(
                session, clock, event_id=event_id, name=name, email=email, chat_id=5000 + i
            )
    return [longest_name(i) for i in range(1, ATTENDEES + 1)]


async def test_every_attendee_is_on_exactly_one_page_and_no_page_is_cut(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await manager_with_event(emulator, clock, title=TITLE, capacity=20)
    names = await register_attendees(sessions, clock)
    picker = await boss.ask("/attendees", "Whose attendees?")
    boss.press(picker.labels[0])
    first = await boss.expect(f"{ATTENDEES} of 20 seats taken")
    pages = [first.text]
    while "Next ▶" in (labels := boss.message_with_button("« Event").labels):
        boss.press("Next ▶")
        shown = await boss.expect(f"Page {len(pages) + 1} of ")
        pages.append(shown.text)
    for number, name in enumerate(names, start=1):
        assert sum(text.count(f"{number}. {name} — ") for text in pages) == 1, number
        assert sum(text.count(name) for text in pages) == 1, number
    for text in pages:
        assert ui.limits.shortened_note() not in text
        assert ui.limits.tg_len(text) <= ui.limits.MAX_MESSAGE
        assert f"Page {pages.index(text) + 1} of {len(pages)}" in text
    assert labels == ["◀ Prev", "☑ Check in…", "« Event"]
    assert len(pages) > 2  # ten such lines never fitted one message
    # Prev shows the same pages again
    boss.press("◀ Prev")
    again = await boss.expect(f"Page {len(pages) - 1} of {len(pages)}")
    assert again.text == pages[-2]


async def test_an_event_stays_in_the_picker_for_a_day_then_among_the_past_ones(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock
) -> None:
    boss = await manager_with_event(
        emulator, clock, title="Door night", starts_in=timedelta(hours=2)
    )
    ann = Person(emulator, 1001, "Ann")
    await ann.sign_up("ann@example.com", "customer-secret")
    listing = await ann.ask("/events", "Upcoming events")
    ann.press(listing.labels[0])
    await ann.expect("📍 Main hall")
    ann.press("✅ Register")
    await ann.expect("You're registered for Door night")

    clock.advance(timedelta(hours=3))  # the doors opened an hour ago
    picker = await boss.ask("/attendees", "Whose attendees?")
    door = next(label for label in picker.labels if label.startswith("Door night · "))
    assert picker.labels[-1] == "🕰 Past events"
    boss.press(door)
    shown = await boss.expect("1 of 2 seats taken")
    assert "1. Ann — ann@example.com" in shown.text

    clock.advance(timedelta(hours=23))  # started a day ago
    empty = await boss.ask("/attendees", "No event started in the last 24 hours")
    assert empty.labels == ["🕰 Past events"]
    boss.press("🕰 Past events")
    past = await boss.expect("Events that started more than 24 hours ago")
    assert past.labels == [door, "« Current events"]
    boss.press(door)
    shown = await boss.expect("1 of 2 seats taken")
    assert "1. Ann — ann@example.com" in shown.text
    boss.press("« Event")
    await boss.expect("📍 Main hall")

    again = await boss.ask("/attendees", "No event started")
    boss.press("🕰 Past events", again)
    await boss.expect("Events that started more than 24 hours ago")
    boss.press("« Current events")
    await boss.expect("No event started in the last 24 hours")
