"""Broadcasts: a manager's message to everyone registered for an event.

Starting one writes, in the caller's transaction, the ``broadcasts`` row and one outbox row
per registration (kind BROADCAST), so the message is owed to every attendee or to nobody.
Delivery is the outbox's (claim before send, exactly once); what the manager's status
message shows is read back from those rows, so it survives restarts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import EventNotFound, InvalidInput, NobodyRegistered, Problem
from bot.services.text import hidden_character
from db.models import (
    Broadcast,
    DeliveryStatus,
    Event,
    OutboxKind,
    OutboxMessage,
    Registration,
    TelegramAccount,
)

# Room for the text in one Telegram message (4096 UTF-16 units) beside the heading the UI
# adds, which names the event (a title is at most 100 characters: 200 units of emoji).
MAX_MESSAGE_UNITS = 3500


def tg_units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def clean_message(raw: str) -> str:
    """The text of a broadcast: lines kept, trimmed, nothing hidden, short enough to send."""
    text = "\n".join(line.rstrip() for line in raw.splitlines()).replace("\t", " ").strip()
    if not text:
        raise InvalidInput(Problem.MESSAGE_EMPTY)
    length = tg_units(text)
    if length > MAX_MESSAGE_UNITS:
        raise InvalidInput(Problem.MESSAGE_TOO_LONG, limit=MAX_MESSAGE_UNITS, length=length)
    hidden = hidden_character(text, allow="\n")
    if hidden is not None:
        raise InvalidInput(Problem.MESSAGE_UNPRINTABLE, codepoint=ord(hidden))
    return text


@dataclass(frozen=True)
class Audience:
    """The event a broadcast is for and how many people it would reach now."""

    event_id: int
    title: str
    recipients: int


async def audience(session: AsyncSession, *, event_id: int) -> Audience:
    """Who a broadcast for ``event_id`` would reach; raises EventNotFound."""
    title = await session.scalar(select(Event.title).where(Event.id == event_id))
    if title is None:
        raise EventNotFound()
    count = await session.scalar(
        select(func.count()).select_from(Registration).where(Registration.event_id == event_id)
    )
    return Audience(event_id, title, int(count or 0))


async def start_broadcast(
    session: AsyncSession,
    *,
    event_id: int,
    author_id: int,
    text: str,
    status_chat_id: int,
    status_message_id: int | None,
    now: datetime,
) -> Broadcast:
    """Owe ``text`` to everyone registered for the event now: the broadcast row and one outbox
    row each, in the caller's transaction. Raises EventNotFound, NobodyRegistered."""
    await audience(session, event_id=event_id)  # the event exists
    broadcast = Broadcast(
        event_id=event_id,
        author_id=author_id,
        text=clean_message(text),
        recipients=0,
        status_chat_id=status_chat_id,
        status_message_id=status_message_id,
        created_at=now,
    )
    session.add(broadcast)
    await session.flush()
    rows = select(
        literal(OutboxKind.BROADCAST.value),
        Registration.chat_id,
        Registration.id,
        literal(broadcast.id),
        literal(now, OutboxMessage.due_at.type),
        literal(DeliveryStatus.PENDING.value),
        literal(0),
    ).where(Registration.event_id == event_id)
    added = await session.execute(
        insert(OutboxMessage).from_select(
            ["kind", "chat_id", "registration_id", "broadcast_id", "due_at", "status", "attempts"],
            rows,
        )
    )
    recipients = int(getattr(added, "rowcount", 0) or 0)
    if recipients == 0:
        raise NobodyRegistered()
    broadcast.recipients = recipients
    await session.flush()
    return broadcast


@dataclass(frozen=True)
class OpenBroadcast:
    """A broadcast whose result the manager has not been shown yet."""

    id: int
    shown_at: datetime | None


async def open_broadcasts(session: AsyncSession) -> list[OpenBroadcast]:
    """Broadcasts not finished yet, oldest first."""
    rows = await session.execute(
        select(Broadcast.id, Broadcast.progress_shown_at)
        .where(Broadcast.finished_at.is_(None))
        .order_by(Broadcast.id)
    )
    return [OpenBroadcast(row.id, row.progress_shown_at) for row in rows]


@dataclass(frozen=True)
class Progress:
    """How far a broadcast got, as its status message tells the manager."""

    broadcast_id: int
    title: str
    status_chat_id: int
    status_message_id: int | None
    recipients: int
    sent: int  # Telegram took it (or was taking it when a process stopped: never repeated)
    blocked: int  # the person blocked the bot
    logged_out: int  # no chat of theirs is logged in to the bot any more
    refused: int  # Telegram refused it, or gave up after retries
    pending: int
    event_id: int = 0  # the event it went to (the status message's « leads to its card)

    @property
    def cancelled(self) -> int:
        """Recipients who cancelled their registration before their copy went out."""
        return max(
            0,
            self.recipients - self.sent - self.blocked - self.logged_out - self.refused
            - self.pending,
        )  # fmt: skip

    @property
    def done(self) -> int:
        """Recipients dealt with so far, whatever the outcome."""
        return self.recipients - self.pending

    @property
    def finished(self) -> bool:
        """Nothing is left to send."""
        return self.pending == 0


_blocked = (
    select(TelegramAccount.telegram_user_id)
    .where(
        TelegramAccount.chat_id == OutboxMessage.chat_id, TelegramAccount.blocked_at.is_not(None)
    )
    .correlate(OutboxMessage)
    .exists()
)


async def progress(session: AsyncSession, *, broadcast_id: int) -> Progress:
    """Counts of a broadcast's rows by outcome (one grouped read)."""
    broadcast = await session.get_one(Broadcast, broadcast_id)
    title = await session.scalar(select(Event.title).where(Event.id == broadcast.event_id))
    outcome = case(
        (OutboxMessage.status.in_([DeliveryStatus.SENT, DeliveryStatus.SENDING]), "sent"),
        (OutboxMessage.status == DeliveryStatus.PENDING, "pending"),
        (OutboxMessage.status == DeliveryStatus.SKIPPED, case((_blocked, "blocked"), else_="out")),
        else_="refused",
    )
    rows = await session.execute(
        select(outcome.label("outcome"), func.count())
        .where(OutboxMessage.broadcast_id == broadcast_id)
        .group_by(outcome)
    )
    counts = {name: int(n) for name, n in rows}
    return Progress(
        broadcast_id=broadcast_id,
        title=title or "",
        status_chat_id=broadcast.status_chat_id,
        status_message_id=broadcast.status_message_id,
        recipients=broadcast.recipients,
        sent=counts.get("sent", 0),
        blocked=counts.get("blocked", 0),
        logged_out=counts.get("out", 0),
        refused=counts.get("refused", 0),
        pending=counts.get("pending", 0),
        event_id=broadcast.event_id,
    )


async def mark_shown(
    session: AsyncSession,
    *,
    broadcast_id: int,
    now: datetime,
    finished: bool,
    status_message_id: int | None = None,
) -> None:
    """The manager was shown the progress now (and, ``finished``, the result)."""
    values: dict[str, object] = {"progress_shown_at": now}
    if finished:
        values["finished_at"] = now
    if status_message_id is not None:
        values["status_message_id"] = status_message_id
    await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
