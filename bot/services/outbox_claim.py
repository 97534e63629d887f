"""Claiming one outbox row for sending, and everything its message needs, in one read.

The guarded UPDATE of ``claim`` is what makes delivery exactly-once across workers and
replicas; ``bot.services.outbox`` finds what is due and records how delivery went.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
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

# kinds that go to whoever holds the registration, in a chat still logged into their account
PERSONAL = frozenset({OutboxKind.REMINDER, OutboxKind.BROADCAST})
# a session, or a Core connection in a lean write transaction (Database.write_core)
Writer = AsyncSession | AsyncConnection
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
        await set_status(conn, message_id, DeliveryStatus.EXPIRED, sent_at=None)
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
        await set_status(conn, message_id, DeliveryStatus.SKIPPED, sent_at=None)
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


async def set_status(
    session: Writer, message_id: int, status: DeliveryStatus, *, sent_at: datetime | None
) -> None:
    await session.execute(
        _SET_STATUS, {"message_id": message_id, "status": status, "sent_at": sent_at}
    )
