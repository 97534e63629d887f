"""The busiest reads without SQLAlchemy's per-statement machinery (SQLite here, PostgreSQL in
``db.inline_pg``).

Running a compiled, cached Core statement through SQLAlchemy still costs ~200 µs of CPU here
(connection checkout, cache key, execution context, result metadata); SQLite answers the
same indexed query in ~10 µs (``python -m bench.micro``). Every update reads at least twice
(the open form, then its screen), so that overhead was a third of the bot's CPU per update.

A statement marked with :func:`reused` (a module-level constant with ``bindparam``s) is
compiled once for SQLite and then run on one plain ``sqlite3`` connection with its own bind
and result processing, the same type conversions SQLAlchemy applies (aware datetimes, enums,
JSON). One connection serves every task: SQLite runs inline on the loop (``db.inline_sqlite``)
and each call executes and fetches all rows without suspending, so no two calls interleave,
and in autocommit mode each statement is its own consistent read. On PostgreSQL the same
compiled statements run directly on asyncpg (``db.inline_pg``). Anything else (statements built
per call) goes through SQLAlchemy as before.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import itemgetter
from typing import Any, Protocol, TypeVar

from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import Executable

S = TypeVar("S", bound=Executable)
Processor = Callable[[Any], Any] | None

# statements marked reused, by id; the dict keeps them alive, so an id is never reused
_REUSED: dict[int, Executable] = {}


def reused(statement: S) -> S:
    """Mark a module-level SELECT (``bindparam`` for what changes) as run again and again:
    ``Database.query()`` runs it from SQL compiled once."""
    _REUSED[id(statement)] = statement
    return statement


class Rows(Protocol):
    """What the readers' results offer (SQLAlchemy's results offer it too)."""

    def first(self) -> Any: ...

    def one(self) -> Any: ...

    def all(self) -> Sequence[Any]: ...

    def scalar(self) -> Any: ...


class Reader(Protocol):
    """What ``Database.query()`` yields: an InlineReader, or an AsyncConnection where there
    is none (SQLite in memory); sessions offer it too."""

    async def execute(
        self, statement: Executable, parameters: Mapping[str, Any] | None = None, /
    ) -> Rows: ...

    async def scalar(
        self, statement: Executable, parameters: Mapping[str, Any] | None = None, /
    ) -> Any: ...


class _Row(tuple):  # type: ignore[type-arg]
    """Base of the row types: values by position and by name, plus ``_mapping``."""

    __slots__ = ()
    _fields: tuple[str, ...]

    @property
    def _mapping(self) -> dict[str, Any]:
        return dict(zip(self._fields, self, strict=True))


def _row_type(keys: list[str]) -> type[_Row]:
    """A tuple type whose values are also attributes named after the columns (like
    SQLAlchemy's Row; a name a tuple already has, like ``count``, stays the tuple's)."""
    attributes: dict[str, Any] = {"__slots__": (), "_fields": tuple(keys)}
    for index, key in enumerate(keys):
        if key.isidentifier() and not hasattr(tuple, key) and key not in attributes:
            attributes[key] = property(itemgetter(index))
    return type("Row", (_Row,), attributes)


class _Prepared:
    """One statement compiled for a dialect: its SQL, how to bind, how to read rows back."""

    def __init__(self, statement: Any, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        if compiled.positiontup is None or compiled.post_compile_params:
            raise ValueError("statement needs per-call compilation")
        self.sql = compiled.string
        self.names: tuple[str, ...] = tuple(compiled.positiontup)
        self.defaults = {
            name: bind.value
            for name, bind in compiled.binds.items()
            if bind.value is not None or not bind.required
        }
        self.binds: dict[str, Processor] = {
            name: bind.type.dialect_impl(dialect).bind_processor(dialect)
            for name, bind in compiled.binds.items()
        }
        try:
            self.results: list[Processor] = [
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in statement.selected_columns
            ]
        except Exception as exc:  # e.g. asyncpg's Numeric: it depends on the driver's column type
            raise ValueError("a result conversion needs the driver's column type") from exc
        self.convert = any(p is not None for p in self.results)
        self.row: type[_Row] | None = None  # named after the SQL's column names, when first run

    def parameters(self, given: Mapping[str, Any]) -> list[Any]:
        values = []
        for name in self.names:
            if name in given:
                value = given[name]
            elif name in self.defaults:
                value = self.defaults[name]
            else:  # as SQLAlchemy: a missing value is an error, not NULL
                raise KeyError(f"a value is required for bind parameter {name!r}")
            process = self.binds[name]
            values.append(value if process is None else process(value))
        return values

    def rows(self, raw: Sequence[Iterable[Any]], names: Callable[[], list[str]]) -> list[Any]:
        """Rows from the driver's ``raw`` ones; ``names`` gives the columns' names, asked once."""
        if not raw:
            return []
        make = self.row
        if make is None:  # the names SQLAlchemy's rows have: those of the rendered SQL
            make = self.row = _row_type(names())
        if not self.convert:
            return [make(values) for values in raw]
        processors = self.results
        return [
            make(
                [
                    v if p is None or v is None else p(v)
                    for p, v in zip(processors, values, strict=True)
                ]
            )
            for values in raw
        ]


class InlineRows:
    """A fully fetched result, shaped like SQLAlchemy's."""

    __slots__ = ("_rows",)

    def __init__(self, rows: list[Any]) -> None:
        self._rows = rows

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def one(self) -> Any:
        if len(self._rows) != 1:
            raise LookupError(f"expected one row, got {len(self._rows)}")
        return self._rows[0]

    def all(self) -> list[Any]:
        return self._rows

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None


