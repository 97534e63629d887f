"""The Telegram accounts logged into one EventBot account: list them, end the others.

Each Telegram account that logs in holds its own session (``telegram_accounts``) for
``SESSION_TTL``. The owner sees them all with /sessions and can end every other one; changing
the password ends the others too. A login tells the account's other chats
(``bot.services.login_notice``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from db.models import TelegramAccount

LOGGED_OUT_ELSEWHERE = "logged_out_elsewhere"  # the notice a chat gets when another ends it


@dataclass(frozen=True)
class LoginSession:
    """One Telegram account logged into the account."""

    telegram_user_id: int
    telegram_name: str | None
    logged_in_at: datetime | None
    expires_at: datetime


async def active(session: AsyncSession, *, user_id: int, now: datetime) -> list[LoginSession]:
    """The account's live sessions, most recent login first."""
    rows = await session.execute(
        select(
            TelegramAccount.telegram_user_id,
            TelegramAccount.telegram_name,
            TelegramAccount.logged_in_at,
            TelegramAccount.session_expires_at,
        )
        .where(TelegramAccount.user_id == user_id, TelegramAccount.session_expires_at > now)
        .order_by(TelegramAccount.logged_in_at.desc(), TelegramAccount.telegram_user_id)
    )
    return [
        LoginSession(
            telegram_user_id=row.telegram_user_id,
            telegram_name=row.telegram_name,
            logged_in_at=row.logged_in_at,
            expires_at=row.session_expires_at,
        )
        for row in rows
    ]


async def end_others(
    session: AsyncSession, *, user_id: int, keep_telegram_user_id: int, now: datetime
) -> list[int]:
    """Log out every Telegram account of ``user_id`` but one; returns the chats whose session
    was still live (the ones to tell). Expired links are cleared too, silently."""
    others = (
        TelegramAccount.user_id == user_id,
        TelegramAccount.telegram_user_id != keep_telegram_user_id,
    )
    live = await session.scalars(
        select(TelegramAccount.chat_id).where(*others, TelegramAccount.session_expires_at > now)
    )
    chats = list(live)
    await session.execute(
        update(TelegramAccount)
        .where(*others)
        .values(user_id=None, session_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    return chats


async def chat_for(
    session: AsyncSession | AsyncConnection, *, user_id: int, preferred_chat_id: int, now: datetime
) -> int | None:
    """Where a personal message for ``user_id`` may go: ``preferred_chat_id`` while it is
    logged into the account, else the chat of its most recent live login, else nowhere."""
    rows = (
        await session.execute(
            select(TelegramAccount.chat_id)
            .where(TelegramAccount.user_id == user_id, TelegramAccount.session_expires_at > now)
            .order_by(TelegramAccount.logged_in_at.desc())
        )
    ).all()
    chats = [chat_id for (chat_id,) in rows]
    if preferred_chat_id in chats:
        return preferred_chat_id
    return chats[0] if chats else None
