"""The waitlist through the bot: a full event offers ⏳ Join waitlist, the card says where you
are, and a seat given back goes to the first in line, who is told."""

from __future__ import annotations

from sqlalchemy import func, select

from bot import ui
from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator
from bot.ui.callbacks import CardAction, EventCard
from db.models import Cancellation, OutboxKind, OutboxMessage, Registration, WaitlistEntry
from tests.conftest import RunningBot, Sessions
from tests.flows.helpers import manager_with_event
from tests.flows.test_edit_event import customer
from tests.people import Person


async def open_card(person: Person, fragment: str = "📍 Main hall") -> None:
    listing = await person.ask("/events", "Upcoming events")
    person.press(listing.labels[0])
    await person.expect(fragment)


async def test_a_full_event_queues_people_and_a_freed_seat_goes_to_the_first(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    await manager_with_event(emulator, clock, capacity=1)
    ann, bob, cid = (
        Person(emulator, 1001 + i, name) for i, name in enumerate(("Ann", "Bob", "Cid"))
    )
    for person in (ann, bob, cid):
        await person.sign_up(f"{person.name.lower()}@example.com", "customer-secret")
    await open_card(ann)
    ann.press("✅ Register")
    await ann.expect("You're registered for Jazz night")

    await open_card(bob, "Full: its one seat is taken")
    full = bob.message_with_button("⏳ Join waitlist")
    assert "Join the waitlist to get the next free seat." in full.text
    join = full.buttons[0][0][1]
    answer = await bob.answer_to(bob.press("⏳ Join waitlist"))
    assert answer["text"] == "⏳ You're number 1 on the waitlist."
    waiting = await bob.expect("You're number 1 on the waitlist.")
    assert waiting.labels == ["Leave waitlist", "🔗 Share", "« All events"]
    # a second press of the old Join button changes nothing
    again = await bob.answer_to(bob.press_data(full, join))
    assert again["text"] == "You're already on the waitlist for this event."

    await open_card(cid, "Full: its one seat is taken")
    cid.press("⏳ Join waitlist")
    await cid.expect("You're number 2 on the waitlist.")
    # Bob leaves: Cid moves up
    left = await bob.answer_to(bob.press("Leave waitlist"))
    assert left["text"] == "You left the waitlist."
    back = await bob.expect("Join the waitlist")
    assert back.labels == ["⏳ Join waitlist", "🔗 Share", "« All events"]
    await open_card(cid, "You're number 1 on the waitlist.")
    bob.press("⏳ Join waitlist")
    await bob.expect("You're number 2 on the waitlist.")

    # Ann gives her seat back: Cid, first in line, gets it and is told once; Bob moves up
    mine = await ann.ask("/myevents", "Your upcoming events")
    ann.press(mine.labels[0])
    ann.press("❌ Cancel registration", await ann.expect("You're registered."))
    ann.press("Yes, cancel it", await ann.expect("Cancel your registration"))
    await ann.expect("Your registration for Jazz night is cancelled.")
    told = await cid.expect("A seat is yours now: you're registered for Jazz night")
    await open_card(cid, "You're registered.")
    await open_card(bob, "You're number 1 on the waitlist.")
    async with sessions.begin() as session:
        registered = list(await session.scalars(select(Registration.user_id)))
        records = await session.scalar(select(func.count()).select_from(Cancellation))
        queued = await session.scalar(select(func.count()).select_from(WaitlistEntry))
        notices = await session.scalar(
            select(func.count()).where(OutboxMessage.kind == OutboxKind.NOTICE)
        )
        reminders = await session.scalar(
            select(func.count()).where(OutboxMessage.kind == OutboxKind.REMINDER)
        )
    assert len(registered) == 1 and records == 1 and queued == 1 and notices == 1
    assert reminders == 2  # Cid's, planned when the seat became theirs
    assert sum("A seat is yours now" in m.text for m in emulator.bot_messages(cid.chat_id)) == 1
    assert told.text.count("Jazz night") == 1


async def test_join_on_a_free_seat_registers_and_strangers_are_asked_to_log_in(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock
) -> None:
    await manager_with_event(emulator, clock, capacity=2)
    ann = Person(emulator, 1001, "Ann")
    await ann.sign_up("ann@example.com", "customer-secret")
    await open_card(ann, "2 seats left")
    card = ann.message_with_button("✅ Register")
    event = EventCard.parse(card.buttons[0][0][1])
    assert event is not None
    # an old Join button pressed while a seat is free takes the seat
    answer = await ann.answer_to(
        ann.press_data(card, EventCard(event.event_id, CardAction.JOIN_WAITLIST).pack())
    )
    assert answer["text"] == "✅ You're registered!"
    await ann.expect("You're registered for Jazz night")
    refused = await ann.answer_to(
        ann.press_data(card, EventCard(event.event_id, CardAction.LEAVE_WAITLIST).pack())
    )
    assert refused["text"] == "You're not on the waitlist for this event."

    stranger = Person(emulator, 1002, "Stranger")
    listing = await stranger.ask("/events", "Upcoming events")
    for action in (CardAction.JOIN_WAITLIST, CardAction.LEAVE_WAITLIST):
        answer = await stranger.answer_to(
            stranger.press_data(listing, EventCard(event.event_id, action).pack())
        )
        assert answer["text"] == ui.common.login_first()
    await stranger.expect("To join the waitlist for Jazz night, log in")


async def test_a_card_out_of_date_is_redrawn_when_its_button_is_refused(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock
) -> None:
    await manager_with_event(emulator, clock, capacity=1)
    ann = await customer(emulator, 1001, "Ann")
    bob = await customer(emulator, 1002, "Bob")
    stale = bob.message_with_button("✅ Register")  # drawn while a seat was free
    ann.press("✅ Register")
    await ann.expect("You're registered for Jazz night")
    answer = await bob.answer_to(bob.press("✅ Register", stale))
    assert "full" in str(answer["text"])
    # said, and the card now offers what a full event offers
    assert "⏳ Join waitlist" in stale.labels and "✅ Register" not in stale.labels
    bob.press("⏳ Join waitlist", stale)
    await bob.expect("You're number 1 on the waitlist.")
    waiting_card = bob.message_with_button("Leave waitlist")
    ann.press("❌ Cancel registration")
    ann.press("Yes, cancel it", await ann.expect("Cancel your registration"))
    await bob.expect("A seat is yours now")
    # Leave waitlist on the card drawn before the seat came: refused, and the card shows it
    await bob.answer_to(bob.press("Leave waitlist", waiting_card))
    assert "You're registered." in waiting_card.text
    assert "❌ Cancel registration" in waiting_card.labels
