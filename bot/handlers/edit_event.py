"""✏️ Edit on the organiser's card: a field button opens a one-question form (the forms engine,
so it survives restarts and has /cancel) that reads the new value with /newevent's parsers
and saves it through services.event_changes, which tells attendees what they need to know."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from html import escape
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import CallbackQueryHandler, JobQueue

from bot import ui
from bot.context import BotContext, EventBotApp
from bot.forms import engine
from bot.forms.model import Again, Answers, Ask, Done, Form, FormEnv, GoTo, Parse, Reply, Step
from bot.handlers import newevent
from bot.handlers.common import deps, friendly, now, pressed
from bot.handlers.visit import requires
from bot.outbox import wake_dispatcher
from bot.services import accounts, event_changes, events
from bot.services.errors import InvalidInput
from bot.services.event_changes import EditableField
from bot.ui import manager_card as card_ui
from bot.ui.callbacks import EditField, EventField
from bot.ui.fmt import number, when
from db.models import Event, Role


def _asked(env: FormEnv, field: EventField, *, least: int) -> str:
    """The question for ``field``; a capacity of at least ``least`` (the number registered)."""
    return card_ui.ask_new_value(field, env.answers["current"], env.deps.settings.tz, least=least)


def _question(field: EventField) -> Ask:
    def ask(env: FormEnv) -> Reply:
        return Reply(_asked(env, field, least=env.answers.get("registered", 0)))

    return ask


async def read_capacity(raw: str, env: FormEnv) -> int:
    """A whole number of seats, not below the number registered now (counted afresh: people
    may have registered since the question was asked, and the refusal and the question
    repeated with it give that number)."""
    async with env.deps.db.read() as session:
        event = await events.get_event(session, event_id=env.answers["event_id"])
        registered = event.capacity - event.seats_left
    try:
        return events.parse_capacity(raw, registered=registered)
    except InvalidInput as exc:
        question = _asked(env, EventField.CAPACITY, least=registered)
        raise Again(Reply(ui.common.invalid_answer(ui.errors.error_text(exc), question))) from None


# each button's field: the form step (named after the column) and how its answer is read
FIELDS: dict[EventField, tuple[EditableField, Parse]] = {
    EventField.TITLE: (EditableField.TITLE, newevent.read_title),
    EventField.DESCRIPTION: (EditableField.DESCRIPTION, newevent.read_description),
    EventField.START: (EditableField.START, newevent.read_start),
    EventField.LOCATION: (EditableField.LOCATION, newevent.read_location),
    EventField.CAPACITY: (EditableField.CAPACITY, read_capacity),
}


def _chosen(field: EventField) -> Callable[[Answers], bool]:
    return lambda answers: answers.get("field") == field.value


def _value(which: EditableField, answer: Any) -> str | int | datetime:
    return datetime.fromisoformat(answer) if which is EditableField.START else answer


async def save(env: FormEnv, session: AsyncSession) -> Done:
    """Save the new value (the role checked again in this transaction); then the card."""
    await accounts.require_manager(session, telegram_user_id=env.user_id, now=env.now)
    field = EventField(env.answers["field"])
    which, _parse = FIELDS[field]
    try:
        result = await event_changes.edit_event(
            session,
            event_id=env.answers["event_id"],
            which=which,
            value=_value(which, env.answers[which.value]),
            now=env.now,
            reminder_offsets=env.deps.settings.reminder_offsets,
        )
    except InvalidInput as exc:  # fewer seats than taken, or the start passed meanwhile
        # the question again, with the number registered as it is now when that was why
        least = exc.params.get("registered") or env.answers.get("registered", 0)
        question = _asked(env, field, least=least)
        raise GoTo(
            which.value, Reply(ui.common.invalid_answer(ui.errors.error_text(exc), question))
        ) from None
    view = await event_changes.manager_view(await session.connection(), event_id=result.event.id)
    card = Reply(
        card_ui.manager_card(view, env.deps.settings.tz, now=env.now),
        card_ui.manager_card_keyboard(view, bot_username=env.context.bot.username, now=env.now),
    )
    if not result.changed:
        return Done((Reply(card_ui.unchanged()), card))
    saying = Reply(card_ui.edited(result.notified, len(result.promoted)))
    queue = env.context.job_queue
    return Done((saying, card), after=_wake(queue) if result.notified or result.promoted else None)


def _wake(queue: JobQueue[Any] | None) -> Callable[[], Awaitable[None]]:
    async def after() -> None:
        wake_dispatcher(queue)

    return after


EDIT_EVENT = engine.declare(
    Form(
        "editevent",
        steps=tuple(
            Step(which.value, ask=_question(field), parse=parse, when=_chosen(field))
            for field, (which, parse) in FIELDS.items()
        ),
        finish=save,
        role=Role.MANAGER,
    )
)


def current_value(event: Event, field: EventField, context: BotContext) -> str:
    """What the field holds now, as the question shows it (HTML: typed text escaped)."""
    match field:
        case EventField.START:
            return when(event.starts_at, deps(context).settings.tz)
        case EventField.CAPACITY:
            return number(event.capacity)
        case _:
            return escape(str(getattr(event, FIELDS[field][0].value)))


@requires(Role.MANAGER)
@friendly
async def edit_field(update: Update, context: BotContext) -> None:
    """Ask for the new value of the field the manager picked."""
    button = await pressed(update, EditField)
    if button is None:
        return
    async with deps(context).db.read() as session:
        event = await event_changes.changeable(session, event_id=button.event_id, now=now(context))
        current = current_value(event, button.field, context)
        registered = event.capacity - event.seats_left
    answers = {"event_id": event.id, "field": button.field.value, "current": current}
    answers["registered"] = registered  # the capacity question's lower end
    await engine.start(update, context, EDIT_EVENT, answers=answers)


def register(app: EventBotApp) -> None:
    """The field buttons under ✏️ Edit."""
    app.add_handler(CallbackQueryHandler(edit_field, pattern=EditField.pattern()))
