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
