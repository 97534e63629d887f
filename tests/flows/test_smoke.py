"""The bot answers /start over the emulator."""

from __future__ import annotations

from bot.emulator import BotAPIEmulator
from tests.conftest import RunningBot
from tests.people import Person


async def test_start_shows_welcome_with_buttons(bot: RunningBot, emulator: BotAPIEmulator) -> None:
    ann = Person(emulator, 1001, "Ann")
    message = await ann.ask("/start", "Welcome to EventBot")
    assert message.labels == ["📝 Sign up", "🔑 Log in", "📅 Events"]
