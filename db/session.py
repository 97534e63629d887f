"""Engines and transactions: SQLite runs inline on the loop with WAL, foreign keys, IMMEDIATE
writes and lock waits that sleep asynchronously; PostgreSQL is used as it comes, except for
the reused reads, which run on asyncpg directly (db.inline_pg)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_dbapi
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from db import inline_sqlite
from db.inline_pg import InlinePostgres
from db.inline_reads import InlineReader, InlineSQLite, InlineStatements, Reader
from db.update_writes import REPLAY, claim_write, release_write

DEFAULT_BUSY_TIMEOUT = 5.0
BEGIN_OPTION = "sqlite_begin"
NO_BEGIN = "none"
# how long a SQLite call itself may block the event loop waiting for a lock; longer waits
# happen in Database.write, which sleeps asynchronously between tries
INLINE_LOCK_WAIT = 0.05


def is_sqlite(url: str) -> bool:
    """Tell whether ``url`` points at SQLite."""
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(
    url: str, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT, **kwargs: Any
) -> AsyncEngine:
    """Build the async engine for ``url`` with the per-connection set-up the backend needs.

    ``busy_timeout`` is how long a SQLite call blocks waiting for another writer's lock before
    giving up with "database is locked"; SQLite statements run inline on the event loop
    (db.inline_sqlite), so the bot's own Database keeps this short and waits asynchronously.
    """
    if not is_sqlite(url):
        return create_async_engine(url, pool_pre_ping=True, **kwargs)
    engine = create_async_engine(
        url,
        module=AsyncAdapt_aiosqlite_dbapi(inline_sqlite, sqlite3),
        connect_args={"timeout": busy_timeout},
        **kwargs,
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # let SQLAlchemy, not the driver, decide when transactions begin (see _on_begin)
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writers take the write lock up front: a deferred transaction that reads and then
        # writes gets SQLITE_BUSY without waiting when another writer committed in between.
        # Read-only sessions (Database.read) ask for DEFERRED: in WAL they never block.
        # Database.query asks for none: each of its statements is a read of its own.
        mode = connection.get_execution_options().get(BEGIN_OPTION, "IMMEDIATE")
        if mode != NO_BEGIN:
            connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit (we reply after committing)."""
    return async_sessionmaker(engine, expire_on_commit=False)


