"""The write transactions of one update are numbered on its inbox row: a transaction an
earlier run (or another process) already committed is rolled back, never applied twice."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.services import inbox
from db.models import AppState, InboxUpdate
from db.session import Database
from db.update_writes import UpdateWrites, current_update, replaying

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest) -> str:
    """A fresh migrated database: SQLite, then PostgreSQL."""
    found: str = request.getfixturevalue(
        "database_url" if request.param == "sqlite" else "postgres_url"
    )
    return found


async def _write(db: Database, writes: UpdateWrites, key: str) -> bool:
    """One write transaction of the update ``writes`` stands for; True if it committed."""
    token = current_update.set(writes)
    try:
        async with db.write() as session:
            session.add(AppState(key=key, value="x"))
            replay = replaying(session)
    finally:
        current_update.reset(token)
    return not replay


async def _keys(db: Database) -> set[str]:
    async with db.read() as session:
        return set((await session.scalars(select(AppState.key))).all())


async def test_each_write_of_an_update_commits_once(url: str) -> None:
    db = Database(url)
    try:
        async with db.write() as session:
            assert await inbox.store(
                session, arrivals=[inbox.Arrival(7, 1, {"update_id": 7})], now=NOW
            ) == {7}
            assert (
                await inbox.store(
                    session, arrivals=[inbox.Arrival(7, 1, {"update_id": 7})], now=NOW
                )
                == set()
            )  # a repeat is recognised
        first = UpdateWrites(7)
        assert await _write(db, first, "a") and await _write(db, first, "b")
        # the same update handled again, knowing nothing (another process): both roll back
        again = UpdateWrites(7)
        assert not await _write(db, again, "a2") and not await _write(db, again, "b2")
        # replayed after a crash that came after its first write: only the second one runs
        async with db.write() as session:
            row = await session.get_one(InboxUpdate, 7)
            row.applied_writes = 1
        resumed = UpdateWrites(7, applied_before=1)
        assert not await _write(db, resumed, "a3")
        assert await _write(db, resumed, "b3")
        assert await _keys(db) == {"a", "b", "b3"}
    finally:
        await db.dispose()


async def test_a_write_that_fails_gives_its_number_back(url: str) -> None:
    db = Database(url)
    try:
        async with db.write() as session:
            await inbox.store(session, arrivals=[inbox.Arrival(8, 1, {"update_id": 8})], now=NOW)
        writes = UpdateWrites(8)
        token = current_update.set(writes)
        try:
            with pytest.raises(RuntimeError):
                async with db.write():
                    raise RuntimeError("refused")
        finally:
            current_update.reset(token)
        assert await _write(db, writes, "after")  # numbered 1 again, and committed
        async with db.read() as session:
            assert await session.scalar(select(func.max(InboxUpdate.applied_writes))) == 1
    finally:
        await db.dispose()


async def test_a_task_started_while_handling_an_update_is_not_that_update(url: str) -> None:
    """APScheduler's timer, started from a handler that schedules a job, runs the job with a
    copy of the handler's context: the job's writes must not count as the update's (they
    would be rolled back as a replay while the job acts on them, e.g. sending a message)."""
    db = Database(url)
    try:
        async with db.write() as session:
            await inbox.store(session, arrivals=[inbox.Arrival(9, 1, {"update_id": 9})], now=NOW)
            row = await session.get_one(InboxUpdate, 9)
            row.applied_writes = 5  # as if this update had committed five writes already
        token = current_update.set(UpdateWrites(9))
        try:

            async def job() -> bool:
                async with db.write() as session:
                    session.add(AppState(key="job", value="x"))
                    return not replaying(session)

            assert await asyncio.create_task(job())  # its own transaction, committed
        finally:
            current_update.reset(token)
        assert await _keys(db) == {"job"}
        async with db.read() as session:
            assert (await session.get_one(InboxUpdate, 9)).applied_writes == 5
    finally:
        await db.dispose()
