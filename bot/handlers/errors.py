"""The one error handler: log with the traceback, tell the user something short and kind."""

from __future__ import annotations

import logging

from sqlalchemy.exc import OperationalError
from telegram import Update
from telegram.error import TelegramError

from bot import texts
from bot.context import BotContext

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    """Log the failure; the user gets a short apology, never a traceback."""
    error = context.error
    log.error("error while handling an update", exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    busy = isinstance(error, OperationalError) and "locked" in str(error).lower()
    text = texts.BUSY_TRY_AGAIN if busy else texts.SOMETHING_WENT_WRONG
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        else:
            await update.effective_chat.send_message(text)
    except TelegramError as exc:
        log.warning("could not tell the user about the error: %s", exc)
