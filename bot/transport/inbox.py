"""Updates are stored before Telegram is told they arrived, and marked once handled.

PTB's own updater confirms a ``getUpdates`` offset as soon as the updates are queued in
memory, so a crash loses whatever was queued. ``InboxUpdater`` replaces its polling: each
batch is written to the ``inbox`` table (``bot.services.inbox``) in one transaction before
the next ``getUpdates`` confirms it, repeats of known update ids are dropped, and at start-up
the updates a previous run did not finish are handed to the handlers again, in order, before
anything new. ``Inbox.begin`` gives the update processor the update's write bookkeeping
(``db.update_writes``), so a replayed update never applies a committed change twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from typing import Any

from telegram import Bot, Update
from telegram.error import InvalidToken, RetryAfter, TelegramError, TimedOut
from telegram.ext import Updater

from bot.clock import Clock
from bot.services import inbox as rows
from db.session import Database
from db.update_writes import UpdateWrites

log = logging.getLogger(__name__)

FLUSH_DELAY = 0.02  # seconds: handled marks are written in batches, this far apart at most
FIRST_BACKOFF = 0.5
MAX_BACKOFF = 30.0
PRUNE_EVERY = 600.0


def _chat_id(update: Update) -> int | None:
    chat = update.effective_chat
    return chat.id if chat is not None else None


class Inbox:
    """The process's side of the ``inbox`` table: store, replay, mark handled."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._in_flight: dict[int, int] = {}  # update id -> write transactions already applied
        self._waiters: dict[int, asyncio.Future[None]] = {}  # webhook requests waiting
        self._handled: list[int] = []
        self._wake = asyncio.Event()
        self._flusher: asyncio.Task[None] | None = None
        self._last_prune = 0.0

    async def accept(self, updates: Sequence[Update]) -> list[Update]:
        """Store ``updates``; the ones not delivered before, to be handled now."""
        arrivals = [rows.Arrival(u.update_id, _chat_id(u), u.to_dict()) for u in updates]
        async with self.db.write() as session:
            fresh = await rows.store(session, arrivals=arrivals, now=self.clock.now())
        if len(fresh) < len(updates):
            log.info("dropped %d repeated update(s)", len(updates) - len(fresh))
        accepted = [u for u in updates if u.update_id in fresh]
        for update in accepted:
            self._in_flight[update.update_id] = 0
        return accepted

    async def receive(self, update: Update) -> tuple[bool, asyncio.Future[None] | None]:
        """Store one update from a webhook request: whether to hand it to the handlers, and
        what to wait for before answering the request (None: it was handled before)."""
        update_id = update.update_id
        if update_id in self._in_flight:  # a repeat while this process handles it
            return False, self._waiter(update_id)
        if await self.accept([update]):
            return True, self._waiter(update_id)
        async with self.db.read() as session:
            stored = await rows.pending(session, update_id=update_id)
        if stored is None:
            return False, None
        # stored, not handled and not being handled here: a run that stopped before finishing
        # it. Handle it now; writes that run committed are not repeated.
        self._in_flight[update_id] = stored.applied_writes
        return True, self._waiter(update_id)

    def _waiter(self, update_id: int) -> asyncio.Future[None]:
        waiter = self._waiters.get(update_id)
        if waiter is None:
            waiter = self._waiters[update_id] = asyncio.get_running_loop().create_future()
        return waiter

    async def unfinished(self, bot: Bot) -> list[Update]:
        """The updates an earlier run stored but did not finish handling, oldest first."""
        found: list[Update] = []
        after = -1
        while True:
            async with self.db.read() as session:
                page = await rows.unhandled(session, after=after)
            if not page:
                break
            for pending in page:
                update = Update.de_json(pending.payload, bot)
                self._in_flight[pending.update_id] = pending.applied_writes
                found.append(update)
            after = page[-1].update_id
        if found:
            log.warning("handling %d update(s) a previous run had not finished", len(found))
        return found

    def begin(self, update: object) -> UpdateWrites | None:
        """The write bookkeeping of ``update`` if it came through the inbox, else None."""
        if not isinstance(update, Update) or update.update_id not in self._in_flight:
            return None
        return UpdateWrites(update.update_id, applied_before=self._in_flight[update.update_id])

    def handled(self, update_id: int) -> None:
        """The handlers of ``update_id`` finished: mark it (in the next batch)."""
        if self._in_flight.pop(update_id, None) is not None:
            self._handled.append(update_id)
            self._wake.set()
        waiter = self._waiters.pop(update_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def start(self) -> None:
        """Begin writing handled marks."""
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush_loop(), name="inbox:handled-marks")

    async def stop(self) -> None:
        """Write the last handled marks and stop."""
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
            self._flusher = None
        await self._flush()

    async def _flush_loop(self) -> None:
        while True:
            await self._wake.wait()
            await asyncio.sleep(FLUSH_DELAY)
            try:
                await self._flush()
            except Exception:  # the marks are kept and written with the next batch
                log.exception("could not mark updates handled; will retry")
                await asyncio.sleep(1)

    async def _flush(self) -> None:
        self._wake.clear()
        batch, self._handled = self._handled, []
        now = self.clock.now()
        loop_time = asyncio.get_running_loop().time()
        prune = loop_time - self._last_prune > PRUNE_EVERY
        if not batch and not prune:
            return
        try:
            async with self.db.write() as session:
                await rows.mark_handled(session, update_ids=batch, now=now)
                if prune:
                    await rows.prune(session, now=now)
        except BaseException:
            self._handled[:0] = batch
            raise
        if prune:
            self._last_prune = loop_time


