"""Greeting, help, group chats, and everything nobody else handles."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import ui
from bot.context import BotContext, EventBotApp
from bot.handlers import checkin, manager_card, share
from bot.handlers.common import answer, chat_id_of, deps, say
from bot.handlers.visit import account, stale_button_text
from bot.services import outbox
from bot.ui.callbacks import ManagerCard

log = logging.getLogger(__name__)

# /start <payload> from a deep link: the payload's prefix names what it opens; the handler
# gets the rest (whatever a link carries is untrusted: each validates its own part)
DeepLink = Callable[[Update, BotContext, str], Awaitable[None]]


async def _scan_ticket(update: Update, context: BotContext, rest: str) -> None:
    """A ticket's QR code (ci_<registration>_<secret>): a manager checks its holder in."""
    await checkin.scan_ticket(update, context, f"ci_{rest}")


DEEP_LINKS: dict[str, DeepLink] = {
    "ev_": share.open_event,
    "ci_": _scan_ticket,
}


async def start(update: Update, context: BotContext) -> None:
    """Greet the user with buttons for their next step, or follow a deep link."""
    async with deps(context).db.write() as session:
        await outbox.unblock_chat(session, chat_id=chat_id_of(update))
    payload = context.args[0] if context.args else ""
    for prefix, open_link in DEEP_LINKS.items():
        if payload.startswith(prefix):
            await open_link(update, context, payload[len(prefix) :])
            return
    user = await account(update, context)
    await say(update, ui.common.welcome(user), ui.common.welcome_keyboard(user))


async def help_command(update: Update, context: BotContext) -> None:
    """List the commands for the user's role."""
    await say(update, ui.common.help_text(await account(update, context)))


async def cancel_nothing(update: Update, _context: BotContext) -> None:
    """Answer /cancel outside any conversation."""
    await say(update, ui.common.nothing_to_cancel())


async def unknown_command(update: Update, _context: BotContext) -> None:
    """Point to /help for commands we don't know."""
    await say(update, ui.common.unknown_command())


async def unknown_text(update: Update, _context: BotContext) -> None:
    """Point to /help for free text outside a conversation."""
    await say(update, ui.common.unknown_text())


async def stale_button(update: Update, context: BotContext) -> None:
    """Answer presses of buttons no handler claims (old or forged callback data)."""
    await answer(update, await stale_button_text(update, context), alert=True)


async def group_pointer(update: Update, context: BotContext) -> None:
    """In groups, point people to the private chat; delete what may hold a password.

    Nothing said in a group is ever used: a command with arguments ("/login me@x.org secret")
    or a reply to the bot may carry a secret, so it is deleted when the bot is allowed to.
    """
    message = update.effective_message
    deleted = False
    if message is not None and message.text is not None:
        has_arguments = len(message.text.split(maxsplit=1)) > 1
        if has_arguments or message.reply_to_message is not None:
            try:
                await message.delete()
                deleted = True
            except TelegramError as exc:
                log.info("could not delete a group message in %s: %s", message.chat_id, exc)
    await say(update, ui.common.group_pointer(context.bot.username, deleted=deleted))
    raise ApplicationHandlerStop


def register(app: EventBotApp) -> None:
    """Handlers that must run before the feature handlers (groups)."""
    not_private = ~filters.ChatType.PRIVATE
    addressed = filters.COMMAND | filters.REPLY
    app.add_handler(MessageHandler(not_private & addressed, group_pointer), group=-1)


def register_fallbacks(app: EventBotApp) -> None:
    """Handlers that run when no feature handler claimed the update."""
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("start", start, filters=private))
    app.add_handler(CommandHandler("help", help_command, filters=private))
    app.add_handler(CommandHandler("cancel", cancel_nothing, filters=private))
    app.add_handler(MessageHandler(private & filters.COMMAND, unknown_command))
    app.add_handler(MessageHandler(private & filters.TEXT, unknown_text))
    # an organiser's button no handler claimed: the role is checked before "no longer works"
    app.add_handler(CallbackQueryHandler(manager_card.unclaimed, pattern=ManagerCard.pattern()))
    app.add_handler(CallbackQueryHandler(stale_button))
