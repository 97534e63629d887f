"""/manage and the organiser's card: drawn from the database each time, reached from /manage
and from /events, for every manager (one team), and refused to everyone else."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import unquote

from sqlalchemy import select, update

from bot import ui
from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator
from bot.ui.callbacks import EditField, EventField, ManageAction, ManagePast, ManagerCard
from db.models import Event, Registration
from tests.conftest import INVITE_CODE, RunningBot, Sessions
from tests.flows.helpers import manager_with_event
from tests.people import Person

CARD_LABELS = [
    "✏️ Edit",
    "👥 Attendees",
    "📣 Message attendees",
    "📄 Export CSV",
    "📌 Post to a chat",
    "📈 Registrations chart",
    "🔗 Share",
    "✖ Cancel event",
]


async def test_manage_opens_the_card_with_counters_and_every_manager_may_use_it(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await manager_with_event(emulator, clock, capacity=3)
    ann = Person(emulator, 1001, "Ann")
    await ann.sign_up("ann@example.com", "customer-secret")
    listing = await ann.ask("/events", "Upcoming events")
    ann.press(listing.labels[0])
    await ann.expect("📍 Main hall")
    ann.press("✅ Register")
    await ann.expect("You're registered for Jazz night")
    async with sessions.begin() as session:  # the door helper's check-in, done by hand here
        await session.execute(update(Registration).values(checked_in_at=clock.now()))
        event_id = await session.scalar(select(Event.id))
    assert event_id is not None

    picker = await boss.ask("/manage", "Which event?")
    assert picker.labels[-1] == "🕰 Past events"
    boss.press(picker.labels[0])
    card = await boss.expect("Registered 1/3 · ⏳ waitlist 0 · ✔ checked in 1")
    assert card.message_id == picker.message_id
    assert "Jazz night" in card.text and "📍 Main hall" in card.text
    assert "Live music in the main hall." in card.text
    assert card.labels == [*CARD_LABELS, "« Events"]
    share = [b for row in (card.reply_markup or {})["inline_keyboard"] for b in row][6]
    link = f"https://t.me/{emulator.bot_user['username']}?start=ev_{event_id}"
    assert share["url"].startswith("https://t.me/share/url?url=")  # Telegram's share sheet
    assert unquote(share["url"].split("url=", 1)[1].split("&", 1)[0]) == link
    boss.press("👥 Attendees")
    attendees = await boss.expect("1 of 3 seats taken")
    assert "1. Ann — ann@example.com" in attendees.text
    boss.press("« Event")  # the attendee list leads back to the organiser's card
    await boss.expect("Registered 1/3")
    boss.press("« Events")
    await boss.expect("Which event?")

    # a manager opening the card from /events gets the organiser's card, « back to the list
    mia = Person(emulator, 9001, "Mia")
    await mia.sign_up("mia@example.com", "manager-secret", manager_code=INVITE_CODE)
    events = await mia.ask("/events", "Upcoming events")
    mia.press(events.labels[0])
    theirs = await mia.expect("Registered 1/3")  # another manager: the same team
    assert theirs.labels == [*CARD_LABELS, "« All events"]
    mia.press("« All events")
    await mia.expect("Upcoming events")

    # drawn from the database each time: a new registration shows on the next open
    bob = Person(emulator, 1002, "Bob")
    await bob.sign_up("bob@example.com", "customer-secret")
    bob_list = await bob.ask("/events", "Upcoming events")
    bob.press(bob_list.labels[0])
    await bob.expect("📍 Main hall")
    bob.press("✅ Register")
    await bob.expect("You're registered for Jazz night")
    again = await boss.ask("/manage", "Which event?")
    boss.press(again.labels[0])
    await boss.expect("Registered 2/3 · ⏳ waitlist 0 · ✔ checked in 1")


async def test_a_started_event_can_no_longer_be_edited_or_cancelled(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await manager_with_event(emulator, clock, starts_in=timedelta(hours=2))
    clock.advance(timedelta(hours=3))
    picker = await boss.ask("/manage", "Which event?")
    boss.press(picker.labels[0])
    card = await boss.expect("It has started")
    assert "✏️ Edit" not in card.labels and "✖ Cancel event" not in card.labels
    async with sessions.begin() as session:
        card_id = await session.scalar(select(Event.id))
    assert card_id is not None
    # forged Edit / Cancel / field buttons of a started event change nothing
    for data in [
        ManagerCard(card_id, ManageAction.EDIT).pack(),
        ManagerCard(card_id, ManageAction.CANCEL_CONFIRMED).pack(),
        EditField(card_id, EventField.TITLE).pack(),
    ]:
        answer = await boss.answer_to(boss.press_data(card, data))
        assert answer["text"] == ui.errors.error_text(ui.errors.errors.EventStarted())
    clock.advance(timedelta(days=1))
    empty = await boss.ask("/manage", "No event started in the last 24 hours")
    boss.press("🕰 Past events", empty)
    past = await boss.expect("Events that started more than 24 hours ago")
    boss.press(past.labels[0])
    await boss.expect("It has started")


async def test_forged_manager_buttons_are_answered_politely(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock
) -> None:
    boss = await manager_with_event(emulator, clock)
    picker = await boss.ask("/manage", "Which event?")
    missing = ui.errors.error_text(ui.errors.errors.EventNotFound())
    for data in [
        ManagerCard(999, ManageAction.OPEN).pack(),
        ManagerCard(999, ManageAction.EDIT).pack(),
        ManagerCard(999, ManageAction.CANCEL).pack(),
        ManagerCard(999, ManageAction.CANCEL_CONFIRMED).pack(),
        EditField(999, EventField.START).pack(),
    ]:
        answer = await boss.answer_to(boss.press_data(picker, data))
        assert answer["text"] == missing, data
    for data in ["mc:0", "mc:1:zz", "edf:1:nope", "mgp:x", "mgl:-1"]:
        answer = await boss.answer_to(boss.press_data(picker, data))
        assert answer["text"] == ui.common.stale_button(manager=True), data
    boss.press_data(picker, ManagePast(5).pack())  # past the end: the last page
    await boss.expect("No past events yet")
