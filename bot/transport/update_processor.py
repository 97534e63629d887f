"""Process different chats concurrently while each chat's updates stay strictly in order."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.transport.inbox import Inbox
from bot.transport.worker_slot import WorkerSlot, current_slot
from db.update_writes import current_update

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


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Run up to ``workers`` updates at once, never two of the same chat.

    PTB creates one task per update in arrival order. Each task's first await is the per-chat
    lock, and asyncio locks wake waiters first-in first-out, so a chat's updates run in the order
    Telegram sent them. A slow update (a bcrypt login) only delays its own chat: while it waits
    for the bcrypt threads it steps out of its worker slot
    (``bot.transport.worker_slot.off_worker``).
    """

    def __init__(self, workers: int, *, inbox: Inbox | None = None) -> None:
        super().__init__(max_concurrent_updates=_QUEUED_UPDATES)
        self.workers = workers
        self.inbox = inbox
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
                slot = WorkerSlot(self._slots)
                token = current_slot.set(slot)
                writes = self.inbox.begin(update) if self.inbox is not None else None
                update_token = current_update.set(writes)
                try:
                    await coroutine
                finally:
                    current_update.reset(update_token)
                    current_slot.reset(token)
                    if slot.held:
                        self._slots.release()
                if writes is not None and self.inbox is not None:
                    self.inbox.handled(writes.update_id)
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
