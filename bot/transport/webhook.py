"""Webhook mode: Telegram POSTs each update; the answer is a 2xx only once it is handled.

Each request must carry the secret (``X-Telegram-Bot-Api-Secret-Token``) given to
``setWebhook``; anything else gets 403 and changes nothing. A good request's update goes
through the inbox like a polled one (``bot.transport.inbox``): stored, then handled in its
chat's order; the request is answered 200 after its handler finished, so Telegram delivers
again whatever a crash cut off, and a repeat of a stored update changes nothing twice.
``GET /healthz`` answers 200 while the database answers, for load balancers.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from urllib.parse import urlsplit

from aiohttp import web
from sqlalchemy import text
from telegram import Update

from bot.context import EventBotApp
from bot.transport.inbox import Inbox

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_PATH = "/healthz"
# how long a request may wait for its update's handler; Telegram gives up after about a
# minute and delivers again, which the inbox then recognises
HANDLING_TIMEOUT = 50.0
MAX_UPDATE_BYTES = 1024 * 1024


class WebhookServer:
    """The HTTP server Telegram (or the load balancer in front of the replicas) calls."""

    def __init__(self, app: EventBotApp, inbox: Inbox) -> None:
        settings = app.deps.settings
        if settings.webhook_url is None or settings.webhook_secret is None:
            raise ValueError("webhook mode needs WEBHOOK_URL and WEBHOOK_SECRET")
        self.app = app
        self.inbox = inbox
        self.secret = settings.webhook_secret.encode()
        self.path = urlsplit(settings.webhook_url).path or "/"
        self.listen = settings.webhook_listen
        self.port = settings.webhook_port
        self._runner: web.AppRunner | None = None
        self.bound_port = 0

    async def start(self) -> None:
        """Serve the webhook path and the health check."""
        server = web.Application(client_max_size=MAX_UPDATE_BYTES)
        server.router.add_post(self.path, self._receive)
        server.router.add_get(HEALTH_PATH, self._health)
        self._runner = web.AppRunner(server, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.listen, self.port)
        await site.start()
        sockets = site._server.sockets if site._server is not None else []  # type: ignore[attr-defined]
        self.bound_port = sockets[0].getsockname()[1] if sockets else self.port
        log.info("webhook server on %s:%s%s", self.listen, self.bound_port, self.path)

    async def stop(self) -> None:
        """Stop taking requests; those in flight are cut off and Telegram delivers them again."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.secret):
            log.warning("webhook request without the right secret from %s", request.remote)
            return web.Response(status=403, text="forbidden")
        try:
            data = json.loads(await request.read())
            update = Update.de_json(data, self.app.bot)
        except (ValueError, TypeError, KeyError):
            return web.Response(status=400, text="not an update")
        if update is None:
            return web.Response(status=400, text="not an update")
        waiter = await self.inbox.receive(update)
        if waiter is not None:
            try:
                await asyncio.wait_for(asyncio.shield(waiter), HANDLING_TIMEOUT)
            except TimeoutError:
                return web.Response(status=503, text="still handling")
        return web.Response(text="ok")

    async def _health(self, _request: web.Request) -> web.Response:
        try:
            async with self.app.deps.db.query() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as exc:  # any failure means: don't send traffic here
            log.warning("health check: database unreachable: %s", exc)
            return web.Response(status=503, text="database unreachable")
        return web.Response(text="ok")
