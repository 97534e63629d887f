"""Tickets at the door: the QR code in the PNG the bot really sent is read back (zxing-cpp)
and opened as a manager would, by its /start link; and check-in by name from the list."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from PIL import Image
from sqlalchemy import select, update

from bot import ui
from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator, ChatMessage
from bot.sandbox.demo import seed_demo
from bot.sandbox.scan import qr_texts
from db.models import Event, Registration
from tests.conftest import RunningBot, Sessions
from tests.flows.helpers import AT_THE_DOOR, BERLIN, manager_with_event, seat_customer
from tests.people import Person
from tests.test_sandbox_chat import make_chat


def qr_link(photo: ChatMessage) -> str:
    """The one QR code in the picture the bot sent, decoded from its PNG bytes."""
    assert photo.photo is not None and photo.photo_bytes is not None
    links = qr_texts(Image.open(io.BytesIO(photo.photo_bytes)))
    assert len(links) == 1, links
    return links[0]


async def ticket_of(person: Person, emulator: BotAPIEmulator) -> tuple[ChatMessage, str]:
    """Press 🎟 My ticket on the newest card that has it; the photo and its /start payload."""
    person.press("🎟 My ticket")
    photo = await person.expect("Show this QR code at the door")
    link = qr_link(photo)
    parts = urlsplit(link)
    assert (parts.scheme, parts.hostname, parts.path) == (
        "https",
        "t.me",
        f"/{emulator.bot_user['username']}",
    )
    payload = parse_qs(parts.query)["start"][0]
    assert payload.startswith("ci_") and len(payload) <= 64
    return photo, payload


async def event_start(sessions: Sessions, title: str = "Jazz night") -> datetime:
    """When the event called ``title`` starts."""
    async with sessions.begin() as session:
        starts_at = await session.scalar(select(Event.starts_at).where(Event.title == title))
    assert starts_at is not None
    return starts_at


async def register(person: Person, email: str) -> None:
    """Sign up, open the first event of /events and press Register."""
    await person.sign_up(email, "customer-secret")
    listing = await person.ask("/events", "Upcoming events")
    person.press(listing.labels[0])
    await person.expect("📍 Main hall")
    person.press("✅ Register")
    await person.expect("You're registered for")


async def checked_in_rows(sessions: Sessions) -> list[tuple[int, object, object]]:
    async with sessions.begin() as session:
        rows = await session.execute(
            select(Registration.id, Registration.checked_in_at, Registration.checked_in_by)
        )
        return [tuple(row) for row in rows]


async def test_a_ticket_checks_its_holder_in_once_and_only_for_a_manager(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await manager_with_event(emulator, clock, capacity=50, starts_in=AT_THE_DOOR)
    ann = Person(emulator, 1001, "Alice Smith")
    await register(ann, "alice@example.com")
    card = ann.message_with_button("🎟 My ticket")
    assert card.labels == ["❌ Cancel registration", "🎟 My ticket", "🔗 Share", "« All events"]
    photo, payload = await ticket_of(ann, emulator)
    assert photo.text.startswith("🎟 Jazz night\n🗓 ")
    assert "📍 Main hall\n👤 Alice Smith" in photo.text
    before = await checked_in_rows(sessions)

    # the holder, and someone logged out, opening the link: refused, nothing changes
    await ann.ask(f"/start {payload}", "an organiser scans it at the door")
    stranger = Person(emulator, 1002, "Stranger")
    reply = await stranger.ask(f"/start {payload}", "")
    assert reply.text == ui.common.login_first()
    assert await checked_in_rows(sessions) == before

    first = await boss.ask(f"/start {payload}", "checked in")
    event_line = f"🎟 Jazz night · {ui.fmt.when(await event_start(sessions), BERLIN)}"
    assert first.text == "✅ Alice Smith checked in (1/1)\n" + event_line
    [(registration_id, at, by)] = await checked_in_rows(sessions)
    assert isinstance(at, datetime) and by is not None
    clock.advance(timedelta(minutes=5))
    second = await boss.ask(f"/start {payload}", "Already checked in")
    assert second.text == (
        f"☑ Already checked in at {at.astimezone(BERLIN):%H:%M}: Alice Smith\n" + event_line
    )
    assert await checked_in_rows(sessions) == [(registration_id, at, by)]

    # the attendee list marks her, and the card still offers her ticket
    picker = await boss.ask("/attendees", "Whose attendees?")
    boss.press(picker.labels[0])
    shown = await boss.expect("1 of 50 seats taken")
    assert "1. Alice Smith — alice@example.com ✅" in shown.text


async def test_forged_malformed_and_cancelled_tickets_are_not_valid(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await manager_with_event(emulator, clock, starts_in=AT_THE_DOOR)
    ann = Person(emulator, 1001, "Ann")
    await register(ann, "ann@example.com")
    _, payload = await ticket_of(ann, emulator)
    bob = Person(emulator, 1003, "Bob")
    await register(bob, "bob@example.com")
    _, bobs = await ticket_of(bob, emulator)
    before = await checked_in_rows(sessions)

    registration_id, secret = payload[3:].split("_", 1)
    forged_secret = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    bob_id = bobs[3:].split("_", 1)[0]
    invalid = ui.checkin.ticket_invalid()
    for forged in [
        f"ci_{registration_id}_{forged_secret}",  # a wrong secret
        f"ci_{bob_id}_{secret}",  # Ann's secret on Bob's seat
        f"ci_{registration_id}",  # malformed
        f"ci_x_{secret}",
        f"ci_{registration_id}_{secret}!",
    ]:
        reply = await boss.ask(f"/start {forged}", "")
        assert reply.text == invalid, forged
    assert await checked_in_rows(sessions) == before

    # Bob cancels: his ticket is no longer valid (the row is gone), and says no more than that
    bob.press("❌ Cancel registration", bob.message_with_button("❌ Cancel registration"))
    await bob.expect("Cancel your registration")
    bob.press("Yes, cancel it")
    await bob.expect("is cancelled")
    reply = await boss.ask(f"/start {bobs}", "")
    assert reply.text == invalid

    # the event is cancelled: a genuine ticket says so, and nobody is checked in
    async with sessions.begin() as session:
        await session.execute(update(Event).values(cancelled_at=clock.now()))
    reply = await boss.ask(f"/start {payload}", "was cancelled")
    assert reply.text == "❌ Jazz night was cancelled: this ticket is no longer valid."
    answer = await ann.answer_to(ann.press("🎟 My ticket"))
    assert answer["text"] == "❌ Jazz night was cancelled: this ticket is no longer valid."
    assert answer["show_alert"]
    assert await checked_in_rows(sessions) == [row for row in before if str(row[0]) != bob_id]


async def test_managers_check_people_in_by_name_from_the_attendee_list(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await manager_with_event(emulator, clock, capacity=20)
    names = [f"Guest {letter}" for letter in "JIHGFEDCBA"]  # registered in reverse order
    async with sessions.begin() as session:
        event_id = await session.scalar(select(Event.id))
        assert event_id is not None
        for i, name in enumerate(names):
            email, chat_id = f"guest{i}@example.com", 5000 + i
            await seat_customer(
                session, clock, event_id=event_id, name=name, email=email, chat_id=chat_id
            )
    picker = await boss.ask("/attendees", "Whose attendees?")
    boss.press(picker.labels[0])
    await boss.expect("10 of 20 seats taken")
    boss.press("☑ Check in…")
    door = await boss.expect("Tap who has arrived")
    assert "0 of 10 checked in" in door.text and "Page 1 of 2" in door.text
    people = door.labels[: ui.checkin.CHECK_IN_PAGE_SIZE]
    assert [label.split(" · ")[0] for label in people] == sorted(names)[:8]
    assert door.labels[8:] == ["Next ▶", "« Attendees"]

    query = boss.press("Guest B · guest8@example.com", door)
    assert (await boss.answer_to(query))["text"] == "✅ Guest B checked in (1/10)"
    door = await boss.expect("1 of 10 checked in")
    assert "Guest B · guest8@example.com" not in door.labels
    assert door.labels[0].startswith("Guest A") and door.labels[1].startswith("Guest C")

    # a second manager's list still showed her: pressing says when she arrived
    query = boss.press_data(door, f"cin:{event_id}:0:{await _registration_of(sessions, 'B')}")
    answer = await boss.answer_to(query)
    assert str(answer["text"]).startswith("☑ Already checked in at ")

    boss.press("Next ▶", door)
    last = await boss.expect("Page 2 of 2")
    assert [label.split(" · ")[0] for label in last.labels[:-2]] == ["Guest J"]
    boss.press("« Attendees", last)
    listing = await boss.expect("10 of 20 seats taken")
    assert "— guest8@example.com ✅" in listing.text
    assert listing.text.count("✅") == 1


async def _registration_of(sessions: Sessions, letter: str) -> int:
    async with sessions.begin() as session:
        found = await session.scalar(
            select(Registration.id).where(Registration.chat_id == 5000 + "JIHGFEDCBA".index(letter))
        )
        assert found is not None
        return found


async def test_the_sandbox_saves_the_ticket_and_a_manager_scans_it(
    bot: RunningBot,
    emulator: BotAPIEmulator,
    clock: ShiftableClock,
    sessions: Sessions,
    tmp_path: Path,
) -> None:
    await seed_demo(bot.app.deps, now=clock.now())
    chat, screen = make_chat(bot, emulator, tmp_path)
    await chat.handle(":scan")
    assert "no picture saved yet" in screen.getvalue()
    await chat.handle("/events")
    await chat.handle("2")  # Jazz night
    await chat.handle("1")  # ✅ Register
    await chat.handle("#2")  # 🎟 My ticket, on the card above the confirmation
    saved = list((tmp_path / "files").glob("*-photo.png"))
    assert len(saved) == 1
    assert f"🖼 saved to {saved[0]}" in screen.getvalue()
    await chat.handle(":as maya")
    await chat.handle(f":scan {tmp_path / 'nothing.png'}")
    assert "can't read a picture" in screen.getvalue()
    await chat.handle(":scan")  # two days early: refused, naming the event
    assert "⛔ Not checked in: this ticket is for Jazz night" in screen.getvalue()
    clock.advance(await event_start(sessions, "Jazz night") - clock.now() - timedelta(minutes=30))
    await chat.handle(":scan")
    assert "✅ Alice checked in (1/1)\n│ 🎟 Jazz night · " in screen.getvalue()


async def test_a_ticket_counts_only_while_its_doors_are_open_and_names_its_event(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await manager_with_event(emulator, clock, capacity=5)  # in two days
    ann, bob = Person(emulator, 1001, "Ann"), Person(emulator, 1003, "Bob")
    await register(ann, "ann@example.com")
    _, anns = await ticket_of(ann, emulator)
    await register(bob, "bob@example.com")
    _, bobs = await ticket_of(bob, emulator)
    starts_at = await event_start(sessions)
    when = ui.fmt.when(starts_at, BERLIN)

    # the wrong day (another event's door, most likely): refused, named, nothing changes
    early = await boss.ask(f"/start {anns}", "Not checked in")
    assert early.text == (
        f"⛔ Not checked in: this ticket is for Jazz night on {when}. "
        "Check-in opens 12 hours before the start."
    )
    assert all(at is None for _, at, _ in await checked_in_rows(sessions))

    clock.advance(starts_at - timedelta(hours=12) - clock.now())  # the doors open
    await boss.ask(f"/start {anns}", "✅ Ann checked in (1/2)")
    clock.advance(timedelta(hours=36, minutes=1))  # a day after the start: over
    late = await boss.ask(f"/start {bobs}", "Not checked in")
    assert late.text == (
        f"⛔ Not checked in: this ticket is for Jazz night on {when}, which is over."
    )
    checked = {rid: at for rid, at, _ in await checked_in_rows(sessions)}
    assert sum(at is not None for at in checked.values()) == 1  # Ann's only
