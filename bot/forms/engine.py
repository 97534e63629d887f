"""Runs any declared form: its state is read with the update and saved in one transaction.

Messages in a private chat pass through ``on_message`` first (handler group -1): with a form
open, the message is its answer (or /cancel, or a nudge for other commands) and nothing else
sees it; without one, it goes on to the ordinary handlers. Button answers arrive through
``on_button``. Because the state is a database row, a form survives restarts and continues on
whichever process gets the next message (``services.forms``).
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot import ui
from bot.context import BotContext
from bot.forms.model import (
    Abandon,
    Again,
    Done,
    Form,
    FormEnv,
    GoTo,
    Onward,
    Reply,
    Step,
    StepOutcome,
)
from bot.handlers.common import answer, edit_or_say, refuse, say
from bot.handlers.visit import forget_visit, refusal, stale_button_text, visit
from bot.services import forms as form_rows
from bot.services.errors import DomainError, InvalidInput
from bot.services.forms import FormChanged, OpenForm
from bot.ui.callbacks import Callback
from db.update_writes import current_writes, unnumbered

log = logging.getLogger(__name__)
FORMS: dict[str, Form] = {}
# the bot's own commands: at a secret step only these count as commands ("/x9!" may be a password)
_KNOWN_COMMANDS = frozenset(ui.menu_commands.PUBLIC + ui.menu_commands.MANAGER + ("start",))


def declare(form: Form) -> Form:
    """Make ``form`` known to the engine (by name: rows in the database refer to it)."""
    FORMS[form.name] = form
    return form


async def start(
    update: Update, context: BotContext, form: Form, *, answers: dict[str, Any] | None = None
) -> None:
    """Open ``form`` for the sender and ask its first question; one open form per chat."""
    message = update.message
    if message is not None and message.text and len(message.text.split(maxsplit=1)) > 1:
        # "/login me@x.org secret": a form's command takes no arguments, and these may be one
        await _delete(update)
        await say(update, ui.forms.deleted_arguments())
    if not await allowed(update, context, form):
        return
    await answer(update)
    current = (await visit(update, context)).form
    now = context.deps.clock.now()
    if current is not None and not current.expired(now):
        await _nudge(update, context, current, ui.forms.answer_below())
        return
    seed = dict(answers or {})
    env = FormEnv(update, context, seed, now)
    first = form.next_step(seed)
    assert first is not None, form.name  # every declared form has a first step
    async with context.deps.db.write() as session:
        await form_rows.open_form(
            session,
            chat_id=env.chat_id,
            user_id=env.user_id,
            form=form.name,
            step=first.key,
            answers=seed,
            now=now,
        )
    forget_visit(context)
    await _send(update, first.ask(env))


def awaiting_secret(state: OpenForm | None) -> bool:
    """Whether ``state`` waits for a secret answer (the sandbox hides typing then)."""
    if state is None or state.form not in FORMS:
        return False
    step = FORMS[state.form].step(state.step)
    return step is not None and step.secret


async def on_message(update: Update, context: BotContext) -> None:
    """A private message: the open form's answer, /cancel, or (no form) the ordinary handlers."""
    message = update.effective_message
    if message is None or update.effective_user is None:
        return
    state = (await visit(update, context)).form
    if state is None:
        return
    now = context.deps.clock.now()
    form = FORMS.get(state.form)
    step = form.step(state.step) if form is not None else None
    if form is None or step is None or state.expired(now):
        # a lapsed form, or one this version no longer has: the message goes on to the
        # ordinary handlers, unless it answers a secret step (then it is deleted, and stops)
        closed = await _close_quietly(context, state)
        if closed and state.expired(now):  # else the sweep closed it and tells them, once
            await say(update, ui.common.timed_out())
        if step is not None and step.secret and message.text is not None:
            await _delete(update)
            raise ApplicationHandlerStop
        return
    text = message.text
    if step.secret and text is not None:
        await _delete(update)
    command = _command(text)
    if command != "cancel" and not await allowed(update, context, form):
        await _close_quietly(context, state)
    elif command == "cancel":
        await _close_quietly(context, state)
        await say(update, ui.common.cancelled())
    elif text is None:
        await _nudge(update, context, state, ui.forms.answer_with_text())
    elif command is not None and (not step.secret or _known_command(text)):
        # at a secret step only our own commands count as commands ("/x9!" may be a password)
        await _nudge(update, context, state, ui.forms.answer_below())
    elif step.parse is None:
        await _nudge(update, context, state, ui.forms.press_a_button())
    else:
        env = FormEnv(update, context, state.answers, now)
        await _run(env, form, state, step, lambda: step.parse(text, env), step.key)
    raise ApplicationHandlerStop


