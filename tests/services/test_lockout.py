"""Login throttling per email on a real migrated database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.services import lockout
from bot.services.errors import LoginLocked
from tests.conftest import Sessions

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def test_locks_double_after_five_free_failures_up_to_an_hour() -> None:
    assert [lockout.lock_for(n) for n in range(1, 5)] == [None] * 4
    assert lockout.lock_for(5) == timedelta(seconds=30)
    assert lockout.lock_for(6) == timedelta(seconds=60)
    assert lockout.lock_for(8) == timedelta(seconds=240)
    assert lockout.lock_for(40) == timedelta(hours=1)


async def fail(sessions: Sessions, email: str, now: datetime) -> datetime | None:
    async with sessions.begin() as session:
        return await lockout.record_failure(session, email=email, now=now)


async def test_an_email_is_locked_after_repeated_failures_and_freed_later(
    sessions: Sessions,
) -> None:
    results = [await fail(sessions, "who@example.com", NOW) for _ in range(5)]
    assert results[:4] == [None] * 4 and results[4] == NOW + timedelta(seconds=30)
    async with sessions.begin() as session:
        with pytest.raises(LoginLocked) as caught:
            await lockout.ensure_not_locked(session, email="who@example.com", now=NOW)
        assert caught.value.until == NOW + timedelta(seconds=30)
        # other emails are not affected, and the lock ends by itself
        await lockout.ensure_not_locked(session, email="ann@example.com", now=NOW)
        await lockout.ensure_not_locked(
            session, email="who@example.com", now=NOW + timedelta(seconds=31)
        )
    # the next failure doubles the lock; a success forgets everything
    later = NOW + timedelta(seconds=31)
    assert await fail(sessions, "who@example.com", later) == later + timedelta(seconds=60)
    async with sessions.begin() as session:
        await lockout.record_success(session, email="who@example.com")
    assert await fail(sessions, "who@example.com", later) is None


async def test_failures_are_forgotten_after_a_quiet_day(sessions: Sessions) -> None:
    for _ in range(4):
        await fail(sessions, "ann@example.com", NOW)
    assert await fail(sessions, "ann@example.com", NOW + timedelta(days=2)) is None
