"""The one error handler: log it, tell the user something short and kind, never a traceback."""

from __future__ import annotations

import logging

from sqlalchemy.exc import OperationalError
from telegram import Update
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError

from bot import ui
from bot.context import BotContext

log = logging.getLogger(__name__)


def _database_busy(error: BaseException | None) -> bool:
    return isinstance(error, OperationalError) and "locked" in str(error).lower()


async def on_error(update: object, context: BotContext) -> None:
    """Log the failure and apologise to the user, if there is one."""
    error = context.error
    if isinstance(error, NetworkError | RetryAfter) and not isinstance(error, BadRequest):
        # Telegram unreachable, slow or limiting us: expected now and then, retried elsewhere
        where = "polling" if update is None else "handling an update"
        log.warning("Telegram API trouble while %s: %s", where, error)
        return
    busy = _database_busy(error)
    if busy:
        log.warning("database busy while handling an update: %s", error)
    else:
        log.error("error while handling an update", exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    text = ui.common.busy_try_again() if busy else ui.common.something_went_wrong()
    try:
        if update.callback_query is not None:
            try:
                await update.callback_query.answer(text, show_alert=True)
                return
            except BadRequest:  # the handler had answered the press already
                pass
        await update.effective_chat.send_message(text)
    except TelegramError as exc:
        log.warning("could not tell the user about the error: %s", exc)
