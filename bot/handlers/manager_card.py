"""The organiser's card of an event (drawn from the database each time), ✏️ Edit's field menu,
and cancelling an event. All managers form one team: any manager may manage any event.

The card's other buttons (Message, Export CSV, Post, Chart) have their own handlers.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot import ui
from bot.context import BotContext, EventBotApp
from bot.handlers.attendee_list import render_attendees
from bot.handlers.common import (
    answer,
    deps,
    edit_or_say,
    friendly,
    now,
    pressed,
    say,
    user_id_of,
)
from bot.handlers.visit import requires
from bot.outbox import wake_dispatcher
from bot.services import accounts, event_changes, events
from bot.ui import manager_card as card_ui
from bot.ui.callbacks import EventCard, ManageAction, ManagerCard
from bot.ui.keyboards import Row
from bot.ui.manager_card import OwnPlace
from db.models import Role

log = logging.getLogger(__name__)


async def render_manager_card(
    update: Update,
    context: BotContext,
    event_id: int,
    *,
    back: Row | None = None,
    below: bool = False,
    own: OwnPlace | None = None,
) -> None:
    """Show the organiser's card of ``event_id`` in place (or, ``below``, as a new message);
    ``back`` is the « row (default: the /manage picker); ``own``, the viewer's own seat or
    waitlist place, is read here when not given."""
    clock_now = now(context)
    async with deps(context).db.query() as conn:
        view = await event_changes.manager_view(conn, event_id=event_id)
        if own is None:
            mine = await events.card_view(
                conn, event_id=event_id, telegram_user_id=user_id_of(update), now=clock_now
            )
            own = OwnPlace(EventCard(event_id), mine.registered, mine.waiting)
    show = say if below else edit_or_say
    await show(
        update,
        card_ui.manager_card(view, deps(context).settings.tz, now=clock_now, own=own),
        card_ui.manager_card_keyboard(
            view, bot_username=context.bot.username, now=clock_now, back=back, own=own
        ),
    )


@requires(Role.MANAGER)
@friendly
async def open_card(update: Update, context: BotContext) -> None:
    """Show an event's organiser's card."""
    button = await pressed(update, ManagerCard)
    if button is None:
        return
    await render_manager_card(update, context, button.event_id)
    await answer(update)


@requires(Role.MANAGER)
@friendly
async def open_card_below(update: Update, context: BotContext) -> None:
    """Show an event's organiser's card as a new message (the pressed one stays as it is)."""
    button = await pressed(update, ManagerCard)
    if button is None:
        return
    await render_manager_card(update, context, button.event_id, below=True)
    await answer(update)


@requires(Role.MANAGER)
@friendly
async def show_attendees(update: Update, context: BotContext) -> None:
    """Show the first page of the event's attendee list."""
    button = await pressed(update, ManagerCard)
    if button is None:
        return
    await render_attendees(update, context, button.event_id, 0)


@requires(Role.MANAGER)
@friendly
async def edit_menu(update: Update, context: BotContext) -> None:
    """Offer the fields of the event that can be changed."""
    button = await pressed(update, ManagerCard)
    if button is None:
        return
    async with deps(context).db.read() as session:
        event = await event_changes.changeable(session, event_id=button.event_id, now=now(context))
    await answer(update)
    await edit_or_say(update, card_ui.edit_menu(event), card_ui.edit_menu_keyboard(event.id))


@requires(Role.MANAGER)
@friendly
async def confirm_cancel(update: Update, context: BotContext) -> None:
    """Ask before cancelling the event, saying how many people are registered."""
    button = await pressed(update, ManagerCard)
    if button is None:
        return
    async with deps(context).db.read() as session:
        await event_changes.changeable(session, event_id=button.event_id, now=now(context))
    async with deps(context).db.query() as conn:
        view = await event_changes.manager_view(conn, event_id=button.event_id)
    await answer(update)
    await edit_or_say(
        update,
        card_ui.confirm_cancel(view.event, view.registered, view.waiting),
        card_ui.confirm_cancel_keyboard(view.event.id),
    )


@requires(Role.MANAGER)
@friendly
async def cancel_event(update: Update, context: BotContext) -> None:
    """Cancel the event: tell everyone registered or waiting once, then show the card."""
    button = await pressed(update, ManagerCard)
    if button is None:
        return
    clock_now = now(context)
    async with deps(context).db.write() as session:
        manager = await accounts.require_manager(
            session, telegram_user_id=user_id_of(update), now=clock_now
        )
        done = await event_changes.cancel_event(session, event_id=button.event_id, now=clock_now)
    log.info("manager %s cancelled event %s", manager.id, button.event_id)
    await answer(update)
    wake_dispatcher(context.job_queue)
    await render_manager_card(update, context, button.event_id)
    await say(update, card_ui.event_cancelled(done.event, done.registered, done.waiting))


@requires(Role.MANAGER)
async def unclaimed(update: Update, _context: BotContext) -> None:
    """Answer an organiser's button no handler claims (old or forged): role first, like all."""
    await answer(update, ui.common.stale_button(manager=True), alert=True)


def register(app: EventBotApp) -> None:
    """The organiser's card and its Edit and Cancel buttons."""
    for action, callback in [
        (ManageAction.OPEN, open_card),
        (ManageAction.OPEN_BELOW, open_card_below),
        (ManageAction.ATTENDEES, show_attendees),
        (ManageAction.EDIT, edit_menu),
        (ManageAction.CANCEL, confirm_cancel),
        (ManageAction.CANCEL_CONFIRMED, cancel_event),
    ]:
        app.add_handler(CallbackQueryHandler(callback, pattern=ManagerCard.action_pattern(action)))
