"""The outbox: every message the bot owes someone is a row, claimed exactly once.

Reminders are one kind of row; notices (a form that timed out, later event changes and
broadcasts) are others. New kinds add rows and a renderer in ``bot.outbox``; finding what is
due, claiming it atomically and recording how delivery went are the same for all of them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, case, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.outbox_claim import BroadcastInfo as BroadcastInfo  # re-exported
from bot.services.outbox_claim import Delivery as Delivery
from bot.services.outbox_claim import Writer, set_status
from bot.services.outbox_claim import claim as claim
from db.models import (
    DeliveryStatus,
    Event,
    OutboxKind,
    OutboxMessage,
    Registration,
    TelegramAccount,
)

MAX_ATTEMPTS = 5
NOTICE_LIFETIME = timedelta(days=1)
_CONFIRM_CHUNK = 500  # ids per statement (SQLite allows 32,766 parameters; stay well below)
_CONFIRM = (
    update(OutboxMessage)
    .where(
        OutboxMessage.id.in_(bindparam("ids", expanding=True)),
        OutboxMessage.status == DeliveryStatus.SENDING,
    )
    .values(status=DeliveryStatus.SENT, sent_at=bindparam("now"))
)
# reminders and notices are claimed before broadcasts: a big broadcast never delays them
_BULK_LAST = case((OutboxMessage.kind == OutboxKind.BROADCAST, 1), else_=0)


async def add_notices(
    session: AsyncSession,
    *,
    chat_ids: Iterable[int],
    notice: str,
    now: datetime,
    params: Mapping[str, Any] | None = None,
) -> int:
    """Owe each chat the notice named ``notice`` (worded by the UI when sent), due now."""
    rows = [
        {
            "kind": OutboxKind.NOTICE,
            "chat_id": chat_id,
            "payload": {"notice": notice, "params": dict(params or {})},
            "due_at": now,
            "status": DeliveryStatus.PENDING,
            "attempts": 0,
        }
        for chat_id in chat_ids
    ]
    if rows:
        await session.execute(insert(OutboxMessage), rows)
    return len(rows)


async def expire_started(session: AsyncSession, *, now: datetime) -> int:
    """Pending reminders of events that have started are no longer useful, nor notices a day
    late (after a long outage "your form timed out" helps nobody): mark them expired."""
    started = (
        select(Registration.id)
        .join(Event, Event.id == Registration.event_id)
        .where(Event.starts_at <= now)
    )
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == DeliveryStatus.PENDING,
            OutboxMessage.kind == OutboxKind.REMINDER,
            OutboxMessage.registration_id.in_(started),
        )
        .values(status=DeliveryStatus.EXPIRED)
        .execution_options(synchronize_session=False)
    )
    notices = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == DeliveryStatus.PENDING,
            OutboxMessage.kind == OutboxKind.NOTICE,
            OutboxMessage.due_at <= now - NOTICE_LIFETIME,
        )
        .values(status=DeliveryStatus.EXPIRED)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) + int(getattr(notices, "rowcount", 0) or 0)


async def due_rows(
    session: AsyncSession, *, now: datetime, limit: int, exclude: Collection[int] = ()
) -> list[tuple[int, int]]:
    """(id, chat) of pending rows due at ``now``: reminders and notices first, then
    broadcasts; oldest first within each."""
    query = (
        select(OutboxMessage.id, OutboxMessage.chat_id)
        .where(OutboxMessage.status == DeliveryStatus.PENDING, OutboxMessage.due_at <= now)
        .order_by(_BULK_LAST, OutboxMessage.due_at, OutboxMessage.id)
        .limit(limit)
    )
    if exclude:
        query = query.where(OutboxMessage.id.not_in(list(exclude)))
    return [(int(row_id), int(chat_id)) for row_id, chat_id in await session.execute(query)]


async def due_ids(
    session: AsyncSession, *, now: datetime, limit: int, exclude: Collection[int] = ()
) -> list[int]:
    """Ids of pending rows due at ``now``, in the order they are sent (``due_rows``)."""
    rows = await due_rows(session, now=now, limit=limit, exclude=exclude)
    return [row_id for row_id, _chat in rows]


async def confirm_sent(session: Writer, *, message_id: int, now: datetime) -> None:
    """Telegram accepted the message."""
    await confirm_sent_many(session, message_ids=[message_id], now=now)


async def confirm_sent_many(session: Writer, *, message_ids: Sequence[int], now: datetime) -> None:
    """Telegram accepted these messages (the dispatcher confirms a batch's sends together:
    one that stays "sending" after a crash is never sent again, only counted at start-up)."""
    for start in range(0, len(message_ids), _CONFIRM_CHUNK):
        chunk = list(message_ids[start : start + _CONFIRM_CHUNK])
        await session.execute(_CONFIRM, {"ids": chunk, "now": now})


async def release_for_retry(session: AsyncSession, *, message_id: int) -> bool:
    """Sending failed transiently: put it back (or give up after MAX_ATTEMPTS). True if requeued."""
    attempts = await session.scalar(
        select(OutboxMessage.attempts).where(OutboxMessage.id == message_id)
    )
    if attempts is not None and attempts >= MAX_ATTEMPTS:
        await set_status(session, message_id, DeliveryStatus.FAILED, sent_at=None)
        return False
    await set_status(session, message_id, DeliveryStatus.PENDING, sent_at=None)
    return True


async def mark_failed(session: AsyncSession, *, message_id: int) -> None:
    """Telegram refused the message for good (e.g. chat not found)."""
    await set_status(session, message_id, DeliveryStatus.FAILED, sent_at=None)


async def mark_chat_blocked(
    session: AsyncSession, *, chat_id: int, message_id: int, now: datetime
) -> None:
    """The user blocked the bot: remember it and skip this and every later message to them."""
    await session.execute(
        update(TelegramAccount)
        .where(TelegramAccount.chat_id == chat_id)
        .values(blocked_at=now)
        .execution_options(synchronize_session=False)
    )
    await set_status(session, message_id, DeliveryStatus.SKIPPED, sent_at=None)


async def unblock_chat(session: AsyncSession, *, chat_id: int) -> None:
    """The user talks to us again, so they have unblocked the bot."""
    await session.execute(
        update(TelegramAccount)
        .where(TelegramAccount.chat_id == chat_id, TelegramAccount.blocked_at.is_not(None))
        .values(blocked_at=None)
        .execution_options(synchronize_session=False)
    )


async def next_due_at(session: AsyncSession) -> datetime | None:
    """When the earliest pending row falls due."""
    return await session.scalar(
        select(func.min(OutboxMessage.due_at)).where(OutboxMessage.status == DeliveryStatus.PENDING)
    )


async def count_unconfirmed(session: AsyncSession) -> int:
    """Rows claimed but never confirmed: a process died while sending them."""
    return (
        await session.scalar(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.status == DeliveryStatus.SENDING
            )
        )
        or 0
    )
