"""Manager features: /newevent and /attendees. Every entry re-checks the role on the server."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import texts
from bot.context import BotContext, EventBotApp
from bot.handlers.common import answer, deps, edit_or_say, friendly, now, say, user_id_of
from bot.handlers.conversation import END, conversation
from bot.services import accounts, events
from bot.services.errors import InvalidInput, NotAuthorized, NotLoggedIn

PRIVATE = filters.ChatType.PRIVATE
ANSWER = PRIVATE & filters.TEXT & ~filters.COMMAND
TITLE, DESCRIPTION, STARTS, LOCATION, CAPACITY, CONFIRM = range(20, 26)
PICK_PATTERN = re.compile(r"^atl:(\d{1,6})$")
ATTENDEES_PATTERN = re.compile(r"^att:(\d{1,19}):(\d{1,6})$")
CONFIRM_PATTERN = re.compile(r"^ne:(create|cancel)$")


async def _check_manager(update: Update, context: BotContext) -> bool:
    """True for a logged-in manager; everyone else gets a refusal and nothing happens."""
    try:
        async with deps(context).db.read() as session:
            await accounts.require_manager(
                session, telegram_user_id=user_id_of(update), now=now(context)
            )
    except NotLoggedIn:
        text = texts.LOGIN_FIRST
    except NotAuthorized:
        text = texts.MANAGERS_ONLY
    else:
        return True
    if update.callback_query is not None:
        await answer(update, text, alert=True)
    else:
        await say(update, text)
    return False


def _draft(context: BotContext) -> dict[str, Any]:
    assert context.user_data is not None
    draft: dict[str, Any] = context.user_data.setdefault("newevent", {})
    return draft


async def newevent_start(update: Update, context: BotContext) -> int:
    """Start the /newevent questions (managers only)."""
    if not await _check_manager(update, context):
        return END
    assert context.user_data is not None
    context.user_data["newevent"] = {}
    await say(update, texts.NEWEVENT_ASK_TITLE)
    return TITLE


def _step(
    key: str,
    parse: Callable[[str, BotContext], object],
    question: Callable[[BotContext], str],
    next_state: int,
    next_question: Callable[[BotContext], str],
) -> Callable[[Update, BotContext], Any]:
    """A conversation step: validate the answer, store it, ask the next question."""

    async def step(update: Update, context: BotContext) -> int:
        assert update.message is not None and update.message.text is not None
        try:
            value = parse(update.message.text, context)
        except InvalidInput as exc:
            await say(update, texts.invalid_answer(str(exc), question(context)))
            return next_state - 1
        _draft(context)[key] = value
        if next_state == CONFIRM:
            draft = events.EventDraft(**_draft(context))
            tz = deps(context).settings.tz
            await say(update, texts.newevent_summary(draft, tz), texts.newevent_confirm_keyboard())
        else:
            await say(update, next_question(context))
        return next_state

    step.__doc__ = f"Take the event's {key}."
    return step


def _ask_start(context: BotContext) -> str:
    return texts.newevent_ask_start(deps(context).settings.tz)


def _parse_start(raw: str, context: BotContext) -> object:
    return events.parse_start(raw, tz=deps(context).settings.tz, now=now(context))


def _fixed(text: str) -> Callable[[BotContext], str]:
    return lambda _context: text


async def newevent_confirm(update: Update, context: BotContext) -> int:
    """Create the event on [Create] (role checked again), discard it on [Cancel]."""
    assert update.callback_query is not None and context.match is not None
    assert context.user_data is not None
    if not await _check_manager(update, context):
        return END
    fields = context.user_data.pop("newevent", {})
    await answer(update)
    if context.match.group(1) == "cancel" or len(fields) != 5:
        await edit_or_say(update, texts.NEWEVENT_DISCARDED)
        return END
    draft = events.EventDraft(**fields)
    try:
        async with deps(context).db.write() as session:
            manager = await accounts.require_manager(
                session, telegram_user_id=user_id_of(update), now=now(context)
            )
            event = await events.create_event(
                session, manager=manager, draft=draft, now=now(context)
            )
    except InvalidInput as exc:
        await edit_or_say(update, texts.invalid_answer(str(exc), texts.NEWEVENT_DISCARDED))
        return END
    await edit_or_say(update, texts.event_created(event, deps(context).settings.tz))
    return END


async def attendees_command(update: Update, context: BotContext) -> None:
    """Ask the manager which event's attendees to show."""
    await _pick_event(update, context, 0)


