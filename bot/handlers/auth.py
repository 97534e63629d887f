"""Logout and /me (sign-up and login are forms: handlers/signup.py, handlers/login.py)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot import ui
from bot.context import BotContext, EventBotApp
from bot.handlers.common import chat_id_of, deps, say, user_id_of
from bot.handlers.visit import account, forget_visit
from bot.menu import set_chat_menu
from bot.services import accounts


async def logout(update: Update, context: BotContext) -> None:
    """End this chat's session."""
    async with deps(context).db.write() as session:
        was_in = await accounts.end_session(session, telegram_user_id=user_id_of(update))
    forget_visit(context)
    if was_in:
        await set_chat_menu(context.bot, chat_id=chat_id_of(update), role=None)
    await say(update, ui.accounts.logged_out() if was_in else ui.accounts.was_not_logged_in())


async def me(update: Update, context: BotContext) -> None:
    """Show the logged-in account."""
    viewer = await account(update, context)
    await say(update, ui.accounts.me(viewer) if viewer is not None else ui.accounts.not_logged_in())


def register(app: EventBotApp) -> None:
    """Add the account handlers."""
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("logout", logout, filters=private))
    app.add_handler(CommandHandler("me", me, filters=private))
