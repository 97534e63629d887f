"""The composition root: the application owns its dependencies, handlers reach them typed.

``Deps`` is built once by ``build_application`` and held by ``EventBotApp`` itself, so
``bot_data`` stays PTB's; handlers and jobs get it as ``context.deps``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, cast

from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot.clock import Clock
from bot.config import Settings
from bot.post_memory import PostMemory
from bot.services.passwords import PasswordHasher
from db.session import Database


@dataclass
class Deps:
    """Everything a handler or job needs besides the update itself."""

    settings: Settings
    clock: Clock
    db: Database
    passwords: PasswordHasher
    # one outbox dispatch at a time per process (claims stay safe across processes regardless)
    dispatch_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # what each broadcast's status message shows now (bot.broadcast_status edits on change only)
    broadcast_status: dict[int, str] = field(default_factory=dict)
    # what the posts this process drew show now (bot.post_refresh)
    posts: PostMemory = field(default_factory=PostMemory)


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with typed access to the application's dependencies."""

    @property
    def deps(self) -> Deps:
        """The dependencies the application was built with."""
        return cast(EventBotApp, self.application).deps


class EventBotApp(
    Application[
        ExtBot[None],
        BotContext,
        dict[Any, Any],
        dict[Any, Any],
        dict[Any, Any],
        JobQueue[BotContext],
    ]
):
    """PTB's Application holding EventBot's dependencies (built by ``ApplicationBuilder``)."""

    def __init__(self, *, deps: Deps, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.deps = deps
