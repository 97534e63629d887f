"""Throttling of guesses on a real migrated database: per Telegram account, per email, and
reserved before the guess is checked."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.services import lockout
from bot.services.errors import LoginLocked
from db.session import Database
from tests.conftest import Sessions

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def test_locks_double_after_the_free_failures_up_to_an_hour() -> None:
    assert [lockout.lock_for(n) for n in range(1, 5)] == [None] * 4
    assert lockout.lock_for(5) == timedelta(seconds=30)
    assert lockout.lock_for(6) == timedelta(seconds=60)
    assert lockout.lock_for(8) == timedelta(seconds=240)
    assert lockout.lock_for(40) == timedelta(hours=1)
    assert lockout.lock_for(19, lockout.PER_EMAIL.free) is None


async def attempt(
    sessions: Sessions, now: datetime, *, tg: int = 1, email: str = "ann@example.com"
) -> datetime | None:
    async with sessions.begin() as session:
        keys = lockout.login_keys(telegram_user_id=tg, email=email)
        return await lockout.reserve(session, keys=keys, now=now)


async def test_one_telegram_account_is_locked_after_five_failures_and_freed_later(
    sessions: Sessions,
) -> None:
    results = [await attempt(sessions, NOW) for _ in range(5)]
    assert results[:4] == [None] * 4 and results[4] == NOW + timedelta(seconds=30)
    with pytest.raises(LoginLocked) as caught:
        await attempt(sessions, NOW)
    assert caught.value.until == NOW + timedelta(seconds=30)
    # the owner, on their own Telegram account, is not locked out by that stranger
    assert await attempt(sessions, NOW, tg=2) is None
    # the lock ends by itself; the next failure doubles it; a success forgives
    later = NOW + timedelta(seconds=31)
    assert await attempt(sessions, later) == later + timedelta(seconds=60)
    async with sessions.begin() as session:
        keys = lockout.login_keys(telegram_user_id=1, email="ann@example.com")
        await lockout.forgive(session, keys=keys)
    assert await attempt(sessions, later + timedelta(minutes=2)) is None


async def test_an_email_is_locked_only_at_a_much_higher_threshold(sessions: Sessions) -> None:
    # 20 strangers, one guess each: the email is locked for the 21st, on any account
    for tg in range(100, 119):
        assert await attempt(sessions, NOW, tg=tg) is None
    assert await attempt(sessions, NOW, tg=119) == NOW + timedelta(seconds=30)
    with pytest.raises(LoginLocked):
        await attempt(sessions, NOW, tg=120)
    async with sessions.begin() as session:
        await lockout.ensure_not_locked(
            session, keys=[(lockout.PER_EMAIL, "bob@example.com")], now=NOW
        )


async def test_one_failure_an_hour_never_locks(sessions: Sessions) -> None:
    for hour in range(30):
        assert await attempt(sessions, NOW + timedelta(hours=hour, seconds=1)) is None


async def test_parallel_guesses_each_cost_an_attempt_and_the_limit_holds(
    database_url: str,
) -> None:
    """Twelve guesses at once from separate connections: exactly five get through."""
    databases = [Database(database_url) for _ in range(4)]
    keys = lockout.login_keys(telegram_user_id=1, email="ann@example.com")

    async def guess(db: Database) -> bool:
        try:
            async with db.write() as session:
                await lockout.reserve(session, keys=keys, now=NOW)
        except LoginLocked:
            return False
        return True

    try:
        results = await asyncio.gather(*(guess(databases[i % 4]) for i in range(12)))
    finally:
        for db in databases:
            await db.dispose()
    assert results.count(True) == 5


async def test_a_correct_password_after_a_lock_leaves_no_lock_behind(sessions: Sessions) -> None:
    for _ in range(5):
        await attempt(sessions, NOW)
    later = NOW + timedelta(minutes=2)  # the 30-second lock is over; the next one is right
    assert await attempt(sessions, later) == later + timedelta(seconds=60)  # if it failed
    async with sessions.begin() as session:
        await lockout.password_correct(session, telegram_user_id=1, email="ann@example.com")
    # no lock stands, and the five failures before still count (a guesser gains nothing)
    assert await attempt(sessions, later) == later + timedelta(seconds=60)
