"""Browsing events, event cards and registering (/myevents: bot.handlers.my_events)."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot import ui
from bot.context import BotContext, EventBotApp
from bot.handlers import checkin
from bot.handlers.common import (
    answer,
    chat_id_of,
    deps,
    edit_or_say,
    friendly,
    now,
    pressed,
    say,
    user_id_of,
)
from bot.handlers.manager_card import render_manager_card
from bot.handlers.visit import account
from bot.outbox import wake_dispatcher
from bot.services import accounts, booking, events, waitlist
from bot.services.errors import (
    AlreadyRegistered,
    AlreadyWaiting,
    EventCancelled,
    EventFull,
    EventNotFound,
    EventPast,
    EventStarted,
    NotLoggedIn,
    NotRegistered,
    NotWaiting,
)
from bot.services.views import ShownEvent, Viewer
from bot.ui.callbacks import CardAction, EventCard, EventList
from bot.ui.manager_card import OwnPlace
from db.models import Role

log = logging.getLogger(__name__)
PRIVATE = filters.ChatType.PRIVATE


async def _show_page(update: Update, context: BotContext, page_number: int) -> None:
    tz = deps(context).settings.tz
    async with deps(context).db.query() as conn:
        page = await events.upcoming_page(
            conn, now=now(context), page=page_number, page_size=ui.limits.EVENTS_PAGE_SIZE
        )
    await edit_or_say(
        update, ui.events.event_list(page, tz), ui.events.event_list_keyboard(page, tz)
    )


async def list_events(update: Update, context: BotContext) -> None:
    """Show the first page of upcoming events."""
    await _show_page(update, context, 0)


async def list_page(update: Update, context: BotContext) -> None:
    """Page through the list in place (◀ Prev / Next ▶)."""
    button = await pressed(update, EventList)
    if button is None:
        return
    await answer(update)
    await _show_page(update, context, button.page)


async def _render_card(
    update: Update, context: BotContext, event_id: int, origin: EventCard | None = None
) -> None:
    """Show an event card as this user should see it (buttons depend on role, seat and place
    on the waitlist; managers get the organiser's card; ``origin``, the press that opened it,
    says where « goes back to)."""
    app_deps = deps(context)
    clock_now = now(context)
    async with app_deps.db.query() as conn:
        view = await events.card_view(
            conn, event_id=event_id, telegram_user_id=user_id_of(update), now=clock_now
        )
    event, user, registered = view.event, view.user, view.registered
    if _is_manager(user):
        card = (origin or EventCard(event_id)).with_action(CardAction.OPEN)
        own = OwnPlace(card, registered, view.waiting)
        await render_manager_card(update, context, event_id, back=ui.events.back_row(card), own=own)
        return
    started, waiting = event.starts_at <= clock_now, view.waiting
    tz = app_deps.settings.tz
    await edit_or_say(
        update,
        ui.events.event_card(
            event, tz, user=user, registered=registered, started=started, waiting=waiting
        ),
        ui.events.event_card_keyboard(
            event,
            user=user,
            registered=registered,
            started=started,
            waiting=waiting,
            origin=origin,
            share_as=context.bot.username,
        ),
    )


def _is_manager(user: Viewer | None) -> bool:
    return user is not None and user.role is Role.MANAGER


_CARD_OUT_OF_DATE = (
    EventCancelled,
    EventPast,
    EventStarted,
    EventFull,
    AlreadyRegistered,
    NotRegistered,
    AlreadyWaiting,
    NotWaiting,
)


@friendly
async def card_action(update: Update, context: BotContext) -> None:
    """Open a card, or register / cancel (after a confirmation) from it."""
    button = await pressed(update, EventCard)
    if button is None:
        return
    try:
        await _act_on_card(update, context, button)
    except _CARD_OUT_OF_DATE:
        # the card was drawn before the event was cancelled, started or filled up, or before
        # this person's seat or place changed (a seat from the waitlist, say): redraw it as it
        # is now, so it stops offering what was just refused (the refusal is still said)
        await _render_card(update, context, button.event_id, button)
        raise


async def _act_on_card(update: Update, context: BotContext, button: EventCard) -> None:
    match button.action:
        case CardAction.OPEN:
            # look first: a card that doesn't exist answers the press with the reason
            await _render_card(update, context, button.event_id, button)
            await answer(update)
        case CardAction.REGISTER:
            await _register(update, context, button)
        case CardAction.JOIN_WAITLIST:
            await _join_waitlist(update, context, button)
        case CardAction.LEAVE_WAITLIST:
            await _leave_waitlist(update, context, button)
        case CardAction.UNREGISTER:
            await _confirm_unregister(update, context, button)
        case CardAction.UNREGISTER_CONFIRMED:
            await _unregister(update, context, button)
        case CardAction.TICKET:
            await checkin.send_ticket(update, context, button)


async def _register(update: Update, context: BotContext, button: EventCard) -> None:
    app_deps = deps(context)
    clock_now = now(context)
    event_id = button.event_id
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
        # log in (or sign up) right here; the form brings them back to this card afterwards
        await answer(update, ui.common.login_first())
        await say(
            update,
            ui.events.log_in_to_register(event),
            ui.events.log_in_to_register_keyboard(event_id),
        )
        return
    if event.cancelled_at is not None:
        raise EventCancelled()
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
    await _registered(update, context, button, event)


async def _registered(
    update: Update, context: BotContext, button: EventCard, event: ShownEvent
) -> None:
    """Confirm a new registration; wake the dispatcher for a reminder due before the poll."""
    app_deps = deps(context)
    clock_now = now(context)
    offsets = app_deps.settings.reminder_offsets
    await answer(update, ui.events.registered_toast())
    pending = [o for o in offsets if event.starts_at - o > clock_now]
    poll = timedelta(seconds=app_deps.settings.reminder_poll_seconds)
    if any(event.starts_at - o - clock_now < poll for o in pending):
        # due before the next poll: wake the dispatcher (later ones are found by the poll,
        # which then wakes it on time; a wake per registration made a ticket drop queue)
        wake_dispatcher(context.job_queue)
    await _render_card(update, context, event.id, button)
    await say(update, ui.events.registered_message(event, app_deps.settings.tz, pending))


async def _join_waitlist(update: Update, context: BotContext, button: EventCard) -> None:
    """Queue for the next free seat of a full event (or take a seat that is free after all)."""
    app_deps = deps(context)
    clock_now = now(context)
    user = await account(update, context)
    if user is None:
        async with app_deps.db.query() as conn:
            view = await events.card_view(
                conn, event_id=button.event_id, telegram_user_id=user_id_of(update), now=clock_now
            )
        await answer(update, ui.common.login_first())
        await say(
            update,
            ui.events.log_in_to_wait(view.event),
            ui.events.log_in_to_register_keyboard(button.event_id),
        )
        return
    async with app_deps.db.write() as session:
        joined = await waitlist.join(
            session,
            user=user,
            event_id=button.event_id,
            chat_id=chat_id_of(update),
            now=clock_now,
            reminder_offsets=app_deps.settings.reminder_offsets,
        )
        event = await events.get_event(session, event_id=button.event_id)
    if joined.registration is not None:
        log.info("account %s registered for event %s from the waitlist button", user.id, event.id)
        await _registered(update, context, button, event)
        return
    log.info("account %s joined the waitlist of event %s", user.id, event.id)
    await answer(update, ui.events.waitlist_joined_toast(joined.position or 1))
    await _render_card(update, context, button.event_id, button)


async def _leave_waitlist(update: Update, context: BotContext, button: EventCard) -> None:
    """Leave the waitlist."""
    user = await account(update, context)
    if user is None:
        raise NotLoggedIn()
    async with deps(context).db.write() as session:
        await waitlist.leave(session, user=user, event_id=button.event_id)
    await answer(update, ui.events.waitlist_left_toast())
    await _render_card(update, context, button.event_id, button)


async def _confirm_unregister(update: Update, context: BotContext, button: EventCard) -> None:
    """Ask before giving the seat back (one stray tap shouldn't lose it)."""
    async with deps(context).db.query() as conn:
        view = await events.card_view(
            conn, event_id=button.event_id, telegram_user_id=user_id_of(update), now=now(context)
        )
    if view.user is None:
        raise NotLoggedIn()
    if view.event.cancelled_at is not None:
        raise EventCancelled()
    if view.event.starts_at <= now(context):
        raise EventPast()  # as giving the seat back would say
    if not view.registered:
        raise NotRegistered()
    waiting = 0
    if view.event.seats_left == 0:  # only a full event can have people waiting
        async with deps(context).db.read() as session:
            waiting = await waitlist.waiting_count(session, event_id=button.event_id)
    await answer(update)
    await edit_or_say(
        update,
        ui.events.confirm_unregister(view.event, deps(context).settings.tz, waiting),
        ui.events.confirm_unregister_keyboard(button),
    )


async def _unregister(update: Update, context: BotContext, button: EventCard) -> None:
    app_deps = deps(context)
    clock_now = now(context)
    async with app_deps.db.write() as session:
        user = await accounts.require_user(
            session, telegram_user_id=user_id_of(update), now=clock_now
        )
        promoted = await booking.cancel_registration(
            session,
            user=user,
            event_id=button.event_id,
            now=clock_now,
            reminder_offsets=app_deps.settings.reminder_offsets,
        )
        event = await events.get_event(session, event_id=button.event_id)
    if promoted:
        log.info("event %s: a seat went to the waitlist's head", button.event_id)
        wake_dispatcher(context.job_queue)
    await answer(update, ui.events.cancelled_toast())
    await _render_card(update, context, button.event_id, button)
    await say(update, ui.events.cancelled_message(event))


def register(app: EventBotApp) -> None:
    """Add the browsing and booking handlers."""
    app.add_handler(CommandHandler("events", list_events, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(list_page, pattern=EventList.pattern()))
    app.add_handler(CallbackQueryHandler(card_action, pattern=EventCard.pattern()))


async def show_card(update: Update, context: BotContext, event_id: int) -> None:
    """Send the event card as a new message (after a login that started from it)."""
    try:
        await _render_card(update, context, event_id)
    except EventNotFound as exc:
        await say(update, ui.errors.error_text(exc))
