"""Injected faults (status, ``retry_after``, delay for the next N calls) and flood control."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass

from bot.emulator.chats import ChatState
from bot.emulator.errors import ApiError

DEFAULT_DESCRIPTIONS = {
    429: "Too Many Requests: retry after {retry_after}",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


@dataclass
class Fault:
    """What the next calls of a method get instead of (or before) a normal answer."""

    status: int | None
    retry_after: int | None
    delay: float
    description: str | None
    remaining: int


class Faults(ChatState):
    """Things going wrong on Telegram's side, on purpose."""

    def __init__(self, token: str, username: str) -> None:
        super().__init__(token, username)
        self.faults: dict[str, deque[Fault]] = {}
        # Telegram's flood control, if set: more messages than this in one second answer 429
        self.flood_limit: float | None = None
        self.flood_hits = 0
        self._recent_sends: deque[float] = deque()

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

    async def _apply_fault(self, method: str) -> None:
        """Delay or fail this call of ``method`` (lower case) if a fault is queued for it."""
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
            description = fault.description or DEFAULT_DESCRIPTIONS.get(
                fault.status, "Error"
            ).format(retry_after=fault.retry_after or 1)
            raise ApiError(fault.status, description, fault.retry_after)

    def _check_flood(self) -> None:
        """Count one message sent; 429 when the last second already had ``flood_limit``."""
        if self.flood_limit is None:
            return
        now = time.monotonic()
        while self._recent_sends and now - self._recent_sends[0] >= 1.0:
            self._recent_sends.popleft()
        if len(self._recent_sends) >= self.flood_limit:
            self.flood_hits += 1
            raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        self._recent_sends.append(now)
