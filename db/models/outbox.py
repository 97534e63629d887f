"""The outbox: messages the bot owes someone, each delivered exactly once."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, string_enum
from db.types import UTCDateTime


class DeliveryStatus(enum.StrEnum):
    """Life of an outbox row; ``sending`` is set in the transaction that claims it."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    SKIPPED = "skipped"
    EXPIRED = "expired"
    FAILED = "failed"


class OutboxKind(enum.StrEnum):
    """What an outbox row delivers; each kind has its renderer in ``bot.outbox``."""

    REMINDER = "reminder"  # before an event; worded from the event row when it is sent
    NOTICE = "notice"  # a fixed message named by ``payload["notice"]`` (e.g. a form timed out)
    BROADCAST = "broadcast"  # a manager's message to an event's attendees (``broadcast_id``)


class OutboxMessage(Base):
    """A message the bot owes someone: the row is the truth, the scheduler only wakes.

    Delivered exactly once: a worker claims a row with a guarded UPDATE (``pending`` ->
    ``sending``) before calling Telegram. Reminders point at their registration (and go away
    with it); other kinds carry what they need in ``payload``.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("registration_id", "offset_seconds", name="uq_outbox_registration_offset"),
        Index("ix_outbox_status_due_at", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[OutboxKind] = mapped_column(string_enum(OutboxKind, "outbox_kind"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE")
    )
    offset_seconds: Mapped[int | None] = mapped_column(Integer)
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="CASCADE"), index=True
    )
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[DeliveryStatus] = mapped_column(
        string_enum(DeliveryStatus, "delivery_status"), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
