"""What the emulated Telegram holds: users, chats, their messages, and the bot's activity."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from bot.emulator.errors import ApiError

ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
    "span", "tg-spoiler", "blockquote", "tg-emoji",
}  # fmt: skip


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
    photo: list[dict[str, Any]] | None = None
    photo_bytes: bytes | None = None

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
    def urls(self) -> dict[str, str]:
        """URL buttons as label -> URL."""
        if not self.reply_markup:
            return {}
        return {
            b.get("text", ""): b["url"]
            for row in self.reply_markup.get("inline_keyboard", [])
            for b in row
            if "url" in b
        }

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
        if self.document is not None or self.photo is not None:
            if self.document is not None:
                data["document"] = self.document
            if self.photo is not None:
                data["photo"] = self.photo
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


@dataclass(frozen=True)
class ChatEvent:
    """Something the bot did in a chat, in order: sent, edited or deleted a message."""

    seq: int
    kind: str
    message: ChatMessage
    at: float = field(default_factory=time.monotonic)


class ChatState:
    """The emulator's memory: who exists, what was said where, and who waits for a change.

    The other parts of the emulator are mixins over this state: ``UpdateQueue`` (what the bot
    receives), ``Faults``, ``BotAPIMethods`` (what the bot calls) and ``Driver`` (the side that
    plays the users).
    """

    def __init__(self, token: str, username: str) -> None:
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
        self.events: list[ChatEvent] = []
        self.blocked: set[int] = set()
        self.admin_chats: set[int] = set()
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.callback_answers: list[dict[str, Any]] = []
        self.callback_users: dict[str, int] = {}
        self._pending_callbacks: set[str] = set()
        self._callback_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._first_message_id = 1
        self._waiters: set[asyncio.Future[None]] = set()
        # observers (the sandbox's terminal): called for every ChatEvent and callback answer
        self.event_listeners: list[Callable[[ChatEvent], None]] = []
        self.answer_listeners: list[Callable[[dict[str, Any]], None]] = []

    def continue_message_ids(self, *, after: int) -> None:
        """Number new messages of every chat from ``after + 1``: Telegram never gives a chat's
        message id twice, and a bot may have stored the ones it saw (posts in groups)."""
        self._first_message_id = max(self._first_message_id, after + 1)
        self._message_ids.clear()

    @property
    def first_message_id(self) -> int:
        """The id a chat's first message gets (``continue_message_ids`` moves it up)."""
        return self._first_message_id

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
        counter = self._message_ids.get(chat["id"])
        if counter is None:
            # after the newest message the chat holds (kept from an earlier run, see snapshot)
            held = [m.message_id for m in self.messages.get(chat["id"], [])]
            start = max([self._first_message_id, *(i + 1 for i in held)])
            counter = self._message_ids[chat["id"]] = itertools.count(start)
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

    # ---- waiting for changes -------------------------------------------------------------

    def _notify(self) -> None:
        waiters, self._waiters = self._waiters, set()
        for future in waiters:
            if not future.done():
                future.set_result(None)

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
