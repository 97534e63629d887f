"""The registrations chart after people cancel and come back, pressed through the emulator:
the picture draws who holds a seat (its colour), the cancellations and the capacity, and the
caption counts every registration made."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator
from bot.ui import chart as chart_ui
from bot.ui.callbacks import ManageAction, ManagerCard
from db.models import Event
from tests.conftest import RunningBot, Sessions
from tests.flows.helpers import manager_with_event
from tests.people import Person


def has_colour(image: Image.Image, colour: str) -> bool:
    """Whether some pixel has exactly ``colour`` (#rrggbb): the middle of a drawn line."""
    wanted = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return any(count and rgb[:3] == wanted for count, rgb in image.getcolors(1 << 24) or [])


async def take_seat(person: Person) -> None:
    listing = await person.ask("/events", "Upcoming events")
    person.press(listing.labels[0])
    await person.expect("📍 Main hall")
    person.press("✅ Register")
    await person.expect("You're registered for Jazz night")


async def give_it_back(person: Person) -> None:
    mine = await person.ask("/myevents", "Your upcoming events")
    person.press(mine.labels[0])
    person.press("❌ Cancel registration", await person.expect("You're registered."))
    person.press("Yes, cancel it", await person.expect("Cancel your registration"))
    await person.expect("Your registration for Jazz night is cancelled.")


async def test_the_chart_after_cancellations_and_returns_draws_the_seats_held(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await manager_with_event(emulator, clock, capacity=1)
    created = emulator.bot_messages(boss.chat_id)[-1]
    ann, bob = Person(emulator, 1001, "Ann"), Person(emulator, 1002, "Bob")
    for person in (ann, bob):
        await person.sign_up(f"{person.name.lower()}@example.com", "customer-secret")
    await take_seat(ann)
    await give_it_back(ann)
    await take_seat(bob)
    await give_it_back(bob)
    await take_seat(ann)  # back again: one seat held, three registrations made
    async with sessions.begin() as session:
        event_id = await session.scalar(select(Event.id))
    assert event_id is not None

    boss.press_data(created, ManagerCard(event_id, ManageAction.CHART).pack())
    sent = await boss.expect("registrations made")
    assert sent.text == "📈 Jazz night\n3 registrations made, 2 cancelled; 1 of 1 seat taken now."
    assert sent.photo_bytes is not None
    image = Image.open(io.BytesIO(sent.photo_bytes)).convert("RGB")
    for colour in (chart_ui.SEATS_COLOUR, chart_ui.CANCELLATIONS_COLOUR, chart_ui.CAPACITY_COLOUR):
        assert has_colour(image, colour), colour