class InlineStatements:
    """The reused statements compiled for one dialect; subclasses run them on a driver."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self._prepared: dict[int, _Prepared | None] = {}

    def prepared(self, statement: Executable) -> _Prepared | None:
        """The compiled form of a reused statement; None for any other."""
        key = id(statement)
        try:
            return self._prepared[key]
        except KeyError:
            pass
        if _REUSED.get(key) is not statement:
            return None  # built per call: not kept (its id may belong to another one later)
        try:
            prepared = _Prepared(statement, self.dialect)
        except ValueError:
            prepared = None
        self._prepared[key] = prepared
        return prepared

    async def fetch(self, prepared: _Prepared, given: Mapping[str, Any]) -> list[Any]:
        """Run ``prepared`` with the values ``given``; every row, converted."""
        raise NotImplementedError


class InlineSQLite(InlineStatements):
    """The process's one read connection to a SQLite file, and its compiled statements."""

    def __init__(self, path: str, dialect: Dialect, busy_timeout: float) -> None:
        super().__init__(dialect)
        # autocommit: every statement is its own read transaction, ended when it is fetched
        self.conn = sqlite3.connect(
            path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
        )
        self.conn.execute("PRAGMA query_only=ON")

    async def fetch(self, prepared: _Prepared, given: Mapping[str, Any]) -> list[Any]:
        """Run ``prepared`` on the shared connection, without suspending."""
        cursor = self.conn.execute(prepared.sql, prepared.parameters(given))
        try:
            description = cursor.description
            return prepared.rows(cursor.fetchall(), lambda: [c[0] for c in description])
        finally:
            cursor.close()

    def close(self) -> None:
        self.conn.close()


class InlineReader:
    """``Database.query()``: reused statements on the driver, others through SQLAlchemy on a
    connection opened only if one is needed."""

    __slots__ = ("_engine", "_fallback", "_inline")

    def __init__(self, inline: InlineStatements, engine: AsyncEngine) -> None:
        self._inline = inline
        self._engine = engine
        self._fallback: AsyncConnection | None = None

    async def execute(
        self, statement: Executable, parameters: Mapping[str, Any] | None = None
    ) -> Rows:
        """Run ``statement`` with ``parameters``; every row is fetched before this returns."""
        prepared = self._inline.prepared(statement)
        if prepared is None:
            conn = await self._connection()
            return await conn.execute(statement, parameters)
        return InlineRows(await self._inline.fetch(prepared, parameters or {}))

    def runs_inline(self, statement: Executable) -> bool:
        """Whether ``statement`` skips SQLAlchemy here (it was marked ``reused``)."""
        return self._inline.prepared(statement) is not None

    async def scalar(
        self, statement: Executable, parameters: Mapping[str, Any] | None = None
    ) -> Any:
        """The first column of the first row, or None."""
        return (await self.execute(statement, parameters)).scalar()

    async def _connection(self) -> AsyncConnection:
        if self._fallback is None:
            self._fallback = await self._engine.connect()
        return self._fallback

    async def close(self) -> None:
        """Give back the fallback connection, if one was opened."""
        if self._fallback is not None:
            await self._fallback.close()
            self._fallback = None
