"""Polling that loses nothing: each ``getUpdates`` batch is stored before the next call
confirms it (``bot.transport.inbox``). With a shared inbox (several replicas on PostgreSQL)
only the replica holding the ``poller`` lease polls, since Telegram allows one consumer; if
it dies, another takes the lease over within ``POLLER_LEASE`` and polls instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any, cast

from telegram import Bot, Update
from telegram.error import InvalidToken, RetryAfter, TelegramError, TimedOut
from telegram.ext import Updater

from bot.clock import SystemClock
from bot.services import leases
from bot.transport.inbox import Inbox

log = logging.getLogger(__name__)

FIRST_BACKOFF = 0.5
MAX_BACKOFF = 30.0
POLLER_LEASE = timedelta(seconds=6)  # a dead poller is replaced within this (plus a tick)
ELECTION_TICK = 1.0


class InboxUpdater(Updater):
    """PTB's ``Updater`` with polling through the inbox (see the module docstring)."""

    def __init__(
        self, *, bot: Bot, update_queue: asyncio.Queue[object], inbox: Inbox, replica: str
    ) -> None:
        super().__init__(bot=bot, update_queue=update_queue)
        self.inbox = inbox
        self.replica = replica
        self._task: asyncio.Task[None] | None = None
        self.polling = False  # whether this replica polls right now (tests look)

    async def start_polling(
        self,
        poll_interval: float = 0.0,
        timeout: float | timedelta = 10,
        bootstrap_retries: int = 0,
        allowed_updates: Sequence[str] | None = None,
        drop_pending_updates: bool | None = None,
        error_callback: Callable[[TelegramError], None] | None = None,
        **_ignored: Any,
    ) -> asyncio.Queue[object]:
        """Hand over unfinished updates, then poll (or stand by for the poller lease)."""
        if self.running:
            raise RuntimeError("This Updater is already running!")
        await self.bot.delete_webhook(drop_pending_updates=drop_pending_updates)
        await self.inbox.start(self.bot, self.update_queue)
        self._running = True
        poll = self._poll(poll_interval, timeout, allowed_updates, error_callback)
        if self.inbox.shared:
            self._task = asyncio.create_task(self._elected(poll), name="inbox:poller-election")
        else:
            self._task = asyncio.create_task(poll, name="inbox:polling")
        return self.update_queue

    async def _elected(self, poll: Any) -> None:
        """Poll while this replica holds the poller lease; renew it every tick."""
        poller: asyncio.Task[None] | None = None
        try:
            while self.running:
                try:
                    async with self.inbox.db.write() as session:
                        mine = await leases.hold(
                            session,
                            name="poller",
                            holder=self.replica,
                            now=SystemClock().now(),  # liveness: real time
                            ttl=POLLER_LEASE,
                        )
                except Exception:
                    log.exception("could not renew the poller lease")
                    mine = False
                if mine and poller is None:
                    log.info("replica %s polls Telegram", self.replica)
                    poller = asyncio.create_task(poll, name="inbox:polling")
                    self.polling = True
                elif not mine and poller is not None:
                    log.info("replica %s lost the poller lease", self.replica)
                    await _cancel(poller)
                    poller, self.polling = None, False
                await asyncio.sleep(ELECTION_TICK)
        finally:
            if poller is not None:
                await _cancel(poller)
            else:
                poll.close()
            self.polling = False
            with contextlib.suppress(Exception):
                async with self.inbox.db.write() as session:
                    await leases.release(session, name="poller", holder=self.replica)

    async def _poll(
        self,
        poll_interval: float,
        timeout: float | timedelta,
        allowed_updates: Sequence[str] | None,
        error_callback: Callable[[TelegramError], None] | None,
    ) -> None:
        offset = 0  # 0 confirms nothing: Telegram resends whatever it still holds
        backoff = FIRST_BACKOFF
        while self.running:
            try:
                raw, updates, last_id = await self._get_updates(offset, timeout, allowed_updates)
            except InvalidToken:
                log.critical("Telegram refused the bot token; polling stops")
                raise
            except RetryAfter as exc:
                wait = exc.retry_after  # a timedelta when PTB_TIMEDELTA is set
                await asyncio.sleep(
                    wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
                )
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
            except Exception:  # e.g. JSON PTB can't read: log it, keep polling, lose nothing
                log.exception("could not read a getUpdates answer; asking again")
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            backoff = FIRST_BACKOFF
            if last_id is None:
                await asyncio.sleep(poll_interval)
                continue
            if updates:
                try:
                    await self.inbox.accept(updates, raw)
                except Exception:  # not confirmed: the same updates come again
                    log.exception("could not store %d update(s); fetching them again", len(updates))
                    await asyncio.sleep(backoff)
                    continue
            offset = last_id + 1

    async def _get_updates(
        self, offset: int, timeout: float | timedelta, allowed_updates: Sequence[str] | None
    ) -> tuple[list[dict[str, Any]], list[Update], int | None]:
        """``getUpdates`` as JSON and as Updates, and the last update id seen: the JSON is what
        the inbox stores (turning each Update back into a dict cost ~0.2 ms an update), the
        Updates what PTB handles. An update PTB can't read is logged and left out (confirmed
        with the others): asking again would bring it back for ever and stop every later one.
        """
        seconds = timeout.total_seconds() if isinstance(timeout, timedelta) else float(timeout)
        polling_request = self.bot._request[0]  # its getUpdates connection
        read_timeout = (polling_request.read_timeout or 0) + seconds  # as Bot.get_updates
        answer = await self.bot._post(  # Bot.get_updates, without parsing the JSON away
            "getUpdates",
            {"offset": offset, "timeout": int(seconds), "allowed_updates": allowed_updates},
            read_timeout=read_timeout,
        )
        raw: list[dict[str, Any]] = []
        updates: list[Update] = []
        last_id: int | None = None
        for payload in cast(list[dict[str, Any]], answer):
            update_id = payload.get("update_id")
            if isinstance(update_id, int):
                last_id = update_id if last_id is None else max(last_id, update_id)
            try:
                update = Update.de_json(payload, self.bot)
            except Exception:
                log.exception("update %s from getUpdates can't be read; skipped", update_id)
                continue
            raw.append(payload)
            updates.append(update)
        return raw, updates, last_id

    async def stop(self) -> None:
        """Stop polling; updates not yet handled stay in the inbox for the next start (the
        application writes the last handled marks at shutdown: ``Inbox.stop``)."""
        if not self.running:
            raise RuntimeError("This Updater is not running!")
        self._running = False
        if self._task is not None:
            await _cancel(self._task)
            self._task = None


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
