"""The sender of each update, read once and shared by every handler; role checks in one place."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from telegram import Update

from bot import ui
from bot.context import BotContext
from bot.handlers.common import refuse
from bot.services.views import Viewer
from bot.services.visits import Visit, load_visit
from db.models import Role

R = TypeVar("R")
Handler = Callable[[Update, BotContext], Coroutine[Any, Any, R]]
_CACHE = "_eventbot_visit"


async def visit(update: Update, context: BotContext) -> Visit:
    """Account and open form of whoever sent ``update``: one read per update, then cached."""
    cached: Visit | None = context.__dict__.get(_CACHE)
    if cached is not None:
        return cached
    assert update.effective_user is not None
    chat = update.effective_chat
    private_chat = chat.id if chat is not None and chat.type == chat.PRIVATE else None
    deps = context.deps
    async with deps.db.query() as conn:
        loaded = await load_visit(
            conn,
            telegram_user_id=update.effective_user.id,
            chat_id=private_chat,
            now=deps.clock.now(),
        )
    context.__dict__[_CACHE] = loaded
    return loaded


def forget_visit(context: BotContext) -> None:
    """The update changed who is logged in or the open form: read it afresh next time."""
    context.__dict__.pop(_CACHE, None)


async def account(update: Update, context: BotContext) -> Viewer | None:
    """The logged-in account of the sender, or None."""
    return (await visit(update, context)).account


async def stale_button_text(update: Update, context: BotContext) -> str:
    """What a dead button says to whoever pressed it: a manager is pointed to /manage."""
    viewer = await account(update, context)
    return ui.common.stale_button(manager=viewer is not None and viewer.role is Role.MANAGER)


def refusal(viewer: Viewer | None, role: Role | None) -> str | None:
    """Why ``viewer`` may not act where ``role`` is required (None: logged in is enough);
    None when they may."""
    if viewer is None:
        return ui.common.login_first()
    if role is not None and viewer.role is not role:
        return ui.common.managers_only()
    return None


def requires(role: Role | None = None) -> Callable[[Handler[R]], Handler[R | None]]:
    """Run the handler only for a logged-in account (of ``role``, when given).

    Everyone else gets the one refusal path (an alert for a button, a message otherwise) and
    nothing happens. Services re-check inside their transactions where a write depends on it.
    """

    def decorate(func: Handler[R]) -> Handler[R | None]:
        @functools.wraps(func)
        async def guarded(update: Update, context: BotContext) -> R | None:
            reason = refusal(await account(update, context), role)
            if reason is not None:
                await refuse(update, reason)
                return None
            return await func(update, context)

        guarded.__dict__["required_role"] = role
        return guarded

    return decorate
