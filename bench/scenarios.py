"""The five benchmarks. Each returns rows for the report: id, what, figure, goal, verdict."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.harness import BotProcess, timed
from bench.seed import PASSWORD, Seeder
from bot.emulator import BotAPIEmulator, ChatMessage


@dataclass
class Row:
    """One line of the report."""

    id: str
    what: str
    figure: str
    goal: str
    ok: bool | None  # None: informational


def eventbot(emulator: BotAPIEmulator, database_url: str, **env: str) -> BotProcess:
    """EventBot's own `eventbot run`, rate limiter off unless a test sets it."""
    base = {
        "DATABASE_URL": database_url,
        "SEND_RATE_LIMIT": "0",
        "REMINDER_POLL_SECONDS": "3600",
        "BCRYPT_ROUNDS": "12",
    }
    return BotProcess(emulator, ["bot", "run"], {**base, **env})


def echo_bot(emulator: BotAPIEmulator) -> BotProcess:
    """The bare PTB echo bot."""
    return BotProcess(emulator, ["bench.echo_bot"], {})


def _api_writes(emulator: BotAPIEmulator) -> int:
    return emulator.calls["sendMessage"] + emulator.calls["editMessageText"]


async def echo_rate(emulator: BotAPIEmulator, users: list[int], per_user: int) -> float:
    """Updates per second of the echo bot for ``per_user`` messages from each user."""
    bot = echo_bot(emulator)
    await bot.start()
    try:
        for user in users:  # warm-up
            emulator.send_text(user, "warm-up")
        before = _api_writes(emulator)
        await timed(emulator, lambda: _api_writes(emulator) >= before + len(users))
        total = len(users) * per_user
        before = _api_writes(emulator)
        for i in range(per_user):
            for user in users:
                emulator.send_text(user, f"message {i}")
        seconds = await timed(emulator, lambda: _api_writes(emulator) >= before + total)
    finally:
        await bot.stop()
    return total / seconds


def _browse_cycle(emulator: BotAPIEmulator, user: int, message: ChatMessage, event: int) -> int:
    """One user's /events, card, Next, card, Prev: five updates, each ending in one write."""
    emulator.send_text(user, "/events")
    emulator.press(user, message, f"ev:{event}")
    emulator.press(user, message, "evl:1")
    emulator.press(user, message, f"ev:{event + 1}")
    emulator.press(user, message, "evl:0")
    return 5


async def browse_rate(
    emulator: BotAPIEmulator, database_url: str, users: list[int], cycles: int, chats: int
) -> float:
    """Updates per second of EventBot for the browsing mix."""
    bot = eventbot(emulator, database_url, CONCURRENT_CHATS=str(chats))
    await bot.start()
    try:
        messages = {u: emulator.post_as_bot(u, "📅 Upcoming events") for u in users}
        before = _api_writes(emulator)
        warm = sum(_browse_cycle(emulator, u, messages[u], 1) for u in users)
        await timed(emulator, lambda: _api_writes(emulator) >= before + warm)
        before = _api_writes(emulator)
        total = 0
        for cycle in range(cycles):
            for user in users:
                total += _browse_cycle(emulator, user, messages[user], 2 + cycle * 2)
        seconds = await timed(emulator, lambda: _api_writes(emulator) >= before + total)
    finally:
        await bot.stop()
    return total / seconds


async def p1_throughput(emulator: BotAPIEmulator, workdir: Path, *, quick: bool) -> list[Row]:
    """P1: the browsing mix through the whole stack vs the echo bot, and the concurrency sweep."""

    def seed() -> Seeder:
        seeder = Seeder(str(workdir / "p1.db"))
        seeder.users(1, 1, role="manager")
        seeder.events(1, 40, capacity=50, creator=1)
        seeder.close()
        return seeder

    seeder = await asyncio.to_thread(seed)
    users = list(range(1000, 1000 + 100))
    for user in users:
        emulator.add_user(user, f"U{user}")
    per_user = 8 if quick else 20
    echo = await echo_rate(emulator, users, per_user * 5)
    rows = [
        Row("P1", "echo bot (PTB 22, defaults, sequential)", f"{echo:.0f} upd/s", "baseline", None)
    ]
    best: tuple[float, int] | None = None
    for chats in [1, 4, 8, 16]:
        rate = await browse_rate(emulator, seeder.url, users, per_user, chats)
        rows.append(
            Row("P1", f"EventBot browsing, CONCURRENT_CHATS={chats}", f"{rate:.0f} upd/s "
                f"({rate / echo:.2f}× echo)", "", None)
        )  # fmt: skip
        if best is None or rate > best[0]:
            best = (rate, chats)
    assert best is not None
    rows.append(
        Row("P1", f"EventBot browsing at its best setting ({best[1]} chats)",
            f"{best[0] / echo:.2f}× echo", "≥ 0.8× echo", best[0] / echo >= 0.8)
    )  # fmt: skip
    return rows


__all__ = ["PASSWORD", "UTC", "Row", "asyncio", "datetime", "time", "timedelta"]
