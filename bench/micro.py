"""`python -m bench.micro`: the per-operation costs behind the P1 changes, in one process.

Prints microseconds of CPU per operation, each measured in this run:

* reading an /events page and an event card three ways: an ORM Session with a deferred
  transaction (first version), Core through SQLAlchemy, one statement (until the inline
  reads), and the shipped ``Database.query()``, which on SQLite runs the statement compiled
  once on a plain sqlite3 connection (``db.inline_reads``);
* PTB parsing a button press whose message carries an /events keyboard, as Telegram sends it
  and slimmed the way ``bot.transport.aiohttp_request`` slims it, next to a plain text message.
"""

from __future__ import annotations

import asyncio
import copy
import sqlite3
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, select
from telegram import Bot, Update

from bench.seed import Seeder, stored_time
from bot.services import events
from bot.transport.aiohttp_request import slim_reply
from db.models import Event, Registration, TelegramAccount, User
from db.session import BEGIN_OPTION, NO_BEGIN, Database

PAGE_SIZE = 5
ROUNDS = 3000


async def _per_call(work: Callable[[], Awaitable[Any]], rounds: int = ROUNDS) -> float:
    for _ in range(rounds // 10):  # warm the statement caches
        await work()
    start = time.process_time()
    for _ in range(rounds):
        await work()
    return (time.process_time() - start) / rounds * 1e6


# the reads as they were before Database.query(): ORM entities through a Session
_ORM_PAGE = (
    select(Event)
    .where(Event.starts_at > bindparam("now"))
    .order_by(Event.starts_at.desc(), Event.id.desc())
    .offset(bindparam("offset"))
    .limit(bindparam("limit"))
)
_ORM_CARD = (
    select(Event, User, TelegramAccount.session_expires_at, Registration.id)
    .select_from(Event)
    .outerjoin(TelegramAccount, TelegramAccount.telegram_user_id == bindparam("telegram_user_id"))
    .outerjoin(User, User.id == TelegramAccount.user_id)
    .outerjoin(
        Registration, (Registration.event_id == Event.id) & (Registration.user_id == User.id)
    )
    .where(Event.id == bindparam("event_id"))
)


async def database_reads(path: Path) -> list[tuple[str, float]]:
    """The page and the card: ORM Session, Core through SQLAlchemy, and inline reads."""
    seeder = Seeder(str(path))
    seeder.users(1, 1, role="manager")
    seeder.users(1000, 10)
    seeder.events(1, 40, capacity=50, creator=1)
    seeder.close()
    db = Database(seeder.url)
    now = datetime.now(UTC)
    params = {"now": now, "offset": PAGE_SIZE, "limit": PAGE_SIZE}
    card = {"event_id": 3, "telegram_user_id": 1000}

    async def orm_page() -> None:
        async with db.read() as session:
            await session.scalar(events._TOTAL_UPCOMING, {"now": now})
            list(await session.scalars(_ORM_PAGE, params))

    async def orm_card() -> None:
        async with db.read() as session:
            (await session.execute(_ORM_CARD, card)).first()

    core = db.engine.execution_options(**{BEGIN_OPTION: NO_BEGIN})

    async def core_page() -> None:
        async with core.connect() as conn:
            await events.upcoming_page(conn, now=now, page=1, page_size=PAGE_SIZE)

    async def core_card() -> None:
        async with core.connect() as conn:
            await events.card_view(conn, event_id=3, telegram_user_id=1000, now=now)

    async def inline_page() -> None:
        async with db.query() as conn:
            await events.upcoming_page(conn, now=now, page=1, page_size=PAGE_SIZE)

    async def inline_card() -> None:
        async with db.query() as conn:
            await events.card_view(conn, event_id=3, telegram_user_id=1000, now=now)

    raw = sqlite3.connect(path, isolation_level=None)
    compiled = events._UPCOMING.compile(db.engine.sync_engine)
    raw_sql = str(compiled)
    raw_params = {**params, "now": stored_time(now)}
    positions = [raw_params[name] for name in compiled.positiontup or ()]

    async def sqlite_page() -> None:
        raw.execute(raw_sql, positions).fetchall()

    try:
        return [
            ("/events page: the same SQL on sqlite3 directly", await _per_call(sqlite_page)),
            ("/events page: ORM Session, count + page (first version)", await _per_call(orm_page)),
            (
                "/events page: Core through SQLAlchemy, one statement (before)",
                await _per_call(core_page),
            ),
            (
                "/events page: Database.query(), inline on SQLite (now)",
                await _per_call(inline_page),
            ),
            ("event card: ORM Session (first version)", await _per_call(orm_card)),
            ("event card: Core through SQLAlchemy (before)", await _per_call(core_card)),
            ("event card: Database.query(), inline on SQLite (now)", await _per_call(inline_card)),
        ]
    finally:
        raw.close()
        await db.dispose()


def _button_press() -> dict[str, Any]:
    keyboard = [
        [{"text": f"Event number {i} · 12 Dec 19:30", "callback_data": f"ev:{i}"}]
        for i in range(PAGE_SIZE)
    ]
    keyboard.append(
        [{"text": "◀ Prev", "callback_data": "evl:0"}, {"text": "Next ▶", "callback_data": "evl:2"}]
    )
    lines = [
        f"• <b>Event number {i}</b>\n   Sat 12 Dec 2026, 19:30 UTC · 50 seats left"
        for i in range(PAGE_SIZE)
    ]
    message = {
        "message_id": 5,
        "date": 1_900_000_000,
        "chat": {"id": 1000, "type": "private", "first_name": "Ann"},
        "from": {"id": 1, "is_bot": True, "first_name": "EventBot", "username": "eventbot"},
        "text": "📅 Upcoming events · page 2 of 8\n\n" + "\n".join(lines),
        "entities": [{"type": "bold", "offset": 0, "length": 15}] * (PAGE_SIZE + 1),
        "reply_markup": {"inline_keyboard": keyboard},
    }
    press = {
        "id": "4382",
        "from": {"id": 1000, "is_bot": False, "first_name": "Ann"},
        "chat_instance": "-1",
        "data": "ev:3",
        "message": message,
    }
    return {"update_id": 1, "callback_query": press}


def _parse_cost(reply: dict[str, Any], *, slim: bool, rounds: int = ROUNDS) -> float:
    bot = Bot("1:micro")
    copies = [copy.deepcopy(reply) for _ in range(rounds)]
    start = time.process_time()
    for item in copies:
        if slim:
            slim_reply(item)
        Update.de_json(item["result"][0], bot)
    return (time.process_time() - start) / rounds * 1e6


def update_parsing() -> list[tuple[str, float]]:
    """PTB's cost of turning one update into objects."""
    press = {"ok": True, "result": [_button_press()]}
    text = {
        "ok": True,
        "result": [
            {
                "update_id": 2,
                "message": {
                    "message_id": 6,
                    "date": 1_900_000_000,
                    "chat": {"id": 1000, "type": "private", "first_name": "Ann"},
                    "from": {"id": 1000, "is_bot": False, "first_name": "Ann"},
                    "text": "hello",
                },
            }
        ],
    }
    return [
        ("parse a button press as Telegram sends it (before)", _parse_cost(press, slim=False)),
        ("parse the same press, slimmed", _parse_cost(press, slim=True)),
        ("parse a plain text message (the echo bot's update)", _parse_cost(text, slim=False)),
    ]


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="eventbot-micro-") as tmp:
        rows = asyncio.run(database_reads(Path(tmp) / "micro.db"))
    rows += update_parsing()
    print("| operation | µs of CPU each |\n|---|---|")
    for what, micros in rows:
        print(f"| {what} | {micros:.0f} |")


if __name__ == "__main__":
    main()
