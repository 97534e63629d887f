"""/sessions (where the account is logged in, "log out the others") and /password (a form)."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot import ui
from bot.context import BotContext, EventBotApp
from bot.forms import engine
from bot.forms.model import Abandon, Again, Done, Form, FormEnv, Reply, Step
from bot.handlers.common import answer, edit_or_say, say
from bot.handlers.signup import read_password
from bot.handlers.visit import account, requires
from bot.outbox import wake_dispatcher
from bot.services import accounts, lockout, outbox, sessions
from bot.services.errors import BadCredentials, LoginLocked
from bot.ui.callbacks import EndOtherSessions
from db.models import Role, User

log = logging.getLogger(__name__)


async def _render(update: Update, context: BotContext, *, edit: bool) -> None:
    viewer = await account(update, context)
    assert viewer is not None and update.effective_user is not None
    deps = context.deps
    async with deps.db.read() as session:
        mine = await sessions.active(session, user_id=viewer.id, now=deps.clock.now())
    text = ui.sessions.sessions(mine, this_user_id=update.effective_user.id, tz=deps.settings.tz)
    markup = ui.sessions.sessions_keyboard(mine)
    await (edit_or_say(update, text, markup) if edit else say(update, text, markup))


@requires()
async def list_sessions(update: Update, context: BotContext) -> None:
    """List the Telegram accounts logged into this account."""
    await _render(update, context, edit=False)


async def end_others(session: AsyncSession, *, user_id: int, keep: int, context: BotContext) -> int:
    """Log out every other Telegram account of ``user_id`` and tell each of them once."""
    now = context.deps.clock.now()
    chats = await sessions.end_others(session, user_id=user_id, keep_telegram_user_id=keep, now=now)
    await outbox.add_notices(session, chat_ids=chats, notice=sessions.LOGGED_OUT_ELSEWHERE, now=now)
    return len(chats)


@requires()
async def log_out_others(update: Update, context: BotContext) -> None:
    """End every other session of this account (the press is answered with how many)."""
    viewer = await account(update, context)
    assert viewer is not None and update.effective_user is not None
    if (
        EndOtherSessions.parse(update.callback_query.data if update.callback_query else None)
        is None
    ):
        stale = ui.common.stale_button(manager=viewer.role is Role.MANAGER)
        await answer(update, stale, alert=True)
        return
    async with context.deps.db.write() as session:
        ended = await end_others(
            session, user_id=viewer.id, keep=update.effective_user.id, context=context
        )
    log.info("account %s logged out %d other Telegram accounts", viewer.id, ended)
    await answer(update, ui.sessions.others_logged_out(ended))
    wake_dispatcher(context.job_queue)
    await _render(update, context, edit=True)


# ---- /password: current password → new password ---------------------------------------------


async def read_current(raw: str, env: FormEnv) -> bool:
    """The current password, throttled like a login (counted before bcrypt runs)."""
    viewer = await account(env.update, env.context)
    if viewer is None:
        raise Abandon(Reply(ui.common.login_first()))
    keys = lockout.login_keys(telegram_user_id=env.user_id, email=viewer.email or "")
    deps = env.deps
    try:
        async with deps.db.write() as session:
            await lockout.reserve(session, keys=keys, now=env.now)
            user = await session.get(User, viewer.id)
        await accounts.check_password(user, password=raw, hasher=deps.passwords)
    except LoginLocked as exc:  # waits at this step, as at login
        raise Again(Reply(ui.accounts.login_locked_send_again(exc.until, env.now))) from None
    except BadCredentials:
        log.info("wrong current password from Telegram user %s", env.user_id)
        raise Again(Reply(ui.sessions.wrong_current_password())) from None
    async with deps.db.write() as session:  # as at login
        await lockout.password_correct(
            session, telegram_user_id=env.user_id, email=viewer.email or ""
        )
    return True


async def change_password(env: FormEnv, session: AsyncSession) -> Done:
    """Store the new hash and log out every other Telegram account of the account."""
    user = await accounts.require_user(session, telegram_user_id=env.user_id, now=env.now)
    user.password_hash = str(env.answers["new"]).encode("ascii")
    ended = await end_others(session, user_id=user.id, keep=env.user_id, context=env.context)
    log.info("account %s changed its password; %d other sessions ended", user.id, ended)
    return Done(
        (Reply(ui.sessions.password_changed(ended)),),
        after=lambda: _wake(env),
    )


async def _wake(env: FormEnv) -> None:
    wake_dispatcher(env.context.job_queue)


PASSWORD = engine.declare(
    Form(
        "password",
        steps=(
            Step(
                "current",
                ask=lambda env: Reply(ui.sessions.ask_current_password()),
                parse=read_current,
                secret=True,
            ),
            Step(
                "new",
                ask=lambda env: Reply(ui.sessions.ask_new_password()),
                parse=read_password,  # the same rules and hashing as at sign-up
                secret=True,
            ),
        ),
        finish=change_password,
    )
)


@requires()
async def password(update: Update, context: BotContext) -> None:
    """Begin changing the password (logged-in accounts)."""
    await engine.start(update, context, PASSWORD)


def register(app: EventBotApp) -> None:
    """/sessions, its button, and /password."""
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("sessions", list_sessions, filters=private))
    app.add_handler(CallbackQueryHandler(log_out_others, pattern=EndOtherSessions.pattern()))
    app.add_handler(CommandHandler("password", password, filters=private))
