"""`eventbot run` as a real process: migrates a new database and serves a user end to end."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from bot.emulator import BotAPIEmulator
from tests.conftest import TOKEN
from tests.people import Person

ROOT = Path(__file__).resolve().parents[2]


async def test_run_migrates_and_answers_over_http(tmp_path: Path, emulator: BotAPIEmulator) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": TOKEN,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}",
        "TELEGRAM_API_URL": emulator.url,
        "BCRYPT_ROUNDS": "4",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run",
        cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        ann = Person(emulator, 1001, "Ann")
        ann.say("/start")
        await ann.expect("Welcome to EventBot")
        await ann.sign_up("ann@example.com", "customer-secret")
        await ann.ask("/me", "ann@example.com")
        scope = {"type": "all_private_chats"}
        assert "events" in emulator.commands_for(scope)
    finally:
        emulator.set_long_polls(False)
        process.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()
    assert "Traceback" not in stderr.decode()
    assert TOKEN not in stderr.decode()  # httpx logs the URL with the token at INFO
