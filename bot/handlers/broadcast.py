"""*Message attendees* on the manager's card: a form asking for the text, a preview with
*Send to N people* / *Cancel*, then the broadcast (outbox rows; bot.broadcast_status shows
its progress in the manager's chat)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.context import BotContext, EventBotApp
from bot.forms import engine
from bot.forms.model import Abandon, Done, Form, FormEnv, Reply, Step
from bot.handlers.common import answer, deps, friendly, pressed, say
from bot.handlers.visit import requires
from bot.outbox import wake_dispatcher
from bot.services import accounts, broadcasts
from bot.ui import broadcast as ui_broadcast
from bot.ui.callbacks import BroadcastConfirm, ManageAction, ManagerCard
from bot.ui.manager_card import back_to_card_keyboard
from db.models import Role


async def read_text(raw: str, env: FormEnv) -> dict[str, Any]:
    """The message as typed (lines kept), and how many it would reach now."""
    text = broadcasts.clean_message(raw)
    async with env.deps.db.read() as session:
        audience = await broadcasts.audience(session, event_id=env.answers["event_id"])
    return {"text": text, "title": audience.title, "recipients": audience.recipients}


def ask_confirm(env: FormEnv) -> Reply:
    """The preview, with *Send to N people* / *Cancel*."""
    draft = env.answers["message"]
    return Reply(
        ui_broadcast.preview(draft["title"], draft["text"], draft["recipients"]),
        ui_broadcast.confirm_keyboard(draft["recipients"]),
    )


async def pick_confirm(_key: str, value: str, env: FormEnv) -> str:
    """Send goes on to finish; Cancel sends nothing (and offers the way back to the card)."""
    if value != "send":
        back = back_to_card_keyboard(env.answers["event_id"])
        raise Abandon(Reply(ui_broadcast.not_sent(), back, edit=True))
    return value


async def send(env: FormEnv, session: AsyncSession) -> Done:
    """Owe the message to every attendee (one transaction with the form's end: a second
    press finds the form closed); the status message is the preview, edited from now on."""
    manager = await accounts.require_manager(session, telegram_user_id=env.user_id, now=env.now)
    query = env.update.callback_query
    preview = query.message.message_id if query is not None and query.message else None
    await broadcasts.start_broadcast(
        session,
        event_id=env.answers["event_id"],
        author_id=manager.id,
        text=env.answers["message"]["text"],
        status_chat_id=env.chat_id,
        status_message_id=preview,
        now=env.now,
    )

    async def deliver() -> None:
        wake_dispatcher(env.context.job_queue)

    return Done((), after=deliver)


BROADCAST = engine.declare(
    Form(
        "broadcast",
        steps=(
            Step(
                "message",
                ask=lambda env: Reply(
                    ui_broadcast.ask_text(env.answers["title"], env.answers["recipients"])
                ),
                parse=read_text,
            ),
            Step(
                "confirm",
                ask=ask_confirm,
                parse=None,
                buttons={"confirm": ("send", "cancel")},
                pick=pick_confirm,
            ),
        ),
        finish=send,
        role=Role.MANAGER,
        buttons={BroadcastConfirm: lambda button: ("confirm", button.action.value)},
    )
)


@requires(Role.MANAGER)
@friendly
async def message_attendees(update: Update, context: BotContext) -> None:
    """Ask for the text to send to everyone registered for the event (managers only)."""
    button = await pressed(update, ManagerCard)
    if button is None:
        return
    chat = update.effective_chat
    if chat is None or chat.type != chat.PRIVATE:  # forms read answers in private chats only
        await answer(update, ui_broadcast.private_chat_only(), alert=True)
        return
    async with deps(context).db.read() as session:
        audience = await broadcasts.audience(session, event_id=button.event_id)
    if audience.recipients == 0:
        await answer(update)
        await say(update, ui_broadcast.nobody_registered(audience.title))
        return
    seed = {"event_id": audience.event_id, "title": audience.title}
    seed["recipients"] = audience.recipients
    await engine.start(update, context, BROADCAST, answers=seed)


def register(app: EventBotApp) -> None:
    """*Message attendees* on the manager's card."""
    app.add_handler(
        CallbackQueryHandler(
            message_attendees, pattern=ManagerCard.action_pattern(ManageAction.MESSAGE)
        )
    )
