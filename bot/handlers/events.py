"""Browsing events, event cards, registering and /myevents."""

from __future__ import annotations

import logging
import re

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot import texts
from bot.context import BotContext, EventBotApp
from bot.handlers.common import (
    answer,
    chat_id_of,
    deps,
    edit_or_say,
    friendly,
    now,
    say,
    user_id_of,
)
from bot.reminders import wake_dispatcher
from bot.services import accounts, booking, events
from bot.services.errors import EventFull, NotLoggedIn

log = logging.getLogger(__name__)
PRIVATE = filters.ChatType.PRIVATE
LIST_PATTERN = re.compile(r"^evl:(\d{1,6})$")
CARD_PATTERN = re.compile(r"^ev:(\d{1,19})(?::(reg|unreg))?$")
MY_PATTERN = re.compile(r"^my:0$")


async def _show_page(update: Update, context: BotContext, page_number: int) -> None:
    tz = deps(context).settings.tz
    async with deps(context).db.query() as conn:
        page = await events.upcoming_page(
            conn, now=now(context), page=page_number, page_size=texts.EVENTS_PAGE_SIZE
        )
    await edit_or_say(update, texts.event_list(page, tz), texts.event_list_keyboard(page, tz))


async def list_events(update: Update, context: BotContext) -> None:
    """Show the first page of upcoming events."""
    await _show_page(update, context, 0)


async def list_page(update: Update, context: BotContext) -> None:
    """Page through the list in place (◀ Prev / Next ▶)."""
    assert update.callback_query is not None and context.match is not None
    await answer(update)
    await _show_page(update, context, int(context.match.group(1)))


async def _render_card(update: Update, context: BotContext, event_id: int) -> None:
    """Show an event card as this user should see it (buttons depend on role and seat)."""
    app_deps = deps(context)
    clock_now = now(context)
    async with app_deps.db.query() as conn:
        view = await events.card_view(
            conn, event_id=event_id, telegram_user_id=user_id_of(update), now=clock_now
        )
    event, user, registered = view.event, view.user, view.registered
    tz = app_deps.settings.tz
    await edit_or_say(
        update,
        texts.event_card(event, tz, registered=registered),
        texts.event_card_keyboard(
            event, user=user, registered=registered, started=event.starts_at <= clock_now
        ),
    )


@friendly
async def card_action(update: Update, context: BotContext) -> None:
    """Open a card, or register / cancel from it."""
    assert update.callback_query is not None and context.match is not None
    event_id = events.parse_id(context.match.group(1))
    action = context.match.group(2)
    if action is None:
        await answer(update)
        await _render_card(update, context, event_id)
    elif action == "reg":
        await _register(update, context, event_id)
    else:
        await _unregister(update, context, event_id)


async def _register(update: Update, context: BotContext, event_id: int) -> None:
    app_deps = deps(context)
    clock_now = now(context)
    offsets = app_deps.settings.reminder_offsets
    # A full event is refused from a lock-free read, so a crowd pressing Register on a sold-out
    # event does not queue for the write lock. The seat itself is only ever taken by the
    # guarded decrement below; this read can only turn people away from a full event.
    # The same read gives the viewer and the event's title and date for the confirmation.
    async with app_deps.db.query() as conn:
        view = await events.card_view(
            conn, event_id=event_id, telegram_user_id=user_id_of(update), now=clock_now
        )
    user, event = view.user, view.event
    if user is None:
        raise NotLoggedIn()
    if not view.registered and event.seats_left == 0:
        raise EventFull()
    async with app_deps.db.write() as session:
        await booking.register(
            session,
            user=user,
            event_id=event_id,
            chat_id=chat_id_of(update),
            now=clock_now,
            reminder_offsets=offsets,
        )
    log.info("account %s registered for event %s", user.id, event_id)
    await answer(update, texts.REGISTERED_TOAST)
    wake_dispatcher(context.job_queue)
    await _render_card(update, context, event_id)
    pending = [o for o in offsets if event.starts_at - o > clock_now]
    await say(update, texts.registered_message(event, app_deps.settings.tz, pending))


async def _unregister(update: Update, context: BotContext, event_id: int) -> None:
    app_deps = deps(context)
    clock_now = now(context)
    async with app_deps.db.write() as session:
        user = await accounts.require_user(
            session, telegram_user_id=user_id_of(update), now=clock_now
        )
        await booking.cancel_registration(session, user=user, event_id=event_id, now=clock_now)
        event = await events.get_event(session, event_id=event_id)
    await answer(update, texts.CANCELLED_TOAST)
    await _render_card(update, context, event_id)
    await say(update, texts.cancelled_message(event))


async def my_events(update: Update, context: BotContext) -> None:
    """List the user's upcoming registrations with buttons to open them."""
    await answer(update)
    clock_now = now(context)
    async with deps(context).db.read() as session:
        user = await accounts.current_user(
            session, telegram_user_id=user_id_of(update), now=clock_now
        )
        mine = (
            await booking.my_upcoming(session, user_id=user.id, now=clock_now)
            if user is not None
            else None
        )
    if mine is None:
        await say(update, texts.LOGIN_FIRST)
        return
    tz = deps(context).settings.tz
    await say(update, texts.my_events(mine, tz), texts.my_events_keyboard(mine, tz))


def register(app: EventBotApp) -> None:
    """Add the browsing and booking handlers."""
    app.add_handler(CommandHandler("events", list_events, filters=PRIVATE))
    app.add_handler(CommandHandler("myevents", my_events, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(list_page, pattern=LIST_PATTERN))
    app.add_handler(CallbackQueryHandler(card_action, pattern=CARD_PATTERN))
    app.add_handler(CallbackQueryHandler(my_events, pattern=MY_PATTERN))
