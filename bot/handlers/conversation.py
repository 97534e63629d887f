"""What every conversation shares: /cancel, a timeout, a nudge on stray commands, secrets."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    BaseHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import texts
from bot.context import BotContext
from bot.handlers.common import say

log = logging.getLogger(__name__)

CONVERSATION_TIMEOUT = timedelta(minutes=15)
END = ConversationHandler.END


async def cancel(update: Update, context: BotContext) -> int:
    """Leave the conversation; nothing typed so far is kept."""
    assert context.user_data is not None
    context.user_data.clear()
    await say(update, texts.CANCELLED)
    return END


async def timed_out(update: Update, context: BotContext) -> None:
    """Tell the user the conversation lapsed."""
    assert context.user_data is not None
    context.user_data.clear()
    if isinstance(update, Update) and update.effective_chat is not None:
        await say(update, texts.TIMED_OUT)


async def stray_command(update: Update, _context: BotContext) -> None:
    """A command in the middle of a conversation: ask for the answer or /cancel."""
    await say(update, texts.IN_CONVERSATION)


async def delete_secret(update: Update) -> None:
    """Delete the message that carried a password or code, right after reading it."""
    message = update.effective_message
    if message is None:
        return
    try:
        await message.delete()
    except TelegramError as exc:
        log.warning("could not delete a secret message in chat %s: %s", message.chat_id, exc)


def conversation(
    name: str,
    *,
    entry_points: Sequence[BaseHandler[Any, BotContext, Any]],
    states: dict[object, list[BaseHandler[Any, BotContext, Any]]],
) -> ConversationHandler[BotContext]:
    """A private-chat ConversationHandler with the shared fallbacks and timeout.

    ``per_message=False`` is deliberate: a conversation mixes typed answers and button presses,
    so PTB's warning that button presses are tracked per chat, not per message, is silenced.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message=False", category=PTBUserWarning)
        return _build(name, entry_points, states)


def _build(
    name: str,
    entry_points: Sequence[BaseHandler[Any, BotContext, Any]],
    states: dict[object, list[BaseHandler[Any, BotContext, Any]]],
) -> ConversationHandler[BotContext]:
    return ConversationHandler(
        entry_points=list(entry_points),
        states={**states, ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)]},
        fallbacks=[
            CommandHandler("cancel", cancel),
            MessageHandler(filters.COMMAND, stray_command),
        ],
        name=name,
        conversation_timeout=CONVERSATION_TIMEOUT,
        # per_message=False: text answers and button presses of one user share one state
        per_chat=True,
        per_user=True,
        allow_reentry=False,
    )
