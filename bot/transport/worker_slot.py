"""The worker slot an update runs in, and stepping out of it while waiting elsewhere.

``bot.transport.update_processor`` gives each update a slot of a fixed number of workers. Code that
waits for something that uses no event-loop CPU (bcrypt in its own threads) steps out of
its slot with ``off_worker`` so other chats can run meanwhile. Nothing here imports
Telegram, so services may use it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class WorkerSlot:
    """The slot the current update runs in, and whether it holds it right now."""

    slots: asyncio.Semaphore
    held: bool = True


current_slot: ContextVar[WorkerSlot | None] = ContextVar("eventbot_worker_slot", default=None)


@asynccontextmanager
async def off_worker() -> AsyncIterator[None]:
    """Give the current update's worker slot to other chats while the block waits elsewhere.

    Twenty logins waiting for bcrypt would otherwise hold twenty workers and keep everyone
    else's /events waiting (benchmark P5). The chat's own lock is kept by the update
    processor, so its updates stay in order. Outside an update (a job, start-up, a test
    calling a service directly) it does nothing.
    """
    slot = current_slot.get()
    if slot is None or not slot.held:
        yield
        return
    slot.held = False
    slot.slots.release()
    try:
        yield
    finally:
        await slot.slots.acquire()  # if cancelled here the slot stays given back
        slot.held = True
