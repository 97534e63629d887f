"""/myevents: the events someone holds a seat at, then those they wait for."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot import ui
from bot.context import BotContext, EventBotApp
from bot.handlers.common import answer, deps, edit_or_say, now, pressed, say
from bot.handlers.visit import account
from bot.services import booking, waitlist
from bot.ui.callbacks import MyEvents


async def my_events(update: Update, context: BotContext) -> None:
    """List the user's upcoming registrations, then the events they wait for, with buttons
    to open each."""
    if update.callback_query is not None and await pressed(update, MyEvents) is None:
        return
    await answer(update)
    clock_now = now(context)
    user = await account(update, context)
    if user is None:
        await say(update, ui.common.login_first())
        return
    async with deps(context).db.read() as session:
        mine = await booking.my_upcoming(session, user_id=user.id, now=clock_now)
        queued = await waitlist.waiting_for(session, user_id=user.id, now=clock_now)
    tz = deps(context).settings.tz
    # a press (« My events, the greeting's button) shows it in place
    await edit_or_say(
        update,
        ui.my_events.my_events(mine, tz, queued, now=clock_now),
        ui.my_events.my_events_keyboard(mine, tz, queued),
    )


def register(app: EventBotApp) -> None:
    """/myevents and its buttons (« My events, the greeting's 🎟 My events)."""
    app.add_handler(CommandHandler("myevents", my_events, filters=filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(my_events, pattern=MyEvents.pattern()))
