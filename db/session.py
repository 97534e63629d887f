"""Engine and session factory; SQLite gets WAL, foreign keys, a busy timeout and BEGIN IMMEDIATE."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

DEFAULT_BUSY_TIMEOUT = 5.0
BEGIN_OPTION = "sqlite_begin"


def is_sqlite(url: str) -> bool:
    """Tell whether ``url`` points at SQLite."""
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(
    url: str, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT, **kwargs: Any
) -> AsyncEngine:
    """Build the async engine for ``url`` with the per-connection set-up the backend needs.

    ``busy_timeout`` is how long a SQLite connection waits for another writer's lock before
    giving up with "database is locked".
    """
    if not is_sqlite(url):
        return create_async_engine(url, pool_pre_ping=True, **kwargs)
    engine = create_async_engine(url, connect_args={"timeout": busy_timeout}, **kwargs)

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
        mode = connection.get_execution_options().get(BEGIN_OPTION, "IMMEDIATE")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit (we reply after committing)."""
    return async_sessionmaker(engine, expire_on_commit=False)


class Database:
    """The bot's database: short write transactions, and read transactions that take no lock.

    On SQLite only one writer can hold the lock, and a waiting writer sleeps in SQLite's busy
    handler (1, 2, 5, 10 … ms), so under load most of the time went to sleeping. Writers of
    this process therefore queue on an asyncio lock first (first come, first served, no
    sleeping) and reads use deferred transactions, which in WAL mode never wait for writers.
    Other processes are still kept in order by SQLite's own lock and busy timeout.
    """

    def __init__(self, url: str, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> None:
        self.engine = make_engine(url, busy_timeout=busy_timeout)
        self._writes = make_session_factory(self.engine)
        self._reads = make_session_factory(
            self.engine.execution_options(**{BEGIN_OPTION: "DEFERRED"})
        )
        self._write_lock = asyncio.Lock() if is_sqlite(url) else None

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A transaction that may write; committed on success, rolled back on error."""
        if self._write_lock is None:
            async with self._writes.begin() as session:
                yield session
            return
        async with self._write_lock, self._writes.begin() as session:
            yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A transaction that only reads (writing in it is a bug)."""
        async with self._reads.begin() as session:
            yield session

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
