"""/myevents lists the events someone waits for after those they hold a seat at, each with
their place in line, and opens their cards (where *Leave waitlist* is)."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator, ChatMessage
from tests.conftest import RunningBot
from tests.flows.helpers import create_event, manager_with_event
from tests.people import Person


async def open_event(person: Person, title: str) -> None:
    """Open ``title``'s card from /events."""
    listing = await person.ask("/events", "Upcoming events")
    person.press(next(label for label in listing.labels if label.startswith(title)), listing)
    await person.expect("📍 Main hall")


async def register(person: Person, title: str) -> None:
    await open_event(person, title)
    person.press("✅ Register")
    await person.expect(f"You're registered for {title}")


async def queue(person: Person, title: str, position: int) -> None:
    await open_event(person, title)
    person.press("⏳ Join waitlist")
    await person.expect(f"You're number {position} on the waitlist.")


def line_of(message: ChatMessage, title: str) -> str:
    """The second line of ``title``'s entry in the /myevents message."""
    found = re.search(rf"• {title}\n   (.*)", message.text)
    assert found is not None, message.text
    return found.group(1)


async def test_my_events_lists_the_waited_for_events_after_the_registered_ones(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock
) -> None:
    boss = await manager_with_event(emulator, clock, title="Jazz night", capacity=1)
    await create_event(boss, clock, title="Blues night", capacity=1, starts_in=timedelta(days=3))
    await create_event(boss, clock, title="Folk night", capacity=5, starts_in=timedelta(days=4))
    ann, bob, cid, dan = (
        Person(emulator, 1001 + i, name) for i, name in enumerate(("Ann", "Bob", "Cid", "Dan"))
    )
    for person in (ann, bob, cid, dan):
        await person.sign_up(f"{person.name.lower()}@example.com", "customer-secret")
    await register(ann, "Jazz night")
    await register(bob, "Blues night")
    await register(cid, "Folk night")
    await queue(cid, "Jazz night", 1)
    await queue(dan, "Blues night", 1)
    await queue(cid, "Blues night", 2)

    mine = await cid.ask("/myevents", "Your upcoming events")
    text = mine.text
    # the seat first (though it is the latest event), then the waitlists, soonest first
    assert text.index("Folk night") < text.index("⏳ On the waitlist")
    assert text.index("⏳ On the waitlist") < text.index("Jazz night") < text.index("Blues night")
    assert "waiting" not in line_of(mine, "Folk night")
    assert line_of(mine, "Jazz night").endswith(" · waiting, number 1 in line")
    assert line_of(mine, "Blues night").endswith(" · waiting, number 2 in line")
    assert [label.split(" · ")[0] for label in mine.labels] == [
        "Folk night",
        "⏳ Jazz night",
        "⏳ Blues night",
    ]

    # the button opens the card, which says where they are and offers Leave waitlist
    cid.press(mine.labels[2], mine)
    card = await cid.expect("You're number 2 on the waitlist.")
    assert "Blues night" in card.text
    assert card.labels == ["Leave waitlist", "🔗 Share", "« My events"]
    cid.press("Leave waitlist", card)
    await cid.expect("Join the waitlist")
    cid.press("« My events")
    after = await cid.expect("Your upcoming events")
    assert "Blues night" not in after.text
    assert line_of(after, "Jazz night").endswith(" · waiting, number 1 in line")

    # someone only waiting sees their waitlist (Dan stayed first in line for Blues night)
    only = await dan.ask("/myevents", "Your upcoming events")
    assert "⏳ On the waitlist" in only.text and "not registered" not in only.text
    assert line_of(only, "Blues night").endswith(" · waiting, number 1 in line")
    assert [label.split(" · ")[0] for label in only.labels] == ["⏳ Blues night"]

    # Ann gives her Jazz night seat back: Cid gets it, and it moves up among the seats
    await open_event(ann, "Jazz night")
    ann.press("❌ Cancel registration")
    ann.press("Yes, cancel it", await ann.expect("Cancel your registration"))
    await ann.expect("Your registration for Jazz night is cancelled.")
    await cid.expect("A seat is yours now: you're registered for Jazz night")
    seated = await cid.ask("/myevents", "Your upcoming events")
    assert "On the waitlist" not in seated.text and "waiting" not in seated.text
    assert [label.split(" · ")[0] for label in seated.labels] == ["Jazz night", "Folk night"]
    # and Ann, with nothing left, is told so
    none = await ann.ask("/myevents", "not registered for any upcoming events")
    assert none.labels == []


async def test_an_event_under_way_stays_in_my_events_with_its_ticket(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock
) -> None:
    await manager_with_event(emulator, clock, title="Jazz night", starts_in=timedelta(hours=2))
    ann = Person(emulator, 1001, "Ann")
    await ann.sign_up("ann@example.com", "customer-secret")
    await register(ann, "Jazz night")
    clock.advance(timedelta(hours=3))  # she is late: the concert started an hour ago
    mine = await ann.ask("/myevents", "Your upcoming events")
    assert line_of(mine, "Jazz night").endswith("· started")
    ann.press(mine.labels[0], mine)
    card = await ann.expect("✅ You're registered")
    # the ticket for the door; nothing to give back or share once it is under way
    assert card.labels == ["🎟 My ticket", "« My events"]
    clock.advance(timedelta(days=1))  # the next day it has gone from the list
    await ann.ask("/myevents", "You're not registered for any upcoming events")
