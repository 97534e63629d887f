"""Events and the seats taken at them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import UTCDateTime


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
