"""The typed callback context: handlers reach settings, clock and database through ``ctx.deps``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeAlias, cast

from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot.clock import Clock
from bot.config import Settings
from db.session import Database

DEPS_KEY = "deps"


@dataclass
class Deps:
    """Everything a handler or job needs besides the update itself."""

    settings: Settings
    clock: Clock
    db: Database
    # compared against when an email is unknown, so both login failures cost one bcrypt check
    dummy_hash: bytes = field(default=b"")


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with typed access to the application's dependencies."""

    @property
    def deps(self) -> Deps:
        """The dependencies stored by ``build_application``."""
        return cast(Deps, self.bot_data[DEPS_KEY])


EventBotApp: TypeAlias = Application[
    ExtBot[None],
    BotContext,
    dict[Any, Any],
    dict[Any, Any],
    dict[Any, Any],
    JobQueue[BotContext],
]
