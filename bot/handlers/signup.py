"""/signup as a form: name → email → password → role (→ invite code for managers)."""

from __future__ import annotations

import hmac
import logging

from sqlalchemy.ext.asyncio import AsyncSession

from bot import ui
from bot.context import EventBotApp
from bot.forms import engine
from bot.forms.model import Again, Done, Form, FormEnv, GoTo, Reply, Step
from bot.handlers.after_login import log_this_chat_in, register_logged_out_form
from bot.services import accounts, lockout
from bot.services.errors import EmailTaken, LoginLocked
from bot.services.passwords import password_problem
from bot.ui.callbacks import RoleChoice, StartAction
from db.models import Role

log = logging.getLogger(__name__)


async def read_name(raw: str, _env: FormEnv) -> str:
    """A display name (services.accounts.clean_name decides)."""
    return accounts.clean_name(raw)


async def read_email(raw: str, env: FormEnv) -> str:
    """A valid email no account uses yet."""
    email = accounts.clean_email(raw)
    async with env.deps.db.read() as session:
        if await accounts.email_taken(session, email=email):
            raise Again(Reply(ui.accounts.signup_email_taken()))
    return email


async def read_password(raw: str, env: FormEnv) -> str:
    """An acceptable password, kept only as its bcrypt hash."""
    problem = password_problem(raw)
    if problem is not None:
        raise Again(Reply(ui.accounts.password_rejected(ui.errors.error_text(problem))))
    return (await env.deps.passwords.hash(raw)).decode("ascii")


async def pick_role(_key: str, value: str, env: FormEnv) -> str:
    """Customer, or manager when this bot has an invite code."""
    if value == Role.MANAGER and env.deps.settings.manager_invite_code is None:
        raise Again(
            Reply(ui.accounts.signup_no_managers(), ui.accounts.continue_as_customer_keyboard())
        )
    return value


async def read_invite_code(raw: str, env: FormEnv) -> bool:
    """The manager invite code: throttled like passwords (the attempt is counted before the
    comparison), compared in constant time, failures logged, never stored."""
    keys = ((lockout.INVITE_CODE, env.user_id),)
    try:
        async with env.deps.db.write() as session:
            await lockout.reserve(session, keys=keys, now=env.now)
    except LoginLocked as exc:
        raise Again(
            Reply(
                ui.accounts.invite_locked(exc.until, env.now),
                ui.accounts.continue_as_customer_keyboard(),
            )
        ) from None
    expected = env.deps.settings.manager_invite_code or ""
    if not expected or not hmac.compare_digest(raw.strip().encode(), expected.encode()):
        log.warning("wrong manager invite code from Telegram user %s", env.user_id)
        raise Again(
            Reply(ui.accounts.signup_wrong_code(), ui.accounts.continue_as_customer_keyboard())
        )
    async with env.deps.db.write() as session:
        await lockout.forgive(session, keys=keys)
    return True


async def create_account(env: FormEnv, session: AsyncSession) -> Done:
    """Create the account and log this chat in (in the transaction that closes the form)."""
    answers = env.answers
    manager = answers.get("role") == Role.MANAGER and answers.get("code") is True
    try:
        user = await accounts.create_user(
            session,
            name=answers["name"],
            email=answers["email"],
            password_hash=str(answers["password"]).encode("ascii"),
            role=Role.MANAGER if manager else Role.CUSTOMER,
            now=env.now,
        )
    except EmailTaken:
        raise GoTo("email", Reply(ui.accounts.signup_email_taken())) from None
    log.info("account %s created as %s by Telegram user %s", user.id, user.role, env.user_id)
    return await log_this_chat_in(env, session, user, ui.accounts.signed_up(user))


SIGNUP = engine.declare(
    Form(
        "signup",
        steps=(
            Step("name", ask=lambda env: Reply(ui.accounts.signup_ask_name()), parse=read_name),
            Step(
                "email",
                ask=lambda env: Reply(ui.accounts.signup_ask_email(env.answers["name"])),
                parse=read_email,
            ),
            Step(
                "password",
                ask=lambda env: Reply(ui.accounts.signup_ask_password()),
                parse=read_password,
                secret=True,
            ),
            Step(
                "role",
                ask=lambda env: Reply(ui.accounts.signup_ask_role(), ui.accounts.role_keyboard()),
                parse=None,
                buttons={"role": (Role.CUSTOMER.value, Role.MANAGER.value)},
                pick=pick_role,
            ),
            Step(
                "code",
                ask=lambda env: Reply(ui.accounts.signup_ask_code()),
                parse=read_invite_code,
                secret=True,
                buttons={"role": (Role.CUSTOMER.value,)},
                when=lambda answers: answers.get("role") == Role.MANAGER,
            ),
        ),
        finish=create_account,
        buttons={RoleChoice: lambda button: ("role", button.role.value)},
    )
)


def register(app: EventBotApp) -> None:
    """/signup and its button."""
    register_logged_out_form(app, command="signup", action=StartAction.SIGNUP, form=SIGNUP)
