"""Accounts and Telegram login sessions."""

from __future__ import annotations

import re
import stringprep
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
    Problem,
)
from bot.services.passwords import PasswordHasher
from bot.services.text import hidden_character
from db.models import Role, TelegramAccount, User

MAX_NAME_CHARS = 64
MAX_EMAIL_CHARS = 254
_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\".]{2,}$")


def clean_name(raw: str) -> str:
    """Return the trimmed display name or raise InvalidInput (no hidden characters:
    bot.services.text)."""
    name = " ".join(raw.split())
    if not name:
        raise InvalidInput(Problem.NAME_EMPTY)
    if len(name) > MAX_NAME_CHARS:
        raise InvalidInput(Problem.NAME_TOO_LONG, limit=MAX_NAME_CHARS)
    hidden = hidden_character(name)
    if hidden is not None:
        raise InvalidInput(Problem.NAME_UNPRINTABLE, codepoint=ord(hidden))
    return name


def clean_email(raw: str) -> str:
    """The one spelling of an email address, used for sign-up, login and uniqueness, or
    raise InvalidInput.

    Addresses that look the same are the same account, so the text is normalised before it is
    checked and compared:

    1. the characters RFC 3454 (stringprep, table B.1) maps to nothing are removed: the soft
       hyphen, zero-width space / joiner / non-joiner, word joiner, BOM, variation selectors.
       They are invisible, and the domain's IDNA step removes them anyway; removing them
       (rather than refusing) lets ``sa\\u00adme@x.org``, pasted from a web page, log into
       ``same@x.org``;
    2. NFKC: full-width and other compatibility forms become the plain letters
       (``ｓame@x.org`` is ``same@x.org``);
    3. any control or format character still there (direction marks and overrides such as
       U+202E, tags, NUL ...) is refused with EMAIL_INVISIBLE: what such an address looks
       like is not what it is, and there is no harmless way to guess what was meant;
    4. lower case (then NFKC again, so that the result is stable: cleaning it once more
       changes nothing);
    5. the domain is IDNA-encoded with Python's own codec (IDNA 2003 with nameprep; no extra
       dependency, and a behaviour that never changes under stored addresses):
       ``bücher.de`` is stored as ``xn--bcher-kva.de``, which also shows a look-alike
       domain (Cyrillic ``а``) to managers for what it is. A domain IDNA refuses (empty or
       over-long label, forbidden character) is EMAIL_INVALID. Known limit of IDNA 2003:
       ``ß`` maps to ``ss``. Look-alikes across scripts in the local part (Latin ``a``
       beside Cyrillic ``а``) stay different addresses: they are different mailboxes.

    migrations/versions/0004 applies a copy of these steps to the stored addresses.
    """
    text = "".join(char for char in raw if not stringprep.in_table_b1(char))
    text = unicodedata.normalize("NFKC", text).strip()
    hidden = hidden_character("".join(text.split()))  # spaces are EMAIL_INVALID, below
    if hidden is not None:
        raise InvalidInput(Problem.EMAIL_INVISIBLE, codepoint=ord(hidden))
    text = unicodedata.normalize("NFKC", text.lower())
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        raise InvalidInput(Problem.EMAIL_INVALID)
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
        ascii_domain.encode("ascii").decode("idna")  # a bad "xn--" label fails here
    except UnicodeError:
        raise InvalidInput(Problem.EMAIL_INVALID) from None
    email = f"{local}@{ascii_domain}"
    if len(email) > MAX_EMAIL_CHARS or not _EMAIL.match(email):
        raise InvalidInput(Problem.EMAIL_INVALID)
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


async def check_password(user: User | None, *, password: str, hasher: PasswordHasher) -> User:
    """Return ``user`` if ``password`` is theirs, else raise BadCredentials.

    An unknown user is checked against a dummy hash so both failures cost one bcrypt run.
    Needs no database: call it outside any transaction (bcrypt takes ~0.25 s and SQLite would
    hold its write lock meanwhile).
    """
    matches = await hasher.verify(password, user.password_hash if user else None)
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
    telegram_name: str | None = None,
) -> TelegramAccount:
    """Link this Telegram account to ``user`` until ``now + ttl`` (``telegram_name``: how
    /sessions names this login)."""
    account = await session.get(TelegramAccount, telegram_user_id)
    if account is None:
        account = TelegramAccount(telegram_user_id=telegram_user_id, chat_id=chat_id)
        session.add(account)
    account.chat_id = chat_id
    account.user_id = user.id
    account.session_expires_at = now + ttl
    account.blocked_at = None
    account.logged_in_at = now
    account.telegram_name = (telegram_name or "")[:200] or None
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


async def telegram_users(session: AsyncSession) -> list[tuple[int, str | None]]:
    """Every Telegram account the bot knows, with the name it last logged in under."""
    rows = await session.execute(
        select(TelegramAccount.telegram_user_id, TelegramAccount.telegram_name)
    )
    return [(int(user_id), name) for user_id, name in rows]
