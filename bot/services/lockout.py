"""Login throttling per email: a few free tries, then a lock that doubles with each failure.

Follows OWASP's advice: the lock is per account (here per email typed, so unknown emails are
throttled exactly like real ones and the answers reveal nothing), it grows exponentially, it
is lifted by a successful login or after a quiet day, and the user is told when to retry.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import LoginLocked
from db.models import LoginThrottle

FREE_FAILURES = 5
FIRST_LOCK = timedelta(seconds=30)
LONGEST_LOCK = timedelta(hours=1)
FORGET_AFTER = timedelta(days=1)


def lock_for(failures: int) -> timedelta | None:
    """How long ``failures`` consecutive failures lock the email (None: not locked)."""
    if failures < FREE_FAILURES:
        return None
    doublings = min(failures - FREE_FAILURES, 16)
    return min(FIRST_LOCK * (1 << doublings), LONGEST_LOCK)


async def ensure_not_locked(session: AsyncSession, *, email: str, now: datetime) -> None:
    """Raise LoginLocked while ``email`` is locked."""
    locked_until = await session.scalar(
        select(LoginThrottle.locked_until).where(LoginThrottle.email == email)
    )
    if locked_until is not None and locked_until > now:
        raise LoginLocked(locked_until)


async def record_failure(session: AsyncSession, *, email: str, now: datetime) -> datetime | None:
    """Count a failed login; return until when the email is now locked, if it is."""
    row = await session.get(LoginThrottle, email, with_for_update=True)
    failures = 1
    if row is not None and now - row.last_failure_at < FORGET_AFTER:
        failures = row.failures + 1
    lock = lock_for(failures)
    locked_until = now + lock if lock else None
    values = {
        "email": email,
        "failures": failures,
        "last_failure_at": now,
        "locked_until": locked_until,
    }
    dialect = (await session.connection()).dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(LoginThrottle).values(**values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[LoginThrottle.email],
            set_={k: statement.excluded[k] for k in values if k != "email"},
        )
    )
    return locked_until


async def record_success(session: AsyncSession, *, email: str) -> None:
    """A successful login forgets the failures."""
    await session.execute(delete(LoginThrottle).where(LoginThrottle.email == email))
