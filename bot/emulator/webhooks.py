"""Webhooks: ``setWebhook`` makes the emulator POST updates to the bot, as Telegram does.

Telegram sends each update as JSON with the ``X-Telegram-Bot-Api-Secret-Token`` header set
to the webhook's ``secret_token``, at most ``max_connections`` requests at a time, and keeps
an update (sending it again later) until a request for it is answered with a 2xx status.
While a webhook is set, ``getUpdates`` is refused with 409 Conflict. The emulator delivers
the updates of one chat one after another and different chats in parallel.

Test knobs, for what Telegram does now and then: ``webhook_targets`` (several replicas behind
one URL: requests go round-robin), ``webhook_repeat`` (update ids that are delivered once more
after their 2xx, as after a lost acknowledgement), ``webhook_deliveries`` (what was sent
where, with the status that came back).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from bot.emulator.errors import ApiError
from bot.emulator.updates import UpdateQueue

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
RETRY_DELAY = 0.2  # seconds before an update whose delivery failed is sent again


class Webhooks(UpdateQueue):
    """setWebhook / deleteWebhook / getWebhookInfo and the delivery loop."""

    def __init__(self, token: str, username: str) -> None:
        super().__init__(token, username)
        self.webhook: dict[str, Any] | None = None
        self.webhook_targets: list[str] = []
        self.webhook_repeat: set[int] = set()
        self.webhook_deliveries: list[tuple[int, str, int]] = []  # update id, url, status
        self._deliverer: asyncio.Task[None] | None = None
        self._in_flight_chats: set[object] = set()
        self._in_flight: set[int] = set()
        self._round_robin = itertools.count()

    async def _api_setwebhook(self, params: dict[str, Any]) -> Any:
        url = str(params.get("url") or "")
        if not url:
            return await self._api_deletewebhook(params)
        parts = urlsplit(url)
        loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        secret = params.get("secret_token")
        if secret is not None and not _SECRET.fullmatch(str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        connections = int(params.get("max_connections") or 40)
        if not 1 <= connections <= 100:
            raise ApiError(400, "Bad Request: max_connections must be between 1 and 100")
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self.allowed_updates = frozenset(map(str, allowed)) or None
        if params.get("drop_pending_updates"):
            self.updates.clear()
        self.webhook = {"url": url, "secret_token": secret, "max_connections": connections}
        if self._deliverer is None:
            self._deliverer = asyncio.create_task(self._deliver_forever())
        self._notify()
        return True

    async def _api_deletewebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self.updates.clear()
        await self.stop_webhook_delivery()
        return True

    async def _api_getwebhookinfo(self, _params: dict[str, Any]) -> Any:
        hook = self.webhook or {}
        return {
            "url": hook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates),
            "max_connections": hook.get("max_connections", 40),
        }

    async def _api_getupdates(self, params: dict[str, Any]) -> Any:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        return await super()._api_getupdates(params)

    async def stop_webhook_delivery(self) -> None:
        """Stop the delivery loop (the emulator is closing, or the webhook was removed)."""
        task, self._deliverer = self._deliverer, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _deliver_forever(self) -> None:
        async with aiohttp.ClientSession() as http:
            running: set[asyncio.Task[None]] = set()
            try:
                while self.webhook is not None:
                    hook = self.webhook
                    for update in list(self.updates):
                        if len(running) >= hook["max_connections"]:
                            break
                        chat = _chat_of(update)
                        if update["update_id"] in self._in_flight or chat in self._in_flight_chats:
                            continue
                        self._in_flight.add(update["update_id"])
                        self._in_flight_chats.add(chat)
                        task = asyncio.create_task(self._deliver(http, hook, update, chat))
                        running.add(task)
                        task.add_done_callback(running.discard)
                    await self._next_change(1.0)
            finally:
                for task in running:
                    task.cancel()

    async def _deliver(
        self,
        http: aiohttp.ClientSession,
        hook: dict[str, Any],
        update: dict[str, Any],
        chat: object,
    ) -> None:
        url = hook["url"]
        if self.webhook_targets:
            url = self.webhook_targets[next(self._round_robin) % len(self.webhook_targets)]
        headers = {SECRET_HEADER: hook["secret_token"]} if hook["secret_token"] else {}
        status = 0
        try:
            async with http.post(url, json=update, headers=headers) as response:
                status = response.status
        except (aiohttp.ClientError, OSError):
            status = 0  # the bot's server isn't there (a replica died): deliver it again
        self.webhook_deliveries.append((update["update_id"], url, status))
        if 200 <= status < 300:
            if update["update_id"] in self.webhook_repeat:
                self.webhook_repeat.discard(update["update_id"])
            else:
                with contextlib.suppress(ValueError):
                    self.updates.remove(update)
        else:
            await asyncio.sleep(RETRY_DELAY)
        self._in_flight.discard(update["update_id"])
        self._in_flight_chats.discard(chat)
        self._notify()


def _chat_of(update: dict[str, Any]) -> object:
    """What orders deliveries: the chat of the update, else its sender, else nothing."""
    for value in update.values():
        if isinstance(value, dict):
            message = value.get("message") if "data" in value else value
            if isinstance(message, dict) and isinstance(message.get("chat"), dict):
                return ("chat", message["chat"].get("id"))
            if isinstance(value.get("from"), dict):
                return ("user", value["from"].get("id"))
    return ("update", update.get("update_id"))
