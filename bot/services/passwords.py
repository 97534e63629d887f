"""bcrypt hashing, always off the event loop."""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import bcrypt

from bot.worker_slot import off_worker

T = TypeVar("T")
MIN_PASSWORD_BYTES = 8
MAX_PASSWORD_BYTES = 72  # bcrypt's own limit; bcrypt 5 raises beyond it


def password_problem(password: str) -> str | None:
    """Say what is wrong with ``password``, or None when it is acceptable."""
    size = len(password.encode("utf-8"))
    if size < MIN_PASSWORD_BYTES:
        return f"at least {MIN_PASSWORD_BYTES} characters, please"
    if size > MAX_PASSWORD_BYTES:
        return f"at most {MAX_PASSWORD_BYTES} bytes (bcrypt's limit), please"
    return None


@functools.cache
def _bcrypt_pool() -> ThreadPoolExecutor:
    """Threads for bcrypt: one core fewer than the machine has, so the event loop keeps one.

    With asyncio's default pool (cpu + 4 threads) twenty simultaneous logins took every core
    and /events answers waited seconds (P5 benchmark); queued logins just wait their turn.
    """
    return ThreadPoolExecutor(
        max_workers=max(1, (os.cpu_count() or 2) - 1), thread_name_prefix="bcrypt"
    )


async def _in_pool(function: Callable[..., T], *args: Any) -> T:
    """Run ``function`` in the bcrypt pool; an update waiting for it gives its worker back."""
    async with off_worker():
        return await asyncio.get_running_loop().run_in_executor(_bcrypt_pool(), function, *args)


async def hash_password(password: str, *, rounds: int) -> bytes:
    """Hash ``password`` with bcrypt in a worker thread."""
    return await _in_pool(bcrypt.hashpw, password.encode("utf-8"), bcrypt.gensalt(rounds))


async def verify_password(password: str, password_hash: bytes) -> bool:
    """Check ``password`` against ``password_hash`` in a worker thread; never raises."""
    encoded = password.encode("utf-8")
    too_long = len(encoded) > MAX_PASSWORD_BYTES
    if too_long:
        encoded = encoded[:MAX_PASSWORD_BYTES]  # spend the same time, then refuse
    try:
        matches = await _in_pool(bcrypt.checkpw, encoded, password_hash)
    except ValueError:
        return False
    return matches and not too_long