async def on_other_button(update: Update, context: BotContext) -> None:
    """Any press while a form waits for an answer: the form's own buttons go on to their
    handler; others (an older card's, the Edit menu's ...) get "answer the question above,
    or /cancel", like commands do, so an answer can never end up in a form the person has
    lost sight of."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    async with context.deps.db.query() as conn:  # not visit(): most presses need no account
        name = await form_rows.open_form_name(
            conn,
            chat_id=query.message.chat.id,
            user_id=query.from_user.id,
            now=context.deps.clock.now(),
        )
    form = FORMS.get(name) if name is not None else None
    if form is None or Callback.kind_of(query.data) in form.buttons:
        return
    await refuse(update, ui.common.in_conversation())
    raise ApplicationHandlerStop


async def on_button(
    update: Update, context: BotContext, *, form_name: str, key: str, value: str
) -> None:
    """A button answer: accepted when it belongs to the step the form is at, else out of date."""
    state = (await visit(update, context)).form
    now = context.deps.clock.now()
    form = FORMS.get(form_name)
    if form is not None and not await allowed(update, context, form):
        return
    if state is None or form is None or state.form != form_name or state.expired(now):
        await refuse(update, await stale_button_text(update, context))
        return
    step = form.step(state.step)
    if step is None or value not in step.buttons.get(key, ()):
        await refuse(update, await stale_button_text(update, context))
        return
    await answer(update)
    env = FormEnv(update, context, state.answers, now)
    await _run(env, form, state, step, lambda: step.pick(key, value, env), key)


async def _run(env: FormEnv, form: Form, state: OpenForm, step: Step, read: Any, key: str) -> None:
    """Read an answer with ``read()``, then save it and ask the next question, or finish."""
    update, context = env.update, env.context
    writes = current_writes()
    if writes is not None and writes.replayed:
        # an earlier run saved this very answer and stopped before replying (a crash): the
        # form has moved on already, so the reply it owes is the question it is at now
        await _send(update, step.ask(env))
        return
    said: Reply | None = None  # what to say in place of the next question (Onward)
    try:
        value = await read()
    except Onward as exc:
        value, said = exc.value, exc.reply
    except InvalidInput as exc:
        await _touch(env, state)  # a refused answer is activity too: the time-out restarts
        await _send(
            update,
            Reply(
                ui.common.invalid_answer(ui.errors.error_text(exc), step.ask(env).text),
                step.ask(env).keyboard,
            ),
        )
        return
    except Again as exc:
        await _touch(env, state)
        await _send(update, exc.reply)
        return
    except StepOutcome as exc:
        await _steer(env, form, state, exc)
        return
    answers = {**state.answers, key: value}
    env.answers = answers
    following = form.next_step(answers, after=step.key)
    # Onward says something in place of the next question: a form's last step has none
    assert said is None or following is not None  # (a programming error, never input)
    try:
        if following is None:
            await _finish(env, form, state, answers)
            return
        async with context.deps.db.write() as session:
            await form_rows.advance(
                session, state=state, step=following.key, answers=answers, now=env.now
            )
    except FormChanged:
        await say(update, ui.forms.moved_on())
        return
    forget_visit(context)
    question = said if said is not None else following.ask(env)
    if step.secret:
        question = Reply(ui.forms.secret_received() + "\n\n" + question.text, question.keyboard)
    await _send(update, question)


async def _finish(env: FormEnv, form: Form, state: OpenForm, answers: dict[str, Any]) -> None:
    """Run the form's finish and close the form in one transaction; reply after the commit."""
    try:
        async with env.deps.db.write() as session:
            done: Done = await form.finish(env, session)
            await form_rows.close(session, state=state)
    except StepOutcome as exc:
        await _steer(env, form, state, exc)
        return
    except DomainError as exc:
        if isinstance(exc, FormChanged):
            raise
        await _close_quietly(env.context, state)
        await say(env.update, ui.errors.error_text(exc))  # the press was answered already
        return
    forget_visit(env.context)
    for reply in done.replies:
        await _send(env.update, reply)
    if done.after is not None:
        await done.after()


