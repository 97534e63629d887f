"""SQLite for SQLAlchemy's asyncio engine, run inline on the event loop instead of in a thread.

aiosqlite sends every cursor call to a worker thread and back: a read of two queries cost
about 26 thread hops and ~1.9 ms of CPU here, ten times the queries themselves. SQLite
answers an indexed query in microseconds, so this module offers aiosqlite's interface (the
part SQLAlchemy's aiosqlite dialect uses) with coroutines that run the sqlite3 call directly.

The one thing that must not run inline is *waiting*: a writer blocked by another process's
lock would freeze the loop. So connections get a short busy timeout and
``db.session.Database`` waits for the write lock with ``asyncio.sleep`` between tries.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Generator, Iterable, Sequence
from types import SimpleNamespace
from typing import Any

# What SQLAlchemy's AsyncAdapt_aiosqlite_dbapi copies from the driver module.
DatabaseError = sqlite3.DatabaseError
Error = sqlite3.Error
IntegrityError = sqlite3.IntegrityError
NotSupportedError = sqlite3.NotSupportedError
OperationalError = sqlite3.OperationalError
ProgrammingError = sqlite3.ProgrammingError
sqlite_version = sqlite3.sqlite_version
sqlite_version_info = sqlite3.sqlite_version_info


class Cursor:
    """An aiosqlite-shaped cursor whose coroutines finish without suspending."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> Cursor:
        self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> Cursor:
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size or self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    async def setinputsizes(self, *sizes: Any) -> None:
        return None

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class _InlineQueue:
    """Stands in for aiosqlite's request queue (SQLAlchemy sets isolation_level through it)."""

    def put_nowait(self, item: tuple[Any, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:
            if future is not None:
                future.set_exception(exc)
            return
        if future is not None:
            future.set_result(result)


class Connection:
    """An aiosqlite-shaped connection over a plain sqlite3 connection."""

    def __init__(self, database: str, **kwargs: Any) -> None:
        self._database = database
        self._kwargs = kwargs
        self._conn: sqlite3.Connection | None = None
        self._connection: sqlite3.Connection | None = None
        self._tx = _InlineQueue()
        self._thread = SimpleNamespace(daemon=True)  # SQLAlchemy marks aiosqlite's thread

    def __await__(self) -> Generator[Any, None, Connection]:
        if self._conn is None:
            self._kwargs.setdefault("check_same_thread", False)
            self._conn = sqlite3.connect(self._database, **self._kwargs)
            self._connection = self._conn
        return self
        yield  # pragma: no cover - makes this a generator; never reached

    def cursor(self) -> Cursor:
        assert self._conn is not None
        return Cursor(self._conn.cursor())

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> Cursor:
        return await self.cursor().execute(sql, parameters)

    async def commit(self) -> None:
        assert self._conn is not None
        self._conn.commit()

    async def rollback(self) -> None:
        assert self._conn is not None
        self._conn.rollback()

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = self._connection = None

    def stop(self) -> None:
        """Close at once (SQLAlchemy's terminate)."""
        if self._conn is not None:
            self._conn.close()
        self._conn = self._connection = None

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        assert self._conn is not None
        self._conn.create_function(*args, **kwargs)

    @property
    def isolation_level(self) -> str | None:
        assert self._conn is not None
        return self._conn.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        assert self._conn is not None
        self._conn.isolation_level = value  # type: ignore[assignment]

    @property
    def in_transaction(self) -> bool:
        return self._conn is not None and self._conn.in_transaction


def connect(database: str, **kwargs: Any) -> Connection:
    """Like ``aiosqlite.connect``: an awaitable connection."""
    return Connection(database, **kwargs)
