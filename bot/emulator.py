"""A local Telegram Bot API server for tests and the sandbox.

It speaks the real HTTP protocol (``{root}/bot<token>/<method>``) to the real PTB request stack,
keeps chats in memory, and lets the other side play users: send texts, press buttons, read what
the bot sent. It behaves like Telegram where it matters: HTML is parsed and checked, texts are
limited to 4096 characters and callback data to 64 bytes, editing without ``reply_markup``
removes the keyboard, editing to the same content is a 400 "message is not modified", unknown
methods are 404, blocked users give 403, and faults (status, ``retry_after``, delay) can be
injected for the next N calls of a method.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from aiohttp import web

MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
MAX_CALLBACK_ANSWER = 200
ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
    "span", "tg-spoiler", "blockquote", "tg-emoji",
}  # fmt: skip
# parameters that PTB sends JSON-encoded; every other value is a plain string
JSON_PARAMS = {
    "chat_id", "message_id", "reply_markup", "show_alert", "commands", "scope", "offset",
    "limit", "timeout", "allowed_updates", "cache_time", "link_preview_options",
    "disable_notification", "protect_content", "reply_parameters", "entities",
    "drop_pending_updates", "menu_button",
}  # fmt: skip


class ApiError(Exception):
    """An error answer of the Bot API."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