async def _steer(env: FormEnv, form: Form, state: OpenForm, outcome: StepOutcome) -> None:
    """Carry out GoTo / Abandon raised by a step's function or by finish."""
    try:
        if isinstance(outcome, Abandon):
            await _close_quietly(env.context, state)
        elif isinstance(outcome, GoTo):
            answers = form.answers_before(state.answers, outcome.key)
            async with env.deps.db.write() as session:
                await form_rows.advance(
                    session, state=state, step=outcome.key, answers=answers, now=env.now
                )
    except FormChanged:
        await say(env.update, ui.forms.moved_on())
        return
    forget_visit(env.context)
    await _send(env.update, outcome.reply)


async def _nudge(update: Update, context: BotContext, state: OpenForm, nudge: str) -> None:
    """Say ``nudge`` (answer the question, or /cancel) followed by the question the form is
    at, with its buttons: the newest message always carries the step's keyboard, however
    many commands or stray messages scrolled the first asking away. Always a new message."""
    form = FORMS.get(state.form)
    step = form.step(state.step) if form is not None else None
    if step is None:  # a form this version no longer has (on_message closes those first)
        await say(update, nudge)
        return
    question = step.ask(FormEnv(update, context, state.answers, context.deps.clock.now()))
    await say(update, ui.forms.nudged(nudge, question.text), question.keyboard)


async def allowed(update: Update, context: BotContext, form: Form) -> bool:
    """Whether the sender may fill in ``form``; refuses (the one refusal path) when not."""
    if form.role is None:
        return True
    reason = refusal((await visit(update, context)).account, form.role)
    if reason is not None:
        await refuse(update, reason)
    return reason is None


async def _touch(env: FormEnv, state: OpenForm) -> None:
    """The person is still at it: restart the form's time-out (nothing else changes)."""
    async with env.deps.db.write() as session:
        await form_rows.touch(session, state=state, now=env.now)


async def _close_quietly(context: BotContext, state: OpenForm) -> bool:
    """Close ``state``; False when it had already moved on (closed by the sweep, say).

    Not numbered as the update's write: whether it happens depends on the form's row, which a
    replay finds closed (the version check makes a second close a no-op anyway)."""
    try:
        with unnumbered():
            async with context.deps.db.write() as session:
                await form_rows.close(session, state=state)
    except FormChanged:
        log.info("form of chat %s had already moved on", state.chat_id)
        return False
    finally:
        forget_visit(context)
    return True


async def _send(update: Update, reply: Reply) -> None:
    if reply.edit:
        await edit_or_say(update, reply.text, reply.keyboard)
    else:
        await say(update, reply.text, reply.keyboard)


async def _delete(update: Update) -> None:
    """Delete the message that carried a secret, right after reading it."""
    message = update.effective_message
    if message is None:
        return
    try:
        await message.delete()
    except TelegramError as exc:
        log.warning("could not delete a secret message in chat %s: %s", message.chat_id, exc)


def _command(text: str | None) -> str | None:
    """``cancel`` for "/cancel" or "/cancel@SomeBot"; None when ``text`` is no command."""
    if not text or not text.startswith("/"):
        return None
    return text.split(maxsplit=1)[0][1:].split("@", 1)[0].lower()


def _known_command(text: str | None) -> bool:
    """``text`` is exactly one of the bot's commands (with no arguments)."""
    return text is not None and len(text.split()) == 1 and _command(text) in _KNOWN_COMMANDS
