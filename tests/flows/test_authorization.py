"""Every handler that is not on the public list refuses customers and logged-out users.

The test enumerates the handlers the application really registers (conversation entry
points, states and fallbacks included), so a new command or button added without a role
check fails here until it either checks the role or is consciously added to PUBLIC. Buttons
are counted by kind (bot.ui.callbacks): a handler's pattern serves the kinds whose values it
matches, and one that serves no kind at all fails too.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import NonInteractiveExampleWarning
from sqlalchemy import func, select
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler

from bot import ui
from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator
from bot.ui.callbacks import (
    AttendeePicker,
    Attendees,
    BroadcastConfirm,
    Callback,
    CheckInAgain,
    CheckInList,
    EditField,
    EndOtherSessions,
    EventCard,
    EventList,
    ManagePast,
    ManagePicker,
    ManagerCard,
    MyEvents,
    NewEventConfirm,
    PostTo,
    RoleChoice,
    Start,
    UndoCheckIn,
)
from db.models import Base
from tests.buttons import EXAMPLES
from tests.conftest import RunningBot, Sessions
from tests.flows.helpers import manager_with_event
from tests.people import Person

PUBLIC_COMMANDS = {
    "start",
    "help",
    "cancel",
    "events",
    "myevents",
    "signup",
    "login",
    "logout",
    "me",
    # every logged-in account, for its own account
    "sessions",
    "password",
}
# the button kinds anyone may press (RoleChoice: sign-up's answer buttons, a form for anyone;
# EndOtherSessions: any logged-in account, for its own sessions)
PUBLIC_CALLBACKS: set[type[Callback]] = {
    Start,
    RoleChoice,
    EventList,
    EventCard,
    MyEvents,
    EndOtherSessions,
}
REFUSALS = {ui.common.managers_only(), ui.common.login_first()}


def walk(handlers: list[BaseHandler[Any, Any, Any]]) -> Iterator[BaseHandler[Any, Any, Any]]:
    for handler in handlers:
        if isinstance(handler, ConversationHandler):
            yield from walk(list(handler.entry_points))
            for state_handlers in handler.states.values():
                yield from walk(list(state_handlers))
            yield from walk(list(handler.fallbacks))
        else:
            yield handler


def registered(bot: RunningBot) -> tuple[set[str], set[str | None]]:
    commands: set[str] = set()
    patterns: set[str | None] = set()
    for group in bot.app.handlers.values():
        for handler in walk(list(group)):
            if isinstance(handler, CommandHandler):
                commands |= set(handler.commands)
            elif isinstance(handler, CallbackQueryHandler):
                pattern = handler.pattern
                patterns.add(pattern.pattern if isinstance(pattern, re.Pattern) else pattern)  # type: ignore[arg-type]
    return commands, patterns


def sample(pattern: str) -> str:
    """Callback data that matches ``pattern`` (what a forging client would send)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NonInteractiveExampleWarning)
        for _ in range(50):
            data = st.from_regex(pattern, fullmatch=True).example()
            if data.isascii() and len(data.encode()) <= 64:
                return data
    raise AssertionError(f"no sample for {pattern}")


def kinds_served_by(pattern: str) -> set[type[Callback]]:
    """The button kinds with a value whose data ``pattern`` matches."""
    return {
        kind
        for kind, values in EXAMPLES.items()
        if any(re.match(pattern, value.pack()) for value in values)
    }


async def row_counts(sessions: Sessions) -> dict[str, int]:
    """Rows per table, leaving out the inbox (every update that arrives is kept there)."""
    async with sessions.begin() as session:
        return {
            table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
            if table.name != "inbox"
        }


async def test_every_non_public_handler_refuses_customers_and_strangers(
    bot: RunningBot,
    emulator: BotAPIEmulator,
    clock: ShiftableClock,
    sessions: Sessions,
) -> None:
    await manager_with_event(emulator, clock)
    customer = Person(emulator, 1001, "Ann")
    await customer.sign_up("ann@example.com", "customer-secret")
    stranger = Person(emulator, 1002, "Stranger")
    listing = await customer.ask("/events", "Upcoming events")
    stranger_listing = await stranger.ask("/events", "Upcoming events")
    commands, patterns = registered(bot)
    guarded_commands = commands - PUBLIC_COMMANDS
    assert {"newevent", "attendees", "manage", "post", "promote", "demote"} <= guarded_commands
    served = {p: kinds_served_by(p) for p in patterns if p is not None}
    assert all(served.values()), served  # every button handler serves a kind of bot.ui.callbacks
    guarded_patterns = {p for p, kinds in served.items() if kinds - PUBLIC_CALLBACKS}
    guarded_kinds = set().union(*served.values()) - PUBLIC_CALLBACKS
    assert {
        NewEventConfirm,
        AttendeePicker,
        Attendees,
        CheckInList,
        BroadcastConfirm,
        PostTo,
    } <= guarded_kinds
    assert {ManagerCard, ManagePicker, ManagePast, EditField} <= guarded_kinds
    assert {UndoCheckIn, CheckInAgain} <= guarded_kinds
    before = await row_counts(sessions)

    for person, message in [(customer, listing), (stranger, stranger_listing)]:
        for command in sorted(guarded_commands):
            person.say(f"/{command}")
            reply = await person.expect("")
            assert reply.text in REFUSALS, (person.name, command, reply.text)
        # every value a guarded handler serves (a value no handler serves meets the
        # stale-button fallback: ManagerCard's actions arrive from several branches)
        valid = [
            data
            for kind in guarded_kinds
            for data in (value.pack() for value in EXAMPLES[kind])
            if any(re.match(pattern, data) for pattern in guarded_patterns)
        ]
        forged = [sample(pattern) for pattern in sorted(guarded_patterns) for _ in range(3)]
        for data in valid + forged:
            answer = await person.answer_to(person.press_data(message, data))
            assert answer["text"] in REFUSALS and answer["show_alert"], (person.name, data)
    assert await row_counts(sessions) == before
    assert not any("ann@example.com —" in m.text for m in emulator.bot_messages(customer.chat_id))
