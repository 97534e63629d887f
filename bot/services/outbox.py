"""The outbox: every message the bot owes someone is a row, claimed exactly once.

Reminders are one kind of row; notices (a form that timed out, later event changes and
broadcasts) are others. New kinds add rows and a renderer in ``bot.outbox``; finding what is
due, claiming it atomically and recording how delivery went are the same for all of them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, case, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import aliased

from bot.services import sessions
from bot.services.reminders import ReminderInfo
from db.models import (
    Broadcast,
    DeliveryStatus,
    Event,
    OutboxKind,
    OutboxMessage,
    Registration,
    TelegramAccount,
)

MAX_ATTEMPTS = 5
NOTICE_LIFETIME = timedelta(days=1)
# kinds that go to whoever holds the registration, in a chat still logged into their account
PERSONAL = frozenset({OutboxKind.REMINDER, OutboxKind.BROADCAST})
# reminders and notices are claimed before broadcasts: a big broadcast never delays them
# a session, or a Core connection in a lean write transaction (Database.write_core)
Writer = AsyncSession | AsyncConnection
_CONFIRM_CHUNK = 500  # ids per statement (SQLite allows 32,766 parameters; stay well below)
_CLAIM = (
    update(OutboxMessage)
    .where(
        OutboxMessage.id == bindparam("message_id"),
        OutboxMessage.status == DeliveryStatus.PENDING,
        OutboxMessage.due_at <= bindparam("now"),  # a reminder moved later meanwhile waits
    )
    .values(
        status=DeliveryStatus.SENDING,
        claimed_at=bindparam("now"),
        sent_at=bindparam("now"),
        attempts=OutboxMessage.attempts + 1,
    )
)
_SET_STATUS = (
    update(OutboxMessage)
    .where(OutboxMessage.id == bindparam("message_id"))
    .values(status=bindparam("status"), sent_at=bindparam("sent_at"))
)
_CONFIRM = (
    update(OutboxMessage)
    .where(
        OutboxMessage.id.in_(bindparam("ids", expanding=True)),
        OutboxMessage.status == DeliveryStatus.SENDING,
    )
    .values(status=DeliveryStatus.SENT, sent_at=bindparam("now"))
)
_BULK_LAST = case((OutboxMessage.kind == OutboxKind.BROADCAST, 1), else_=0)


@dataclass(frozen=True)
class Delivery:
    """Everything needed to send one claimed row."""

    message_id: int
    kind: OutboxKind
    chat_id: int
    payload: Mapping[str, Any] = field(default_factory=dict)
    reminder: ReminderInfo | None = None
    broadcast: BroadcastInfo | None = None


@dataclass(frozen=True)
class BroadcastInfo:
    """A manager's message to an event's attendees, as one recipient gets it."""

    broadcast_id: int
    title: str
    text: str


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


async def claim(conn: Writer, *, message_id: int, now: datetime) -> Delivery | None:
    """Mark one row as sent-out and return it; None when another worker took it first.

    The guarded UPDATE (``WHERE status = 'pending'``) is what makes delivery exactly-once across
    workers and replicas: only one transaction can move a row out of ``pending``. ``conn``
    may be a lean Core transaction (``Database.write_core``): the dispatcher claims each row
    it sends in a transaction of its own.
    """
    claimed = await conn.execute(_CLAIM, {"message_id": message_id, "now": now})
    if not getattr(claimed, "rowcount", 0):
        return None
    row = (await conn.execute(_CLAIMED, {"message_id": message_id, "now": now})).first()
    if row is None:
        return None
    chat_id: int | None = row.chat_id
    blocked = row.notice_blocked
    reminder = None
    broadcast = None
    if row.kind is OutboxKind.REMINDER and (row.starts_at is None or row.starts_at <= now):
        await _set_status(conn, message_id, DeliveryStatus.EXPIRED, sent_at=None)
        return None
    if row.kind in PERSONAL:
        # personal: it goes only to a chat still logged into the registration's account
        chat_id, blocked = row.target_chat, row.target_blocked
        if chat_id is None:  # logged out there: the account's latest login elsewhere, if any
            chat_id = await sessions.chat_for(
                conn, user_id=row.user_id, preferred_chat_id=row.chat_id, now=now
            )
            blocked = await _blocked_at(conn, chat_id)
    if row.kind is OutboxKind.BROADCAST:
        broadcast = BroadcastInfo(
            broadcast_id=row.broadcast_id, title=row.title or "", text=row.broadcast_text or ""
        )
    elif row.kind is OutboxKind.REMINDER:
        reminder = ReminderInfo(
            offset=timedelta(seconds=row.offset_seconds or 0),
            event_id=row.event_id,
            title=row.title,
            location=row.location,
            starts_at=row.starts_at,
        )
    if chat_id is None or blocked is not None:
        await _set_status(conn, message_id, DeliveryStatus.SKIPPED, sent_at=None)
        return None
    return Delivery(
        message_id=message_id,
        kind=row.kind,
        chat_id=chat_id,
        payload=row.payload or {},
        reminder=reminder,
        broadcast=broadcast,
    )


def _login_in_registered_chat(column: Any) -> Any:
    """``column`` of the Telegram account in the reminder's own chat, if it is still logged
    into the registration's account (the common case; the fallback is sessions.chat_for)."""
    login = aliased(TelegramAccount)
    return (
        select(column(login))
        .where(
            login.user_id == Registration.user_id,
            login.chat_id == OutboxMessage.chat_id,
            login.session_expires_at > bindparam("now"),
        )
        .limit(1)
        .correlate(OutboxMessage, Registration)
        .scalar_subquery()
    )


