"""Showing a page of an event's attendee list (from /attendees and the organiser's card)."""

from __future__ import annotations

from telegram import Update

from bot import ui
from bot.context import BotContext
from bot.handlers.common import answer, deps, edit_or_say, now
from bot.services import attendees, events


async def render_attendees(update: Update, context: BotContext, event_id: int, page: int) -> None:
    """Show page ``page`` of the attendees of ``event_id``, as many as fit one message."""
    tz = deps(context).settings.tz
    async with deps(context).db.read() as session:
        event = await events.get_event(session, event_id=event_id)
        shown = await attendees.attendee_page(
            session,
            event_id=event.id,
            page=page,
            packing=ui.manage.attendee_packing(event, tz),
        )
    await answer(update)
    await edit_or_say(
        update,
        ui.manage.attendee_list(shown, tz, now=now(context)),
        ui.manage.attendee_list_keyboard(shown),
    )
