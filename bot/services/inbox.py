"""The update inbox: every update Telegram delivered, kept until it has been handled.

Rows are written before Telegram is told (by the next ``getUpdates`` offset) that the updates
arrived, and marked handled once their handler finished, so a crash in between loses nothing:
start-up hands the unhandled rows to the handlers again. The primary key is Telegram's
``update_id``: a delivery Telegram repeats is recognised and dropped at the door.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, delete, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import aliased

from db.models import InboxUpdate

INBOX = cast(Table, InboxUpdate.__table__)
_STORE = {
    dialect.__name__.rsplit(".", 1)[-1]: dialect.insert(INBOX)
    .on_conflict_do_nothing(index_elements=[INBOX.c.update_id])
    .returning(INBOX.c.update_id)
    for dialect in (sqlite, postgresql)
}

# Telegram keeps an undelivered update for 24 hours; a handled row older than that can't be
# delivered again, so it is only kept a little longer, for the record
KEEP_HANDLED = timedelta(days=2)


@dataclass(frozen=True)
class Arrival:
    """One delivered update: its id, its chat (for ordering) and its JSON."""

    update_id: int
    chat_id: int | None
    payload: dict[str, Any]


@dataclass(frozen=True)
class Pending:
    """An update not yet handled, with the write transactions an earlier run committed."""

    update_id: int
    payload: dict[str, Any]
    applied_writes: int


async def store(
    conn: AsyncConnection | AsyncSession, *, arrivals: Sequence[Arrival], now: datetime
) -> set[int]:
    """Keep ``arrivals``; the ids of those not seen before (the rest are repeats). Core on
    the table (no ORM bulk machinery): this runs for every batch Telegram delivers."""
    if not arrivals:
        return set()
    backend = conn.dialect if isinstance(conn, AsyncConnection) else conn.get_bind().dialect
    rows = [
        {
            "update_id": a.update_id,
            "chat_id": a.chat_id,
            "payload": a.payload,
            "received_at": now,
            "applied_writes": 0,
        }
        for a in arrivals
    ]
    # one statement for any number of rows (executemany with RETURNING): compiled once and
    # cached, where a multi-row VALUES was compiled anew for every batch
    inserted = await conn.execute(_STORE[backend.name], rows)
    return set(inserted.scalars().all())


async def last_update_id(session: AsyncSession) -> int:
    """The highest update id kept (0 when none): where a local emulator goes on numbering."""
    return int(await session.scalar(select(func.max(InboxUpdate.update_id))) or 0)


async def pending(session: AsyncSession, *, update_id: int) -> Pending | None:
    """The stored update ``update_id`` if it is not handled yet (None when handled or unknown)."""
    row = (
        await session.execute(
            select(InboxUpdate.payload, InboxUpdate.applied_writes).where(
                InboxUpdate.update_id == update_id, InboxUpdate.handled_at.is_(None)
            )
        )
    ).first()
    return None if row is None else Pending(update_id, row.payload, row.applied_writes)


async def claim(
    session: AsyncSession, *, holder: str, now: datetime, ttl: timedelta, limit: int
) -> list[Pending]:
    """Claim up to ``limit`` updates for replica ``holder`` until ``now + ttl``, oldest first.

    Only the oldest unhandled update of each chat can be claimed, so one chat's updates run
    one after another, in order, whichever replicas take them; different chats run in
    parallel everywhere. ``FOR UPDATE SKIP LOCKED``: replicas claiming at the same moment
    take different rows and never wait for each other. A claim that lapsed (its replica died)
    is taken over.
    """
    earlier = aliased(InboxUpdate)
    candidates = (
        select(InboxUpdate.update_id)
        .where(
            InboxUpdate.handled_at.is_(None),
            (InboxUpdate.claimed_until.is_(None)) | (InboxUpdate.claimed_until < now),
            ~exists().where(
                and_(
                    earlier.chat_id == InboxUpdate.chat_id,
                    earlier.update_id < InboxUpdate.update_id,
                    earlier.handled_at.is_(None),
                )
            ),
        )
        .order_by(InboxUpdate.update_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = await session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.update_id.in_(candidates.scalar_subquery()))
        .values(claimed_by=holder, claimed_until=now + ttl)
        .returning(InboxUpdate.update_id, InboxUpdate.payload, InboxUpdate.applied_writes)
        .execution_options(synchronize_session=False)
    )
    found = [Pending(update_id, payload, applied) for update_id, payload, applied in claimed]
    return sorted(found, key=lambda p: p.update_id)


async def renew_claims(
    session: AsyncSession, *, holder: str, now: datetime, ttl: timedelta
) -> None:
    """Extend ``holder``'s claims on updates it is still handling (its heartbeat)."""
    await session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.claimed_by == holder, InboxUpdate.handled_at.is_(None))
        .values(claimed_until=now + ttl)
        .execution_options(synchronize_session=False)
    )


async def release_claims(conn: AsyncConnection | AsyncSession, *, holder: str) -> None:
    """Give back ``holder``'s claims on updates it did not finish (a clean stop)."""
    await conn.execute(
        update(INBOX)
        .where(INBOX.c.claimed_by == holder, INBOX.c.handled_at.is_(None))
        .values(claimed_by=None, claimed_until=None)
    )


async def is_handled(session: AsyncSession, *, update_id: int) -> bool:
    """Whether any replica has finished handling ``update_id``."""
    handled = await session.scalar(
        select(InboxUpdate.handled_at).where(InboxUpdate.update_id == update_id)
    )
    return handled is not None


async def unhandled(session: AsyncSession, *, after: int = -1, limit: int = 500) -> list[Pending]:
    """Updates not yet handled with ids above ``after``, oldest first."""
    rows = await session.execute(
        select(InboxUpdate.update_id, InboxUpdate.payload, InboxUpdate.applied_writes)
        .where(InboxUpdate.handled_at.is_(None), InboxUpdate.update_id > after)
        .order_by(InboxUpdate.update_id)
        .limit(limit)
    )
    return [Pending(update_id, payload, applied) for update_id, payload, applied in rows]


async def mark_handled(
    conn: AsyncConnection | AsyncSession, *, update_ids: Collection[int], now: datetime
) -> None:
    """Record that the handlers of ``update_ids`` finished."""
    if update_ids:
        await conn.execute(
            update(INBOX).where(INBOX.c.update_id.in_(list(update_ids))).values(handled_at=now)
        )


async def prune(conn: AsyncConnection | AsyncSession, *, now: datetime) -> int:
    """Forget handled updates old enough that Telegram can't deliver them again."""
    removed = await conn.execute(delete(INBOX).where(INBOX.c.handled_at < now - KEEP_HANDLED))
    return int(removed.rowcount)  # type: ignore[attr-defined]
