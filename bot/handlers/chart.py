"""*Registrations chart* on the manager's card: registrations and cancellations per day."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.context import BotContext, EventBotApp
from bot.handlers.common import answer, deps, friendly, now, pressed, user_id_of
from bot.handlers.visit import requires
from bot.services import chart
from bot.transport.offload import offload
from bot.ui import chart as words
from bot.ui.callbacks import ManageAction, ManagerCard
from db.models import Role


@requires(Role.MANAGER)
@friendly
async def registrations_chart(update: Update, context: BotContext) -> None:
    """Send the manager a chart of the event's registrations and cancellations over time."""
    button = await pressed(update, ManagerCard)
    if button is None:
        return
    async with deps(context).db.read() as session:
        timeline = await chart.registration_timeline(session, event_id=button.event_id)
    await answer(update)
    chat_id = user_id_of(update)  # the manager's private chat, like the attendee export
    if timeline.total == 0:
        await context.bot.send_message(chat_id, words.no_registrations(timeline.title))
        return
    tz = deps(context).settings.tz
    shown = words.chart_words(timeline, tz)
    png = await offload(draw, timeline, tz, now(context), shown)
    await context.bot.send_photo(chat_id, png, caption=words.caption(timeline))


def draw(
    timeline: chart.Timeline, tz: ZoneInfo, moment: datetime, shown: words.ChartWords
) -> bytes:
    """Count per day and draw the PNG (CPU work for a worker thread)."""
    totals = chart.daily_totals(timeline, tz, now=moment)
    return words.render_png(totals, timeline.capacity, shown)


def register(app: EventBotApp) -> None:
    """Add the chart button's handler."""
    pattern = ManagerCard.action_pattern(ManageAction.CHART)
    app.add_handler(CallbackQueryHandler(registrations_chart, pattern=pattern))
