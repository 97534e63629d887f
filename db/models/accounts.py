"""People: accounts, the Telegram users logged in to them, and failed-login throttles."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.models.base import Base, string_enum
from db.types import UTCDateTime


class Role(enum.StrEnum):
    """What an account may do."""

    CUSTOMER = "customer"
    MANAGER = "manager"


class User(Base):
    """A person with an account (email + bcrypt hash)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    # stored lower-cased: uniqueness is case-insensitive on every backend
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[bytes] = mapped_column()
    role: Mapped[Role] = mapped_column(string_enum(Role, "role"), default=Role.CUSTOMER)
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
