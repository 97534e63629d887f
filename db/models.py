"""The EventBot schema as SQLAlchemy 2 models; Alembic migrations are what create it."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from db.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base carrying the constraint naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Role(enum.StrEnum):
    """What an account may do."""

    CUSTOMER = "customer"
    MANAGER = "manager"


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


def _enum(kind: type[enum.StrEnum], name: str) -> Enum:
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [m.value for m in members],
    )


class User(Base):
    """A person with an account (email + bcrypt hash)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    # stored lower-cased: uniqueness is case-insensitive on every backend
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[bytes] = mapped_column()
    role: Mapped[Role] = mapped_column(_enum(Role, "role"), default=Role.CUSTOMER)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TelegramAccount(Base):
    """A Telegram user, the chat we talk to them in, and the login session it holds."""

    __tablename__ = "telegram_accounts"
    # by chat: is this chat blocked (each outbox row sent looks), and who is logged in there
    __table_args__ = (Index("ix_telegram_accounts_chat_id", "chat_id"),)

    telegram_user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    session_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # what /sessions shows of this login: since when, and the Telegram name it was made from
    logged_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    telegram_name: Mapped[str | None] = mapped_column(String(200))

    user: Mapped[User | None] = relationship(lazy="raise")


class Event(Base):
    """Something people can register for; ``seats_left`` is the atomic capacity counter."""

    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("capacity BETWEEN 1 AND 100000", name="capacity_range"),
        CheckConstraint("seats_left >= 0 AND seats_left <= capacity", name="seats_left_range"),
        Index("ix_events_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    capacity: Mapped[int] = mapped_column(Integer)
    seats_left: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # set when a manager cancels it: it leaves every listing, its rows stay for the record
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # bumped by every change a card or post shows (seats, title, time, place, capacity,
    # cancellation): posts in groups and inline messages are re-drawn while theirs is older
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class Registration(Base):
    """One seat: a user at an event. The unique pair forbids double registration."""

    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("user_id", "event_id", name="uq_registrations_user_event"),
        Index("ix_registrations_event_id", "event_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    # the private chat reminders go to: the one the user registered from
    chat_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # the secret in the ticket's QR link (ci_<id>_<secret>, 128 bits, compared in constant
    # time); made when the registration is, or on first use for rows older than tickets
    ticket_secret: Mapped[str | None] = mapped_column(String(32))
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_in_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


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
    kind: Mapped[OutboxKind] = mapped_column(_enum(OutboxKind, "outbox_kind"))
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
        _enum(DeliveryStatus, "delivery_status"), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class FormState(Base):
    """A form a person is filling in (sign-up, login, new event ...): where they are, and the
    answers so far. Lives here, not in process memory, so it survives restarts and any replica
    can take the next message. Secrets are never stored: a password is kept as its bcrypt hash.
    """

    __tablename__ = "forms"
    __table_args__ = (
        PrimaryKeyConstraint("chat_id", "user_id", name="pk_forms"),
        Index("ix_forms_updated_at", "updated_at"),
    )

    chat_id: Mapped[int] = mapped_column(BigInteger, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, autoincrement=False)
    form: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    # bumped by every save: a save is a compare-and-set on it, so two replicas can't both advance
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AppState(Base):
    """Small named values the application keeps between runs (e.g. the sandbox's clock)."""

    __tablename__ = "app_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class LoginThrottle(Base):
    """Failed attempts counted against one key, and the lock they earned.

    Keys are ``tg:<telegram user id>`` (each Telegram account), ``email:<address typed>``
    (known or not, so answers reveal nothing) and ``invite:<telegram user id>``. Failures
    count within a window from the first one; a quiet window forgets them.
    """

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
