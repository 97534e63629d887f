"""Forms in the application: their handlers and buttons, and the job that sweeps lapsed ones.

``bot.forms.engine`` runs a form; this module plugs it into PTB (handler groups -2 and -1,
one button handler per declared answer-button kind) and the JobQueue.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, MessageHandler, filters

from bot.context import BotContext, Deps, EventBotApp
from bot.forms.engine import FORMS, allowed, on_button, on_message, on_other_button
from bot.forms.model import Form
from bot.handlers.common import pressed
from bot.services import forms as form_rows
from bot.ui.callbacks import Callback

log = logging.getLogger(__name__)
SWEEP_JOB = "forms:sweep"
SWEEP_SECONDS = 60


async def sweep_job(context: BotContext) -> None:
    """JobQueue: close forms left alone too long; each person is told once, via the outbox."""
    from bot.outbox import wake_dispatcher

    if await sweep_now(context.deps):
        wake_dispatcher(context.job_queue)


async def sweep_now(deps: Deps) -> int:
    """Close lapsed forms now and owe their owners a notice; returns how many closed."""
    async with deps.db.write() as session:
        closed = await form_rows.close_expired(session, now=deps.clock.now())
    if closed:
        log.info("%d forms timed out", closed)
    return closed


def form_button(
    form: Form, kind: type[Callback]
) -> Callable[[Update, BotContext], Coroutine[Any, Any, None]]:
    """The handler of one form's answer buttons (role at sign-up, Create / Cancel ...).

    The form's role is checked before anything else, so forged data for a manager's form
    gets the same refusal as any manager button."""
    form_name, answer_of = form.name, form.buttons[kind]

    async def answered(update: Update, context: BotContext) -> None:
        """A press of one of the form's answer buttons."""
        if not await allowed(update, context, form):
            return
        button = await pressed(update, kind)
        if button is None:
            return
        key, value = answer_of(button)
        await on_button(update, context, form_name=form_name, key=key, value=value)

    return answered


async def ignore_edit(_update: Update, _context: BotContext) -> None:
    """An edited message is not a new answer: nothing reacts to it (EventBot does not ask
    Telegram for edits; this holds should one arrive anyway)."""
    raise ApplicationHandlerStop


def register(app: EventBotApp) -> None:
    """Forms see private messages first (group -1) and get their buttons."""
    app.add_handler(MessageHandler(filters.UpdateType.EDITED, ignore_edit), group=-2)
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE, on_message),
        group=-1,
    )
    app.add_handler(CallbackQueryHandler(on_other_button), group=-1)
    for form in FORMS.values():  # declared when their handler modules were imported
        for kind in form.buttons:
            app.add_handler(CallbackQueryHandler(form_button(form, kind), pattern=kind.pattern()))


def schedule(app: EventBotApp) -> None:
    """Sweep lapsed forms every minute (their owners are told through the outbox)."""
    assert app.job_queue is not None
    app.job_queue.run_repeating(
        sweep_job,
        interval=SWEEP_SECONDS,
        first=SWEEP_SECONDS,
        name=SWEEP_JOB,
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
    )
