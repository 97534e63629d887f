"""Reminder rows: find what is due, claim it atomically, record how delivery went."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Event, Registration, Reminder, ReminderStatus, TelegramAccount

MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Delivery:
    """Everything needed to send one claimed reminder."""

    reminder_id: int
    chat_id: int
    offset: timedelta
    event_id: int
    title: str
    location: str
    starts_at: datetime


async def expire_started(session: AsyncSession, *, now: datetime) -> int:
    """Pending reminders of events that have started are no longer useful: mark them expired."""
    started = (
        select(Registration.id)
        .join(Event, Event.id == Registration.event_id)
        .where(Event.starts_at <= now)
    )
    result = await session.execute(
        update(Reminder)
        .where(Reminder.status == ReminderStatus.PENDING, Reminder.registration_id.in_(started))
        .values(status=ReminderStatus.EXPIRED)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def due_ids(
    session: AsyncSession, *, now: datetime, limit: int, exclude: Collection[int] = ()
) -> list[int]:
    """Ids of pending reminders due at ``now``, oldest first."""
    query = (
        select(Reminder.id)
        .where(Reminder.status == ReminderStatus.PENDING, Reminder.due_at <= now)
        .order_by(Reminder.due_at, Reminder.id)
        .limit(limit)
    )
    if exclude:
        query = query.where(Reminder.id.not_in(list(exclude)))
    return list(await session.scalars(query))


async def claim(session: AsyncSession, *, reminder_id: int, now: datetime) -> Delivery | None:
    """Mark one reminder as sent-out and return it; None when another worker took it first.

    The guarded UPDATE (``WHERE status = 'pending'``) is what makes delivery exactly-once across
    workers and replicas: only one transaction can move a row out of ``pending``.
    """
    claimed = await session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.status == ReminderStatus.PENDING)
        .values(
            status=ReminderStatus.SENDING,
            claimed_at=now,
            sent_at=now,
            attempts=Reminder.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if not getattr(claimed, "rowcount", 0):
        return None
    row = (
        await session.execute(
            select(
                Reminder.offset_seconds,
                Registration.chat_id,
                Event.id,
                Event.title,
                Event.location,
                Event.starts_at,
                TelegramAccount.blocked_at,
            )
            .join(Registration, Registration.id == Reminder.registration_id)
            .join(Event, Event.id == Registration.event_id)
            .outerjoin(TelegramAccount, TelegramAccount.chat_id == Registration.chat_id)
            .where(Reminder.id == reminder_id)
        )
    ).first()
    if row is None:
        return None
    offset_seconds, chat_id, event_id, title, location, starts_at, blocked_at = row
    if starts_at <= now or blocked_at is not None:
        status = ReminderStatus.EXPIRED if starts_at <= now else ReminderStatus.SKIPPED
        await _set_status(session, reminder_id, status, sent_at=None)
        return None
    return Delivery(
        reminder_id=reminder_id,
        chat_id=chat_id,
        offset=timedelta(seconds=offset_seconds),
        event_id=event_id,
        title=title,
        location=location,
        starts_at=starts_at,
    )


async def _set_status(
    session: AsyncSession, reminder_id: int, status: ReminderStatus, *, sent_at: datetime | None
) -> None:
    await session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id)
        .values(status=status, sent_at=sent_at)
        .execution_options(synchronize_session=False)
    )


async def confirm_sent(session: AsyncSession, *, reminder_id: int, now: datetime) -> None:
    """Telegram accepted the message."""
    await _set_status(session, reminder_id, ReminderStatus.SENT, sent_at=now)


async def release_for_retry(session: AsyncSession, *, reminder_id: int) -> bool:
    """Sending failed transiently: put it back (or give up after MAX_ATTEMPTS). True if requeued."""
    attempts = await session.scalar(select(Reminder.attempts).where(Reminder.id == reminder_id))
    if attempts is not None and attempts >= MAX_ATTEMPTS:
        await _set_status(session, reminder_id, ReminderStatus.FAILED, sent_at=None)
        return False
    await _set_status(session, reminder_id, ReminderStatus.PENDING, sent_at=None)
    return True


async def mark_failed(session: AsyncSession, *, reminder_id: int) -> None:
    """Telegram refused the message for good (e.g. chat not found)."""
    await _set_status(session, reminder_id, ReminderStatus.FAILED, sent_at=None)


async def mark_chat_blocked(
    session: AsyncSession, *, chat_id: int, reminder_id: int, now: datetime
) -> None:
    """The user blocked the bot: remember it and skip this and every later reminder to them."""
    await session.execute(
        update(TelegramAccount)
        .where(TelegramAccount.chat_id == chat_id)
        .values(blocked_at=now)
        .execution_options(synchronize_session=False)
    )
    await _set_status(session, reminder_id, ReminderStatus.SKIPPED, sent_at=None)


async def unblock_chat(session: AsyncSession, *, chat_id: int) -> None:
    """The user talks to us again, so they have unblocked the bot."""
    await session.execute(
        update(TelegramAccount)
        .where(TelegramAccount.chat_id == chat_id, TelegramAccount.blocked_at.is_not(None))
        .values(blocked_at=None)
        .execution_options(synchronize_session=False)
    )


async def next_due_at(session: AsyncSession) -> datetime | None:
    """When the earliest pending reminder falls due."""
    return await session.scalar(
        select(func.min(Reminder.due_at)).where(Reminder.status == ReminderStatus.PENDING)
    )


async def count_unconfirmed(session: AsyncSession) -> int:
    """Reminders claimed but never confirmed: a process died while sending them."""
    return (
        await session.scalar(
            select(func.count(Reminder.id)).where(Reminder.status == ReminderStatus.SENDING)
        )
        or 0
    )
