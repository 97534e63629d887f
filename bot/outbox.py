"""Delivery of the outbox on the PTB JobQueue: reminders, notices and broadcasts.

The rows are the truth; jobs only wake the dispatcher. Each kind of row has a renderer here
that words it at send time (a reminder reads its event then, so edits are honoured).
Reminders and notices are claimed before broadcasts, in batches that end after half a second,
so a big broadcast never holds them up for long; what the outbox sends to one chat is paced
to one message a second (``SendLimiter.chats``); broadcasts' status messages are kept up to
date between batches (``bot.broadcast_status``)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import JobQueue

from bot import broadcast_status, ui
from bot.context import BotContext, Deps, EventBotApp
from bot.services import outbox, reminders
from bot.services.outbox import Delivery
from bot.transport.send_limiter import ChatPacer, SendLimiter
from bot.ui import broadcast as ui_broadcast

log = logging.getLogger(__name__)

POLL_JOB = "outbox:poll"
WAKE_JOB = "outbox:wake"
BATCH = 200
# a batch stops taking rows after this long: what fell due meanwhile (a reminder amid a big
# broadcast) goes first in the next one, however slowly Telegram or the machine is going
BATCH_SECONDS = 0.5
WORKERS = 8
MAX_RETRY_AFTER_WAITS = 3


@dataclass
class DispatchStats:
    """What one dispatch run did."""

    sent: int = 0
    unconfirmed: int = 0
    retried: int = 0
    skipped: int = 0
    failed: int = 0
    # rows put back for a retry: not tried again in the same run
    requeued: set[int] = field(default_factory=set)
    # sent, and marked so at the end of the batch in one write (until then, and forever if
    # the process dies first, they stay "sending": never sent twice)
    to_confirm: list[int] = field(default_factory=list)


async def _confirm_sent(deps: Deps, stats: DispatchStats) -> None:
    """Mark the batch's sent rows as sent, in one lean transaction."""
    ids, stats.to_confirm = stats.to_confirm, []
    if not ids:
        return
    try:
        async with deps.db.write_core() as conn:
            await outbox.confirm_sent_many(conn, message_ids=ids, now=deps.clock.now())
    except BaseException:
        stats.to_confirm[:0] = ids  # kept for the next try (they stay 'sending' meanwhile)
        raise


def batch_size(send_rate_limit: float) -> int:
    """Rows per batch: half a second of sending at the configured rate, so a reminder that
    falls due during a big broadcast waits about that long for the next batch."""
    if send_rate_limit <= 0:
        return BATCH
    return int(min(BATCH, max(2 * WORKERS, send_rate_limit / 2)))


def schedule(app: EventBotApp) -> None:
    """Poll for due reminders every REMINDER_POLL_SECONDS, starting now (sends missed ones)."""
    deps = app.deps
    assert app.job_queue is not None
    app.job_queue.run_repeating(
        dispatch_job,
        interval=deps.settings.reminder_poll_seconds,
        first=0,
        name=POLL_JOB,
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
    )


def wake_dispatcher(job_queue: JobQueue[Any] | None) -> None:
    """Dispatch soon (after a registration or a clock jump) instead of waiting for the poll."""
    if job_queue is None:
        return
    for job in job_queue.get_jobs_by_name(WAKE_JOB):
        job.schedule_removal()
    job_queue.run_once(dispatch_job, when=0, name=WAKE_JOB)


async def dispatch_job(context: BotContext) -> None:
    """JobQueue callback: send what is due, then sleep until the next reminder falls due."""
    async with context.deps.dispatch_lock:
        app = context.application
        await dispatch_due(context.bot, context.deps, keep_going=lambda: app.running)
        await _wake_at_next_due(context)


async def dispatch_now(app: EventBotApp) -> DispatchStats:
    """Send what is due right now and wait for it (the sandbox's clock jumps use this)."""
    async with app.deps.dispatch_lock:
        return await dispatch_due(app.bot, app.deps)


async def _wake_at_next_due(context: BotContext) -> None:
    deps = context.deps
    async with deps.db.read() as session:
        next_due = await outbox.next_due_at(session)
    job_queue: JobQueue[Any] | None = context.job_queue
    if next_due is None or job_queue is None:
        return
    delay = (next_due - deps.clock.now()).total_seconds()
    if 0 < delay < deps.settings.reminder_poll_seconds:
        for job in job_queue.get_jobs_by_name(WAKE_JOB):
            job.schedule_removal()
        job_queue.run_once(dispatch_job, when=timedelta(seconds=delay), name=WAKE_JOB)


