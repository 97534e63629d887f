"""What sign-up and login share once they succeed: the menu, and the card that sent them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot import ui
from bot.context import BotContext, EventBotApp
from bot.forms import engine
from bot.forms.model import Done, Form, FormEnv, Reply
from bot.handlers.common import answer, pressed, say
from bot.handlers.visit import account
from bot.menu import set_chat_menu
from bot.outbox import wake_dispatcher
from bot.services import accounts, login_notice
from bot.ui.callbacks import Start, StartAction
from db.models import Role, User


def register_logged_out_form(
    app: EventBotApp, *, command: str, action: StartAction, form: Form
) -> None:
    """``/command`` and its *Start* button (which may name an event to come back to) open
    ``form`` for someone logged out; the logged in are told they already are."""

    async def begin(update: Update, context: BotContext) -> None:
        """Begin the form unless already logged in."""
        if update.callback_query is not None and await pressed(update, Start) is None:
            return
        viewer = await account(update, context)
        if viewer is not None:
            await answer(update)
            await say(update, ui.accounts.already_logged_in(viewer))
            return
        await engine.start(update, context, form, answers=return_to(update))

    app.add_handler(CommandHandler(command, begin, filters=filters.ChatType.PRIVATE))
    pattern = rf"^{Start.prefix}:{action.value}(?::|$)"
    app.add_handler(CallbackQueryHandler(begin, pattern=pattern))


def return_to(update: Update) -> dict[str, Any]:
    """Seed answers: the event whose Register button sent a logged-out person to log in."""
    query = update.callback_query
    button = Start.parse(query.data) if query is not None else None
    return {"event_id": button.event_id} if button is not None and button.event_id else {}


async def log_this_chat_in(env: FormEnv, session: AsyncSession, user: User, greeting: str) -> Done:
    """Link this chat to ``user`` in the form's closing transaction; once it committed, say
    ``greeting``, give the chat its role's menu and bring the person back to their event;
    the account's other chats are told of this login (outbox notices, sent after commit)."""
    name = _telegram_name(env.update)
    told = await login_notice.tell_others_of_login(
        session, user_id=user.id, telegram_user_id=env.user_id, telegram_name=name, now=env.now
    )
    await accounts.start_session(
        session,
        telegram_user_id=env.user_id,
        chat_id=env.chat_id,
        user=user,
        now=env.now,
        ttl=env.deps.settings.session_ttl,
        telegram_name=name,
    )
    return Done((Reply(greeting),), after=lambda: _welcome_in(env, user.role, told=told))


def _telegram_name(update: Update) -> str:
    """How /sessions names a login: the Telegram user's name and @username."""
    user = update.effective_user
    if user is None:
        return ""
    return f"{user.full_name} (@{user.username})" if user.username else user.full_name


async def _welcome_in(env: FormEnv, role: Role, *, told: int = 0) -> None:
    """Give the chat its role's command menu and bring the person back to their event;
    wake the outbox when other chats are owed a notice of this login."""
    from bot.handlers.events import show_card

    if told:
        wake_dispatcher(env.context.job_queue)
    await set_chat_menu(env.context.bot, chat_id=env.chat_id, role=role)
    event_id = env.answers.get("event_id")
    if isinstance(event_id, int):
        await show_card(env.update, env.context, event_id)
