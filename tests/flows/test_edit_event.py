"""✏️ Edit on the organiser's card: each field through the forms engine with creation's
validation; a new start or place is told to every attendee once and moves their reminders;
capacity can't drop below the registered and raising it seats the waitlist."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator
from db.models import Event, OutboxKind, OutboxMessage
from tests.conftest import RunningBot, Sessions
from tests.flows.helpers import BERLIN, local_text, manager_with_event
from tests.people import Person

FIELDS = ["Title", "Description", "Start", "Location", "Capacity", "« Back"]


async def edit(boss: Person, field: str, question: str) -> None:
    picker = await boss.ask("/manage", "Which event?")
    boss.press(picker.labels[0])
    boss.press("✏️ Edit", await boss.expect("Registered"))
    menu = await boss.expect("What do you want to change in")
    assert menu.labels == FIELDS
    boss.press(field, menu)
    await boss.expect(question)


async def customer(emulator: BotAPIEmulator, user_id: int, name: str) -> Person:
    person = Person(emulator, user_id, name)
    await person.sign_up(f"{name.lower()}@example.com", "customer-secret")
    listing = await person.ask("/events", "Upcoming events")
    person.press(listing.labels[0])
    await person.expect("📍")
    return person


async def test_moving_the_start_tells_each_attendee_once_and_moves_their_reminders(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await manager_with_event(emulator, clock, capacity=3, starts_in=timedelta(days=2))
    ann = await customer(emulator, 1001, "Ann")
    ann.press("✅ Register")
    await ann.expect("You're registered for Jazz night")
    async with sessions.begin() as session:
        old_start = await session.scalar(select(Event.starts_at))
    assert old_start is not None
    new_start = old_start + timedelta(days=7, hours=1)

    await edit(boss, "Start", "When does it start?")
    await boss.ask("2020-01-01 10:00", "That moment has already passed")  # creation's checks
    boss.say(local_text(new_start))
    await boss.expect("✅ Saved. 1 person (registered or waiting) will be told.")
    card = await boss.expect("Registered 1/3")
    assert new_start.astimezone(BERLIN).strftime("%H:%M") in card.text

    notice = await ann.expect("Jazz night moved:")
    assert notice.text.count("→") == 1
    old_hm = old_start.astimezone(BERLIN).strftime("%H:%M")
    new_hm = new_start.astimezone(BERLIN).strftime("%H:%M")
    before, after = notice.text.split("→")
    assert old_hm in before and new_hm in after
    async with sessions.begin() as session:
        reminders = list(
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.REMINDER)
            )
        )
    assert sorted(r.due_at for r in reminders) == [
        new_start - timedelta(hours=24),
        new_start - timedelta(hours=1),
    ]
    # the old reminder times pass quietly; the new one comes once, worded from the new start
    clock.advance(new_start - timedelta(hours=24) - clock.now() + timedelta(seconds=1))
    await ann.expect("Reminder: Jazz night starts in 24 hours")
    texts = [m.text for m in emulator.bot_messages(ann.chat_id)]
    assert sum("Jazz night moved" in t for t in texts) == 1
    assert sum("Reminder" in t for t in texts) == 1


async def test_title_location_and_capacity_are_checked_like_at_creation(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await manager_with_event(emulator, clock, capacity=1)
    ann = await customer(emulator, 1001, "Ann")
    ann.press("✅ Register")
    await ann.expect("You're registered for Jazz night")
    bob = await customer(emulator, 1002, "Bob")
    bob.press("⏳ Join waitlist")
    await bob.expect("You're number 1 on the waitlist.")

    await edit(boss, "Title", "Send the new title.")
    await boss.ask("x" * 101, "The title is 101 characters; the limit is 100.")
    boss.say("Blues <b>night</b>")
    await boss.expect("✅ Saved.")
    card = await boss.expect("Blues <b>night</b>")  # escaped: shown as typed
    assert "will be told" not in emulator.bot_messages(boss.chat_id)[-2].text
    assert card.labels[0] == "✏️ Edit"

    await edit(boss, "Location", "Send the new location.")
    boss.say("Red room")
    await boss.expect("✅ Saved. 2 people (registered or waiting) will be told.")
    moved = await ann.expect("Blues <b>night</b> moved: Main hall → Red room")
    assert "Red room" in moved.text

    await edit(boss, "Capacity", "How many seats are there?")
    await boss.ask("0", "Please send the number of seats as a whole number from 1 to 100,000.")
    await boss.ask("1", "That is what it already was")  # no change, nobody told
    await edit(boss, "Capacity", "How many seats are there?")
    await boss.ask("/cancel", "Cancelled")  # /cancel keeps it as it is
    async with sessions.begin() as session:
        stored = await session.scalar(select(Event))
    assert stored is not None and (stored.capacity, stored.title) == (1, "Blues <b>night</b>")
    # more seats: the first on the waitlist gets one
    await edit(boss, "Capacity", "How many seats are there?")
    boss.say("2")
    await boss.expect("✅ Saved. 1 person from the waitlist got a seat.")
    await boss.expect("Registered 2/2 · ⏳ waitlist 0")
    await bob.expect("A seat is yours now: you're registered for Blues <b>night</b>")


async def test_capacity_below_the_registered_is_refused_with_their_number(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock
) -> None:
    boss = await manager_with_event(emulator, clock, capacity=3)
    for user_id, name in [(1001, "Ann"), (1002, "Bob")]:
        person = await customer(emulator, user_id, name)
        person.press("✅ Register")
        await person.expect("You're registered for Jazz night")
    await edit(boss, "Capacity", "How many seats are there? (2–100,000)")
    refused = await boss.ask(
        "1",
        "2 people are registered, so the capacity can't be less than 2. Please send the "
        "number of seats as a whole number from 2 to 100,000.",
    )
    assert "How many seats are there? (2–100,000)" in refused.text  # asked again
    # every refusal gives the same lower end, the number registered
    for answer in ["0", "two", "100001"]:
        refused = await boss.ask(
            answer, "Please send the number of seats as a whole number from 2 to 100,000."
        )
        assert "from 1 " not in refused.text and "(1–" not in refused.text
        assert "How many seats are there? (2–100,000)" in refused.text
    # someone registers while the question is open: the refusal counts them
    cid = await customer(emulator, 1003, "Cid")
    cid.press("✅ Register")
    await cid.expect("You're registered for Jazz night")
    refused = await boss.ask(
        "2",
        "3 people are registered, so the capacity can't be less than 3. Please send the "
        "number of seats as a whole number from 3 to 100,000.",
    )
    assert "How many seats are there? (3–100,000)" in refused.text
    boss.say("4")
    await boss.expect("✅ Saved.")
    await boss.expect("Registered 3/4")


async def test_capacity_question_of_an_event_nobody_registered_for_starts_at_one(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock
) -> None:
    boss = await manager_with_event(emulator, clock, capacity=3)
    await edit(boss, "Capacity", "How many seats are there? (1–100,000)")
    await boss.ask("0", "Please send the number of seats as a whole number from 1 to 100,000.")
    boss.say("5")
    await boss.expect("✅ Saved.")
    await boss.expect("Registered 0/5")
