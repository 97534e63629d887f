"""The organisers' tables: waiting lists, cancellations, broadcasts, the groups and
channels the bot is in, and the event cards posted there."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import UTCDateTime


class WaitlistEntry(Base):
    """Someone waiting for a seat at a full event; the lowest id is promoted first.

    Joined and promoted under the event row's lock (a guarded UPDATE on ``events``), so a seat
    that frees up always goes to the head of the list and nobody is both registered and waiting.
    """

    __tablename__ = "waitlist"
    __table_args__ = (
        UniqueConstraint("user_id", "event_id", name="uq_waitlist_user_event"),
        Index("ix_waitlist_event_id", "event_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Cancellation(Base):
    """A registration its owner cancelled: kept for the record and the registrations chart."""

    __tablename__ = "cancellations"
    __table_args__ = (Index("ix_cancellations_event_id", "event_id", "cancelled_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Broadcast(Base):
    """A manager's message to everyone registered for an event; one outbox row per recipient.

    ``status_chat_id``/``status_message_id`` is the message in the manager's chat that is
    edited with the progress ("sent 120/450").
    """

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    recipients: Mapped[int] = mapped_column(Integer)
    status_chat_id: Mapped[int] = mapped_column(BigInteger)
    status_message_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    progress_shown_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class BotChat(Base):
    """A group, supergroup or channel the bot was added to (from ``my_chat_member`` updates)."""

    __tablename__ = "bot_chats"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(255))
    added_by: Mapped[int | None] = mapped_column(BigInteger)  # Telegram user id
    # the bot is a member (and for channels an administrator) while this is null
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class EventPost(Base):
    """An event card posted in a group or channel, or sent through inline mode.

    Re-drawn (coalesced, a few seconds apart) while ``shown_revision`` is behind the event's
    ``revision``; ``gone_at`` is set when the chat or message can no longer be edited.
    """

    __tablename__ = "event_posts"
    __table_args__ = (
        UniqueConstraint("chat_id", "message_id", name="uq_event_posts_chat_message"),
        UniqueConstraint("inline_message_id", name="uq_event_posts_inline_message_id"),
        Index("ix_event_posts_event_id", "event_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(Integer)
    inline_message_id: Mapped[str | None] = mapped_column(String(255))
    shown_revision: Mapped[int] = mapped_column(Integer)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    gone_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
