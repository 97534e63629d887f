"""*Registrations chart* on the manager's card, pressed through the emulator: a real PNG with
both lines and the capacity, a line of text when there is nothing to draw, refusals."""

from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image

from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator, ChatMessage
from bot.ui import chart as chart_ui
from bot.ui.callbacks import ManageAction, ManagerCard
from tests.conftest import RunningBot, Sessions
from tests.flows.card_actions import (
    event_id_of,
    press_for_an_unknown_event,
    press_on_an_empty_event,
    presses_by_non_managers,
)
from tests.flows.helpers import manager_with_event
from tests.services.attendee_rows import add_person, cancel, register

TITLE = r"Jazz $\frac$ night 🎷"  # TeX to matplotlib unless told otherwise: an error


def chart_data(event_id: int) -> str:
    return ManagerCard(event_id, ManageAction.CHART).pack()


def photos(emulator: BotAPIEmulator, chat_id: int) -> list[ChatMessage]:
    return [m for m in emulator.bot_messages(chat_id) if m.photo is not None]


def has_colour(image: Image.Image, colour: str) -> bool:
    """Whether some pixel has exactly ``colour`` (#rrggbb): the middle of a drawn line."""
    wanted = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return any(count and rgb[:3] == wanted for count, rgb in image.getcolors(1 << 24) or [])


async def test_the_manager_gets_a_chart_of_registrations_and_cancellations(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await manager_with_event(
        emulator, clock, title=TITLE, capacity=6, starts_in=timedelta(days=10)
    )
    created = emulator.bot_messages(boss.chat_id)[-1]
    event_id = await event_id_of(sessions, TITLE)
    now = clock.now()
    async with sessions.begin() as session:
        people = [
            await add_person(session, f"Guest {i}", f"g{i}@example.com", now=now) for i in range(5)
        ]
        for day, person in enumerate(people):
            await register(session, person, event_id, now=now - timedelta(days=6 - day))
        await cancel(session, people[0], event_id, now=now)

    answer = await boss.answer_to(boss.press_data(created, chart_data(event_id)))
    assert not answer.get("show_alert")
    sent = await boss.expect("registrations made")
    assert sent.text == f"📈 {TITLE}\n5 registrations made, 1 cancelled; 4 of 6 seats taken now."
    assert sent.photo is not None and sent.photo_bytes is not None
    image = Image.open(io.BytesIO(sent.photo_bytes))
    assert image.format == "PNG"
    assert image.size == (chart_ui.WIDTH, chart_ui.HEIGHT)
    assert (sent.photo[0]["width"], sent.photo[0]["height"]) == image.size
    rgb = image.convert("RGB")
    assert len(rgb.getcolors(1 << 24) or []) > 50  # not a blank canvas
    for colour in (
        chart_ui.REGISTRATIONS_COLOUR,
        chart_ui.CANCELLATIONS_COLOUR,
        chart_ui.CAPACITY_COLOUR,
    ):
        assert has_colour(rgb, colour), colour


async def test_an_event_nobody_registered_for_gets_a_line_not_a_chart(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await press_on_an_empty_event(emulator, clock, sessions, ManageAction.CHART)
    await boss.expect("Nobody has registered for Jazz night yet, so there is no chart to draw.")
    assert photos(emulator, boss.chat_id) == []


async def test_an_unknown_event_is_answered_politely(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock
) -> None:
    boss = await press_for_an_unknown_event(emulator, clock, ManageAction.CHART)
    assert photos(emulator, boss.chat_id) == []


async def test_customers_and_strangers_get_no_chart(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    for person in await presses_by_non_managers(emulator, clock, sessions, ManageAction.CHART):
        assert photos(emulator, person.chat_id) == []
