"""Manager features beyond forms: /attendees and /manage (a picker leading to the organiser's
card: handlers/manager_card.py, edit_event.py). Every entry checks the role on the server
(``@requires``); /newevent is a form (handlers/newevent.py)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot import ui
from bot.context import BotContext, EventBotApp
from bot.handlers import edit_event, manager_card
from bot.handlers.attendee_list import render_attendees
from bot.handlers.common import answer, deps, edit_or_say, friendly, now, pressed
from bot.handlers.visit import requires
from bot.services import events
from bot.ui.callbacks import AttendeePicker, Attendees, ManagePast, ManagePicker, PastEvents
from db.models import Role

PRIVATE = filters.ChatType.PRIVATE


@requires(Role.MANAGER)
async def attendees_command(update: Update, context: BotContext) -> None:
    """Ask the manager which event's attendees to show."""
    await _pick_event(update, context, 0)


@requires(Role.MANAGER)
async def attendees_pick_page(update: Update, context: BotContext) -> None:
    """Page through the event picker."""
    button = await pressed(update, AttendeePicker)
    if button is not None:
        await _pick_event(update, context, button.page)


async def _pick_event(update: Update, context: BotContext, page_number: int) -> None:
    await show_picker(update, context, ui.manage.ATTENDEES, page_number, past=False)


@requires(Role.MANAGER)
async def attendees_past_page(update: Update, context: BotContext) -> None:
    """Show a page of past events to pick one whose attendees to show."""
    button = await pressed(update, PastEvents)
    if button is not None:
        await show_picker(update, context, ui.manage.ATTENDEES, button.page, past=True)


async def show_picker(
    update: Update, context: BotContext, picker: ui.manage.Picker, page_number: int, *, past: bool
) -> None:
    """A page of the current (or past) events to pick one from."""
    await answer(update)
    read = events.past_page if past else events.current_page
    async with deps(context).db.query() as conn:
        page = await read(
            conn, now=now(context), page=page_number, page_size=ui.limits.EVENTS_PAGE_SIZE
        )
    tz = deps(context).settings.tz
    await edit_or_say(
        update,
        ui.manage.picker_text(picker, page, past=past),
        ui.manage.picker_keyboard(picker, page, tz, past=past),
    )


@requires(Role.MANAGER)
@friendly
async def attendees_page(update: Update, context: BotContext) -> None:
    """Show one page of an event's attendees, as many as fit one message (managers only)."""
    button = await pressed(update, Attendees)
    if button is None:
        return
    await render_attendees(update, context, button.event_id, button.page)


@requires(Role.MANAGER)
async def manage_command(update: Update, context: BotContext) -> None:
    """Ask the manager which event to manage."""
    await _pick_to_manage(update, context, 0)


@requires(Role.MANAGER)
async def manage_pick_page(update: Update, context: BotContext) -> None:
    """Page through the /manage picker."""
    button = await pressed(update, ManagePicker)
    if button is not None:
        await _pick_to_manage(update, context, button.page)


async def _pick_to_manage(update: Update, context: BotContext, page_number: int) -> None:
    await show_picker(update, context, ui.manage.MANAGE, page_number, past=False)


@requires(Role.MANAGER)
async def manage_past_page(update: Update, context: BotContext) -> None:
    """Show a page of past events to pick one to manage."""
    button = await pressed(update, ManagePast)
    if button is not None:
        await show_picker(update, context, ui.manage.MANAGE, button.page, past=True)


def register(app: EventBotApp) -> None:
    """Add the manager handlers."""
    app.add_handler(CommandHandler("manage", manage_command, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(manage_pick_page, pattern=ManagePicker.pattern()))
    app.add_handler(CallbackQueryHandler(manage_past_page, pattern=ManagePast.pattern()))
    manager_card.register(app)
    edit_event.register(app)
    app.add_handler(CommandHandler("attendees", attendees_command, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(attendees_pick_page, pattern=AttendeePicker.pattern()))
    app.add_handler(CallbackQueryHandler(attendees_past_page, pattern=PastEvents.pattern()))
    app.add_handler(CallbackQueryHandler(attendees_page, pattern=Attendees.pattern()))
