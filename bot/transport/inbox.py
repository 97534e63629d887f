"""Updates are stored before Telegram is told they arrived, and marked once handled.

PTB's own updater confirms a ``getUpdates`` offset as soon as the updates are queued in
memory, so a crash loses whatever was queued. Here every update goes into the ``inbox`` table
(``bot.services.inbox``) first, in one transaction per batch, before Telegram learns it
arrived (the next ``getUpdates`` offset, or a webhook request's 2xx); repeats of a known
update id are dropped at the door; what a previous run did not finish is handed to the
handlers again, in order, before anything new. ``Inbox.begin`` gives the update processor an
update's write bookkeeping (``db.update_writes``), so a replayed update never applies a
committed change twice.

One process (SQLite) hands stored updates straight to its handlers. With PostgreSQL any
number of replicas share the table: ``bot.transport.shared_inbox``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

from telegram import Bot, Update

from bot.clock import Clock
from bot.services import inbox as rows
from db.session import Database
from db.update_writes import UpdateWrites

log = logging.getLogger(__name__)

# seconds between batches of handled marks: one process replays at most this much of
# read-only work after a crash; replicas wait for a chat's mark before claiming its next
FLUSH_DELAY = 0.1
SHARED_FLUSH_DELAY = 0.02
PRUNE_EVERY = 600.0
STOP_STEP = 10.0  # seconds each step of stopping may take before it is given up


def order_key(update: Update) -> int | None:
    """What orders an update: its chat, else its sender (inline queries have no chat)."""
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None


class Inbox:
    """The process's side of the ``inbox`` table: store, hand over, mark handled."""

    shared = False

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self.bot: Bot | None = None
        self.queue: asyncio.Queue[object] | None = None
        self._in_flight: dict[int, int] = {}  # update id -> write transactions already applied
        self._waiters: dict[int, asyncio.Future[None]] = {}  # webhook requests waiting
        self._unflushed: set[int] = set()  # handled here, mark not yet committed
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._last_prune = 0.0

    async def start(self, bot: Bot, queue: asyncio.Queue[object]) -> None:
        """Hand over what a previous run left unhandled, then start writing handled marks."""
        if self.queue is not None:
            return
        self.bot, self.queue = bot, queue
        for update in await self._unfinished(bot):
            await queue.put(update)
        self._tasks.append(asyncio.create_task(self._flush_loop(), name="inbox:handled-marks"))

    async def stop(self) -> None:
        """Write the last handled marks and stop."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                async with asyncio.timeout(STOP_STEP):
                    await task
        try:
            async with asyncio.timeout(STOP_STEP):
                await self._flush()
        except Exception:  # unmarked updates are handled again at the next start: no loss
            log.warning("could not write the last handled marks", exc_info=True)

    async def accept(
        self, updates: Sequence[Update], raw: Sequence[dict[str, Any]] | None = None
    ) -> list[Update]:
        """Store ``updates`` (with ``raw``, the JSON they were read from, when at hand) and
        hand the ones not delivered before to the handlers."""
        payloads = raw if raw is not None else [u.to_dict() for u in updates]
        arrivals = [
            rows.Arrival(u.update_id, order_key(u), payload)
            for u, payload in zip(updates, payloads, strict=True)
        ]
        async with self.db.write_core() as conn:
            fresh = await rows.store(conn, arrivals=arrivals, now=self.clock.now())
            await self._announce(conn, fresh)
        if len(fresh) < len(updates):
            log.info("dropped %d repeated update(s)", len(updates) - len(fresh))
        accepted = [u for u in updates if u.update_id in fresh]
        await self._hand_over(accepted)
        return accepted

    async def _announce(self, session: object, fresh: set[int]) -> None:
        """Tell other replicas about new rows (none here: one process)."""

    async def _hand_over(self, updates: Sequence[Update]) -> None:
        assert self.queue is not None, "start() first"
        for update in updates:
            self._in_flight[update.update_id] = 0
            await self.queue.put(update)

    async def receive(self, update: Update) -> asyncio.Future[None] | None:
        """Store one update from a webhook request and hand it over if it is new; what to wait
        for before answering the request (None: it was handled before)."""
        update_id = update.update_id
        if update_id in self._in_flight:  # a repeat while this process handles it
            return self._waiter(update_id)
        if update_id in self._unflushed:  # handled here a moment ago
            return None
        if await self.accept([update]):
            return self._waiter(update_id)
        async with self.db.read() as session:
            stored = await rows.pending(session, update_id=update_id)
        # while this waited, another delivery of the same update may have got ahead of it
        if update_id in self._in_flight:
            return self._waiter(update_id)
        if stored is None or update_id in self._unflushed:
            return None
        # stored, not handled and not being handled here: a run that stopped before finishing
        # it. Handle it now; writes that run committed are not repeated.
        assert self.queue is not None
        self._in_flight[update_id] = stored.applied_writes
        waiter = self._waiter(update_id)
        await self.queue.put(update)
        return waiter

    def _waiter(self, update_id: int) -> asyncio.Future[None]:
        waiter = self._waiters.get(update_id)
        if waiter is None:
            waiter = self._waiters[update_id] = asyncio.get_running_loop().create_future()
        return waiter

    async def _unfinished(self, bot: Bot) -> list[Update]:
        """The updates an earlier run stored but did not finish handling, oldest first."""
        found: list[Update] = []
        after = -1
        while True:
            async with self.db.read() as session:
                page = await rows.unhandled(session, after=after)
            if not page:
                break
            for pending in page:
                update = self.parse_stored(pending.update_id, pending.payload, bot)
                if update is not None:
                    self._in_flight[pending.update_id] = pending.applied_writes
                    found.append(update)
            after = page[-1].update_id
        if found:
            log.warning("handling %d update(s) a previous run had not finished", len(found))
        return found

    def parse_stored(self, update_id: int, payload: dict[str, Any], bot: Bot) -> Update | None:
        """A stored update as PTB's object; None, logged and marked handled, when PTB can't
        read it (one such update must not stop every later one)."""
        try:
            return Update.de_json(payload, bot)
        except Exception:
            log.exception("update %s can't be read; skipped", update_id)
            self._mark(update_id)
            return None

    def begin(self, update: object) -> UpdateWrites | None:
        """The write bookkeeping of ``update`` if it came through the inbox, else None."""
        if not isinstance(update, Update) or update.update_id not in self._in_flight:
            return None
        return UpdateWrites(update.update_id, applied_before=self._in_flight[update.update_id])

    def handled(self, update_id: int) -> None:
        """The handlers of ``update_id`` finished: mark it (in the next batch)."""
        if self._in_flight.pop(update_id, None) is not None:
            self._mark(update_id)
        waiter = self._waiters.pop(update_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _mark(self, update_id: int) -> None:
        """Write ``update_id``'s handled mark with the next batch."""
        self._unflushed.add(update_id)
        self._wake.set()

    async def _flush_loop(self) -> None:
        while True:
            await self._wake.wait()
            await asyncio.sleep(SHARED_FLUSH_DELAY if self.shared else FLUSH_DELAY)
            try:
                await self._flush()
            except Exception:  # the marks are kept and written with the next batch
                log.exception("could not mark updates handled; will retry")
                await asyncio.sleep(1)

    async def _flush(self) -> None:
        self._wake.clear()
        batch = sorted(self._unflushed)  # those marked meanwhile wait for the next batch
        now = self.clock.now()
        loop_time = asyncio.get_running_loop().time()
        prune = loop_time - self._last_prune > PRUNE_EVERY
        if not batch and not prune:
            return
        async with self.db.write_core() as conn:  # on failure the marks stay for a retry
            await rows.mark_handled(conn, update_ids=batch, now=now)
            if batch:
                await self._announce(conn, set(batch))
            if prune:
                await rows.prune(conn, now=now)
        self._unflushed.difference_update(batch)
        if prune:
            self._last_prune = loop_time
        self._after_flush()

    def _after_flush(self) -> None:
        """Handled marks were written (a shared inbox may now claim those chats' next)."""
