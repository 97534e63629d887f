"""What the bot receives: the update queue, ``allowed_updates`` and long-polling getUpdates."""

from __future__ import annotations

import itertools
import time
from collections import deque
from typing import Any

from bot.emulator.chats import ChatState

# every update type of the Bot API (the one field of an Update besides update_id)
UPDATE_TYPES = frozenset(
    {
        "message", "edited_message", "channel_post", "edited_channel_post",
        "business_connection", "business_message", "edited_business_message",
        "deleted_business_messages", "message_reaction", "message_reaction_count",
        "inline_query", "chosen_inline_result", "callback_query", "shipping_query",
        "pre_checkout_query", "purchased_paid_media", "poll", "poll_answer", "my_chat_member",
        "chat_member", "chat_join_request", "chat_boost", "removed_chat_boost",
    }
)  # fmt: skip
# what a bot gets until it passes allowed_updates (and when it passes an empty list)
DEFAULT_UPDATE_TYPES = UPDATE_TYPES - {"chat_member", "message_reaction", "message_reaction_count"}


class UpdateQueue(ChatState):
    """Updates wait here until the bot confirms them with a higher getUpdates offset.

    Like Telegram, the emulator remembers the ``allowed_updates`` of the last getUpdates call
    that passed it and drops updates of other types when they happen; updates already queued
    when the setting changes stay queued (Telegram: "unwanted updates may be received for a
    short period of time").
    """

    def __init__(self, token: str, username: str) -> None:
        super().__init__(token, username)
        self.updates: deque[dict[str, Any]] = deque()
        # the update types the bot asked for (None: never asked, the default set applies)
        self.allowed_updates: frozenset[str] | None = None
        # updates of other types: Telegram never creates them, tests may look
        self.dropped_updates: list[dict[str, Any]] = []
        self.long_polls = True
        self._update_ids = itertools.count(1)
        self._last_update_id = 0

    def delivers(self, update_type: str) -> bool:
        """Whether an update of ``update_type`` created now would reach the bot."""
        return update_type in (self.allowed_updates or DEFAULT_UPDATE_TYPES)

    def set_long_polls(self, enabled: bool) -> None:
        """With False, getUpdates answers at once (lets a bot shut down without waiting)."""
        self.long_polls = enabled
        self._notify()

    def continue_update_ids(self, *, after: int) -> None:
        """Number new updates from ``after + 1``: Telegram's update ids only grow, and a bot
        that remembers the ones it got (the inbox) would take a repeat for a redelivery."""
        self._last_update_id = max(after, self._last_update_id)
        self._update_ids = itertools.count(self._last_update_id + 1)

    def next_update_id(self) -> int:
        """The id the next update will get (to pick it out in tests)."""
        return self._last_update_id + 1

    def last_update_id(self) -> int:
        """The id of the newest update."""
        return self._last_update_id

    def _push_update(self, payload: dict[str, Any]) -> bool:
        """Queue an update (``{type: object}``); False when the bot doesn't receive its type."""
        if not all(self.delivers(key) for key in payload):
            self.dropped_updates.append(payload)
            return False
        self._last_update_id = next(self._update_ids)
        self.updates.append({"update_id": self._last_update_id, **payload})
        self._notify()
        return True

    def _confirm(self, offset: int) -> None:
        while self.updates and self.updates[0]["update_id"] < offset:
            self.updates.popleft()

    async def _api_getupdates(self, params: dict[str, Any]) -> Any:
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self.allowed_updates = frozenset(map(str, allowed)) & UPDATE_TYPES or None
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        self._confirm(offset)
        deadline = time.monotonic() + timeout
        while self.long_polls and not self.updates and time.monotonic() < deadline:
            await self._next_change(deadline - time.monotonic())
            self._confirm(offset)
        return list(itertools.islice(self.updates, limit))
