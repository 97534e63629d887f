"""PostgreSQL's inline reads (db.inline_pg) give every connection back, or end it, whatever
happens to the read: a refusal, a cancellation, a connection that died while idle."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from sqlalchemy import Float, Integer, bindparam, func, literal, select, text

from db.inline_pg import InlinePostgres
from db.inline_reads import _REUSED, InlineReader, reused
from db.session import Database

pytestmark = pytest.mark.postgres

_SLOW = select(func.pg_sleep(bindparam("seconds", type_=Float)), literal(1))
_RATIO = select(literal(10).op("/", return_type=Integer)(bindparam("divisor", type_=Integer)))
_NUMERIC = select(literal(10) / bindparam("divisor", type_=Integer))  # numeric on PostgreSQL


@pytest.fixture
async def db(postgres_url: str) -> AsyncIterator[Database]:
    """The bot's Database on a migrated PostgreSQL database, with this module's statements
    marked reused while it lasts (test_inline_reads runs every statement the bot marks)."""
    database = Database(postgres_url)
    for statement in (_SLOW, _RATIO, _NUMERIC):
        reused(statement)
    try:
        yield database
    finally:
        await database.dispose()
        for statement in (_SLOW, _RATIO, _NUMERIC):
            del _REUSED[id(statement)]


def _inline(reader: object) -> InlinePostgres:
    assert isinstance(reader, InlineReader)
    assert isinstance(reader._inline, InlinePostgres)
    return reader._inline


async def _left_in_transaction(db: Database) -> int:
    """How many connections to this database sit in an open transaction."""
    async with db.engine.connect() as conn:
        return (
            await conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
                )
            )
        ) or 0


async def test_a_refused_statement_gives_its_connection_back(db: Database) -> None:
    async with db.query() as reader:
        assert await reader.scalar(_RATIO, {"divisor": 5}) == 2
        inline = _inline(reader)
        (conn,) = inline._idle
        with pytest.raises(Exception, match="division by zero"):
            await reader.scalar(_RATIO, {"divisor": 0})
        assert inline._idle == [conn] and not conn.is_in_transaction()
        assert await reader.scalar(_RATIO, {"divisor": 2}) == 5
    assert await _left_in_transaction(db) == 0


async def test_a_cancelled_read_ends_its_connection_and_frees_its_place(db: Database) -> None:
    async with db.query() as reader:
        inline = _inline(reader)
        read = asyncio.create_task(reader.execute(_SLOW, {"seconds": 5}))
        await asyncio.sleep(0.5)
        assert not read.done()
        read.cancel()
        with pytest.raises(asyncio.CancelledError):
            await read
        assert inline._idle == []  # ended, not kept
        # every place is free again: as many reads at once as the pool allows
        reads = [reader.scalar(_RATIO, {"divisor": 1}) for _ in range(db._inline_pg_size)]
        assert await asyncio.gather(*reads) == [10] * db._inline_pg_size
    assert await _left_in_transaction(db) == 0


async def test_a_connection_that_died_while_idle_is_replaced(db: Database) -> None:
    async with db.query() as reader:
        assert await reader.scalar(_RATIO, {"divisor": 1}) == 10
        inline = _inline(reader)
        (conn,) = inline._idle
        pid = conn.get_server_pid()
        async with db.engine.connect() as admin:
            await admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await asyncio.sleep(0.2)
        assert await reader.scalar(_RATIO, {"divisor": 1}) == 10  # read again, on a new one
        (fresh,) = inline._idle
        assert fresh is not conn and fresh.get_server_pid() != pid


async def test_disposing_closes_the_idle_connections(db: Database) -> None:
    async with db.query() as reader:
        assert await reader.scalar(_RATIO, {"divisor": 1}) == 10
        (conn,) = _inline(reader)._idle
    await db.dispose()
    assert conn.is_closed()


async def test_a_type_read_by_the_driver_column_type_goes_through_sqlalchemy(db: Database) -> None:
    async with db.query() as reader:
        assert reader.runs_inline(_RATIO)
        assert not reader.runs_inline(_NUMERIC)  # asyncpg's Numeric needs the column's type
        assert await reader.scalar(_NUMERIC, {"divisor": 4}) == Decimal("2.5")
