"""Small helpers every handler module uses: dependencies, time, replies, buttons, refusals."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any, TypeVar

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest, TelegramError

from bot import ui
from bot.context import BotContext, Deps
from bot.services import errors
from bot.ui.callbacks import (
    Callback,
    EndOtherSessions,
    EventCard,
    EventList,
    MyEvents,
    RoleChoice,
    Start,
)

log = logging.getLogger(__name__)

R = TypeVar("R")
Handler = Callable[[Update, BotContext], Coroutine[Any, Any, R]]
C = TypeVar("C", bound=Callback)
# the buttons everyone is shown; every other kind is an organiser's (its handlers check the
# role first), so a dead one of those points to /manage rather than /events
EVERYONES_BUTTONS: frozenset[type[Callback]] = frozenset(
    {Start, RoleChoice, EventList, EventCard, MyEvents, EndOtherSessions}
)


def deps(context: BotContext) -> Deps:
    """The application's dependencies."""
    return context.deps


def now(context: BotContext) -> datetime:
    """The current time from the one injectable clock."""
    return context.deps.clock.now()


def user_id_of(update: Update) -> int:
    """The Telegram id of whoever sent this update."""
    assert update.effective_user is not None
    return update.effective_user.id


def chat_id_of(update: Update) -> int:
    """The chat this update belongs to."""
    assert update.effective_chat is not None
    return update.effective_chat.id


async def say(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Send a new message into the update's chat."""
    assert update.effective_chat is not None
    await update.effective_chat.send_message(ui.limits.fit(text), reply_markup=markup)


async def edit_or_say(
    update: Update, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Edit the message a button belongs to (to page in place), else send a new one."""
    query = update.callback_query
    if query is not None and query.message is not None and hasattr(query.message, "text"):
        try:
            await query.edit_message_text(ui.limits.fit(text), reply_markup=markup)
            return
        except BadRequest as exc:  # not a time-out: then the edit may well have happened
            if "not modified" in str(exc).lower():
                return
            log.info("could not edit message, sending a new one: %s", exc)
    await say(update, text, markup)


async def answer(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """Answer the button press (stops the client's spinner); harmless if already answered."""
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer(text, show_alert=alert)
    except TelegramError as exc:
        log.info("callback answer failed: %s", exc)


async def pressed(update: Update, kind: type[C]) -> C | None:
    """The button this press carries, validated (``kind.parse``); None if it isn't one.

    A press whose data has ``kind``'s prefix but doesn't parse (old or forged) is answered
    with "This button no longer works" here (pointing to /manage for an organiser's button),
    so the handler just returns.
    """
    query = update.callback_query
    button = kind.parse(query.data) if query is not None else None
    if button is None:
        stale = ui.common.stale_button(manager=kind not in EVERYONES_BUTTONS)
        await answer(update, stale, alert=True)
    return button


async def refuse(update: Update, text: str) -> None:
    """Tell the user no: an alert for a button, a message otherwise."""
    if update.callback_query is not None:
        await answer(update, text, alert=True)
    else:
        await say(update, text)


def friendly(func: Handler[R]) -> Handler[R | None]:
    """Turn domain errors raised by ``func`` into a kind refusal; the transaction rolled back."""

    @functools.wraps(func)
    async def wrapper(update: Update, context: BotContext) -> R | None:
        try:
            return await func(update, context)
        except errors.DomainError as exc:
            await refuse(update, ui.errors.error_text(exc))
        return None

    return wrapper
