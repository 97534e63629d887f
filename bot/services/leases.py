"""Leases: a job only one replica may do at a time, held by renewing it before it lapses."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Lease


async def hold(
    session: AsyncSession, *, name: str, holder: str, now: datetime, ttl: timedelta
) -> bool:
    """Take or renew lease ``name`` for ``holder`` until ``now + ttl``; False when another
    holder's lease has not lapsed. One statement: two replicas can't both win."""
    dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    insert = dialect.insert(Lease).values(name=name, holder=holder, expires_at=now + ttl)
    statement = insert.on_conflict_do_update(
        index_elements=[Lease.name],
        set_={"holder": insert.excluded.holder, "expires_at": insert.excluded.expires_at},
        where=(Lease.holder == holder) | (Lease.expires_at < now),
    ).returning(Lease.holder)
    return bool((await session.scalar(statement)) == holder)


async def release(session: AsyncSession, *, name: str, holder: str) -> None:
    """Give lease ``name`` up at once (a clean stop), if ``holder`` has it."""
    await session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))
