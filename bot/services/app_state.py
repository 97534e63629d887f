"""Small named values kept between runs (``app_state``): today the sandbox's clock offset."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AppState

SANDBOX_CLOCK_OFFSET = "sandbox_clock_offset_seconds"


async def get(session: AsyncSession, *, key: str) -> str | None:
    """The value stored under ``key``, if any."""
    return await session.scalar(select(AppState.value).where(AppState.key == key))


async def put(session: AsyncSession, *, key: str, value: str) -> None:
    """Store ``value`` under ``key``, replacing what was there."""
    row = await session.get(AppState, key)
    if row is None:
        session.add(AppState(key=key, value=value))
    else:
        row.value = value
    await session.flush()


async def clock_offset(session: AsyncSession) -> timedelta:
    """How far the sandbox's clock was moved ahead of real time (zero if never)."""
    stored = await get(session, key=SANDBOX_CLOCK_OFFSET)
    try:
        return timedelta(seconds=float(stored)) if stored is not None else timedelta()
    except (ValueError, OverflowError):
        return timedelta()


async def save_clock_offset(session: AsyncSession, offset: timedelta) -> None:
    """Remember the sandbox clock's offset, so a restart keeps the time reminders saw."""
    await put(session, key=SANDBOX_CLOCK_OFFSET, value=repr(offset.total_seconds()))