class Database:
    """The bot's database: write transactions one at a time, reads that take no lock.

    On SQLite only one writer can hold the lock. Writers of this process queue on an asyncio
    lock (first come, first served), then take SQLite's lock with BEGIN IMMEDIATE; if another
    process holds it, they sleep asynchronously and retry for up to ``busy_timeout`` seconds,
    so the event loop never blocks on a lock. Reads use deferred transactions, which in WAL
    mode never wait for writers.
    """

    def __init__(
        self, url: str, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT, pool_size: int = 5
    ) -> None:
        self.busy_timeout = busy_timeout
        self.sqlite = is_sqlite(url)
        # PostgreSQL: one pooled connection per task that may hold one at a time (each update
        # and job uses one AsyncSession, one transaction after another), plus some overflow
        pooling = {} if self.sqlite else {"pool_size": pool_size, "max_overflow": pool_size // 2}
        self.engine = make_engine(
            url, busy_timeout=INLINE_LOCK_WAIT if self.sqlite else 0, **pooling
        )
        self._writes = make_session_factory(self.engine)
        self._reads = make_session_factory(
            self.engine.execution_options(**{BEGIN_OPTION: "DEFERRED"})
        )
        self._queries = self.engine.execution_options(**{BEGIN_OPTION: NO_BEGIN})
        self._write_lock = asyncio.Lock() if self.sqlite else None
        database = make_url(url).database if self.sqlite else None
        self._inline_path = database if database and database != ":memory:" else None
        self._inline: InlineSQLite | None = None
        # PostgreSQL: reused statements on asyncpg connections of their own (db.inline_pg)
        self._inline_pg_size = pool_size + pool_size // 2
        self._inline_pg: InlinePostgres | None = None

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A transaction that may write; committed on success, rolled back on error.

        Inside an update, the transaction is numbered and recorded on the update's inbox row
        (``db.update_writes``); one an earlier run of the update already committed is rolled
        back instead, so replaying an update changes nothing twice.
        """
        if self._write_lock is None:
            session = self._writes()
            try:
                await session.begin()
                async with self._apply_once(session):
                    yield session
            finally:
                await session.close()
            return
        async with self._write_lock:
            session = await self._begin_write()
            try:
                async with self._apply_once(session):
                    yield session
            finally:
                await session.close()

    @asynccontextmanager
    async def _apply_once(self, session: AsyncSession) -> AsyncIterator[None]:
        first_time = await claim_write(session)
        session.info[REPLAY] = not first_time
        try:
            yield
            if first_time:
                await session.commit()
            else:
                await session.rollback()
        except BaseException:
            await session.rollback()
            if first_time:
                release_write()
            raise

    async def _begin_write(self) -> AsyncSession:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.busy_timeout
        pause = 0.005
        while True:
            session = self._writes()
            try:
                await session.connection()  # BEGIN IMMEDIATE: the write lock, or "locked"
                return session
            except OperationalError as exc:
                await session.close()
                if "locked" not in str(exc).lower() or loop.time() + pause > deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.1)

    @asynccontextmanager
    async def write_core(self) -> AsyncIterator[AsyncConnection]:
        """A lean write transaction on a Core connection (no Session, no update numbering),
        for bookkeeping on a hot path outside updates (the update inbox, the outbox claims)."""
        if self._write_lock is None:
            async with self.engine.begin() as conn:
                yield conn
            return
        async with self._write_lock:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self.busy_timeout
            pause = 0.005
            while True:
                conn = await self.engine.connect()
                try:
                    await conn.begin()  # BEGIN IMMEDIATE: the write lock, or "locked"
                    break
                except OperationalError as exc:
                    await conn.close()
                    if "locked" not in str(exc).lower() or loop.time() + pause > deadline:
                        raise
                await asyncio.sleep(pause)
                pause = min(pause * 2, 0.1)
            try:
                yield conn
                await conn.commit()
            except BaseException:
                await conn.rollback()
                raise
            finally:
                await conn.close()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A transaction that only reads (writing in it is a bug)."""
        async with self._reads.begin() as session:
            yield session

    @asynccontextmanager
    async def query(self) -> AsyncIterator[Reader]:
        """A connection for Core reads whose every statement stands alone.

        For the busiest screens (event list, card, the sender's account and form): no
        Session, no ORM objects, and no BEGIN/COMMIT, since a single statement is already a
        consistent read; statements marked ``db.inline_reads.reused`` skip SQLAlchemy's
        execution machinery too, on sqlite3 or asyncpg directly (``python -m bench.micro``
        shows the cost of each way). Use ``read()`` when statements must see one snapshot
        together.
        """
        inline = self._inline_statements()
        if inline is None:
            async with self._queries.connect() as conn:
                yield conn
            return
        reader = InlineReader(inline, self._queries)
        try:
            yield reader
        finally:
            await reader.close()

    def _inline_statements(self) -> InlineStatements | None:
        """Where reused statements run without SQLAlchemy: None if nowhere (SQLite in memory,
        a PostgreSQL driver other than asyncpg)."""
        if self.sqlite:
            if self._inline is None and self._inline_path is not None:
                self._inline = InlineSQLite(
                    self._inline_path, self.engine.dialect, INLINE_LOCK_WAIT
                )
            return self._inline
        dialect = self.engine.dialect
        if self._inline_pg is None and isinstance(dialect, PGDialect_asyncpg):
            self._inline_pg = InlinePostgres(self.engine.url, dialect, self._inline_pg_size)
        return self._inline_pg

    async def dispose(self) -> None:
        """Close every pooled connection."""
        if self._inline is not None:
            self._inline.close()
            self._inline = None
        if self._inline_pg is not None:
            await self._inline_pg.close()
            self._inline_pg = None
        await self.engine.dispose()
