"""bcrypt hashing, always off the event loop (where it runs is injected by the caller)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import bcrypt

from bot.services.errors import InvalidInput, Problem

# Runs ``function(*args)`` away from the event loop and returns its result; the application
# passes one that also gives the update's worker slot back (bot.transport.offload).
Offload = Callable[..., Awaitable[Any]]
MIN_PASSWORD_CHARS = 8  # NIST SP 800-63B: at least 8 characters, spaces and any symbol allowed
MAX_PASSWORD_BYTES = 72  # bcrypt's own limit (bcrypt 5 raises beyond it): ~72 plain letters


def password_problem(password: str) -> InvalidInput | None:
    """What is wrong with ``password`` (a code and its limit), or None when it is acceptable.

    The minimum counts characters as people do (two emoji are two characters, not eight);
    the maximum is bcrypt's, in bytes of UTF-8, and the wording says so.
    """
    if len(password) < MIN_PASSWORD_CHARS:
        return InvalidInput(Problem.PASSWORD_TOO_SHORT, limit=MIN_PASSWORD_CHARS)
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        return InvalidInput(Problem.PASSWORD_TOO_LONG, limit=MAX_PASSWORD_BYTES)
    return None


class PasswordHasher:
    """bcrypt at one cost, run through ``offload``; owns the dummy hash for unknown emails."""

    def __init__(self, *, rounds: int, offload: Offload = asyncio.to_thread) -> None:
        self.rounds = rounds
        self._offload = offload
        self._dummy_hash: bytes | None = None

    async def hash(self, password: str) -> bytes:
        """Hash ``password`` with bcrypt (a fresh salt each time)."""
        hashed: bytes = await self._offload(
            bcrypt.hashpw, password.encode("utf-8"), bcrypt.gensalt(self.rounds)
        )
        return hashed

    async def verify(self, password: str, password_hash: bytes | None) -> bool:
        """Check ``password``; never raises. ``None`` (unknown email) costs the same and fails:
        it is checked against a dummy hash of the same cost, made on first use."""
        if password_hash is None:
            if self._dummy_hash is None:
                self._dummy_hash = await self.hash("dummy-password")
            await self._check(password, self._dummy_hash)
            return False
        return await self._check(password, password_hash)

    async def _check(self, password: str, password_hash: bytes) -> bool:
        encoded = password.encode("utf-8")
        too_long = len(encoded) > MAX_PASSWORD_BYTES
        if too_long:
            encoded = encoded[:MAX_PASSWORD_BYTES]  # spend the same time, then refuse
        try:
            matches: bool = await self._offload(bcrypt.checkpw, encoded, password_hash)
        except ValueError:
            return False
        return matches and not too_long

    async def warm_up(self) -> None:
        """Make the dummy hash now (at start-up) rather than during someone's first login."""
        await self.verify("", None)
