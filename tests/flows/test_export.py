"""*Export attendees (CSV)* on the manager's card, pressed through the emulator: the file a
manager gets, and the presses that get none."""

from __future__ import annotations

import codecs
import csv
import io
from datetime import timedelta

from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator, ChatMessage
from bot.ui.callbacks import ManageAction, ManagerCard
from tests.conftest import RunningBot, Sessions
from tests.flows.card_actions import (
    event_id_of,
    press_for_an_unknown_event,
    press_on_an_empty_event,
    presses_by_non_managers,
)
from tests.flows.helpers import BERLIN, manager_with_event
from tests.services.attendee_rows import add_person, check_in, join_waitlist, register

TITLE = "Jazz/Blues 🎷 night"
NAMES = ['Smith, "Jo"', "two\nlines", "Zoë 👩‍💻", '=HYPERLINK("http://x.example","hi")']


def export_data(event_id: int) -> str:
    return ManagerCard(event_id, ManageAction.EXPORT).pack()


def documents(emulator: BotAPIEmulator, chat_id: int) -> list[ChatMessage]:
    return [m for m in emulator.bot_messages(chat_id) if m.document is not None]


async def test_the_manager_gets_every_attendee_and_waiting_person_as_csv(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await manager_with_event(emulator, clock, title=TITLE, capacity=len(NAMES))
    created = emulator.bot_messages(boss.chat_id)[-1]  # the buttons' data is pressed on it
    event_id = await event_id_of(sessions, TITLE)
    registered_at = clock.now() - timedelta(hours=3)
    async with sessions.begin() as session:
        for i, name in enumerate(NAMES):
            person = await add_person(session, name, f"p{i}@example.com", now=registered_at)
            seat = await register(session, person, event_id, now=registered_at)
            if i == 0:
                await check_in(session, seat.id, at=registered_at + timedelta(minutes=5))
        late = await add_person(session, "Late Larry", "larry@example.com", now=registered_at)
        await join_waitlist(session, late, event_id, now=registered_at)

    answer = await boss.answer_to(boss.press_data(created, export_data(event_id)))
    assert not answer.get("show_alert")
    sent = await boss.expect("Attendees of")
    assert sent.text == f"📄 Attendees of {TITLE}: 4 registered, 1 waiting."
    assert sent.document is not None and sent.document_bytes is not None
    assert sent.document["file_name"] == "Jazz_Blues 🎷 night-attendees.csv"
    content = sent.document_bytes
    assert content.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["name", "email", "registered at", "checked in at", "waitlist position"]
    assert [row[0] for row in rows[1:]] == [*NAMES[:3], "'" + NAMES[3], "Late Larry"]
    local = registered_at.astimezone(BERLIN)
    assert rows[1][1:] == [
        "p0@example.com",
        local.isoformat(timespec="seconds"),
        (local + timedelta(minutes=5)).isoformat(timespec="seconds"),
        "",
    ]
    assert rows[1][2].endswith(("+01:00", "+02:00"))  # Berlin's offset, whatever the season
    assert rows[2][3:] == ["", ""]
    assert rows[5] == ["Late Larry", "larry@example.com", "", "", "1"]


async def test_an_event_nobody_registered_for_gets_a_line_not_a_file(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await press_on_an_empty_event(emulator, clock, sessions, ManageAction.EXPORT)
    await boss.expect("Nobody has registered for Jazz night yet, so there is nothing to export.")
    assert documents(emulator, boss.chat_id) == []


async def test_an_unknown_event_is_answered_politely(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock
) -> None:
    boss = await press_for_an_unknown_event(emulator, clock, ManageAction.EXPORT)
    assert documents(emulator, boss.chat_id) == []


async def test_customers_and_strangers_get_no_file(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    for person in await presses_by_non_managers(emulator, clock, sessions, ManageAction.EXPORT):
        assert documents(emulator, person.chat_id) == []
        assert not any("ann@example.com" in m.text for m in emulator.bot_messages(person.chat_id))


async def test_a_press_in_a_group_sends_the_file_to_the_managers_private_chat(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await manager_with_event(emulator, clock)
    event_id = await event_id_of(sessions, "Jazz night")
    async with sessions.begin() as session:
        ann = await add_person(session, "Ann", "ann@example.com", now=clock.now())
        await register(session, ann, event_id, now=clock.now())
    emulator.add_group(-500, "Friends")
    posted = emulator.post_as_bot(-500, "Jazz night")
    boss.press_data(posted, export_data(event_id))
    sent = await boss.expect("Attendees of")  # in the private chat
    assert sent.chat_id == boss.chat_id and sent.document_bytes is not None
    assert b"ann@example.com" in sent.document_bytes
    assert documents(emulator, -500) == []
