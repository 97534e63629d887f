"""Deep links into the bot: ``https://t.me/<bot>?start=ev_<id>`` opens the event's card."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.handlers.common import say
from bot.handlers.events import show_card
from bot.ui import posts as post_ui
from bot.ui.callbacks import MAX_ID


async def open_event(update: Update, context: BotContext, rest: str) -> None:
    """Show the card of the event a link names (``/start ev_<id>``), or say it names none."""
    event_id = int(rest) if rest.isascii() and rest.isdigit() and len(rest) <= 19 else 0
    if not 1 <= event_id <= MAX_ID:
        await say(update, post_ui.bad_event_link())
        return
    await show_card(update, context, event_id)
