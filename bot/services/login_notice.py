"""A login tells the account's other chats, so a login that wasn't the owner's is seen.

Its own module because ``bot.services.sessions`` is imported by the outbox's claim, and
this one owes outbox notices.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.outbox import add_notices
from db.models import TelegramAccount

NEW_LOGIN = "new_login"  # told to the account's other chats; params: who (Telegram name), at


async def tell_others_of_login(
    session: AsyncSession,
    *,
    user_id: int,
    telegram_user_id: int,
    telegram_name: str | None,
    now: datetime,
) -> int:
    """Owe every other Telegram account logged into ``user_id`` a notice that
    ``telegram_user_id`` just logged in (in the login's transaction: told exactly once), so
    the owner learns of a login that wasn't theirs; returns how many chats are told."""
    chats = await session.scalars(
        select(TelegramAccount.chat_id).where(
            TelegramAccount.user_id == user_id,
            TelegramAccount.telegram_user_id != telegram_user_id,
            TelegramAccount.session_expires_at > now,
        )
    )
    return await add_notices(
        session,
        chat_ids=sorted(set(chats)),
        notice=NEW_LOGIN,
        now=now,
        params={"who": telegram_name or "", "at": now.isoformat()},
    )
