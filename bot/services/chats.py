"""The groups, supergroups and channels the bot is in (from ``my_chat_member`` updates and
Telegram's answers): where event posts can go."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import ChatUnavailable
from db.models import BotChat, EventPost

# the Bot API's chat types the bot can post in; a channel needs the bot as administrator
POST_CHAT_TYPES = ("group", "supergroup", "channel")


@dataclass(frozen=True, slots=True)
class ChatInfo:
    """A group or channel the bot is in."""

    chat_id: int
    type: str
    title: str


async def record_membership(
    session: AsyncSession,
    *,
    chat_id: int,
    chat_type: str,
    title: str,
    added_by: int | None,
    member: bool,
    now: datetime,
) -> None:
    """Remember that the bot is (``member``) or is no longer in a group or channel."""
    chat = await session.get(BotChat, chat_id)
    if chat is None:
        chat = BotChat(chat_id=chat_id, type=chat_type, title=title, updated_at=now)
        session.add(chat)
    chat.type, chat.title, chat.updated_at = chat_type, title[:255], now
    if member:
        if added_by is not None:
            chat.added_by = added_by
        chat.left_at = None
    elif chat.left_at is None:
        chat.left_at = now
        await _posts_gone(session, chat_id=chat_id, now=now)


async def mark_chat_left(session: AsyncSession, *, chat_id: int, now: datetime) -> None:
    """Telegram answered that the bot is no longer in the chat: forget it and its posts."""
    await session.execute(
        update(BotChat)
        .where(BotChat.chat_id == chat_id, BotChat.left_at.is_(None))
        .values(left_at=now, updated_at=now)
    )
    await _posts_gone(session, chat_id=chat_id, now=now)


async def _posts_gone(session: AsyncSession, *, chat_id: int, now: datetime) -> None:
    await session.execute(
        update(EventPost)
        .where(EventPost.chat_id == chat_id, EventPost.gone_at.is_(None))
        .values(gone_at=now)
    )


async def active_chats(session: AsyncSession) -> list[ChatInfo]:
    """The groups and channels the bot is in now, by title."""
    rows = await session.execute(
        select(BotChat.chat_id, BotChat.type, BotChat.title)
        .where(BotChat.left_at.is_(None), BotChat.type.in_(POST_CHAT_TYPES))
        .order_by(BotChat.title, BotChat.chat_id)
    )
    return [ChatInfo(row.chat_id, row.type, row.title) for row in rows]


async def active_chat(session: AsyncSession, *, chat_id: int) -> ChatInfo:
    """A chat the bot is in, or raise ChatUnavailable."""
    chat = await session.get(BotChat, chat_id)
    if chat is None or chat.left_at is not None or chat.type not in POST_CHAT_TYPES:
        raise ChatUnavailable()
    return ChatInfo(chat.chat_id, chat.type, chat.title)
