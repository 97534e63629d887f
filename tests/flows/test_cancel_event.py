"""✖ Cancel event: asked first with the number registered; everyone registered or waiting is
told once (even when the confirmation is pressed twice at once); the event leaves every
customer listing and takes nobody; registrations stay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot import ui
from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator
from bot.ui.callbacks import CardAction, EventCard, ManageAction, ManagerCard
from db.models import Event, OutboxKind, OutboxMessage, Registration
from tests.conftest import RunningBot, Sessions
from tests.flows.helpers import create_event, manager_with_event
from tests.people import Person

CANCELLED = ui.errors.error_text(ui.errors.errors.EventCancelled())


async def test_cancelling_tells_everyone_once_and_the_event_leaves_the_listings(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await manager_with_event(emulator, clock, capacity=1)
    await create_event(boss, clock, title="Other night", capacity=5, starts_in=timedelta(days=3))
    ann, bob = Person(emulator, 1001, "Ann"), Person(emulator, 1002, "Bob")
    for person in (ann, bob):
        await person.sign_up(f"{person.name.lower()}@example.com", "customer-secret")
    listing = await ann.ask("/events", "Upcoming events")
    ann.press(listing.labels[0])
    ann.press("✅ Register", await ann.expect("Jazz night"))
    await ann.expect("You're registered for Jazz night")
    bob_list = await bob.ask("/events", "Upcoming events")
    bob.press(bob_list.labels[0])
    bob.press("⏳ Join waitlist", await bob.expect("Full: its one seat is taken"))
    old_card = await bob.expect("You're number 1 on the waitlist.")
    event = EventCard.parse(old_card.buttons[0][0][1])
    assert event is not None

    picker = await boss.ask("/manage", "Which event?")
    boss.press(picker.labels[0])
    boss.press("✖ Cancel event", await boss.expect("Registered 1/1 · ⏳ waitlist 1"))
    ask = await boss.expect("Cancel Jazz night? 1 person is registered.")
    assert ask.labels == ["Yes, cancel", "Keep it"]
    boss.press("Keep it", ask)
    await boss.expect("Registered 1/1")
    boss.press("✖ Cancel event")
    ask = await boss.expect("Cancel Jazz night?")
    yes = dict(ask.buttons[0])["Yes, cancel"]
    first, second = boss.press_data(ask, yes), boss.press_data(ask, yes)  # a double press
    answers = [await boss.answer_to(first), await boss.answer_to(second)]
    assert sorted(str(a.get("text") or "") for a in answers) == sorted(["", CANCELLED])
    done = await boss.expect("Jazz night is cancelled. 1 person registered and 1 person")
    assert "will be told" in done.text
    card = boss.message_with_button("👥 Attendees")
    assert "Cancelled on" in card.text
    assert card.labels == [
        "👥 Attendees",
        "📣 Message attendees",
        "📄 Export CSV",
        "📈 Registrations chart",
        "« Events",
    ]

    await ann.expect("Jazz night on")
    await bob.expect("so the waitlist you were on is closed")
    listing = await ann.ask("/events", "Upcoming events")
    assert "Jazz night" not in listing.text and "Other night" in listing.text
    mine = await ann.ask("/myevents", "not registered for any upcoming events")
    assert mine.labels == []
    # the old card says so and takes nobody; forged presses are refused
    bob.press_data(old_card, EventCard(event.event_id).pack())
    shown = await bob.expect("This event was cancelled.")
    assert shown.labels == ["« All events"]
    for action in (CardAction.REGISTER, CardAction.JOIN_WAITLIST):
        answer = await bob.answer_to(bob.press_data(old_card, event.with_action(action).pack()))
        assert answer["text"] == CANCELLED
    for action in (ManageAction.CANCEL, ManageAction.EDIT):
        answer = await boss.answer_to(
            boss.press_data(card, ManagerCard(event.event_id, action).pack())
        )
        assert answer["text"] == CANCELLED
    picker = await boss.ask("/manage", "Which event?")
    assert picker.labels[0].startswith("✖ Jazz night")  # organisers still find it, marked

    async with sessions.begin() as session:
        stored = await session.get_one(Event, event.event_id)
        kept = await session.scalar(select(func.count()).select_from(Registration))
        notices = list(
            await session.scalars(
                select(OutboxMessage.chat_id).where(OutboxMessage.kind == OutboxKind.NOTICE)
            )
        )
        reminders = await session.scalar(
            select(func.count()).where(OutboxMessage.kind == OutboxKind.REMINDER)
        )
    assert stored.cancelled_at is not None and kept == 1
    assert sorted(notices) == [ann.chat_id, bob.chat_id] and reminders == 0
    for person in (ann, bob):
        texts = [m.text for m in emulator.bot_messages(person.chat_id)]
        assert sum("is cancelled" in t for t in texts) == 1


async def test_a_card_open_when_the_event_was_cancelled_is_redrawn_when_pressed(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock
) -> None:
    boss = await manager_with_event(emulator, clock, capacity=5)
    cid = Person(emulator, 1003, "Cid")
    await cid.sign_up("cid@example.com", "customer-secret")
    listing = await cid.ask("/events", "Upcoming events")
    cid.press(listing.labels[0])
    card = await cid.expect("Jazz night")
    assert "✅ Register" in card.labels
    picker = await boss.ask("/manage", "Which event?")
    boss.press(picker.labels[0])
    boss.press("✖ Cancel event", await boss.expect("Registered 0/5"))
    boss.press("Yes, cancel", await boss.expect("Cancel Jazz night?"))
    await boss.expect("Jazz night is cancelled.")
    answer = await cid.answer_to(cid.press("✅ Register", card))
    assert answer["text"] == CANCELLED  # said, and the card no longer offers it
    assert "This event was cancelled." in card.text and card.labels == ["« All events"]


async def test_a_seat_holders_card_of_a_cancelled_event_offers_no_ticket_and_no_seat_to_give_back(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock
) -> None:
    boss = await manager_with_event(emulator, clock, capacity=5)
    ann = Person(emulator, 1001, "Ann")
    await ann.sign_up("ann@example.com", "customer-secret")
    listing = await ann.ask("/events", "Upcoming events")
    ann.press(listing.labels[0])
    ann.press("✅ Register", await ann.expect("Jazz night"))
    card = await ann.expect("You're registered.")
    assert {"❌ Cancel registration", "🎟 My ticket"} <= set(card.labels)
    picker = await boss.ask("/manage", "Which event?")
    boss.press(picker.labels[0])
    boss.press("✖ Cancel event", await boss.expect("Registered 1/5"))
    boss.press("Yes, cancel", await boss.expect("Cancel Jazz night?"))
    await boss.expect("Jazz night is cancelled.")
    # the card drawn before: giving the seat back isn't asked about, the card is redrawn
    answer = await ann.answer_to(ann.press("❌ Cancel registration", card))
    assert answer["text"] == CANCELLED
    assert "This event was cancelled." in card.text and card.labels == ["« All events"]
    assert not any("Cancel your registration" in m.text for m in emulator.bot_messages(ann.chat_id))
    # and it leaves /myevents
    listing = await ann.ask("/myevents", "")
    assert "Jazz night" not in " ".join(listing.labels)
