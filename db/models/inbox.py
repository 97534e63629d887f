"""Updates as they arrive (the inbox) and the leases that let one replica at a time do a job."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import UTCDateTime


class InboxUpdate(Base):
    """An update Telegram delivered, stored before its offset is confirmed.

    The row is the truth about what arrived: a crash after ``getUpdates`` loses nothing,
    because start-up replays rows not yet ``handled_at``. ``applied_writes`` counts the
    update's write transactions that committed, each recorded inside that transaction
    (``db.update_writes``), so a change that committed is never applied again, however often
    the update is delivered or replayed.
    """

    __tablename__ = "inbox"
    __table_args__ = (
        Index("ix_inbox_handled_at", "handled_at", "update_id"),
        Index("ix_inbox_chat_id", "chat_id", "update_id"),
    )

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # what orders updates: the chat, else the sender (inline queries have no chat)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    applied_writes: Mapped[int] = mapped_column(Integer, default=0)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # with several replicas (PostgreSQL), the replica handling it, until when (a lease: a
    # replica that dies leaves claims that lapse, and another takes them over)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Lease(Base):
    """A job only one replica may do at a time (e.g. polling Telegram), held until it lapses.

    Taken or renewed by one conditional upsert: the holder renews, anyone takes a lapsed one.
    """

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
