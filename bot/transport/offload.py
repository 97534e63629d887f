"""CPU-heavy calls (bcrypt) in their own threads, with the update's worker slot given back."""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from bot.transport.worker_slot import off_worker

T = TypeVar("T")


@functools.cache
def _pool() -> ThreadPoolExecutor:
    """Threads for bcrypt: one core fewer than the machine has, so the event loop keeps one.

    With asyncio's default pool (cpu + 4 threads) twenty simultaneous logins took every core
    and /events answers waited seconds (P5 benchmark); queued logins just wait their turn.
    """
    return ThreadPoolExecutor(
        max_workers=max(1, (os.cpu_count() or 2) - 1), thread_name_prefix="bcrypt"
    )


async def offload(function: Callable[..., T], *args: Any) -> T:
    """Run ``function(*args)`` in the pool; an update waiting for it gives its worker back."""
    async with off_worker():
        return await asyncio.get_running_loop().run_in_executor(_pool(), function, *args)
