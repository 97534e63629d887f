"""/newevent as a form: title → description → start → location → capacity → Create / Cancel."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import CommandHandler, filters

from bot import ui
from bot.context import BotContext, EventBotApp
from bot.forms import engine
from bot.forms.model import Abandon, Done, Form, FormEnv, GoTo, Reply, Step
from bot.services import accounts, events
from bot.services.errors import InvalidInput
from bot.ui.callbacks import NewEventConfirm
from db.models import Role


async def read_title(raw: str, _env: FormEnv) -> str:
    """A one-line title."""
    return events.clean_title(raw)


async def read_description(raw: str, _env: FormEnv) -> str:
    """A description of a few lines."""
    return events.clean_description(raw)


async def read_start(raw: str, env: FormEnv) -> str:
    """A future start in the bot's zone, kept as an ISO 8601 UTC string."""
    return events.parse_start(raw, tz=env.deps.settings.tz, now=env.now).isoformat()


async def read_location(raw: str, _env: FormEnv) -> str:
    """A one-line location."""
    return events.clean_location(raw)


async def read_capacity(raw: str, _env: FormEnv) -> int:
    """A whole number of seats."""
    return events.parse_capacity(raw)


async def pick_confirm(_key: str, value: str, _env: FormEnv) -> str:
    """Create goes on to finish; Cancel discards everything."""
    if value != "create":
        raise Abandon(Reply(ui.manage.discarded(), edit=True))
    return value


def draft_of(env: FormEnv) -> events.EventDraft:
    """The answers as the service's draft."""
    answers = env.answers
    return events.EventDraft(
        title=answers["title"],
        description=answers["description"],
        location=answers["location"],
        starts_at=datetime.fromisoformat(answers["starts_at"]),
        capacity=answers["capacity"],
    )


def ask_confirm(env: FormEnv) -> Reply:
    """The summary with Create / Cancel."""
    summary = ui.manage.summary(draft_of(env), env.deps.settings.tz)
    return Reply(summary, ui.manage.confirm_keyboard())


async def create(env: FormEnv, session: AsyncSession) -> Done:
    """Create the event; the role is checked again inside this transaction."""
    manager = await accounts.require_manager(session, telegram_user_id=env.user_id, now=env.now)
    try:
        event = await events.create_event(
            session, manager=manager, draft=draft_of(env), now=env.now
        )
    except InvalidInput as exc:  # the start passed while the summary waited: ask it again
        question = ui.manage.ask_start(env.deps.settings.tz)
        raise GoTo(
            "starts_at", Reply(ui.common.invalid_answer(ui.errors.error_text(exc), question))
        ) from None
    return Done((Reply(ui.manage.event_created(event, env.deps.settings.tz), edit=True),))


NEWEVENT = engine.declare(
    Form(
        "newevent",
        steps=(
            Step("title", ask=lambda env: Reply(ui.manage.ask_title()), parse=read_title),
            Step(
                "description",
                ask=lambda env: Reply(ui.manage.ask_description()),
                parse=read_description,
            ),
            Step(
                "starts_at",
                ask=lambda env: Reply(ui.manage.ask_start(env.deps.settings.tz)),
                parse=read_start,
            ),
            Step("location", ask=lambda env: Reply(ui.manage.ask_location()), parse=read_location),
            Step("capacity", ask=lambda env: Reply(ui.manage.ask_capacity()), parse=read_capacity),
            Step(
                "confirm",
                ask=ask_confirm,
                parse=None,
                buttons={"confirm": ("create", "cancel")},
                pick=pick_confirm,
            ),
        ),
        finish=create,
        role=Role.MANAGER,
        buttons={NewEventConfirm: lambda button: ("confirm", button.action.value)},
    )
)


async def newevent(update: Update, context: BotContext) -> None:
    """Start the /newevent questions (managers only: the form requires the role)."""
    await engine.start(update, context, NEWEVENT)


def register(app: EventBotApp) -> None:
    """/newevent."""
    app.add_handler(CommandHandler("newevent", newevent, filters=filters.ChatType.PRIVATE))
