"""The reminder kind of outbox row: created with a registration, thinned out when late.

Claiming, sending and recording delivery are the outbox's (``services.outbox``); what is
particular to reminders lives here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.models import DeliveryStatus, OutboxKind, OutboxMessage


@dataclass(frozen=True)
class ReminderInfo:
    """What a reminder says, read from the event when it is sent (so edits are honoured)."""

    offset: timedelta
    event_id: int
    title: str
    location: str
    starts_at: datetime


def reminder_rows(
    *,
    registration_id: int,
    chat_id: int,
    starts_at: datetime,
    offsets: Iterable[timedelta],
    now: datetime,
) -> list[OutboxMessage]:
    """The reminder rows of a new registration; those already in the past are not created."""
    return [
        OutboxMessage(
            kind=OutboxKind.REMINDER,
            chat_id=chat_id,
            registration_id=registration_id,
            offset_seconds=int(offset.total_seconds()),
            due_at=starts_at - offset,
        )
        for offset in offsets
        if starts_at - offset > now
    ]


async def supersede_late_reminders(session: AsyncSession, *, now: datetime) -> int:
    """When several reminders of one registration are due at once (the bot was down), only
    the closest to the event is worth sending: skip the others."""
    closer = aliased(OutboxMessage)
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.kind == OutboxKind.REMINDER,
            OutboxMessage.status == DeliveryStatus.PENDING,
            OutboxMessage.due_at <= now,
            exists().where(
                closer.registration_id == OutboxMessage.registration_id,
                closer.kind == OutboxKind.REMINDER,
                closer.status == DeliveryStatus.PENDING,
                closer.due_at <= now,
                closer.offset_seconds < OutboxMessage.offset_seconds,
            ),
        )
        .values(status=DeliveryStatus.SKIPPED)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
