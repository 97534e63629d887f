"""The HTTP side: ``{root}/bot<token>/<method>`` routed to the Bot API methods."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from aiohttp import web

from bot.emulator.driver import Driver
from bot.emulator.errors import ApiError
from bot.emulator.groups import Groups
from bot.emulator.inline import InlineMode
from bot.emulator.webhooks import Webhooks

DEFAULT_TOKEN = "123456789:TEST-token"
# parameters that PTB sends JSON-encoded; every other value is a plain string
JSON_PARAMS = {
    "chat_id", "message_id", "reply_markup", "show_alert", "commands", "scope", "offset",
    "limit", "timeout", "allowed_updates", "cache_time", "link_preview_options",
    "disable_notification", "protect_content", "reply_parameters", "entities",
    "drop_pending_updates", "menu_button", "max_connections", "results", "is_personal",
}  # fmt: skip


class BotAPIEmulator(Driver, Webhooks, Groups, InlineMode):
    """An in-memory Telegram for one bot, served over HTTP on loopback."""

    def __init__(self, token: str = DEFAULT_TOKEN, *, username: str = "EventBot_test_bot"):
        super().__init__(token, username)
        self.calls: Counter[str] = Counter()
        self.call_log: list[tuple[str, dict[str, Any]]] = []
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on ``host:port`` (0: any free port); returns the root URL."""
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        assert server is not None
        bound = server.sockets[0].getsockname()  # type: ignore[attr-defined]
        self.url = f"http://{host}:{bound[1]}"
        return self.url

    async def close(self) -> None:
        """Stop serving (and delivering to a webhook)."""
        await self.stop_webhook_delivery()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return _error(ApiError(401, "Unauthorized"))
        params = await _read_params(request)
        self.calls[method] += 1
        self.call_log.append((method, params))
        try:
            await self._apply_fault(method.lower())
            handler = getattr(self, f"_api_{method.lower()}", None)
            if handler is None:
                raise ApiError(404, "Not Found")
            result = await handler(params)
        except ApiError as exc:
            return _error(exc)
        return web.json_response({"ok": True, "result": result})


async def _read_params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if request.content_type == "application/json":
        body = await request.json()
        return dict(body) if isinstance(body, dict) else {}
    form = await request.post()
    for key, value in form.items():
        if isinstance(value, web.FileField):
            params[key] = (value.filename, value.file.read())
        elif key in JSON_PARAMS:
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
        else:
            params[key] = value
    params.update({k: v for k, v in request.query.items() if k not in params})
    return params


def _error(exc: ApiError) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": exc.code, "description": exc.description}
    if exc.retry_after is not None:
        body["parameters"] = {"retry_after": exc.retry_after}
    return web.json_response(body, status=exc.code)
