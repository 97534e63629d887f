"""Groups and channels the bot is added to or removed from (``my_chat_member`` updates)."""

from __future__ import annotations

import logging

from telegram import ChatMember, ChatMemberAdministrator, ChatMemberRestricted, Update
from telegram.ext import ChatMemberHandler

from bot.context import BotContext, EventBotApp
from bot.handlers.common import deps, now
from bot.services import chats

log = logging.getLogger(__name__)


def may_post(member: ChatMember, chat_type: str) -> bool:
    """Whether the bot, as ``member`` of a chat of ``chat_type``, can post there."""
    if chat_type == "channel":
        return isinstance(member, ChatMemberAdministrator) and bool(member.can_post_messages)
    if isinstance(member, ChatMemberRestricted):
        return member.is_member and member.can_send_messages
    return member.status in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER)


async def membership_changed(update: Update, context: BotContext) -> None:
    """Remember the groups and channels the bot may post in, and forget those it left."""
    change = update.my_chat_member
    assert change is not None
    chat = change.chat
    if chat.type not in chats.POST_CHAT_TYPES:
        return  # a private chat: someone blocked or unblocked the bot
    member = may_post(change.new_chat_member, chat.type)
    async with deps(context).db.write() as session:
        await chats.record_membership(
            session,
            chat_id=chat.id,
            chat_type=chat.type,
            title=chat.title or str(chat.id),
            added_by=change.from_user.id if member else None,
            member=member,
            now=now(context),
        )
    log.info("bot %s %s chat %s", "may post in" if member else "left", chat.type, chat.id)


def register(app: EventBotApp) -> None:
    """Add the membership handler."""
    app.add_handler(ChatMemberHandler(membership_changed, ChatMemberHandler.MY_CHAT_MEMBER))
