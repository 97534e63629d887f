"""Sign-up, login, logout and /me."""

from __future__ import annotations

import hmac
import logging
from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import texts
from bot.context import BotContext, EventBotApp
from bot.handlers.common import answer, chat_id_of, deps, now, say, user_id_of
from bot.handlers.conversation import END, cancel, conversation, delete_secret
from bot.menu import set_chat_menu
from bot.services import accounts, lockout
from bot.services.errors import BadCredentials, EmailTaken, InvalidInput, LoginLocked
from bot.services.passwords import hash_password, password_problem
from db.models import Role, User

NAME, EMAIL, PASSWORD, ROLE, CODE = range(5)
LOGIN_EMAIL, LOGIN_PASSWORD = range(10, 12)

log = logging.getLogger(__name__)
PRIVATE = filters.ChatType.PRIVATE
ANSWER = PRIVATE & filters.TEXT & ~filters.COMMAND


def _draft(context: BotContext, key: str) -> dict[str, Any]:
    assert context.user_data is not None
    draft: dict[str, Any] = context.user_data.setdefault(key, {})
    return draft


async def _logged_in_user(update: Update, context: BotContext) -> User | None:
    async with deps(context).db.read() as session:
        return await accounts.current_user(
            session, telegram_user_id=user_id_of(update), now=now(context)
        )


# ---- sign-up --------------------------------------------------------------------------------


async def signup_start(update: Update, context: BotContext) -> int:
    """Begin sign-up unless already logged in."""
    await answer(update)
    user = await _logged_in_user(update, context)
    if user is not None:
        await say(update, texts.already_logged_in(user))
        return END
    assert context.user_data is not None
    context.user_data.pop("signup", None)
    await say(update, texts.SIGNUP_ASK_NAME)
    return NAME


async def signup_name(update: Update, context: BotContext) -> int:
    """Take the display name."""
    assert update.message is not None and update.message.text is not None
    try:
        name = accounts.clean_name(update.message.text)
    except InvalidInput as exc:
        await say(update, texts.invalid_answer(str(exc), texts.SIGNUP_ASK_NAME))
        return NAME
    _draft(context, "signup")["name"] = name
    await say(update, texts.signup_ask_email(name))
    return EMAIL


async def signup_email(update: Update, context: BotContext) -> int:
    """Take a valid email no account uses yet."""
    assert update.message is not None and update.message.text is not None
    draft = _draft(context, "signup")
    try:
        email = accounts.clean_email(update.message.text)
    except InvalidInput as exc:
        await say(update, texts.invalid_answer(str(exc), texts.signup_ask_email(draft["name"])))
        return EMAIL
    async with deps(context).db.read() as session:
        taken = await accounts.email_taken(session, email=email)
    if taken:
        await say(update, texts.SIGNUP_EMAIL_TAKEN)
        return EMAIL
    draft["email"] = email
    await say(update, texts.SIGNUP_ASK_PASSWORD)
    return PASSWORD


async def signup_password(update: Update, context: BotContext) -> int:
    """Read the password, delete its message at once, keep only the bcrypt hash."""
    assert update.message is not None
    password = update.message.text or ""
    await delete_secret(update)
    problem = password_problem(password)
    if problem is not None:
        await say(update, texts.password_rejected(problem))
        return PASSWORD
    draft = _draft(context, "signup")
    draft["hash"] = await hash_password(password, rounds=deps(context).settings.bcrypt_rounds)
    await say(
        update,
        "🔒 Got it, and deleted your message.\n\n" + texts.SIGNUP_ASK_ROLE,
        texts.role_keyboard(),
    )
    return ROLE


async def signup_role(update: Update, context: BotContext) -> int:
    """Customer: create the account. Manager: ask for the invite code first."""
    query = update.callback_query
    assert query is not None
    await answer(update)
    if query.data == "su:role:customer":
        return await _create_account(update, context, Role.CUSTOMER)
    if deps(context).settings.manager_invite_code is None:
        await say(update, texts.SIGNUP_NO_MANAGERS, texts.continue_as_customer_keyboard())
        return ROLE
    await say(update, texts.SIGNUP_ASK_CODE)
    return CODE


async def signup_code(update: Update, context: BotContext) -> int:
    """Check the manager invite code (deleted after reading) in constant time."""
    assert update.message is not None
    code = (update.message.text or "").strip()
    await delete_secret(update)
    expected = deps(context).settings.manager_invite_code or ""
    if not expected or not hmac.compare_digest(code.encode(), expected.encode()):
        await say(update, texts.SIGNUP_WRONG_CODE, texts.continue_as_customer_keyboard())
        return CODE
    return await _create_account(update, context, Role.MANAGER)


async def _create_account(update: Update, context: BotContext, role: Role) -> int:
    draft = _draft(context, "signup")
    if not {"name", "email", "hash"} <= draft.keys():
        await say(update, texts.TIMED_OUT)
        return END
    clock_now = now(context)
    settings = deps(context).settings
    try:
        async with deps(context).db.write() as session:
            user = await accounts.create_user(
                session,
                name=draft["name"],
                email=draft["email"],
                password_hash=draft["hash"],
                role=role,
                now=clock_now,
            )
            await accounts.start_session(
                session,
                telegram_user_id=user_id_of(update),
                chat_id=chat_id_of(update),
                user=user,
                now=clock_now,
                ttl=settings.session_ttl,
            )
    except EmailTaken:
        draft.pop("email", None)
        await say(update, texts.SIGNUP_EMAIL_TAKEN)
        return EMAIL
    assert context.user_data is not None
    context.user_data.pop("signup", None)
    log.info("account %s created as %s by Telegram user %s", user.id, role, user_id_of(update))
    await set_chat_menu(context.bot, chat_id=chat_id_of(update), role=user.role)
    await say(update, texts.signed_up(user))
    return END


