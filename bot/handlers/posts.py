"""Posting an event in a group or channel (managers): /post, the chat picker, publishing.

A post shows the live count and a URL button to the event's card in the private chat
(group messages can't start private flows through callback buttons); bot.post_refresh keeps
the count current. /post in a group posts there; in the private chat, and from the manager's
card (ManagerCard POST), the manager picks one of the groups and channels the bot is in.
"""

from __future__ import annotations

import enum
import logging

from telegram import Update
from telegram.error import BadRequest, ChatMigrated, Forbidden
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext, EventBotApp
from bot.handlers.common import (
    answer,
    chat_id_of,
    deps,
    edit_or_say,
    friendly,
    now,
    pressed,
    say,
    user_id_of,
)
from bot.handlers.visit import requires
from bot.post_refresh import cant_post, draw
from bot.services import chats, posts
from bot.ui import posts as post_ui
from bot.ui.callbacks import MAX_ID, ManageAction, ManagerCard, PostTo
from bot.ui.manager_card import back_to_card_keyboard
from db.models import Role

log = logging.getLogger(__name__)
PRIVATE = filters.ChatType.PRIVATE
GROUPS = filters.ChatType.GROUPS
PICKER_EVENTS = 20


class Outcome(enum.Enum):
    """How a post went."""

    POSTED = enum.auto()
    CHAT_GONE = enum.auto()  # removed from the chat, or may not post there: marked left


def _event_id(args: list[str] | None) -> int | None:
    """The event number after /post (None when absent or not a number)."""
    text = args[0] if args else ""
    value = int(text) if text.isascii() and text.isdigit() and len(text) <= 19 else 0
    return value if 1 <= value <= MAX_ID else None


async def publish(context: BotContext, *, event_id: int, chat_id: int) -> Outcome:
    """Post the event's live card in ``chat_id`` and remember the post."""
    app_deps = deps(context)
    async with app_deps.db.query() as conn:
        view = await posts.postable_view(conn, event_id=event_id, now=now(context))
    drawn_at = now(context)
    drawing = draw(view, app_deps, context.bot.username, at=drawn_at)
    try:
        message = await context.bot.send_message(chat_id, drawing.text, reply_markup=drawing.markup)
    except (Forbidden, BadRequest, ChatMigrated) as exc:
        if not cant_post(exc):
            raise
        log.info("can't post in chat %s any more: %s", chat_id, exc)
        async with app_deps.db.write() as session:
            await chats.mark_chat_left(session, chat_id=chat_id, now=now(context))
        return Outcome.CHAT_GONE
    async with app_deps.db.write() as session:
        post_id = await posts.record_post(
            session,
            event_id=view.id,
            revision=view.revision,
            now=now(context),
            drawn_at=drawn_at,
            chat_id=chat_id,
            message_id=message.message_id,
        )
    app_deps.posts.remember(post_id, drawing.content)
    log.info("event %s posted in chat %s", view.id, chat_id)
    return Outcome.POSTED


@requires(Role.MANAGER)
@friendly
async def post_command(update: Update, context: BotContext) -> None:
    """Ask which event to post (``/post 12``: where to post event 12)."""
    if context.args:
        event_id = _event_id(context.args)
        if event_id is None:
            await say(update, post_ui.post_usage())
            return
        await _pick_chat(update, context, event_id)
        return
    async with deps(context).db.query() as conn:
        found, _more = await posts.search_upcoming(
            conn, query="", now=now(context), offset=0, limit=PICKER_EVENTS
        )
    tz = deps(context).settings.tz
    await say(update, post_ui.pick_event(found, tz), post_ui.pick_event_keyboard(found, tz))


@requires(Role.MANAGER)
@friendly
async def post_pressed(update: Update, context: BotContext) -> None:
    """Show the groups and channels the event can be posted in (the manager card's 📣)."""
    button = await pressed(update, ManagerCard)
    if button is not None:
        await _pick_chat(update, context, button.event_id)


async def _pick_chat(update: Update, context: BotContext, event_id: int) -> None:
    async with deps(context).db.read() as session:
        view = await posts.postable_view(session, event_id=event_id, now=now(context))
        places = await chats.active_chats(session)
    await answer(update)
    await edit_or_say(
        update, post_ui.pick_chat(view, places), post_ui.pick_chat_keyboard(view, places)
    )


@requires(Role.MANAGER)
@friendly
async def post_to_chat(update: Update, context: BotContext) -> None:
    """Post the event in the chat the manager picked."""
    button = await pressed(update, PostTo)
    if button is None:
        return
    async with deps(context).db.read() as session:
        chat = await chats.active_chat(session, chat_id=button.chat_id)
        view = await posts.postable_view(session, event_id=button.event_id, now=now(context))
    outcome = await publish(context, event_id=button.event_id, chat_id=chat.chat_id)
    back = back_to_card_keyboard(view.id)
    if outcome is Outcome.CHAT_GONE:
        await answer(update)
        await edit_or_say(update, post_ui.removed_from_chat(chat.title), back)
        return
    await answer(update, post_ui.posted_toast())
    await edit_or_say(update, post_ui.posted(view, chat.title), back)


async def post_in_group(update: Update, context: BotContext) -> None:
    """/post in a group: post an event here (managers, logged in in their private chat)."""
    await _post_here(update, context)
    raise ApplicationHandlerStop  # the group pointer (handlers.start) has nothing to add


@requires(Role.MANAGER)
@friendly
async def _post_here(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    async with deps(context).db.write() as session:  # a group from before chats were tracked
        await chats.record_membership(
            session,
            chat_id=chat.id,
            chat_type=chat.type,
            title=chat.title or str(chat.id),
            added_by=None,
            member=True,
            now=now(context),
        )
    if not context.args:
        await _send_private_picker(update, context, chat.id, chat.title or "")
        return
    event_id = _event_id(context.args)
    if event_id is None:
        await say(update, post_ui.post_usage())
        return
    await publish(context, event_id=event_id, chat_id=chat_id_of(update))


async def _send_private_picker(
    update: Update, context: BotContext, chat_id: int, title: str
) -> None:
    async with deps(context).db.query() as conn:
        found, _more = await posts.search_upcoming(
            conn, query="", now=now(context), offset=0, limit=PICKER_EVENTS
        )
    tz = deps(context).settings.tz
    text = post_ui.pick_event_for_chat(title) if found else post_ui.pick_event(found, tz)
    markup = post_ui.pick_event_for_chat_keyboard(found, tz, chat_id)
    try:
        await context.bot.send_message(user_id_of(update), text, reply_markup=markup)
    except (Forbidden, BadRequest) as exc:
        log.info("could not send the /post picker privately: %s", exc)
        await say(update, post_ui.open_private_chat_first(context.bot.username))
        return
    await say(update, post_ui.sent_you_the_list())


def register(app: EventBotApp) -> None:
    """Add the posting handlers; /post in groups runs before the group pointer (group -3)."""
    app.add_handler(CommandHandler("post", post_in_group, filters=GROUPS), group=-3)
    app.add_handler(CommandHandler("post", post_command, filters=PRIVATE))
    app.add_handler(
        CallbackQueryHandler(post_pressed, pattern=ManagerCard.action_pattern(ManageAction.POST))
    )
    app.add_handler(CallbackQueryHandler(post_to_chat, pattern=PostTo.pattern()))
