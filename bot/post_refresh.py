"""Keeping event posts current: a JobQueue job re-draws posts whose event changed.

The rows are the truth (``event_posts.shown_revision`` behind ``events.revision``); the job
only wakes every POST_REFRESH_SECONDS. A post is edited at most once per that period however
many registrations arrive (they coalesce into the next edit), and only when its text or
button really changes. Inline messages are edited through their ``inline_message_id``.
A 403 (the bot left the chat) or "message to edit not found" retires the post; a 429 pauses
all edits for its ``retry_after``; other failures are tried again on the next run.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from bot.context import BotContext, Deps, EventBotApp
from bot.services import chats, posts
from bot.services.posts import PostView, StalePost
from bot.ui import posts as post_ui

log = logging.getLogger(__name__)

REFRESH_JOB = "posts:refresh"
BATCH = 100
GONE = ("message to edit not found", "message_id_invalid", "chat not found")
# Telegram's 400s meaning the bot may not post in a chat (a 403 always means so)
CANT_POST = ("chat not found", "need administrator rights", "not enough rights")


def cant_post(error: TelegramError) -> bool:
    """Whether ``error`` says the bot can't post in the chat (removed, or without rights)."""
    if isinstance(error, Forbidden | ChatMigrated):
        return True
    return isinstance(error, BadRequest) and any(r in str(error).lower() for r in CANT_POST)


@dataclass(frozen=True)
class Drawing:
    """A post as it should look: its text, its button, and both as one comparable string."""

    text: str
    markup: InlineKeyboardMarkup | None

    @property
    def content(self) -> str:
        """What tells two drawings apart."""
        return f"{self.text}\n{self.markup.to_json() if self.markup is not None else ''}"


def draw(view: PostView, deps: Deps, bot_username: str, *, at: datetime) -> Drawing:
    """The post of ``view`` in the bot's time zone, as it is ``at`` (under way once started;
    the caller records ``at`` as when the post was drawn, so one reading of the clock
    decides both)."""
    started = view.starts_at <= at
    return Drawing(
        post_ui.post_text(view, deps.settings.tz, started=started),
        post_ui.post_keyboard(view, bot_username, started=started),
    )


@dataclass
class RefreshStats:
    """What one refresh run did."""

    edited: int = 0
    unchanged: int = 0
    gone: int = 0
    failed: int = 0


def schedule(app: EventBotApp) -> None:
    """Re-draw changed posts every POST_REFRESH_SECONDS."""
    seconds = app.deps.settings.post_refresh_seconds
    assert app.job_queue is not None
    app.job_queue.run_repeating(
        refresh_job,
        interval=seconds,
        first=seconds,
        name=REFRESH_JOB,
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
    )


async def refresh_job(context: BotContext) -> None:
    """JobQueue callback: re-draw the posts whose event changed."""
    await refresh_posts(context.bot, context.deps)


async def refresh_now(app: EventBotApp) -> RefreshStats:
    """Re-draw the changed posts now and wait for it (tests, the sandbox)."""
    return await refresh_posts(app.bot, app.deps)


async def refresh_posts(bot: Bot, deps: Deps) -> RefreshStats:
    """Edit every post behind its event that was not edited within the quiet period."""
    stats = RefreshStats()
    memory = deps.posts
    async with memory.lock:
        if time.monotonic() < memory.paused_until:
            return stats
        started = deps.clock.now()
        quiet = timedelta(seconds=deps.settings.post_refresh_seconds)
        async with deps.db.read() as session:
            stale = await posts.stale_posts(
                session, quiet_since=started - quiet, now=started, limit=BATCH
            )
        shown: list[tuple[StalePost, bool]] = []  # (post, edited)
        gone: list[StalePost] = []
        for post in stale:
            drawing = draw(post.view, deps, bot.username, at=started)
            if memory.shows(post.id, drawing.content):
                shown.append((post, False))
                stats.unchanged += 1
                continue
            try:
                await _edit(bot, post, drawing)
            except RetryAfter as exc:
                wait = exc.retry_after
                seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
                memory.paused_until = time.monotonic() + seconds
                log.info("post refresh paused for %.0f s by flood control", seconds)
                break
            except (Forbidden, ChatMigrated) as exc:  # removed, or the group became another
                log.info("post %s: the bot can't edit in its chat any more: %s", post.id, exc)
                gone.append(post)
                continue
            except BadRequest as exc:
                message = str(exc).lower()
                if "not modified" in message:
                    shown.append((post, False))
                    memory.remember(post.id, drawing.content)
                    stats.unchanged += 1
                elif any(reason in message for reason in GONE) or cant_post(exc):
                    gone.append(post)  # deleted, or the bot may no longer edit there
                else:
                    log.warning("post %s could not be re-drawn: %s", post.id, exc)
                    stats.failed += 1
                continue
            except TelegramError as exc:  # time-out, 5xx, network: the next run tries again
                log.info("post %s: re-draw failed, will retry: %s", post.id, exc)
                stats.failed += 1
                continue
            memory.remember(post.id, drawing.content)
            shown.append((post, True))
            stats.edited += 1
        stats.gone = len(gone)
        if shown or gone:
            await _save(deps, shown, gone, drawn_at=started)
    return stats


async def _edit(bot: Bot, post: StalePost, drawing: Drawing) -> None:
    if post.inline_message_id is not None:
        await bot.edit_message_text(
            drawing.text, inline_message_id=post.inline_message_id, reply_markup=drawing.markup
        )
    else:
        await bot.edit_message_text(
            drawing.text,
            chat_id=post.chat_id,
            message_id=post.message_id,
            reply_markup=drawing.markup,
        )


async def _save(
    deps: Deps, shown: list[tuple[StalePost, bool]], gone: list[StalePost], *, drawn_at: datetime
) -> None:
    now = deps.clock.now()
    async with deps.db.write() as session:
        for post, edited in shown:
            # a post of a started event counts as drawn now even when it needed no edit, so
            # it stops being "drawn before the start" (posts.stale_posts)
            drawn = edited or post.view.starts_at <= drawn_at
            await posts.mark_shown(
                session,
                post_id=post.id,
                revision=post.view.revision,
                edited_at=drawn_at if drawn else None,
            )
        for post in gone:
            if post.chat_id is not None:
                await chats.mark_chat_left(session, chat_id=post.chat_id, now=now)
            await posts.mark_gone(session, post_id=post.id, now=now)
