"""Start emulator and bot, seed the demo, and run the terminal chat until :quit or Ctrl-D."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import Any

from bot.app import build_application, start_polling, stop_polling
from bot.clock import ShiftableClock
from bot.config import Settings
from bot.context import Deps, EventBotApp
from bot.emulator import BotAPIEmulator
from bot.migrate import upgrade_to_head
from bot.sandbox.chat import SandboxChat
from bot.sandbox.demo import DEMO_ACCOUNTS, DEMO_GROUP, seed_demo
from bot.sandbox.keep import read_state, restore_telegram, set_aside, sqlite_file, state_path
from bot.sandbox.people import telegram_id_for
from bot.sandbox.render import Output, PlainOutput, RichOutput
from bot.services import accounts, app_state, inbox, posts

SANDBOX_TOKEN = "1000001:sandbox-token-never-sent-anywhere"
SANDBOX_DATABASE_URL = "sqlite+aiosqlite:///sandbox.db"
SANDBOX_INVITE_CODE = "sandbox-manager"
LOG_FILE = "sandbox.log"


def sandbox_settings(settings: Settings) -> Settings:
    """The user's settings, pointed at the emulator; a separate database unless one is set."""
    explicit_db = "database_url" in settings.model_fields_set
    return settings.model_copy(
        update={
            "bot_token": SANDBOX_TOKEN,
            "database_url": settings.database_url if explicit_db else SANDBOX_DATABASE_URL,
            "manager_invite_code": settings.manager_invite_code or SANDBOX_INVITE_CODE,
        }
    )


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _log_to_file() -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.FileHandler(LOG_FILE, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("aiohttp").setLevel(logging.WARNING)


async def run_sandbox(settings: Settings, *, demo: bool, files_dir: Path) -> int:
    """The whole sandbox session; returns the exit code."""
    _log_to_file()
    settings = sandbox_settings(settings)
    interactive = _interactive()
    output: Output = RichOutput() if interactive else PlainOutput()
    state_file = state_path(settings.database_url, files_dir)
    database_file = sqlite_file(settings.database_url)
    stale: Path | None = None
    if database_file is not None and not database_file.exists() and state_file is not None:
        # a new database: the chats kept for the old one would point at what no longer exists
        stale = set_aside(state_file, "stale") if state_file.exists() else None
    await asyncio.to_thread(upgrade_to_head, settings.database_url)
    emulator, state, trouble = _kept_telegram(state_file)  # the chats as the last run left them
    if stale is not None:
        trouble = f"a new database, so Telegram starts afresh (the old chats: {stale})"
    api_url = await emulator.start("127.0.0.1", 0)
    settings = settings.model_copy(update={"telegram_api_url": api_url})
    clock = ShiftableClock()
    app = build_application(settings, clock=clock)
    await restore_clock(app, clock)
    known = await carry_on(app, emulator)
    chat = SandboxChat(
        emulator=emulator,
        app=app,
        output=output,
        files_dir=files_dir,
        start_as="alice" if demo else "you",
        state_file=state_file,
    )
    if state is not None:
        try:
            chat.restore_people(state)
        except ValueError as exc:  # the chats are back; some of the people's notes are not
            trouble = f"{str(exc)[:200]}; unread markers and keyboards start afresh"
    for user_id, name in known:
        chat.people.adopt(user_id, name)
    await start_polling(app, poll_timeout=5)
    try:
        output.info(
            f"EventBot sandbox: the real bot on {settings.database_url}, talking to a local "
            f"Telegram emulator at {api_url}. Nothing leaves this machine."
        )
        if demo:
            await _seed(app.deps, settings, clock, output)
            # a group the bot is in, where a manager can post events (📌 Post to a chat)
            emulator.add_bot_to_chat(
                DEMO_GROUP, "Jazz fans", by=chat.people.get_or_create("maya").user_id
            )
            output.info("  the bot is in the group “Jazz fans”: 📌 Post to a chat posts there")
        output.info(f"Managers sign up with the invite code: {settings.manager_invite_code}")
        if trouble:
            output.info(trouble)
        elif state_file is not None:
            carry = "carried on from" if state is not None else "kept in"
            output.info(f"the Telegram side (chats, unread messages) is {carry} {state_file}")
        output.info("Type :help for sandbox commands, /help for the bot's. Ctrl-D or :quit leaves.")
        if not chat.show_where_we_left_off():
            await chat.handle("/start")
        chat.save_state()
        await (_interactive_loop(chat) if interactive else _plain_loop(chat))
    finally:
        emulator.set_long_polls(False)
        await stop_polling(app)
        await emulator.close()
        chat.save_state()
    output.info("bye: the database and the chats are kept, run the sandbox again to carry on")
    return 0


def _new_emulator() -> BotAPIEmulator:
    return BotAPIEmulator(SANDBOX_TOKEN, username="EventBot_sandbox_bot")


def _kept_telegram(
    path: Path | None,
) -> tuple[BotAPIEmulator, dict[str, Any] | None, str | None]:
    """An emulator holding the kept Telegram side, the kept state, and what to say when it
    could not be read (the damaged file is moved aside, not lost; Telegram starts afresh)."""
    if path is None:
        return _new_emulator(), None, None
    emulator = _new_emulator()
    try:
        state = read_state(path)
        if state is not None:
            restore_telegram(emulator, state)
    except ValueError as exc:
        aside = set_aside(path, "damaged")
        return _new_emulator(), None, f"{str(exc)[:200]}; moved to {aside}, Telegram starts afresh"
    return emulator, state, None


async def carry_on(app: EventBotApp, emulator: BotAPIEmulator) -> list[tuple[int, str | None]]:
    """Number updates and messages on from what the database saw (Telegram's numbers only
    grow: the kept chats number on by themselves, this covers a database whose Telegram side
    was lost); returns the Telegram accounts the bot knows, whose chats exist again."""
    async with app.deps.db.read() as session:
        emulator.continue_update_ids(after=await inbox.last_update_id(session))
        emulator.continue_message_ids(after=await posts.highest_message_id(session))
        return await accounts.telegram_users(session)


async def restore_clock(app: EventBotApp, clock: ShiftableClock) -> None:
    """Put the clock back where the last sandbox run left it (kept in the database), so
    reminders already sent for that time are not followed by a clock that went back."""
    async with app.deps.db.read() as session:
        clock.offset = await app_state.clock_offset(session)


async def _seed(deps: Deps, settings: Settings, clock: ShiftableClock, output: Output) -> None:
    created = await seed_demo(deps, now=clock.now())
    output.info("demo data created" if created else "demo data already there")
    for account in DEMO_ACCOUNTS:
        async with deps.db.read() as session:
            user = await accounts.current_user(
                session, telegram_user_id=telegram_id_for(account.sandbox_name), now=clock.now()
            )
            stored = await accounts.find_by_email(session, email=account.email)
        logged_in = user is not None and user.email == account.email
        role = stored.role if stored is not None else account.role  # as /promote left it
        output.info(
            f"  :as {account.sandbox_name:<6} → {role.value:<8} {account.email} / "
            f"password {account.password} "
            + ("(already logged in)" if logged_in else "(logged out: /login)")
        )


async def _plain_loop(chat: SandboxChat) -> None:
    loop = asyncio.get_running_loop()
    while chat.running:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        chat.output.echo(chat.prompt.rstrip("> "), line.rstrip("\n"))
        await chat.handle(line)


async def _interactive_loop(chat: SandboxChat) -> None:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.patch_stdout import patch_stdout

    session: PromptSession[str] = PromptSession()
    with patch_stdout(raw=True):
        while chat.running:
            try:
                line = await session.prompt_async(chat.prompt, is_password=chat.expects_secret)
            except (EOFError, KeyboardInterrupt):
                return
            await chat.handle(line)
