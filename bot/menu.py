"""Telegram's command menu: the default list for everyone, managers' extras per chat."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import TelegramError

from bot.ui.menu_commands import commands
from db.models import Role

log = logging.getLogger(__name__)


async def set_default_menu(bot: Bot) -> None:
    """The commands every private chat sees."""
    await bot.set_my_commands(commands(None), scope=BotCommandScopeAllPrivateChats())


async def set_chat_menu(bot: Bot, *, chat_id: int, role: Role | None) -> None:
    """Give managers their extra commands in this chat; everyone else the default list."""
    scope = BotCommandScopeChat(chat_id)
    try:
        if role is Role.MANAGER:
            await bot.set_my_commands(commands(role), scope=scope)
        else:
            await bot.delete_my_commands(scope=scope)
    except TelegramError as exc:  # the menu is a convenience; never fail a login over it
        log.warning("could not update the command menu of chat %s: %s", chat_id, exc)
