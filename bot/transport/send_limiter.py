"""Every Bot API call except getUpdates goes through here: rate limits and safe retries."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, TimedOut
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)

JSON = bool | dict[str, Any] | list[dict[str, Any]]


class SendLimiter(AIORateLimiter):
    """PTB's AIORateLimiter (overall and per-group limits, waits out 429 ``retry_after``) plus
    retries of failures that mean Telegram did *not* act: 5xx answers and broken connections.

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
