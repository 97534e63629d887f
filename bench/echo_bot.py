"""The framework's own ceiling: a bare python-telegram-bot echo bot, default settings.

Run as ``python -m bench.echo_bot``; reads BOT_TOKEN and TELEGRAM_API_URL like EventBot.
"""

from __future__ import annotations

import logging
import os

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the text back."""
    assert update.effective_chat is not None and update.effective_message is not None
    await update.effective_chat.send_message(update.effective_message.text or "?")


def main() -> None:
    """Poll until interrupted."""
    logging.basicConfig(level=logging.WARNING)
    api = os.environ["TELEGRAM_API_URL"]
    app = (
        Application.builder()
        .token(os.environ["BOT_TOKEN"])
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling(allowed_updates=[Update.MESSAGE], poll_interval=0)


if __name__ == "__main__":
    main()