# ---- login / logout / me --------------------------------------------------------------------


async def login_start(update: Update, context: BotContext) -> int:
    """Begin login unless already logged in."""
    await answer(update)
    user = await _logged_in_user(update, context)
    if user is not None:
        await say(update, texts.already_logged_in(user))
        return END
    await say(update, texts.LOGIN_ASK_EMAIL)
    return LOGIN_EMAIL


async def login_email(update: Update, context: BotContext) -> int:
    """Take the email; whether it exists is not revealed. A locked email ends here."""
    assert update.message is not None and update.message.text is not None
    try:
        email = accounts.clean_email(update.message.text)
    except InvalidInput as exc:
        await say(update, texts.invalid_answer(str(exc), texts.LOGIN_ASK_EMAIL))
        return LOGIN_EMAIL
    try:
        async with deps(context).db.read() as session:
            await lockout.ensure_not_locked(session, email=email, now=now(context))
    except LoginLocked as exc:
        await say(update, texts.login_locked(exc.until, now(context)))
        return END
    _draft(context, "login")["email"] = email
    await say(update, texts.LOGIN_ASK_PASSWORD)
    return LOGIN_PASSWORD


async def login_password(update: Update, context: BotContext) -> int:
    """Check the password (message deleted first) and link this chat to the account.

    Three short transactions, none open while bcrypt runs: look up (and check the lock),
    verify, then record the outcome.
    """
    assert update.message is not None and context.user_data is not None
    password = update.message.text or ""
    await delete_secret(update)
    email = context.user_data.pop("login", {}).get("email", "")
    app_deps = deps(context)
    try:
        async with app_deps.db.read() as session:
            await lockout.ensure_not_locked(session, email=email, now=now(context))
            candidate = await accounts.find_by_email(session, email=email)
        user = await accounts.check_password(
            candidate, password=password, dummy_hash=app_deps.dummy_hash
        )
    except LoginLocked as exc:
        await say(update, texts.login_locked(exc.until, now(context)))
        return END
    except BadCredentials:
        async with app_deps.db.write() as session:
            locked_until = await lockout.record_failure(session, email=email, now=now(context))
        log.info("failed login from Telegram user %s", user_id_of(update))
        tail = f"\n{texts.login_locked(locked_until, now(context))}" if locked_until else ""
        await say(update, texts.LOGIN_FAILED + tail)
        return END
    async with app_deps.db.write() as session:
        await lockout.record_success(session, email=email)
        await accounts.start_session(
            session,
            telegram_user_id=user_id_of(update),
            chat_id=chat_id_of(update),
            user=user,
            now=now(context),
            ttl=app_deps.settings.session_ttl,
        )
    log.info("Telegram user %s logged in as account %s", user_id_of(update), user.id)
    await set_chat_menu(context.bot, chat_id=chat_id_of(update), role=user.role)
    await say(update, texts.logged_in(user))
    return END


async def logout(update: Update, context: BotContext) -> None:
    """End this chat's session."""
    async with deps(context).db.write() as session:
        was_in = await accounts.end_session(session, telegram_user_id=user_id_of(update))
    if was_in:
        await set_chat_menu(context.bot, chat_id=chat_id_of(update), role=None)
    await say(update, texts.LOGGED_OUT if was_in else texts.WAS_NOT_LOGGED_IN)


async def me(update: Update, context: BotContext) -> None:
    """Show the logged-in account."""
    user = await _logged_in_user(update, context)
    await say(update, texts.me(user) if user is not None else texts.NOT_LOGGED_IN)


def register(app: EventBotApp) -> None:
    """Add the account handlers."""
    secret = PRIVATE & filters.TEXT
    app.add_handler(
        conversation(
            "signup",
            entry_points=[
                CommandHandler("signup", signup_start, filters=PRIVATE),
                CallbackQueryHandler(signup_start, pattern=r"^start:signup$"),
            ],
            states={
                NAME: [MessageHandler(ANSWER, signup_name)],
                EMAIL: [MessageHandler(ANSWER, signup_email)],
                PASSWORD: [
                    CommandHandler("cancel", cancel),
                    MessageHandler(secret, signup_password),
                ],
                ROLE: [CallbackQueryHandler(signup_role, pattern=r"^su:role:(customer|manager)$")],
                CODE: [
                    CommandHandler("cancel", cancel),
                    CallbackQueryHandler(signup_role, pattern=r"^su:role:customer$"),
                    MessageHandler(secret, signup_code),
                ],
            },
        )
    )
    app.add_handler(
        conversation(
            "login",
            entry_points=[
                CommandHandler("login", login_start, filters=PRIVATE),
                CallbackQueryHandler(login_start, pattern=r"^start:login$"),
            ],
            states={
                LOGIN_EMAIL: [MessageHandler(ANSWER, login_email)],
                LOGIN_PASSWORD: [
                    CommandHandler("cancel", cancel),
                    MessageHandler(secret, login_password),
                ],
            },
        )
    )
    app.add_handler(CommandHandler("logout", logout, filters=PRIVATE))
    app.add_handler(CommandHandler("me", me, filters=PRIVATE))
