"""Accounts and Telegram login sessions."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import (
    BadCredentials,
    EmailTaken,
    InvalidInput,
    NotAuthorized,
    NotLoggedIn,
)
from bot.services.passwords import verify_password
from db.models import Role, TelegramAccount, User

MAX_NAME_CHARS = 64
MAX_EMAIL_CHARS = 254
_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\".]{2,}$")


def clean_name(raw: str) -> str:
    """Return the trimmed display name or raise InvalidInput."""
    name = " ".join(raw.split())
    if not name:
        raise InvalidInput("Your name can't be empty.")
    if len(name) > MAX_NAME_CHARS:
        raise InvalidInput(f"Please keep your name under {MAX_NAME_CHARS} characters.")
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Co", "Cs"} for ch in name):
        raise InvalidInput("Your name contains characters I can't display.")
    return name


def clean_email(raw: str) -> str:
    """Return the email lower-cased (uniqueness is case-insensitive) or raise InvalidInput."""
    email = raw.strip().lower()
    if len(email) > MAX_EMAIL_CHARS or not _EMAIL.match(email):
        raise InvalidInput("That doesn't look like an email address (like name@example.com).")
    return email


async def email_taken(session: AsyncSession, *, email: str) -> bool:
    """Tell whether an account uses ``email`` (already cleaned)."""
    found = await session.scalar(select(User.id).where(User.email == email))
    return found is not None


async def create_user(
    session: AsyncSession,
    *,
    name: str,
    email: str,
    password_hash: bytes,
    role: Role,
    now: datetime,
) -> User:
    """Insert a new account; the unique index settles races on the email."""
    user = User(
        name=clean_name(name),
        email=clean_email(email),
        password_hash=password_hash,
        role=role,
        created_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(user)
    except IntegrityError as exc:
        raise EmailTaken(email) from exc
    return user


async def find_by_email(session: AsyncSession, *, email: str) -> User | None:
    """The account with this (cleaned) email, if any."""
    return await session.scalar(select(User).where(User.email == email))


async def check_password(user: User | None, *, password: str, dummy_hash: bytes) -> User:
    """Return ``user`` if ``password`` is theirs, else raise BadCredentials.

    An unknown user is checked against ``dummy_hash`` so both failures cost one bcrypt run.
    Needs no database: call it outside any transaction (bcrypt takes ~0.25 s and SQLite would
    hold its write lock meanwhile).
    """
    matches = await verify_password(password, user.password_hash if user else dummy_hash)
    if user is None or not matches:
        raise BadCredentials()
    return user


async def start_session(
    session: AsyncSession,
    *,
    telegram_user_id: int,
    chat_id: int,
    user: User,
    now: datetime,
    ttl: timedelta,
) -> TelegramAccount:
    """Link this Telegram account to ``user`` until ``now + ttl``."""
    account = await session.get(TelegramAccount, telegram_user_id)
    if account is None:
        account = TelegramAccount(telegram_user_id=telegram_user_id, chat_id=chat_id)
        session.add(account)
    account.chat_id = chat_id
    account.user_id = user.id
    account.session_expires_at = now + ttl
    account.blocked_at = None
    await session.flush()
    return account


async def end_session(session: AsyncSession, *, telegram_user_id: int) -> bool:
    """Unlink this Telegram account; return whether it was logged in."""
    account = await session.get(TelegramAccount, telegram_user_id)
    if account is None or account.user_id is None:
        return False
    account.user_id = None
    account.session_expires_at = None
    await session.flush()
    return True


async def current_user(
    session: AsyncSession, *, telegram_user_id: int, now: datetime
) -> User | None:
    """The account this Telegram user is logged in as, or None (never logged in or expired)."""
    row = (
        await session.execute(
            select(User, TelegramAccount.session_expires_at)
            .join(TelegramAccount, TelegramAccount.user_id == User.id)
            .where(TelegramAccount.telegram_user_id == telegram_user_id)
        )
    ).first()
    if row is None:
        return None
    user, expires_at = row
    if expires_at is None or expires_at <= now:
        return None
    return user


async def require_user(session: AsyncSession, *, telegram_user_id: int, now: datetime) -> User:
    """The logged-in account, or raise NotLoggedIn."""
    user = await current_user(session, telegram_user_id=telegram_user_id, now=now)
    if user is None:
        raise NotLoggedIn()
    return user


async def require_manager(session: AsyncSession, *, telegram_user_id: int, now: datetime) -> User:
    """The logged-in manager, or raise NotLoggedIn / NotAuthorized."""
    user = await require_user(session, telegram_user_id=telegram_user_id, now=now)
    if user.role is not Role.MANAGER:
        raise NotAuthorized()
    return user