class InboxUpdater(Updater):
    """PTB's ``Updater`` with polling that loses nothing (see the module docstring)."""

    def __init__(self, *, bot: Bot, update_queue: asyncio.Queue[object], inbox: Inbox) -> None:
        super().__init__(bot=bot, update_queue=update_queue)
        self.inbox = inbox
        self._poller: asyncio.Task[None] | None = None

    async def start_polling(  # type: ignore[override]
        self,
        poll_interval: float = 0.0,
        timeout: int = 10,
        bootstrap_retries: int = 0,
        allowed_updates: Sequence[str] | None = None,
        drop_pending_updates: bool | None = None,
        error_callback: Callable[[TelegramError], None] | None = None,
        **_ignored: Any,
    ) -> asyncio.Queue[object]:
        """Hand over unfinished updates, then poll: store each batch, then confirm it."""
        if self.running:
            raise RuntimeError("This Updater is already running!")
        await self.bot.delete_webhook(drop_pending_updates=drop_pending_updates)
        await self.inbox.start()
        for update in await self.inbox.unfinished(self.bot):
            await self.update_queue.put(update)
        self._running = True
        self._poller = asyncio.create_task(
            self._poll(poll_interval, timeout, allowed_updates, error_callback),
            name="inbox:polling",
        )
        return self.update_queue

    async def _poll(
        self,
        poll_interval: float,
        timeout: int,
        allowed_updates: Sequence[str] | None,
        error_callback: Callable[[TelegramError], None] | None,
    ) -> None:
        offset = 0  # 0 confirms nothing: Telegram resends whatever it still holds
        backoff = FIRST_BACKOFF
        while self.running:
            try:
                updates = await self.bot.get_updates(
                    offset=offset, timeout=timeout, allowed_updates=allowed_updates
                )
            except InvalidToken:
                log.critical("Telegram refused the bot token; polling stops")
                raise
            except RetryAfter as exc:
                await asyncio.sleep(float(exc.retry_after))  # type: ignore[arg-type]
                continue
            except TimedOut:
                continue
            except TelegramError as exc:
                if error_callback is not None:
                    error_callback(exc)
                else:
                    log.warning("getUpdates failed: %s", exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            backoff = FIRST_BACKOFF
            if not updates:
                await asyncio.sleep(poll_interval)
                continue
            try:
                fresh = await self.inbox.accept(updates)
            except Exception:  # not confirmed: the same updates come again
                log.exception("could not store %d update(s); fetching them again", len(updates))
                await asyncio.sleep(backoff)
                continue
            for update in fresh:
                await self.update_queue.put(update)
            offset = updates[-1].update_id + 1

    async def stop(self) -> None:
        """Stop polling; updates not yet handled stay in the inbox for the next start (the
        application writes the last handled marks at shutdown: ``Inbox.stop``)."""
        if not self.running:
            raise RuntimeError("This Updater is not running!")
        self._running = False
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None
