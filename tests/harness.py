"""A running bot on its own event-loop thread, for synchronous tests such as hypothesis's."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator
from bot.migrate import upgrade_to_head
from tests.conftest import TOKEN, RunningBot, make_settings

T = TypeVar("T")


class ErrorRecords(logging.Handler):
    """Keeps every ERROR (or worse) log record: an unhandled exception leaves one."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class ThreadedBot:
    """Emulator and bot on a background loop; ``run`` executes a coroutine there."""

    def __init__(self, tmp_path: Path, **overrides: Any) -> None:
        self.errors = ErrorRecords()
        logging.getLogger().addHandler(self.errors)
        self.database_url = f"sqlite+aiosqlite:///{tmp_path / 'threaded.db'}"
        upgrade_to_head(self.database_url)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.emulator = BotAPIEmulator(TOKEN)
        self.clock = ShiftableClock()
        self.overrides = overrides
        self.bot: RunningBot | None = None
        self.run(self._start())

    async def _start(self) -> None:
        await self.emulator.start()
        settings = make_settings(self.database_url, self.emulator.url, **self.overrides)
        self.bot = RunningBot(settings, self.clock, self.emulator)
        await self.bot.__aenter__()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        """Run ``coroutine`` on the bot's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        """Stop bot, emulator and loop."""

        async def stop() -> None:
            if self.bot is not None:
                await self.bot.__aexit__(None, None, None)
            await self.emulator.close()

        self.run(stop())
        logging.getLogger().removeHandler(self.errors)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()
