"""Several replicas on one PostgreSQL database share the inbox.

Whichever replica receives an update (the elected poller, or any replica behind the load
balancer in webhook mode) only stores it; every replica then claims stored updates to handle
(``bot.services.inbox.claim``: the oldest unhandled update of each chat only, ``FOR UPDATE
SKIP LOCKED``, for ``claim_ttl``). So one chat's updates run one at a time and in order,
whichever replicas take them, and different chats run in parallel across all replicas. A
replica that dies leaves claims that lapse; the others take them over, and the writes it had
committed are not repeated (``db.update_writes``). Replicas wake each other with PostgreSQL's
``NOTIFY`` when rows arrive or are handled, and also look every ``CLAIM_POLL`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from telegram import Bot, Update

from bot.clock import Clock, SystemClock
from bot.services import inbox as rows
from bot.transport.inbox import Inbox
from db.session import Database

log = logging.getLogger(__name__)

CHANNEL = "eventbot_inbox"
CLAIM_POLL = 0.25  # seconds between looks when no notification came
HANDLED_POLL = 0.05  # how often a webhook request checks whether another replica finished
STOP_STEP = 10.0  # seconds each step of stopping may take before it is given up


def replica_name() -> str:
    """A name for this process, unique among the replicas (host, pid, a random part)."""
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{secrets.token_hex(3)}"


class SharedInbox(Inbox):
    """The inbox of one replica among several (see the module docstring)."""

    shared = True

    def __init__(
        self, db: Database, clock: Clock, *, replica: str, capacity: int, claim_ttl: timedelta
    ) -> None:
        super().__init__(db, clock)
        self.replica = replica
        self.capacity = capacity  # updates held at once by this replica
        self.claim_ttl = claim_ttl
        self._claim_now = asyncio.Event()
        self._listener: Any = None
        self._watchers: set[asyncio.Task[None]] = set()
        # claims are about processes being alive: real time, never the bot's (shiftable) clock
        self.wall = SystemClock()
        self._renewed = self.wall.now()

    async def start(self, bot: Bot, queue: asyncio.Queue[object]) -> None:
        """Listen for other replicas, then claim and hand over updates until stopped."""
        if self.queue is not None:
            return
        self.bot, self.queue = bot, queue
        await self._listen()
        self._tasks.append(asyncio.create_task(self._flush_loop(), name="inbox:handled-marks"))
        self._tasks.append(asyncio.create_task(self._claim_loop(), name="inbox:claims"))

    async def stop(self) -> None:
        """Stop claiming and listening; write the last handled marks and give back the
        claims on what is left (another replica, or the next run, takes them at once)."""
        for watcher in list(self._watchers):
            watcher.cancel()
        await super().stop()
        try:
            async with asyncio.timeout(STOP_STEP):
                async with self.db.write_core() as conn:
                    await rows.release_claims(conn, holder=self.replica)
        except Exception:
            log.exception("could not give back this replica's claims; they lapse by themselves")
        if self._listener is not None:
            connection, raw = self._listener
            self._listener = None
            try:
                async with asyncio.timeout(STOP_STEP):
                    await raw.driver_connection.remove_listener(CHANNEL, self._notified)
                    await connection.close()
            except Exception:  # a stopping replica must stop: the server drops the session
                log.warning("could not close the LISTEN connection cleanly", exc_info=True)

    async def _listen(self) -> None:
        connection = await self.db.engine.connect()
        raw: Any = await connection.get_raw_connection()
        await raw.driver_connection.add_listener(CHANNEL, self._notified)
        self._listener = (connection, raw)

    def _notified(self, *_args: object) -> None:
        self._claim_now.set()

    async def accept(
        self, updates: Sequence[Update], raw: Sequence[dict[str, Any]] | None = None
    ) -> list[Update]:
        """Store ``updates``; the replicas claim them from the table (this one included)."""
        accepted = await super().accept(updates, raw)
        self._claim_now.set()
        return accepted

    async def _announce(self, session: object, fresh: set[int]) -> None:
        if fresh:
            await session.execute(text(f"NOTIFY {CHANNEL}"))  # type: ignore[attr-defined]

    async def _hand_over(self, updates: Sequence[Update]) -> None:
        """Nothing: stored updates are claimed, by any replica."""

    def _after_flush(self) -> None:
        self._claim_now.set()  # the chats of the updates just marked may have a next one

    async def receive(self, update: Update) -> asyncio.Future[None] | None:
        """Store one update from a webhook request; a future that is done once any replica
        has handled it (None: it was handled before)."""
        await self.accept([update])
        async with self.db.read() as session:
            if await rows.is_handled(session, update_id=update.update_id):
                return None
        waiter = self._waiter(update.update_id)
        watcher = asyncio.create_task(self._watch(update.update_id, waiter))
        self._watchers.add(watcher)
        watcher.add_done_callback(self._watchers.discard)
        return waiter

    async def _watch(self, update_id: int, waiter: asyncio.Future[None]) -> None:
        """Resolve ``waiter`` when another replica marks ``update_id`` handled."""
        while not waiter.done():
            await asyncio.sleep(HANDLED_POLL)
            if update_id in self._in_flight:
                continue  # handled here: handled() resolves it
            async with self.db.read() as session:
                if await rows.is_handled(session, update_id=update_id):
                    self._waiters.pop(update_id, None)
                    if not waiter.done():
                        waiter.set_result(None)

    async def _claim_loop(self) -> None:
        assert self.bot is not None and self.queue is not None
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._claim_now.wait(), CLAIM_POLL)
            self._claim_now.clear()
            room = self.capacity - len(self._in_flight)
            now = self.wall.now()
            renew = self._in_flight and now - self._renewed > self.claim_ttl / 3
            if room <= 0 and not renew:
                continue
            try:
                async with self.db.write() as session:
                    if renew:
                        await rows.renew_claims(
                            session, holder=self.replica, now=now, ttl=self.claim_ttl
                        )
                        self._renewed = now
                    claimed = []
                    if room > 0:
                        claimed = await rows.claim(
                            session,
                            holder=self.replica,
                            now=now,
                            ttl=self.claim_ttl,
                            limit=room,
                        )
            except Exception:
                log.exception("could not claim updates; trying again")
                await asyncio.sleep(1)
                continue
            for pending in claimed:
                if pending.update_id in self._unflushed:
                    continue  # finished here a moment ago; its mark is on its way
                update = self.parse_stored(pending.update_id, pending.payload, self.bot)
                if update is not None:
                    self._in_flight[pending.update_id] = pending.applied_writes
                    await self.queue.put(update)
            if len(claimed) == room:
                self._claim_now.set()  # there may be more
