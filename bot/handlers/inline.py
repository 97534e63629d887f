"""Inline mode: ``@bot jazz`` in any chat offers matching events; a sent one stays current."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.ext import ChosenInlineResultHandler, InlineQueryHandler

from bot.context import BotContext, EventBotApp
from bot.handlers.common import deps, now
from bot.post_refresh import draw
from bot.services import posts
from bot.services.errors import EventNotFound
from bot.ui import posts as post_ui

log = logging.getLogger(__name__)

RESULTS_PER_PAGE = 20  # Telegram takes at most 50
MAX_OFFSET = 100_000
CACHE_SECONDS = 10  # counts change: answers may be cached only briefly


def _offset(text: str) -> int:
    """The paging offset we handed out as ``next_offset`` (anything else: the start)."""
    if text.isascii() and text.isdigit() and len(text) <= 6:
        return min(int(text), MAX_OFFSET)
    return 0


def result_id(event_id: int, revision: int) -> str:
    """A result's id names the event and the revision its text was drawn from."""
    return f"{event_id}.{revision}"


def parse_result_id(text: str) -> tuple[int, int] | None:
    """``(event id, revision)`` of a result id we made, else None."""
    event, dot, revision = text.partition(".")
    if not dot or not all(p.isascii() and p.isdigit() and len(p) <= 18 for p in (event, revision)):
        return None
    return int(event), int(revision)


async def inline_query(update: Update, context: BotContext) -> None:
    """Answer ``@bot words`` with upcoming events whose title contains the words."""
    query = update.inline_query
    assert query is not None
    offset = _offset(query.offset)
    async with deps(context).db.query() as conn:
        found, more = await posts.search_upcoming(
            conn, query=query.query, now=now(context), offset=offset, limit=RESULTS_PER_PAGE
        )
    app_deps = deps(context)
    username = context.bot.username
    results = []
    drawn_at = now(context)
    for view in found:
        drawing = draw(view, app_deps, username, at=drawn_at)  # the same text a post has
        results.append(
            InlineQueryResultArticle(
                id=result_id(view.id, view.revision),
                title=view.title,
                description=post_ui.inline_description(view, app_deps.settings.tz),
                input_message_content=InputTextMessageContent(drawing.text),
                reply_markup=drawing.markup,
            )
        )
    await query.answer(
        results,
        cache_time=CACHE_SECONDS,
        is_personal=False,  # the same events for everyone
        next_offset=str(offset + len(found)) if more else "",
    )


async def chosen_result(update: Update, context: BotContext) -> None:
    """Someone sent an event through inline mode: keep its count current from now on."""
    chosen = update.chosen_inline_result
    assert chosen is not None
    parsed = parse_result_id(chosen.result_id)
    if chosen.inline_message_id is None or parsed is None:
        return  # no keyboard (Telegram gives no id then) or not one of ours
    event_id, revision = parsed
    app_deps = deps(context)
    clock_now = now(context)
    async with app_deps.db.write() as session:
        try:
            view = await posts.post_view(session, event_id=event_id)
        except EventNotFound:
            return
        # results are drawn for upcoming events only, maybe CACHE_SECONDS ago: a result sent
        # after the start was drawn before it, and must be redrawn as under way
        started = view.starts_at <= clock_now
        drawn_at = view.starts_at - timedelta(microseconds=1) if started else clock_now
        post_id = await posts.record_post(
            session,
            event_id=event_id,
            revision=revision,
            now=clock_now,
            drawn_at=drawn_at,
            inline_message_id=chosen.inline_message_id,
        )
    if view.revision == revision and not started:  # the text sent is the one drawn now
        drawing = draw(view, app_deps, context.bot.username, at=clock_now)
        app_deps.posts.remember(post_id, drawing.content)


def register(app: EventBotApp) -> None:
    """Add the inline mode handlers."""
    app.add_handler(InlineQueryHandler(inline_query))
    app.add_handler(ChosenInlineResultHandler(chosen_result))
