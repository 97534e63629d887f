"""Process different chats concurrently while each chat's updates stay strictly in order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Updates waiting for their chat's turn hold a slot of PTB's own semaphore, so it is sized
# generously; the real concurrency limit is ``workers``, taken only once it is the chat's turn.
_QUEUED_UPDATES = 4096


def chat_key(update: object) -> object:
    """The key that orders updates: the chat, else the user, else nothing (runs alone)."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return ("chat", update.effective_chat.id)
        if update.effective_user is not None:
            return ("user", update.effective_user.id)
    return ("other", id(update))


@dataclass
class _Worker:
    """The worker slot the current update runs in, and whether it holds it right now."""

    slots: asyncio.Semaphore
    held: bool = True


_current_worker: ContextVar[_Worker | None] = ContextVar("eventbot_worker", default=None)


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Run up to ``workers`` updates at once, never two of the same chat.

    PTB creates one task per update in arrival order. Each task's first await is the per-chat
    lock, and asyncio locks wake waiters first-in first-out, so a chat's updates run in the order
    Telegram sent them. A slow update (a bcrypt login) only delays its own chat: while it waits
    for the bcrypt threads it steps out of its worker slot (``off_worker``).
    """

    def __init__(self, workers: int) -> None:
        super().__init__(max_concurrent_updates=_QUEUED_UPDATES)
        self.workers = workers
        self._slots = asyncio.Semaphore(workers)
        self._locks: dict[object, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Await ``coroutine`` once this chat's earlier updates are done and a worker is free."""
        key = chat_key(update)
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                await self._slots.acquire()
                worker = _Worker(self._slots)
                token = _current_worker.set(worker)
                try:
                    await coroutine
                finally:
                    _current_worker.reset(token)
                    if worker.held:
                        self._slots.release()
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


@asynccontextmanager
async def off_worker() -> AsyncIterator[None]:
    """Give the current update's worker slot to other chats while the block waits elsewhere.

    For waits that use no event-loop CPU, such as bcrypt in its own threads: twenty logins
    would otherwise hold twenty workers and keep everyone else's /events waiting (benchmark
    P5). The chat's own lock is kept, so its updates stay in order. Outside an update (a job,
    a test calling a handler directly) it does nothing.
    """
    worker = _current_worker.get()
    if worker is None or not worker.held:
        yield
        return
    worker.held = False
    worker.slots.release()
    try:
        yield
    finally:
        await worker.slots.acquire()  # if cancelled here the slot stays given back
        worker.held = True