_blocked_chat = aliased(TelegramAccount)
# one statement for everything a claimed row needs (the dispatcher runs it for every row)
_CLAIMED = (
    select(
        OutboxMessage.kind,
        OutboxMessage.chat_id,
        OutboxMessage.payload,
        OutboxMessage.offset_seconds,
        OutboxMessage.broadcast_id,
        Broadcast.text.label("broadcast_text"),
        Event.id.label("event_id"),
        Event.title,
        Event.location,
        Event.starts_at,
        Registration.user_id,
        _login_in_registered_chat(lambda login: login.chat_id).label("target_chat"),
        _login_in_registered_chat(lambda login: login.blocked_at).label("target_blocked"),
        select(_blocked_chat.blocked_at)
        .where(
            _blocked_chat.chat_id == OutboxMessage.chat_id, _blocked_chat.blocked_at.is_not(None)
        )
        .limit(1)
        .correlate(OutboxMessage)
        .scalar_subquery()
        .label("notice_blocked"),
    )
    .select_from(OutboxMessage)
    .outerjoin(Registration, Registration.id == OutboxMessage.registration_id)
    .outerjoin(Event, Event.id == Registration.event_id)
    .outerjoin(Broadcast, Broadcast.id == OutboxMessage.broadcast_id)
    .where(OutboxMessage.id == bindparam("message_id"))
)


async def _blocked_at(session: Writer, chat_id: int | None) -> datetime | None:
    if chat_id is None:
        return None
    return await session.scalar(
        select(TelegramAccount.blocked_at)
        .where(TelegramAccount.chat_id == chat_id, TelegramAccount.blocked_at.is_not(None))
        .limit(1)
    )


async def _set_status(
    session: Writer, message_id: int, status: DeliveryStatus, *, sent_at: datetime | None
) -> None:
    await session.execute(
        _SET_STATUS, {"message_id": message_id, "status": status, "sent_at": sent_at}
    )


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
        await _set_status(session, message_id, DeliveryStatus.FAILED, sent_at=None)
        return False
    await _set_status(session, message_id, DeliveryStatus.PENDING, sent_at=None)
    return True


async def mark_failed(session: AsyncSession, *, message_id: int) -> None:
    """Telegram refused the message for good (e.g. chat not found)."""
    await _set_status(session, message_id, DeliveryStatus.FAILED, sent_at=None)


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
    await _set_status(session, message_id, DeliveryStatus.SKIPPED, sent_at=None)


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
