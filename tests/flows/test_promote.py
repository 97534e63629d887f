"""/promote and /demote: the role changes at once, with the command menu of every login."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from bot import ui
from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator
from bot.sandbox.scan import qr_texts
from bot.services.roles import ROLE_CHANGED_NOTICE
from db.models import OutboxKind, OutboxMessage, Role, User
from tests.conftest import RunningBot, Sessions
from tests.flows.helpers import manager_with_event
from tests.people import Person


def menu(emulator: BotAPIEmulator, person: Person) -> list[str]:
    return emulator.commands_for({"type": "chat", "chat_id": person.chat_id})


async def role_of(sessions: Sessions, email: str) -> Role:
    async with sessions.begin() as session:
        role = await session.scalar(select(User.role).where(User.email == email))
    assert role is not None
    return role


async def test_promote_and_demote_change_the_role_and_the_menus_at_once(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await manager_with_event(emulator, clock)
    ann = Person(emulator, 1001, "Ann")
    await ann.sign_up("ann@example.com", "customer-secret")
    ann_again = Person(emulator, 1003, "Ann's tablet")  # a second login of the same account
    await ann_again.log_in("ann@example.com", "customer-secret")
    assert menu(emulator, ann) == []
    refused = await ann.ask("/attendees", "")
    assert refused.text == ui.common.managers_only()

    done = await boss.ask("/promote ANN@example.com", "is now a manager")
    assert done.text == "✅ Ann (ann@example.com) is now a manager."
    assert await role_of(sessions, "ann@example.com") is Role.MANAGER
    for person in (ann, ann_again):
        assert {"newevent", "promote", "demote", "post"} <= set(menu(emulator, person))
        await person.expect("You are now a manager of EventBot")
    await ann.ask("/attendees", "Whose attendees?")  # at once, no new login

    again = await boss.ask("/promote ann@example.com", "")
    assert again.text == "That account is already a manager."

    done = await ann.ask("/demote boss@example.com", "is now a customer")
    assert "Boss (boss@example.com)" in done.text
    assert menu(emulator, boss) == []
    await boss.expect("You are no longer a manager of EventBot")
    refused = await boss.ask("/demote ann@example.com", "")
    assert refused.text == ui.common.managers_only()

    last = await ann.ask("/demote ann@example.com", "")
    assert "You're the last manager" in last.text
    assert await role_of(sessions, "ann@example.com") is Role.MANAGER
    already = await ann.ask("/demote boss@example.com", "")
    assert already.text == "That account is already a customer."

    await ann.ask("/promote boss@example.com", "is now a manager")
    await ann.ask("/demote ann@example.com", "is now a customer")  # not the last one now
    assert menu(emulator, ann) == [] and menu(emulator, ann_again) == []
    refused = await ann.ask("/promote ann@example.com", "")
    assert refused.text == ui.common.managers_only()


async def test_promote_answers_bad_input_clearly(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await manager_with_event(emulator, clock)
    usage = await boss.ask("/promote", "")
    assert usage.text == "Make an account a manager: /promote name@example.com"
    usage = await boss.ask("/demote", "")
    assert usage.text == "Make a manager a customer again: /demote name@example.com"
    unknown = await boss.ask("/promote nobody@example.com", "")
    assert unknown.text == "No account uses that email."
    malformed = await boss.ask("/promote not-an-email", "")
    assert "doesn't look like an email address" in malformed.text
    assert await role_of(sessions, "boss@example.com") is Role.MANAGER


def told(emulator: BotAPIEmulator, person: Person, fragment: str) -> int:
    return sum(fragment in m.text for m in emulator.bot_messages(person.chat_id))


async def test_the_person_promoted_or_demoted_is_told_once_in_every_chat_logged_in(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await manager_with_event(emulator, clock)
    ann = Person(emulator, 1001, "Ann")
    await ann.sign_up("ann@example.com", "customer-secret")
    tablet = Person(emulator, 1003, "Ann's tablet")  # a second login of the same account
    await tablet.log_in("ann@example.com", "customer-secret")
    old_phone = Person(emulator, 1004, "Ann's old phone")  # logged in, then out: not told
    await old_phone.log_in("ann@example.com", "customer-secret")
    await old_phone.ask("/logout", "")

    await boss.ask("/promote ann@example.com", "is now a manager")
    for person in (ann, tablet):
        notice = await person.expect("You are now a manager of EventBot")
        assert notice.text == (
            "🛠 You are now a manager of EventBot: /manage opens an event's organiser card, "
            "/newevent creates an event, and /help lists every command."
        )
        await person.ask("/manage", "")  # and /manage works there at once
    # a manager demoting themselves sees the answer; their other chat gets the notice
    await ann.ask("/demote ann@example.com", "Ann (ann@example.com) is now a customer")
    notice = await tablet.expect("You are no longer a manager of EventBot")
    assert notice.text == (
        "You are no longer a manager of EventBot: your account is a customer's again. "
        "Browse and register with /events; /help lists what you can do."
    )

    async with sessions.begin() as session:
        rows = list(
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.NOTICE)
            )
        )
    owed = sorted(
        (row.chat_id, (row.payload or {})["params"]["role"])
        for row in rows
        if (row.payload or {}).get("notice") == ROLE_CHANGED_NOTICE
    )
    assert owed == [
        (ann.chat_id, "manager"),
        (tablet.chat_id, "customer"),
        (tablet.chat_id, "manager"),
    ]
    assert told(emulator, ann, "You are now a manager") == 1
    assert told(emulator, ann, "no longer a manager") == 0  # the answer said it
    assert told(emulator, tablet, "You are now a manager") == 1
    assert told(emulator, tablet, "no longer a manager") == 1
    assert told(emulator, old_phone, "manager of EventBot") == 0
    assert told(emulator, boss, "manager of EventBot") == 0  # the one who acted isn't told


async def test_a_customer_made_manager_keeps_their_seat_ticket_and_waitlist_place(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await manager_with_event(emulator, clock, capacity=1)
    ann, bob = Person(emulator, 1001, "Ann"), Person(emulator, 1003, "Bob")
    for person, email, button in ((ann, "ann", "✅ Register"), (bob, "bob", "⏳ Join waitlist")):
        await person.sign_up(f"{email}@example.com", "customer-secret")
        listing = await person.ask("/events", "Upcoming events")
        person.press(listing.labels[0])
        await person.expect("📍 Main hall")
        person.press(button)
        await person.expect("You're registered." if email == "ann" else "You're number 1")
        await boss.ask(f"/promote {email}@example.com", "is now a manager")

    # managers see the organiser's card, which now also holds their own seat and ticket
    listing = await ann.ask("/events", "Upcoming events")
    ann.press(listing.labels[0])
    card = await ann.expect("🛠")
    assert "You hold a seat at this event yourself." in card.text
    assert {"🎟 My ticket", "❌ Cancel my registration", "✏️ Edit"} <= set(card.labels)
    ann.press("🎟 My ticket")
    photo = await ann.expect("Show this QR code at the door")
    assert photo.photo_bytes is not None
    assert len(qr_texts(Image.open(io.BytesIO(photo.photo_bytes)))) == 1

    # and their waitlist place, which they can leave
    listing = await bob.ask("/events", "Upcoming events")
    bob.press(listing.labels[0])
    card = await bob.expect("🛠")
    assert "You're number 1 on the waitlist." in card.text and "Leave waitlist" in card.labels
    bob.press("Leave waitlist")
    card = await bob.expect("⏳ waitlist 0")
    assert "Leave waitlist" not in card.labels and "waitlist." not in card.text

    ann.press("❌ Cancel my registration")
    await ann.expect("Cancel your registration")
    ann.press("Yes, cancel it")
    card = await ann.expect("Registered 0/1")
    assert "🛠" in card.text and "You hold a seat" not in card.text
    assert not {"🎟 My ticket", "❌ Cancel my registration"} & set(card.labels)
