"""Steps shared by the flow tests of the buttons on a manager's card (export, chart ...):
finding the event, pressing an action on an event nobody registered for and on one that
doesn't exist, and the presses of people who aren't managers."""

from __future__ import annotations

from sqlalchemy import select

from bot import ui
from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator
from bot.ui.callbacks import ManageAction, ManagerCard
from db.models import Event
from tests.conftest import Sessions
from tests.flows.helpers import manager_with_event
from tests.people import Person
from tests.services.attendee_rows import add_person, register

UNKNOWN_EVENT = 424242


async def event_id_of(sessions: Sessions, title: str) -> int:
    """The id of the event called ``title``."""
    async with sessions.begin() as session:
        found = await session.scalar(select(Event.id).where(Event.title == title))
    assert found is not None
    return found


async def press_on_an_empty_event(
    emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions, action: ManageAction
) -> Person:
    """A manager presses ``action`` on their event that nobody registered for; the manager,
    to read the answer."""
    boss = await manager_with_event(emulator, clock)
    created = emulator.bot_messages(boss.chat_id)[-1]
    event_id = await event_id_of(sessions, "Jazz night")
    boss.press_data(created, ManagerCard(event_id, action).pack())
    return boss


async def press_for_an_unknown_event(
    emulator: BotAPIEmulator, clock: ShiftableClock, action: ManageAction
) -> Person:
    """A manager presses ``action`` for an event that doesn't exist and is told so in an
    alert; the manager, to check that nothing else came."""
    boss = await manager_with_event(emulator, clock)
    created = emulator.bot_messages(boss.chat_id)[-1]
    data = ManagerCard(UNKNOWN_EVENT, action).pack()
    answer = await boss.answer_to(boss.press_data(created, data))
    assert answer["text"] == "That event doesn't exist (any more)." and answer["show_alert"]
    return boss


async def presses_by_non_managers(
    emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions, action: ManageAction
) -> list[Person]:
    """A customer and a stranger press ``action`` of an event Ann registered for (and of an
    unknown event, and forged ids): each press is refused in an alert. The two, to check
    that nothing else came."""
    await manager_with_event(emulator, clock)
    event_id = await event_id_of(sessions, "Jazz night")
    async with sessions.begin() as session:
        ann = await add_person(session, "Ann", "ann@example.com", now=clock.now())
        await register(session, ann, event_id, now=clock.now())
    customer = Person(emulator, 1001, "Cat")
    await customer.sign_up("cat@example.com", "customer-secret")
    stranger = Person(emulator, 1002, "Stranger")
    presses = [
        ManagerCard(event_id, action).pack(),
        ManagerCard(UNKNOWN_EVENT, action).pack(),
        f"mc:0:{action.value}",
        f"mc:x:{action.value}",
    ]
    for person, refusal in [
        (customer, ui.common.managers_only()),
        (stranger, ui.common.login_first()),
    ]:
        message = await person.ask("/events", "Upcoming events")
        for data in presses:
            answer = await person.answer_to(person.press_data(message, data))
            assert answer["text"] == refusal and answer["show_alert"], (person.name, data)
    return [customer, stranger]