async def attendees_pick_page(update: Update, context: BotContext) -> None:
    """Page through the event picker."""
    assert context.match is not None
    await _pick_event(update, context, int(context.match.group(1)))


async def _pick_event(update: Update, context: BotContext, page_number: int) -> None:
    if not await _check_manager(update, context):
        return
    await answer(update)
    async with deps(context).db.query() as conn:
        page = await events.upcoming_page(
            conn, now=now(context), page=page_number, page_size=texts.EVENTS_PAGE_SIZE
        )
    tz = deps(context).settings.tz
    await edit_or_say(update, texts.attendee_picker(page), texts.attendee_picker_keyboard(page, tz))


@friendly
async def attendees_page(update: Update, context: BotContext) -> None:
    """Show one page of an event's attendees (managers only)."""
    assert context.match is not None
    if not await _check_manager(update, context):
        return
    event_id = events.parse_id(context.match.group(1))
    async with deps(context).db.read() as session:
        page = await events.attendee_page(
            session,
            event_id=event_id,
            page=int(context.match.group(2)),
            page_size=texts.ATTENDEES_PAGE_SIZE,
        )
    await answer(update)
    tz = deps(context).settings.tz
    await edit_or_say(update, texts.attendee_list(page, tz), texts.attendee_list_keyboard(page))


def register(app: EventBotApp) -> None:
    """Add the manager handlers."""
    app.add_handler(
        conversation(
            "newevent",
            entry_points=[CommandHandler("newevent", newevent_start, filters=PRIVATE)],
            states={
                TITLE: [
                    MessageHandler(
                        ANSWER,
                        _step(
                            "title",
                            lambda raw, _c: events.clean_title(raw),
                            _fixed(texts.NEWEVENT_ASK_TITLE),
                            DESCRIPTION,
                            _fixed(texts.NEWEVENT_ASK_DESCRIPTION),
                        ),
                    )
                ],
                DESCRIPTION: [
                    MessageHandler(
                        ANSWER,
                        _step(
                            "description",
                            lambda raw, _c: events.clean_description(raw),
                            _fixed(texts.NEWEVENT_ASK_DESCRIPTION),
                            STARTS,
                            _ask_start,
                        ),
                    )
                ],
                STARTS: [
                    MessageHandler(
                        ANSWER,
                        _step(
                            "starts_at",
                            _parse_start,
                            _ask_start,
                            LOCATION,
                            _fixed(texts.NEWEVENT_ASK_LOCATION),
                        ),
                    )
                ],
                LOCATION: [
                    MessageHandler(
                        ANSWER,
                        _step(
                            "location",
                            lambda raw, _c: events.clean_location(raw),
                            _fixed(texts.NEWEVENT_ASK_LOCATION),
                            CAPACITY,
                            _fixed(texts.NEWEVENT_ASK_CAPACITY),
                        ),
                    )
                ],
                CAPACITY: [
                    MessageHandler(
                        ANSWER,
                        _step(
                            "capacity",
                            lambda raw, _c: events.parse_capacity(raw),
                            _fixed(texts.NEWEVENT_ASK_CAPACITY),
                            CONFIRM,
                            _fixed(""),
                        ),
                    )
                ],
                CONFIRM: [CallbackQueryHandler(newevent_confirm, pattern=CONFIRM_PATTERN)],
            },
        )
    )
    # a [Create] press outside the conversation (old or forged) still gets the role check
    app.add_handler(CallbackQueryHandler(newevent_confirm, pattern=CONFIRM_PATTERN))
    app.add_handler(CommandHandler("attendees", attendees_command, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(attendees_pick_page, pattern=PICK_PATTERN))
    app.add_handler(CallbackQueryHandler(attendees_page, pattern=ATTENDEES_PATTERN))
