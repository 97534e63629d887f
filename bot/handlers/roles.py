"""/promote and /demote (managers): change an account's role and its command menus at once;
the person is told in every chat logged into the account (an outbox notice)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.context import BotContext, EventBotApp
from bot.handlers.common import chat_id_of, deps, friendly, now, say
from bot.handlers.visit import forget_visit, requires
from bot.menu import set_chat_menu
from bot.outbox import wake_dispatcher
from bot.services import roles
from bot.ui import roles as role_ui
from db.models import Role

log = logging.getLogger(__name__)
PRIVATE = filters.ChatType.PRIVATE


async def _change(update: Update, context: BotContext, command: str, role: Role) -> None:
    email = " ".join(context.args or [])
    if not email:
        await say(update, role_ui.usage(command))
        return
    async with deps(context).db.write() as session:
        change = await roles.change_role(
            session, email=email, role=role, now=now(context), answered_chat_id=chat_id_of(update)
        )
    log.info("account %s is now %s", change.user_id, role.value)
    wake_dispatcher(context.job_queue)  # their notice, in every chat logged into the account
    forget_visit(context)  # the sender may have changed their own role
    for chat_id in change.chat_ids:
        await set_chat_menu(context.bot, chat_id=chat_id, role=role)
    await say(update, role_ui.changed(change))


@requires(Role.MANAGER)
@friendly
async def promote(update: Update, context: BotContext) -> None:
    """Make the account with the given email a manager."""
    await _change(update, context, "promote", Role.MANAGER)


@requires(Role.MANAGER)
@friendly
async def demote(update: Update, context: BotContext) -> None:
    """Make the manager with the given email a customer (never the last manager)."""
    await _change(update, context, "demote", Role.CUSTOMER)


def register(app: EventBotApp) -> None:
    """Add /promote and /demote."""
    app.add_handler(CommandHandler("promote", promote, filters=PRIVATE))
    app.add_handler(CommandHandler("demote", demote, filters=PRIVATE))
