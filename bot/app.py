"""Build the Application: builder settings, dependencies, handlers, start-up and shutdown."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, cast

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.context import BotContext, Deps, EventBotApp
from bot.forms import wiring as forms
from bot.handlers import (
    auth,
    broadcast,
    chart,
    chats,
    checkin,
    errors,
    events,
    export,
    inline,
    login,
    manage,
    my_events,
    newevent,
    posts,
    roles,
    sessions,
    signup,
    start,
)
from bot.menu import set_default_menu
from bot.outbox import WORKERS as OUTBOX_WORKERS
from bot.outbox import schedule as schedule_outbox
from bot.post_refresh import schedule as schedule_post_refresh
from bot.services import outbox
from bot.services.passwords import PasswordHasher
from bot.transport.aiohttp_request import AiohttpRequest
from bot.transport.inbox import Inbox
from bot.transport.log_safety import protect_logs
from bot.transport.offload import offload
from bot.transport.polling import InboxUpdater
from bot.transport.send_limiter import SendLimiter
from bot.transport.shared_inbox import SharedInbox, replica_name
from bot.transport.update_processor import PerChatUpdateProcessor
from bot.transport.webhook import WebhookServer
from db.session import Database

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.CALLBACK_QUERY,
    Update.INLINE_QUERY,
    Update.CHOSEN_INLINE_RESULT,
    Update.MY_CHAT_MEMBER,
]


def build_application(settings: Settings, *, clock: Clock | None = None) -> EventBotApp:
    """A fully wired application; nothing connects until it is initialised."""
    if settings.bot_token is None:
        raise ValueError("BOT_TOKEN is required to build the application")
    protect_logs(settings.bot_token)
    deps = Deps(
        settings=settings,
        clock=clock or SystemClock(),
        db=Database(
            settings.database_url,
            busy_timeout=settings.database_busy_timeout,
            pool_size=database_pool_size(settings),
        ),
        passwords=PasswordHasher(rounds=settings.bcrypt_rounds, offload=offload),
    )
    replica = replica_name()
    inbox = (
        Inbox(deps.db, deps.clock)
        if deps.db.sqlite
        else SharedInbox(
            deps.db,
            deps.clock,
            replica=replica,
            # updates held at once; logins waiting for bcrypt hold no worker (off_worker)
            capacity=max(2 * settings.concurrent_chats, settings.concurrent_chats + 16),
            claim_ttl=timedelta(seconds=settings.replica_claim_seconds),
        )
    )
    api = settings.telegram_api_url
    builder = (
        ApplicationBuilder()
        .application_class(EventBotApp, kwargs={"deps": deps})
        .token(settings.bot_token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .context_types(ContextTypes(context=BotContext))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .concurrent_updates(PerChatUpdateProcessor(settings.concurrent_chats, inbox=inbox))
        # polling is InboxUpdater's (set below): nothing Telegram delivered is lost in a crash
        .updater(None)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .request(_request(settings, pool=settings.concurrent_chats + 8))
        # getUpdates has its own pool: on shutdown PTB cancels the long poll and at once calls
        # getUpdates again to confirm the offset, which must not wait for the cancelled call
        .get_updates_request(_request(settings, pool=2))
        .rate_limiter(SendLimiter(messages_per_second=settings.send_rate_limit))
    )
    app: EventBotApp = builder.build()  # type: ignore[assignment]
    app.updater = InboxUpdater(
        bot=app.bot, update_queue=app.update_queue, inbox=inbox, replica=replica
    )
    start.register(app)
    forms.register(app)
    signup.register(app)
    login.register(app)
    auth.register(app)
    sessions.register(app)
    events.register(app)
    my_events.register(app)
    newevent.register(app)
    manage.register(app)
    export.register(app)
    chart.register(app)
    checkin.register(app)
    broadcast.register(app)
    posts.register(app)
    inline.register(app)
    chats.register(app)
    roles.register(app)
    start.register_fallbacks(app)
    app.add_error_handler(errors.on_error)
    return app


def database_pool_size(settings: Settings) -> int:
    """PostgreSQL connections a replica keeps: one per chat served at once, one per outbox
    delivery worker, and four for the inbox (polling, handled marks) and the jobs."""
    return settings.concurrent_chats + OUTBOX_WORKERS + 4


def _request(settings: Settings, *, pool: int) -> AiohttpRequest:
    """A Bot API connection pool with TELEGRAM_TIMEOUT for every phase of a call."""
    timeout = settings.telegram_timeout
    return AiohttpRequest(
        connection_pool_size=pool,
        read_timeout=timeout,
        write_timeout=timeout,
        connect_timeout=timeout,
        pool_timeout=timeout,
    )


async def start_polling(app: EventBotApp, *, poll_timeout: int = 10) -> None:
    """Start ``app`` the way ``run_polling`` does, for callers that own the event loop
    (tests, the sandbox): initialise, post_init, poll, start."""
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    assert app.updater is not None
    await app.updater.start_polling(
        poll_interval=0,
        timeout=poll_timeout,
        allowed_updates=ALLOWED_UPDATES,
        error_callback=lambda exc: _polling_error(app, exc),
    )
    await app.start()


def _polling_error(app: EventBotApp, error: TelegramError) -> None:
    """Like run_polling: polling failures go to the error handler, which logs them briefly."""
    app.create_task(app.process_error(error=error, update=None))


async def stop_polling(app: EventBotApp) -> None:
    """Undo ``start_polling`` in ``run_polling``'s order, post_shutdown included."""
    assert app.updater is not None
    if app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)


async def start_webhook(app: EventBotApp) -> WebhookServer:
    """Start ``app`` in webhook mode: initialise, post_init, hand over what a previous run
    left unhandled, serve, then tell Telegram where to send updates."""
    settings = app.deps.settings
    assert isinstance(app.updater, InboxUpdater) and settings.webhook_url is not None
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    inbox = app.updater.inbox
    await inbox.start(app.bot, app.update_queue)
    server = WebhookServer(app, inbox)
    await server.start()
    await app.start()
    await app.bot.set_webhook(
        url=settings.webhook_url,
        secret_token=settings.webhook_secret,
        allowed_updates=ALLOWED_UPDATES,
        max_connections=min(100, settings.concurrent_chats),
    )
    return server


async def stop_webhook(app: EventBotApp, server: WebhookServer) -> None:
    """Undo ``start_webhook``; the webhook stays set (the next replica or run takes over)."""
    await server.stop()
    if app.running:
        await app.stop()
    await app.shutdown()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)


async def _post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app = cast(EventBotApp, application)
    deps = app.deps
    await deps.passwords.warm_up()
    async with deps.db.read() as session:
        unconfirmed = await outbox.count_unconfirmed(session)
    if unconfirmed:
        log.warning(
            "%d outbox messages were claimed by a process that stopped before Telegram "
            "confirmed them; they count as sent and are not repeated",
            unconfirmed,
        )
    await set_default_menu(app.bot)
    schedule_outbox(app)
    forms.schedule(app)
    schedule_post_refresh(app)
    log.info("EventBot @%s is up", app.bot.username)


async def _post_shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app = cast(EventBotApp, application)
    if isinstance(app.updater, InboxUpdater):
        await app.updater.inbox.stop()  # the last handled marks
    await app.deps.db.dispose()
