"""PostgreSQL rows of the benchmarks: P1 and P2 with one replica, P2 with two.

The data is seeded into SQLite as for the other rows (bench/seed.py) and copied into a fresh,
migrated PostgreSQL database, on a throwaway server (tests/postgres.py: the distribution's
PostgreSQL, or TEST_POSTGRES_URL). Replicas are `eventbot run` processes on that database; with
two, one polls (the poller lease) and both handle updates (bench: ``--postgres``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from bench import scenarios
from bench.harness import BotProcess, timed
from bench.seed import Seeder
from bot.config import Settings
from bot.emulator import BotAPIEmulator
from bot.migrate import upgrade_to_head
from db.models import Base
from tests import postgres

COPIED = ("users", "telegram_accounts", "events")


@contextmanager
def server() -> Iterator[str]:
    """Admin URL of a PostgreSQL server for the benchmark run."""
    with postgres.server() as url:
        yield url


async def copy_into_postgres(sqlite_path: Path, admin_url: str, name: str) -> str:
    """A migrated PostgreSQL database ``name`` holding the seeded SQLite file's rows."""
    url = await postgres.create_database(admin_url, name)
    await asyncio.to_thread(upgrade_to_head, url)
    source = create_engine(f"sqlite:///{sqlite_path}")
    target = create_async_engine(url)
    try:
        async with target.begin() as conn:
            for table_name in COPIED:
                table = Base.metadata.tables[table_name]
                with source.connect() as read:
                    rows = [dict(row._mapping) for row in read.execute(select(table))]
                for start in range(0, len(rows), 2000):
                    await conn.execute(insert(table), rows[start : start + 2000])
                if "id" in table.c:
                    await conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table_name}', 'id'), "
                            f"(SELECT coalesce(max(id), 1) FROM {table_name}))"
                        )
                    )
    finally:
        source.dispose()
        await target.dispose()
    return url


async def p1_postgres(
    emulator: BotAPIEmulator, workdir: Path, admin_url: str, *, quick: bool, echo: float
) -> list[scenarios.Row]:
    """P1's browsing mix as shipped, on PostgreSQL, one replica."""

    def seed() -> None:
        seeder = Seeder(str(workdir / "p1pg.db"))
        seeder.users(1, 1, role="manager")
        seeder.events(1, 40, capacity=50, creator=1)
        seeder.close()

    await asyncio.to_thread(seed)
    url = await copy_into_postgres(workdir / "p1pg.db", admin_url, postgres.new_database_name())
    users = list(range(1000, 1100))
    for user in users:
        emulator.add_user(user, f"U{user}")
    default = Settings.model_fields["concurrent_chats"].default
    rate = await scenarios.browse_rate(emulator, url, users, 8 if quick else 20, default)
    return [
        scenarios.Row(
            "P1 pg",
            f"EventBot browsing on PostgreSQL, one replica (CONCURRENT_CHATS={default})",
            f"{rate} ({rate.per_second / echo:.2f}× echo)",
            "report",
            None,
        )
    ]


async def p2_postgres(
    emulator: BotAPIEmulator, workdir: Path, admin_url: str, *, quick: bool, echo: float
) -> list[scenarios.Row]:
    """P2's ticket drop on PostgreSQL with one replica, then with two."""
    people = 2000 if quick else 5000
    first = 40_000
    users = list(range(first, first + people))

    def seed() -> None:
        seeder = Seeder(str(workdir / "p2pg.db"))
        seeder.users(1, 1, role="manager")
        seeder.users(first, people)
        seeder.events(1, 2, capacity=500, creator=1)
        seeder.close()

    await asyncio.to_thread(seed)
    for user in users:
        emulator.add_user(user, f"U{user}")
    rows: list[scenarios.Row] = []
    for replicas in (1, 2):
        url = await copy_into_postgres(workdir / "p2pg.db", admin_url, postgres.new_database_name())
        bots = [scenarios.eventbot(emulator, url) for _ in range(replicas)]
        for bot in bots:
            await bot.start()
        try:
            confirmed, answered, drain = await _drop(emulator, users, people)
        finally:
            for bot in bots:
                await bot.stop()
        label = "one replica" if replicas == 1 else "two replicas"
        rows += [
            scenarios.Row(
                f"P2 pg×{replicas}",
                f"{people:,} presses for 500 seats on PostgreSQL, {label}",
                f"{confirmed} confirmed, {answered:,}/{people:,} answered",
                "exactly 500, all answered",
                confirmed == 500 and answered == people,
            ),
            scenarios.Row(
                f"P2 pg×{replicas}",
                "drain rate of that burst",
                f"{drain:.0f} upd/s ({drain / echo:.2f}× echo)",
                "report",
                None,
            ),
        ]
    return rows


async def _drop(emulator: BotAPIEmulator, users: list[int], people: int) -> tuple[int, int, float]:
    """Everyone presses Register on event 1 at once: confirmed, answered, updates/s."""
    markup = {"inline_keyboard": [[{"text": "✅ Register", "callback_data": "ev:1:reg"}]]}
    cards = {user: emulator.post_as_bot(user, "Jazz night", markup) for user in users}
    before = len(emulator.callback_answers)
    for user in users:
        emulator.press(user, cards[user], "ev:1:reg")
    seconds = await timed(emulator, lambda: len(emulator.callback_answers) >= before + people)
    burst = emulator.callback_answers[before:]
    confirmed = sum(1 for a in burst if a["text"] == "✅ You're registered!")
    return confirmed, len(burst), people / seconds


async def pg_rows(
    emulator: BotAPIEmulator, workdir: Path, *, quick: bool, echo: float
) -> list[scenarios.Row]:
    """PG: P1 and P2 on PostgreSQL (one replica), and P2 with two replicas."""
    try:
        with server() as admin_url:
            rows = await p1_postgres(emulator, workdir, admin_url, quick=quick, echo=echo)
            rows += await p2_postgres(emulator, workdir, admin_url, quick=quick, echo=echo)
            return rows
    except postgres.PostgresUnavailable as exc:
        return [scenarios.Row("PG", "PostgreSQL rows", f"skipped: {exc}", "", None)]


__all__ = ["BotProcess", "p1_postgres", "p2_postgres", "pg_rows", "server"]
