"""Fixtures: a migrated database per test, the Bot API emulator, and running bots.

The database is a SQLite file, or with ``TEST_DATABASE=postgresql`` a fresh PostgreSQL
database (copied from one migrated template per session), so the whole suite runs on either
backend; ``sqlite_only`` tests (SQLite's own locking, files) are skipped on PostgreSQL. The
``postgres``-marked tests always use PostgreSQL (races that need real parallel connections).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import build_application, start_polling, stop_polling
from bot.clock import ShiftableClock
from bot.config import Settings
from bot.context import EventBotApp
from bot.emulator import BotAPIEmulator
from bot.migrate import upgrade_to_head
from db.session import Database
from tests import postgres

T = TypeVar("T")
TOKEN = "123456789:TEST-token"
INVITE_CODE = "let-me-manage"


BACKEND = os.environ.get("TEST_DATABASE", "sqlite").lower()
if BACKEND not in ("sqlite", "postgresql"):
    raise ValueError(f"TEST_DATABASE must be sqlite or postgresql, not {BACKEND!r}")


def pytest_configure(config: pytest.Config) -> None:
    """Register the markers (deselect PostgreSQL-only tests with ``-m "not postgres"``)."""
    config.addinivalue_line("markers", "postgres: needs a PostgreSQL server (tests/postgres.py)")
    config.addinivalue_line("markers", "sqlite_only: about SQLite itself; skipped on PostgreSQL")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With TEST_DATABASE=postgresql, skip the tests about SQLite itself."""
    if BACKEND != "postgresql":
        return
    skip = pytest.mark.skip(reason="about SQLite itself (TEST_DATABASE=postgresql)")
    for item in items:
        if "sqlite_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """Admin URL of a PostgreSQL server for this test session.

    ``TEST_POSTGRES_URL`` when set, else a throwaway cluster (tests/postgres.py) started on a
    unix socket in a temporary directory and stopped after the last test. Tests using it are
    skipped when PostgreSQL isn't installed, unless ``TEST_REQUIRE_POSTGRES`` is set (CI).
    """
    try:
        with postgres.server() as url:
            yield url
    except postgres.PostgresUnavailable as exc:
        if os.environ.get("TEST_REQUIRE_POSTGRES"):
            pytest.fail(f"{exc} (TEST_REQUIRE_POSTGRES is set)", pytrace=False)
        pytest.skip(str(exc))


@pytest.fixture
async def postgres_empty_url(postgres_server: str) -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database, dropped after the test."""
    name = postgres.new_database_name()
    url = await postgres.create_database(postgres_server, name)
    yield url
    await postgres.drop_database(postgres_server, name)


@pytest.fixture
def postgres_url(postgres_empty_url: str) -> str:
    """A fresh PostgreSQL database brought to head by the real Alembic migrations."""
    upgrade_to_head(postgres_empty_url)
    return postgres_empty_url


@pytest.fixture(scope="session")
def postgres_template(postgres_server: str) -> Iterator[str]:
    """The name of a database migrated to head once, that each test's database copies."""
    name = postgres.new_database_name()
    upgrade_to_head(_in_thread(postgres.create_database(postgres_server, name)))
    yield name
    _in_thread(postgres.drop_database(postgres_server, name))


def _in_thread(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to the end on a loop of its own (callers may be inside a loop)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite file brought to head by the real Alembic migrations."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'eventbot.db'}"
    upgrade_to_head(url)
    return url


@pytest.fixture
async def database_url(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """The test's database at head: SQLite, or PostgreSQL with TEST_DATABASE=postgresql."""
    if BACKEND == "sqlite":
        yield request.getfixturevalue("sqlite_url")
        return
    admin: str = request.getfixturevalue("postgres_server")
    template: str = request.getfixturevalue("postgres_template")
    name = postgres.new_database_name()
    url = await postgres.create_database(admin, name, template=template)
    yield url
    await postgres.drop_database(admin, name)


class Sessions:
    """Transactions on the test database, taken the way the bot takes them.

    ``begin()`` is a write transaction through ``db.session.Database``: SQLite runs inline on
    the event loop, so concurrent writers must queue on its asyncio lock, as the bot's do.
    """

    def __init__(self, database_url: str) -> None:
        self.db = Database(database_url)

    def begin(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A write transaction, committed on success."""
        return self.db.write()


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Sessions]:
    """Transactions on the migrated database."""
    handle = Sessions(database_url)
    yield handle
    await handle.db.dispose()


@pytest.fixture
async def emulator() -> AsyncIterator[BotAPIEmulator]:
    """The local Bot API server on a free loopback port."""
    emu = BotAPIEmulator(TOKEN)
    await emu.start()
    yield emu
    await emu.close()


@pytest.fixture
def clock() -> ShiftableClock:
    """The bot's clock, which tests move forward."""
    return ShiftableClock()


def make_settings(database_url: str, api_url: str, **overrides: Any) -> Settings:
    """Settings for a test bot; no .env file is read."""
    values: dict[str, Any] = {
        "bot_token": TOKEN,
        "database_url": database_url,
        "telegram_api_url": api_url,
        "manager_invite_code": INVITE_CODE,
        "timezone": "Europe/Berlin",
        "reminder_offsets": "24h,1h",
        "bcrypt_rounds": 4,
        "reminder_poll_seconds": 0.2,
        "send_rate_limit": 200,
        "replica_claim_seconds": 3,  # PostgreSQL: a killed bot's claims lapse quickly
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class RunningBot(AbstractAsyncContextManager["RunningBot"]):
    """A real Application polling the emulator over HTTP, from start to clean shutdown."""

    def __init__(self, settings: Settings, clock: ShiftableClock, emulator: BotAPIEmulator) -> None:
        self.app: EventBotApp = build_application(settings, clock=clock)
        self.emulator = emulator

    async def __aenter__(self) -> RunningBot:
        await start_polling(self.app, poll_timeout=1)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.emulator.set_long_polls(False)  # answer the pending getUpdates at once
        try:
            async with asyncio.timeout(60):  # a stop that hangs fails here, with a traceback
                await stop_polling(self.app)
        finally:
            self.emulator.set_long_polls(True)


BotFactory = Callable[..., Awaitable[RunningBot]]


@pytest.fixture
async def start_bot(
    database_url: str, emulator: BotAPIEmulator, clock: ShiftableClock
) -> AsyncIterator[BotFactory]:
    """Start bots on the shared database and emulator; all are stopped at the end."""
    running: list[RunningBot] = []

    async def start(**overrides: Any) -> RunningBot:
        bot = RunningBot(make_settings(database_url, emulator.url, **overrides), clock, emulator)
        await bot.__aenter__()
        running.append(bot)
        return bot

    yield start
    for bot in reversed(running):
        if bot.app.running:
            await bot.__aexit__(None, None, None)


@pytest.fixture
async def bot(start_bot: BotFactory) -> RunningBot:
    """One running bot with the default test settings."""
    return await start_bot()