async def dispatch_due(
    bot: Bot, deps: Deps, *, keep_going: Callable[[], bool] = lambda: True
) -> DispatchStats:
    """Claim and send every outbox row due now; each row is claimed by exactly one worker.

    Between batches ``keep_going()`` is asked (False once the application is stopping): a
    shutdown waits for one batch, not for a whole broadcast; the rest is sent after a restart.
    """
    stats = DispatchStats()
    now = deps.clock.now()
    async with deps.db.write() as session:
        expired = await outbox.expire_started(session, now=now)
        superseded = await reminders.supersede_late_reminders(session, now=now)
    if expired:
        log.info("%d outbox messages expired (reminders of started events, stale notices)", expired)
    if superseded:
        log.info("%d late reminders skipped: a closer one of the same booking is due", superseded)
    await broadcast_status.refresh(bot, deps, settle=False)  # new broadcasts: first status
    batch = batch_size(deps.settings.send_rate_limit)
    while True:
        async with deps.db.read() as session:
            # "now" moves on: what falls due during a long run (a reminder amid a broadcast)
            # is taken in the next batch, ahead of the broadcast's rows
            due = await outbox.due_rows(
                session, now=deps.clock.now(), limit=batch, exclude=stats.requeued
            )
        if not due or not keep_going():
            break
        # one queue per worker, and one chat's rows all in the same queue: they go out in
        # the order above (a reminder before a broadcast), never overtaking each other
        queues: list[asyncio.Queue[int]] = [asyncio.Queue() for _ in range(WORKERS)]
        for message_id, chat_id in due:
            queues[chat_id % WORKERS].put_nowait(message_id)
        deadline = time.monotonic() + BATCH_SECONDS
        # every worker ends before the batch's sends are confirmed: one worker's error must
        # not leave the others sending rows nobody confirms
        try:
            outcomes = await asyncio.gather(
                *(_worker(bot, deps, queue, stats, deadline) for queue in queues),
                return_exceptions=True,
            )
        finally:  # cancelled too (a gather cancelled ends once every worker has ended)
            await _confirm_sent(deps, stats)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        await broadcast_status.refresh(bot, deps, settle=False)
    await broadcast_status.refresh(bot, deps, settle=True)
    return stats


async def _worker(
    bot: Bot, deps: Deps, queue: asyncio.Queue[int], stats: DispatchStats, deadline: float
) -> None:
    # rows left in the queue at the deadline were never claimed: still pending, taken next time
    while not queue.empty() and time.monotonic() < deadline:
        message_id = queue.get_nowait()
        now = deps.clock.now()
        async with deps.db.write_core() as conn:
            delivery = await outbox.claim(conn, message_id=message_id, now=now)
        if delivery is not None:
            await _deliver(bot, deps, delivery, stats)


def render(delivery: Delivery, tz: ZoneInfo, *, now: datetime) -> str:
    """The text of one outbox row, worded now (in the recipient's language, later)."""
    if delivery.reminder is not None:
        info = delivery.reminder
        return ui.reminders.reminder(
            info.title, info.location, info.starts_at, info.offset, tz, now=now
        )
    if delivery.broadcast is not None:
        return ui_broadcast.message(delivery.broadcast.title, delivery.broadcast.text)
    return ui.reminders.notice(
        str(delivery.payload.get("notice")), delivery.payload.get("params", {}), tz
    )


async def _deliver(bot: Bot, deps: Deps, delivery: Delivery, stats: DispatchStats) -> None:
    text = ui.limits.fit(render(delivery, deps.settings.tz, now=deps.clock.now()))
    pacer = _chat_pacer(bot)
    for _ in range(MAX_RETRY_AFTER_WAITS + 1):
        try:
            await pacer.wait_turn(delivery.chat_id)
            try:
                await bot.send_message(delivery.chat_id, text)
            finally:
                pacer.sent(delivery.chat_id)
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            log.info(
                "outbox message %s hit the flood limit; waiting %.1fs", delivery.message_id, seconds
            )
            await asyncio.sleep(seconds)
            continue
        except Forbidden:
            log.info("chat %s blocked the bot; skipping what it is owed", delivery.chat_id)
            async with deps.db.write() as session:
                await outbox.mark_chat_blocked(
                    session,
                    chat_id=delivery.chat_id,
                    message_id=delivery.message_id,
                    now=deps.clock.now(),
                )
            stats.skipped += 1
            return
        except (BadRequest, ChatMigrated) as exc:  # a group that became a supergroup, too
            log.warning("outbox message %s refused by Telegram: %s", delivery.message_id, exc)
            async with deps.db.write() as session:
                await outbox.mark_failed(session, message_id=delivery.message_id)
            stats.failed += 1
            return
        except TimedOut as exc:
            # Telegram may well have delivered it: a second copy is worse than none, so the
            # claim stands (at most once) and the row says we never got the confirmation.
            log.warning("outbox message %s: no answer from Telegram (%s)", delivery.message_id, exc)
            stats.unconfirmed += 1
            return
        except NetworkError as exc:
            log.warning("outbox message %s not sent (%s); will retry", delivery.message_id, exc)
            break
        else:
            stats.to_confirm.append(delivery.message_id)  # confirmed with the batch's others
            stats.sent += 1
            return
    async with deps.db.write() as session:
        requeued = await outbox.release_for_retry(session, message_id=delivery.message_id)
    if requeued:
        stats.retried += 1
        stats.requeued.add(delivery.message_id)
    else:
        stats.failed += 1


_UNPACED = ChatPacer(interval=0.0)


def _chat_pacer(bot: Bot) -> ChatPacer:
    """The bot's per-chat pace (none without EventBot's SendLimiter)."""
    limiter = getattr(bot, "rate_limiter", None)
    return limiter.chats if isinstance(limiter, SendLimiter) else _UNPACED
