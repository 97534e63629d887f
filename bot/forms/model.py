"""Forms as data: an ordered list of steps, each saying how to ask, read and check its answer.

A form's whole flow reads top to bottom in its declaration (``bot/handlers/signup.py`` ...);
``bot.forms.engine`` runs any of them, keeping the state in the database (``services.forms``).
Answers are stored as JSON, so steps return plain values (str, int, bool); secrets are never
returned as typed (a password step returns its bcrypt hash, an invite code step ``True``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from telegram import InlineKeyboardMarkup, Update

from bot.ui.callbacks import Callback
from db.models import Role

if TYPE_CHECKING:
    from bot.context import BotContext, Deps

Answers = Mapping[str, Any]


@dataclass(frozen=True)
class Reply:
    """A message to send (or, with ``edit``, to put in place of the pressed button's message)."""

    text: str
    keyboard: InlineKeyboardMarkup | None = None
    edit: bool = False


@dataclass
class FormEnv:
    """What a step's functions may look at: the update, the dependencies, the answers so far."""

    update: Update
    context: BotContext
    answers: Answers
    now: datetime

    @property
    def deps(self) -> Deps:
        """The application's dependencies."""
        return self.context.deps

    @property
    def user_id(self) -> int:
        """The Telegram user filling in the form."""
        assert self.update.effective_user is not None
        return self.update.effective_user.id

    @property
    def chat_id(self) -> int:
        """The chat the form lives in."""
        assert self.update.effective_chat is not None
        return self.update.effective_chat.id


# ---- how a step's function can say no (raised from parse / pick / finish) ------------------


class StepOutcome(Exception):
    """Base of the ways a step's function can steer the form instead of returning a value."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.text)
        self.reply = reply


class Again(StepOutcome):
    """Refuse this answer with ``reply`` and stay on the step (its question is not repeated)."""


class GoTo(StepOutcome):
    """Go back to step ``key`` (its answer and later ones are dropped), saying ``reply`` first."""

    def __init__(self, key: str, reply: Reply) -> None:
        super().__init__(reply)
        self.key = key


class Onward(StepOutcome):
    """Take ``value`` as the answer and go on to the next step, saying ``reply`` in place of
    its question (a step that must be reached, but whose usual question would mislead).
    Never from a form's last step: there is no next question to replace."""

    def __init__(self, value: Any, reply: Reply) -> None:
        super().__init__(reply)
        self.value = value


class Abandon(StepOutcome):
    """Close the form with ``reply``; nothing is kept."""


Ask = Callable[["FormEnv"], Reply]
Parse = Callable[[str, "FormEnv"], Awaitable[Any]]
Pick = Callable[[str, str, "FormEnv"], Awaitable[Any]]


async def keep_text(raw: str, _env: FormEnv) -> str:
    """The default parser: the text as typed."""
    return raw


async def keep_choice(_key: str, value: str, _env: FormEnv) -> str:
    """The default for button answers: the button's value."""
    return value


def always(_answers: Answers) -> bool:
    """Steps are asked unless their ``when`` says otherwise."""
    return True


@dataclass(frozen=True)
class Step:
    """One question of a form.

    ``parse`` reads a typed answer (raise ``InvalidInput`` or a ``StepOutcome`` to refuse it);
    ``buttons`` lists the answers this step takes from button presses, as ``{key: values}``
    (a button may answer an earlier key, e.g. "continue as customer" at the invite-code step
    answers ``role``); ``secret`` answers are deleted from the chat as soon as they arrive and
    the sandbox hides their typing; ``when`` skips the step for some earlier answers.
    """

    key: str
    ask: Ask
    parse: Parse | None = keep_text
    buttons: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    pick: Pick = keep_choice
    secret: bool = False
    when: Callable[[Answers], bool] = always


Finish = Callable[["FormEnv", Any], Awaitable["Done"]]


@dataclass(frozen=True)
class Done:
    """What a finished form says, and what to do after saying it (its transaction committed)."""

    replies: tuple[Reply, ...]
    after: Callable[[], Awaitable[None]] | None = None


@dataclass(frozen=True)
class Form:
    """A named, ordered list of steps and what to do with the answers.

    ``finish(env, session)`` runs in the write transaction that also closes the form, so the
    result (an account, an event) and the end of the form commit together. ``role`` (when set)
    is required of the person at every step, and ``finish`` checks it again in its transaction.
    """

    name: str
    steps: tuple[Step, ...]
    finish: Finish
    # who may fill it in: checked when it starts, on every answer and every button press
    role: Role | None = None
    # its answer buttons: the callback kind, and the (key, value) a press of one answers
    buttons: Mapping[type[Callback], Callable[[Any], tuple[str, str]]] = field(default_factory=dict)

    def step(self, key: str) -> Step | None:
        """The step named ``key``."""
        return next((s for s in self.steps if s.key == key), None)

    def next_step(self, answers: Answers, after: str | None = None) -> Step | None:
        """The first step after ``after`` (None: from the start) that applies to ``answers``."""
        keys = [s.key for s in self.steps]
        start = 0 if after is None else keys.index(after) + 1
        return next((s for s in self.steps[start:] if s.when(answers)), None)

    def answers_before(self, answers: Answers, key: str) -> dict[str, Any]:
        """``answers`` without ``key`` and the steps after it (going back to ``key``)."""
        keys = [s.key for s in self.steps]
        dropped = set(keys[keys.index(key) :])
        return {k: v for k, v in answers.items() if k not in dropped}
