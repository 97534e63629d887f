"""The busiest reads on PostgreSQL without SQLAlchemy's per-statement machinery.

Statements marked ``db.inline_reads.reused`` are compiled once for the asyncpg dialect
(``$n`` parameters, the same casts SQLAlchemy renders) and run directly on asyncpg with
SQLAlchemy's own bind and result processors (``db.inline_reads._Prepared``).

They run on a small pool of this module's own asyncpg connections rather than on raw
connections checked out of SQLAlchemy's pool: a checkout there pings first (BEGIN, a query,
ROLLBACK: three round trips), the first statement opens a transaction and the return rolls it
back, on top of the pool's bookkeeping; that is the machinery this path exists to skip.
Each statement takes an idle connection, runs outside any transaction (so it is a consistent
read of its own and leaves nothing open; the connections are read-only, like SQLite's
``query_only``) and gives the connection back. A connection whose read was cancelled or cut
is terminated, never reused. One that died while idle (server restart, idle timeout) is
replaced and the read retried once: a read changes nothing, so running it again is safe.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from functools import partial
from types import SimpleNamespace
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.engine import URL

from db.inline_reads import InlineStatements, _Prepared

# keys of SQLAlchemy's asyncpg URL that its adapter takes, not asyncpg.connect
_ADAPTER_ONLY = (
    "prepared_statement_cache_size",
    "prepared_statement_name_func",
    "async_creator_fn",
)


def _names(records: Sequence[asyncpg.Record]) -> list[str]:
    """The columns' names, as the rendered SQL labels them."""
    return list(records[0].keys())


class InlinePostgres(InlineStatements):
    """Reused statements compiled for asyncpg, and the connections that run them."""

    def __init__(self, url: URL, dialect: PGDialect_asyncpg, size: int) -> None:
        super().__init__(dialect)
        self._pg_dialect = dialect
        _args, options = dialect.create_connect_args(url)  # type: ignore[no-untyped-call]
        for key in _ADAPTER_ONLY:
            options.pop(key, None)
        # like SQLite's query_only: these connections refuse to write
        options["server_settings"] = {
            **options.get("server_settings", {}),
            "default_transaction_read_only": "on",
        }
        self._options: dict[str, Any] = options
        self._idle: list[asyncpg.Connection] = []
        self._slots = asyncio.Semaphore(size)  # at most ``size`` connections at a time
        self._closed = False

    async def fetch(self, prepared: _Prepared, given: Mapping[str, Any]) -> list[Any]:
        """Run ``prepared`` on an idle connection; every row, converted."""
        values = prepared.parameters(given)
        async with self._slots:
            for attempt in range(2):
                was_idle = attempt == 0 and bool(self._idle)
                conn = self._idle.pop() if was_idle else await self._connect()
                try:
                    records = await conn.fetch(prepared.sql, *values)
                except Exception:
                    if was_idle and conn.is_closed():
                        continue  # it died while idle: read again on a new one
                    self._give_back(conn)  # the server refused the statement: conn is fine
                    raise
                except BaseException:
                    conn.terminate()  # cancelled mid-read: its state is unknown
                    raise
                self._give_back(conn)
                return prepared.rows(records, partial(_names, records))
        raise AssertionError("unreachable: the second try runs on a new connection")

    async def _connect(self) -> asyncpg.Connection:
        """A new connection, with the JSON codecs SQLAlchemy's dialect sets on its own."""
        conn: asyncpg.Connection = await asyncpg.connect(**self._options)
        try:
            adapted = SimpleNamespace(_connection=conn)  # what the dialect's set-up reads
            await self._pg_dialect.setup_asyncpg_json_codec(adapted)  # type: ignore[no-untyped-call]
            await self._pg_dialect.setup_asyncpg_jsonb_codec(adapted)  # type: ignore[no-untyped-call]
        except BaseException:
            conn.terminate()
            raise
        return conn

    def _give_back(self, conn: asyncpg.Connection) -> None:
        """Keep ``conn`` for the next read if it is usable and idle, else end it."""
        if conn.is_closed():
            return
        if self._closed or conn.is_in_transaction():
            conn.terminate()
            return
        self._idle.append(conn)

    async def close(self) -> None:
        """Close the idle connections; those in use end when they are given back."""
        self._closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            try:
                await conn.close(timeout=2)
            except Exception:
                conn.terminate()
