"""/login as a form: email → password (asked again after a wrong one; throttled)."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from bot import ui
from bot.context import EventBotApp
from bot.forms import engine
from bot.forms.model import Again, Done, Form, FormEnv, Onward, Reply, Step
from bot.handlers.after_login import log_this_chat_in, register_logged_out_form
from bot.services import accounts, lockout
from bot.services.errors import BadCredentials, LoginLocked
from bot.ui.callbacks import StartAction
from db.models import User

log = logging.getLogger(__name__)


async def read_email(raw: str, env: FormEnv) -> str:
    """Any valid email (whether it has an account is not revealed). When logins are locked
    the form still moves on to the password (saying when to send it): whatever comes next is
    most likely the password, and it must be deleted, not left in the chat."""
    email = accounts.clean_email(raw)
    async with env.deps.db.read() as session:
        try:
            keys = lockout.login_keys(telegram_user_id=env.user_id, email=email)
            await lockout.ensure_not_locked(session, keys=keys, now=env.now)
        except LoginLocked as exc:
            raise Onward(email, Reply(ui.accounts.login_locked(exc.until, env.now))) from None
    return email


async def read_password(raw: str, env: FormEnv) -> int:
    """Check the password. The attempt is counted first (its own short transaction, refused
    while locked), then bcrypt runs with no transaction open. Returns the account's id."""
    email = str(env.answers["email"])
    keys = lockout.login_keys(telegram_user_id=env.user_id, email=email)
    deps = env.deps
    try:
        async with deps.db.write() as session:
            locked_until = await lockout.reserve(session, keys=keys, now=env.now)
            candidate = await accounts.find_by_email(session, email=email)
        user = await accounts.check_password(candidate, password=raw, hasher=deps.passwords)
    except LoginLocked as exc:  # the form waits at this step: what comes next is deleted too
        raise Again(Reply(ui.accounts.login_locked_send_again(exc.until, env.now))) from None
    except BadCredentials:
        log.info("failed login from Telegram user %s", env.user_id)
        if locked_until is not None:
            locked = ui.accounts.login_locked_send_again(locked_until, env.now, failed=True)
            raise Again(Reply(locked)) from None
        raise Again(Reply(ui.accounts.login_try_again())) from None
    return user.id


async def log_in(env: FormEnv, session: AsyncSession) -> Done:
    """Link this chat to the account (in the transaction that closes the form)."""
    # the password step answers with the id of the account it unlocked (never the password)
    user = await session.get(User, env.answers["password"])
    assert user is not None
    email = str(env.answers["email"])
    await lockout.password_correct(session, telegram_user_id=env.user_id, email=email)
    log.info("Telegram user %s logged in as account %s", env.user_id, user.id)
    return await log_this_chat_in(env, session, user, ui.accounts.logged_in(user))


LOGIN = engine.declare(
    Form(
        "login",
        steps=(
            Step("email", ask=lambda env: Reply(ui.accounts.login_ask_email()), parse=read_email),
            Step(
                "password",
                ask=lambda env: Reply(ui.accounts.login_ask_password()),
                parse=read_password,
                secret=True,
            ),
        ),
        finish=log_in,
    )
)


def register(app: EventBotApp) -> None:
    """/login and its button."""
    register_logged_out_form(app, command="login", action=StartAction.LOGIN, form=LOGIN)
