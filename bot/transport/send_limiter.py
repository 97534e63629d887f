"""Every Bot API call except getUpdates goes through here: rate limits and safe retries."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, TimedOut
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)

JSON = bool | dict[str, Any] | list[dict[str, Any]]
PER_CHAT_INTERVAL = 1.0  # Telegram: no more than about one message a second to one chat


class ChatPacer:
    """At most one message per ``interval`` seconds to any one chat, for the messages the bot
    sends on its own (the outbox: reminders, notices, broadcasts).

    Replies to what a person just did are not paced (PTB's AIORateLimiter doesn't either):
    each answers one update, and making a reply wait a second would be felt. ``wait_turn``
    takes the chat's turn (senders to one chat queue up), ``sent`` starts the interval again
    from when the call came back, so requests reach Telegram at least ``interval`` apart
    however long the overall limiter held the previous one.
    """

    def __init__(self, interval: float = PER_CHAT_INTERVAL) -> None:
        self.interval = interval
        self._next_free: dict[int, float] = {}
        self._forget_after = 1024

    def _take(self, chat_id: int) -> float:
        """Take the chat's turn if it is free (0.0), else the seconds until it may be."""
        now = time.monotonic()
        wait = self._next_free.get(chat_id, now) - now
        if wait > 0:
            return wait
        self._next_free[chat_id] = now + self.interval
        if len(self._next_free) > self._forget_after:  # forget chats whose turn is long free
            self._next_free = {c: t for c, t in self._next_free.items() if t > now}
            self._forget_after = max(1024, 2 * len(self._next_free))
        return 0.0

    async def wait_turn(self, chat_id: int) -> None:
        """Sleep until ``chat_id`` may get its next message, and take that turn."""
        if self.interval <= 0:
            return
        while True:  # another sender may take the turn while this one sleeps: look again
            wait = self._take(chat_id)
            if wait <= 0:
                return
            await asyncio.sleep(wait)

    def sent(self, chat_id: int) -> None:
        """The call to ``chat_id`` came back: its next message waits a full interval more."""
        if self.interval > 0:
            self._next_free[chat_id] = time.monotonic() + self.interval


class SendLimiter(AIORateLimiter):
    """PTB's AIORateLimiter (overall and per-group limits, waits out 429 ``retry_after``) plus
    retries of failures that mean Telegram did *not* act: 5xx answers and broken connections;
    ``chats`` paces what the outbox sends to one chat (``ChatPacer``).

    Time-outs are not retried: Telegram may have acted already, and sending a message twice is
    worse than a reply that the user can ask for again. Client errors (400/403/401) are final.
    """

    def __init__(
        self,
        *,
        messages_per_second: float,
        max_retries: int = 3,
        server_retries: int = 3,
        backoff: float = 0.5,
    ) -> None:
        # A bucket of 1/20 s worth of messages: an almost even pace. PTB's default bucket holds a
        # whole second's worth and lets it out at once, which Telegram's sliding-window flood
        # control answers with 429s; a one-token bucket loses ~20% to timer latency (both seen
        # in the P3 benchmark).
        burst = max(1, int(messages_per_second // 20))
        super().__init__(
            overall_max_rate=burst if messages_per_second else 0,
            overall_time_period=burst / messages_per_second if messages_per_second else 1,
            max_retries=max_retries,
        )
        self.server_retries = server_retries
        self.backoff = backoff
        # the outbox's pace per chat (off with the overall limit, like everything here)
        self.chats = ChatPacer() if messages_per_second else ChatPacer(interval=0.0)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSON:
        """Rate-limit the call and retry it while the failure says it never reached Telegram."""
        attempt = 0
        while True:
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except (BadRequest, Forbidden, InvalidToken, TimedOut):
                raise
            except NetworkError as exc:
                if attempt >= self.server_retries:
                    raise
                attempt += 1
                delay = self.backoff * 2 ** (attempt - 1)
                log.warning("%s failed (%s); retry %d in %.1fs", endpoint, exc, attempt, delay)
                await asyncio.sleep(delay)