class _HTMLText(HTMLParser):
    """Turn Telegram-HTML into plain text, refusing what Telegram would refuse."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise ApiError(
                400, f'Bad Request: can\'t parse entities: Unsupported start tag "{tag}"'
            )
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise ApiError(400, f'Bad Request: can\'t parse entities: Unmatched end tag "{tag}"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(html: str) -> str:
    """The text a user sees for ``html`` (parse_mode HTML), or ApiError when malformed."""
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    if parser.stack:
        raise ApiError(
            400, f"Bad Request: can't parse entities: Can't find end tag \"{parser.stack[-1]}\""
        )
    return "".join(parser.parts)


@dataclass
class ChatMessage:
    """One message in a chat, as it looks now."""

    message_id: int
    chat: dict[str, Any]
    sender: dict[str, Any]
    from_bot: bool
    text: str
    html: str | None = None
    reply_markup: dict[str, Any] | None = None
    date: int = field(default_factory=lambda: int(time.time()))
    edits: int = 0
    deleted: bool = False
    document: dict[str, Any] | None = None
    document_bytes: bytes | None = None

    @property
    def chat_id(self) -> int:
        """The chat this message is in."""
        return int(self.chat["id"])

    @property
    def buttons(self) -> list[list[tuple[str, str]]]:
        """Inline keyboard as rows of (label, callback data)."""
        if not self.reply_markup:
            return []
        return [
            [(b.get("text", ""), b.get("callback_data", "")) for b in row]
            for row in self.reply_markup.get("inline_keyboard", [])
        ]

    @property
    def labels(self) -> list[str]:
        """Every button label, row by row."""
        return [label for row in self.buttons for label, _ in row]

    def to_api(self) -> dict[str, Any]:
        """The Bot API Message object."""
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "from": self.sender,
            "chat": self.chat,
            "date": self.date,
        }
        if self.document is not None:
            data["document"] = self.document
            if self.text:
                data["caption"] = self.text
        else:
            data["text"] = self.text
        if self.text.startswith("/") and not self.from_bot:
            command = self.text.split()[0]
            data["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if self.reply_markup:
            data["reply_markup"] = self.reply_markup
        if self.edits:
            data["edit_date"] = int(time.time())
        return data


@dataclass
class Fault:
    """What the next calls of a method get instead of (or before) a normal answer."""

    status: int | None
    retry_after: int | None
    delay: float
    description: str | None
    remaining: int


@dataclass(frozen=True)
class ChatEvent:
    """Something the bot did in a chat, in order: sent, edited or deleted a message."""

    seq: int
    kind: str
    message: ChatMessage
    at: float = field(default_factory=time.monotonic)


class BotAPIEmulator:
    """An in-memory Telegram for one bot, served over HTTP on loopback."""

    def __init__(self, token: str = "123456789:TEST-token", *, username: str = "EventBot_test_bot"):
        self.token = token
        self.bot_user = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": "EventBot",
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.users: dict[int, dict[str, Any]] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.messages: dict[int, list[ChatMessage]] = {}
        self.updates: deque[dict[str, Any]] = deque()
        self.callback_answers: list[dict[str, Any]] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.calls: Counter[str] = Counter()
        self.call_log: list[tuple[str, dict[str, Any]]] = []
        self.events: list[ChatEvent] = []
        self.blocked: set[int] = set()
        # Telegram's flood control, if set: more messages than this in one second answer 429
        self.flood_limit: float | None = None
        self.flood_hits = 0
        self._recent_sends: deque[float] = deque()
        self.admin_chats: set[int] = set()
        self.faults: dict[str, deque[Fault]] = {}
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._pending_callbacks: set[str] = set()
        self.callback_users: dict[str, int] = {}
        self._waiters: set[asyncio.Future[None]] = set()
        self.long_polls = True
        # observers (the sandbox's terminal): called for every ChatEvent and callback answer
        self.event_listeners: list[Callable[[ChatEvent], None]] = []
        self.answer_listeners: list[Callable[[dict[str, Any]], None]] = []
        self._runner: web.AppRunner | None = None
        self.url = ""

    # ---- server --------------------------------------------------------------------------

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
        """Stop serving."""
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

    async def _apply_fault(self, method: str) -> None:
        queue = self.faults.get(method)
        if not queue:
            return
        fault = queue[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            queue.popleft()
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.status is not None:
            description = fault.description or {
                429: f"Too Many Requests: retry after {fault.retry_after or 1}",
                500: "Internal Server Error",
                502: "Bad Gateway",
            }.get(fault.status, "Error")
            raise ApiError(fault.status, description, fault.retry_after)

    # ---- test side: people ---------------------------------------------------------------

    def add_user(
        self, user_id: int, first_name: str, username: str | None = None
    ) -> dict[str, Any]:
        """Create (or return) a Telegram user with a private chat to the bot."""
        if user_id not in self.users:
            user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
            if username:
                user["username"] = username
            self.users[user_id] = user
            self.chats[user_id] = {"id": user_id, "type": "private", "first_name": first_name}
        return self.users[user_id]

    def add_group(self, chat_id: int, title: str, *, bot_is_admin: bool = False) -> dict[str, Any]:
        """Create a group chat the bot is a member of (an admin may delete others' messages)."""
        self.chats.setdefault(chat_id, {"id": chat_id, "type": "group", "title": title})
        if bot_is_admin:
            self.admin_chats.add(chat_id)
        return self.chats[chat_id]

    def send_text(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        reply_to: ChatMessage | None = None,
    ) -> ChatMessage:
        """``user_id`` types ``text`` into a chat (their private chat by default)."""
        chat = self.chats[user_id if chat_id is None else chat_id]
        message = self._store(chat, self.users[user_id], text=text, from_bot=False)
        payload = message.to_api()
        if reply_to is not None:
            payload["reply_to_message"] = reply_to.to_api()
        self._push_update({"message": payload})
        return message

    def press(self, user_id: int, message: ChatMessage, data: str) -> str:
        """``user_id`` presses the button carrying ``data`` (anything: clients can forge it)."""
        query_id = str(next(self._callback_ids))
        self.callback_users[query_id] = user_id
        self._pending_callbacks.add(query_id)
        self._push_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self.users[user_id],
                    "message": message.to_api(),
                    "chat_instance": f"ci{message.chat_id}",
                    "data": data,
                }
            }
        )
        return query_id

    def set_long_polls(self, enabled: bool) -> None:
        """With False, getUpdates answers at once (lets a bot shut down without waiting)."""
        self.long_polls = enabled
        self._notify()

    def post_as_bot(
        self, chat_id: int, text: str, reply_markup: dict[str, Any] | None = None
    ) -> ChatMessage:
        """Put a bot message into a chat without an API call (a message sent long ago)."""
        return self._store(
            self.chats[chat_id], self.bot_user, text=text, from_bot=True, reply_markup=reply_markup
        )

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sending to them answers 403."""
        self.blocked.add(user_id)

    def inject_fault(
        self,
        method: str,
        *,
        status: int | None = 500,
        retry_after: int | None = None,
        delay: float = 0.0,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail with ``status`` (None: only delay)."""
        self.faults.setdefault(method.lower(), deque()).append(
            Fault(status, retry_after, delay, description, times)
        )

    def chat(self, chat_id: int) -> list[ChatMessage]:
        """Every message of a chat that is not deleted, oldest first."""
        return [m for m in self.messages.get(chat_id, []) if not m.deleted]

    def bot_messages(self, chat_id: int) -> list[ChatMessage]:
        """What the bot has sent to a chat and not deleted."""
        return [m for m in self.chat(chat_id) if m.from_bot]

    def find_message(self, chat_id: int, message_id: int) -> ChatMessage | None:
        """A message by id, deleted or not."""
        for message in self.messages.get(chat_id, []):
            if message.message_id == message_id:
                return message
        return None

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until ``predicate()`` holds after some change, or raise TimeoutError."""
        deadline = time.monotonic() + timeout
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("condition not met in time")
            await self._next_change(min(remaining, 0.5))

    async def _next_change(self, timeout: float) -> None:
        """Sleep until the next change (or ``timeout``). The future is registered before the
        first await, so a change between the caller's check and this wait is never missed."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.add(future)
        try:
            await asyncio.wait_for(future, timeout)
        except TimeoutError:
            pass
        finally:
            self._waiters.discard(future)

    # ---- internals -----------------------------------------------------------------------

    def _notify(self) -> None:
        waiters, self._waiters = self._waiters, set()
        for future in waiters:
            if not future.done():
                future.set_result(None)

    def _push_update(self, payload: dict[str, Any]) -> None:
        self.updates.append({"update_id": next(self._update_ids), **payload})
        self._notify()

    def _store(
        self,
        chat: dict[str, Any],
        sender: dict[str, Any],
        *,
        text: str,
        from_bot: bool,
        html: str | None = None,
        reply_markup: dict[str, Any] | None = None,
    ) -> ChatMessage:
        counter = self._message_ids.setdefault(chat["id"], itertools.count(1))
        message = ChatMessage(
            message_id=next(counter),
            chat=chat,
            sender=sender,
            from_bot=from_bot,
            text=text,
            html=html,
            reply_markup=reply_markup,
        )
        self.messages.setdefault(chat["id"], []).append(message)
        return message

    def _record(self, kind: str, message: ChatMessage) -> None:
        event = ChatEvent(len(self.events) + 1, kind, message)
        self.events.append(event)
        self._notify()
        for listener in self.event_listeners:
            listener(event)

    def _target_chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int) or chat_id not in self.chats:
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return self.chats[chat_id]

    def _target_message(self, params: dict[str, Any]) -> ChatMessage:
        chat = self._target_chat(params)
        message = self.find_message(chat["id"], int(params.get("message_id") or 0))
        if message is None or message.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    @staticmethod
    def _render(params: dict[str, Any], key: str = "text") -> tuple[str, str | None]:
        raw = str(params.get(key, ""))
        if str(params.get("parse_mode", "")).upper() == "HTML":
            return html_to_text(raw), raw
        return raw, None

    @staticmethod
    def _check_markup(markup: Any) -> dict[str, Any] | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup

    @staticmethod
    def _check_text(text: str) -> None:
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > MAX_TEXT:  # Telegram counts UTF-16 code units
            raise ApiError(400, "Bad Request: message is too long")

    # ---- Bot API methods -----------------------------------------------------------------

    async def _api_getme(self, _params: dict[str, Any]) -> Any:
        return self.bot_user

    async def _api_deletewebhook(self, _params: dict[str, Any]) -> Any:
        return True

    async def _api_close(self, _params: dict[str, Any]) -> Any:
        return True

    async def _api_logout(self, _params: dict[str, Any]) -> Any:
        return True

    async def _api_getupdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        while self.updates and self.updates[0]["update_id"] < offset:
            self.updates.popleft()
        deadline = time.monotonic() + timeout
        while self.long_polls and not self.updates and time.monotonic() < deadline:
            await self._next_change(deadline - time.monotonic())
            while self.updates and self.updates[0]["update_id"] < offset:
                self.updates.popleft()
        return list(itertools.islice(self.updates, limit))

    def _check_flood(self) -> None:
        if self.flood_limit is None:
            return
        now = time.monotonic()
        while self._recent_sends and now - self._recent_sends[0] >= 1.0:
            self._recent_sends.popleft()
        if len(self._recent_sends) >= self.flood_limit:
            self.flood_hits += 1
            raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        self._recent_sends.append(now)

    async def _api_sendmessage(self, params: dict[str, Any]) -> Any:
        self._check_flood()
        chat = self._target_chat(params)
        text, html = self._render(params)
        self._check_text(text)
        markup = self._check_markup(params.get("reply_markup"))
        message = self._store(
            chat, self.bot_user, text=text, from_bot=True, html=html, reply_markup=markup
        )
        self._record("sent", message)
        return message.to_api()

    async def _api_editmessagetext(self, params: dict[str, Any]) -> Any:
        message = self._target_message(params)
        text, html = self._render(params)
        self._check_text(text)
        markup = self._check_markup(params.get("reply_markup"))
        if text == message.text and html == message.html and markup == message.reply_markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        message.text, message.html, message.reply_markup = text, html, markup
        message.edits += 1
        self._record("edited", message)
        return message.to_api()

    async def _api_editmessagereplymarkup(self, params: dict[str, Any]) -> Any:
        message = self._target_message(params)
        markup = self._check_markup(params.get("reply_markup"))
        if markup == message.reply_markup:
            raise ApiError(400, "Bad Request: message is not modified")
        message.reply_markup = markup
        message.edits += 1
        self._record("edited", message)
        return message.to_api()

    async def _api_deletemessage(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        message = self.find_message(chat["id"], int(params.get("message_id") or 0))
        if message is None or message.deleted:
            raise ApiError(400, "Bad Request: message to delete not found")
        if (
            not message.from_bot
            and chat["type"] != "private"
            and chat["id"] not in self.admin_chats
        ):
            raise ApiError(400, "Bad Request: message can't be deleted")
        message.deleted = True
        self._record("deleted", message)
        return True

    async def _api_answercallbackquery(self, params: dict[str, Any]) -> Any:
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self._pending_callbacks:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        text = params.get("text")
        if text is not None and len(str(text)) > MAX_CALLBACK_ANSWER:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self._pending_callbacks.discard(query_id)
        answer = {
            "id": query_id,
            "user_id": self.callback_users.get(query_id),
            "text": text,
            "show_alert": bool(params.get("show_alert")),
            "at": time.monotonic(),
        }
        self.callback_answers.append(answer)
        self._notify()
        for listener in self.answer_listeners:
            listener(answer)
        return True

    async def _api_senddocument(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        upload = params.get("document")
        if not isinstance(upload, tuple):
            raise ApiError(400, "Bad Request: there is no document in the request")
        filename, content = upload
        caption, html = self._render(params, "caption")
        markup = self._check_markup(params.get("reply_markup"))
        message = self._store(
            chat, self.bot_user, text=caption, from_bot=True, html=html, reply_markup=markup
        )
        message.document = {
            "file_id": f"doc{chat['id']}_{message.message_id}",
            "file_unique_id": f"u{chat['id']}_{message.message_id}",
            "file_name": filename,
            "file_size": len(content),
        }
        message.document_bytes = content
        self._record("sent", message)
        return message.to_api()

    async def _api_sendchataction(self, params: dict[str, Any]) -> Any:
        self._target_chat(params)
        return True

    async def _api_setmycommands(self, params: dict[str, Any]) -> Any:
        self.commands[json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True)] = (
            list(params.get("commands") or [])
        )
        return True

    async def _api_deletemycommands(self, params: dict[str, Any]) -> Any:
        self.commands.pop(
            json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True), None
        )
        return True

    async def _api_getmycommands(self, params: dict[str, Any]) -> Any:
        key = json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True)
        return self.commands.get(key, [])

    def commands_for(self, scope: dict[str, Any]) -> list[str]:
        """Command names set for ``scope`` (e.g. ``{"type": "chat", "chat_id": 5}``)."""
        key = json.dumps(scope, sort_keys=True)
        return [c["command"] for c in self.commands.get(key, [])]


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
