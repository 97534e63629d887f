"""Throttling of guesses (passwords, invite codes): counted before they are checked.

Follows OWASP's authentication guidance:
- **Per Telegram account first**: 5 free failures, then a lock that doubles from 30 s up to
  an hour. That is what stops one guesser, and it can't lock anyone else out.
- **Per email typed, at a much higher threshold** (20), whoever types it and whether or not
  an account has it (so the answers reveal nothing): this slows a guesser who spreads over
  many Telegram accounts, and a stranger needs 20 wrong passwords to delay its owner.
- **An attempt is reserved before bcrypt runs**: one transaction checks every key's lock and
  counts the attempt (a conditional upsert that a locked key refuses), so N guesses sent at
  once cost exactly N attempts and the limit holds however they interleave. A success
  forgives the keys.
- **Failures count within a window** (an hour from the first): a quiet hour forgets them, so
  one failure an hour never adds up to a lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import LoginLocked
from db.models import LoginThrottle

FIRST_LOCK = timedelta(seconds=30)
LONGEST_LOCK = timedelta(hours=1)
WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class Limit:
    """How many failures of one kind are free before locks start."""

    scope: str
    free: int

    def key(self, value: object) -> str:
        """The throttle row's key for ``value`` (a Telegram id, an email)."""
        return f"{self.scope}:{value}"


PER_TELEGRAM_ACCOUNT = Limit("tg", 5)
PER_EMAIL = Limit("email", 20)
INVITE_CODE = Limit("invite", 5)

Keys = Sequence[tuple[Limit, object]]


def lock_for(failures: int, free: int = PER_TELEGRAM_ACCOUNT.free) -> timedelta | None:
    """How long ``failures`` failures in a window lock the key (None: not locked)."""
    if failures < free:
        return None
    doublings = min(failures - free, 16)
    return min(FIRST_LOCK * (1 << doublings), LONGEST_LOCK)


def login_keys(*, telegram_user_id: int, email: str) -> Keys:
    """The keys a password guess counts against."""
    return ((PER_TELEGRAM_ACCOUNT, telegram_user_id), (PER_EMAIL, email))


async def ensure_not_locked(session: AsyncSession, *, keys: Keys, now: datetime) -> None:
    """Raise LoginLocked while any of ``keys`` is locked (a read; counts nothing)."""
    until = await session.scalar(
        select(LoginThrottle.locked_until)
        .where(
            LoginThrottle.key.in_([limit.key(value) for limit, value in keys]),
            LoginThrottle.locked_until > now,
        )
        .order_by(LoginThrottle.locked_until.desc())
        .limit(1)
    )
    if until is not None:
        raise LoginLocked(until)


async def reserve(session: AsyncSession, *, keys: Keys, now: datetime) -> datetime | None:
    """Count one attempt against every key, or raise LoginLocked (counting nothing).

    Returns until when the keys are locked for the *next* attempt if this one fails (None:
    not locked). Call it in its own short transaction before checking the guess; a failed
    guess needs nothing more, a successful one calls ``forgive``.
    """
    dialect = (await session.connection()).dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    next_lock: datetime | None = None
    for limit, value in keys:
        key = limit.key(value)
        # a window that has passed, with no lock standing, is forgotten
        await session.execute(
            delete(LoginThrottle).where(
                LoginThrottle.key == key,
                LoginThrottle.window_start <= now - WINDOW,
                or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now),
            )
        )
        statement = insert(LoginThrottle).values(
            key=key, failures=1, window_start=now, last_failure_at=now, locked_until=None
        )
        counted = await session.scalar(
            statement.on_conflict_do_update(
                index_elements=[LoginThrottle.key],
                set_={
                    "failures": LoginThrottle.failures + 1,
                    "last_failure_at": statement.excluded.last_failure_at,
                },
                where=or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now),
            ).returning(LoginThrottle.failures)
        )
        if counted is None:  # locked: the upsert's condition refused to count it
            until = await session.scalar(
                select(LoginThrottle.locked_until).where(LoginThrottle.key == key)
            )
            raise LoginLocked(until or now)
        lock = lock_for(counted, limit.free)
        if lock is not None:
            until = now + lock
            await session.execute(
                update(LoginThrottle).where(LoginThrottle.key == key).values(locked_until=until)
            )
            next_lock = until if next_lock is None else max(next_lock, until)
    return next_lock


async def password_correct(session: AsyncSession, *, telegram_user_id: int, email: str) -> None:
    """A correct password (login, /password): the email's failures are forgotten. The Telegram
    account's stay (a guesser must not reset them by logging into an account of theirs in
    between), but this attempt, counted before bcrypt ran, was no failure: it is taken back,
    with the lock it would have set for the next attempt had it failed."""
    await forgive(session, keys=((PER_EMAIL, email),))
    await session.execute(
        update(LoginThrottle)
        .where(
            LoginThrottle.key == PER_TELEGRAM_ACCOUNT.key(telegram_user_id),
            LoginThrottle.failures > 0,
        )
        .values(failures=LoginThrottle.failures - 1, locked_until=None)
    )


async def forgive(session: AsyncSession, *, keys: Keys) -> None:
    """A success forgets the failures counted against ``keys``."""
    await session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.key.in_([limit.key(value) for limit, value in keys])
        )
    )
