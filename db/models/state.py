"""State kept between updates and runs: open forms and small named values."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, PrimaryKeyConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import UTCDateTime


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
