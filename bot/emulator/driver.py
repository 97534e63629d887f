"""The other side of the chat: tests and the sandbox create people, type, press and wait."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from bot.emulator.chats import ChatMessage
from bot.emulator.updates import UpdateQueue


class Driver(UpdateQueue):
    """Test-side calls: people and groups, what they type and press, waiting for the bot.

    Reading chats (``chat``, ``bot_messages``, ``find_message``, ``events``, listeners) is on
    ``ChatState``; ``inject_fault`` and ``flood_limit`` on ``Faults``.
    """

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

    def edit_text(self, user_id: int, message: ChatMessage, text: str) -> ChatMessage:
        """``user_id`` edits their own earlier ``message`` to ``text``: an ``edited_message``
        update, which reaches the bot only if its ``allowed_updates`` include it."""
        if message.from_bot or message.sender.get("id") != user_id or message.deleted:
            raise ValueError("a user can only edit their own messages that still exist")
        message.text = text
        message.edits += 1
        self._push_update({"edited_message": message.to_api()})
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

    def commands_for(self, scope: dict[str, Any]) -> list[str]:
        """Command names set for ``scope`` (e.g. ``{"type": "chat", "chat_id": 5}``)."""
        key = json.dumps(scope, sort_keys=True)
        return [c["command"] for c in self.commands.get(key, [])]

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until ``predicate()`` holds after some change, or raise TimeoutError."""
        deadline = time.monotonic() + timeout
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("condition not met in time")
            await self._next_change(min(remaining, 0.5))
