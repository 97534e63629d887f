"""A nudge inside a form asks its question again, with the buttons, on the newest message.

A new user typed /help and a button's number mid-form and lost the question: the nudges used
to point "above", and in the sandbox a number only presses the newest message's buttons.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from bot import ui
from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator
from tests.conftest import INVITE_CODE, RunningBot, Sessions
from tests.flows.helpers import local_text, manager_with_event
from tests.flows.test_broadcast import event_id_of, open_preview, received, seat
from tests.people import Person

ROLES = ["🙋 Customer", "🛠 Manager"]


async def at_role_step(emulator: BotAPIEmulator) -> Person:
    """Ann signs up as far as the customer-or-manager buttons."""
    ann = Person(emulator, 1001, "Ann")
    await ann.ask("/signup", "What's your name?")
    await ann.ask("Ann", "email address")
    await ann.ask("ann@example.com", "Choose a password")
    asked = await ann.ask("customer-secret", ui.accounts.signup_ask_role())
    assert asked.labels == ROLES
    return ann


async def test_a_command_mid_form_asks_the_question_again_with_its_buttons(
    bot: RunningBot, emulator: BotAPIEmulator
) -> None:
    ann = await at_role_step(emulator)
    question = ui.accounts.signup_ask_role()
    for command in ("/help", "/start", "/events"):
        nudge = await ann.ask(command, ui.forms.answer_below())
        assert nudge.text == ui.forms.answer_below() + "\n\n" + question
        assert nudge.labels == ROLES
        assert emulator.bot_messages(ann.chat_id)[-1] is nudge  # the newest message
    ann.press("🙋 Customer", nudge)  # the repeated button answers the question
    await ann.expect("you're logged in")
    await ann.ask("/cancel", ui.common.nothing_to_cancel())  # the form is over


async def test_text_at_a_button_step_gets_the_question_and_buttons_again(
    bot: RunningBot, emulator: BotAPIEmulator
) -> None:
    ann = await at_role_step(emulator)
    first = await ann.ask("1", ui.forms.press_a_button())  # what a sandbox user typed
    again = await ann.ask("customer", ui.forms.press_a_button())
    for nudge in (first, again):
        assert nudge.text.startswith("Please choose with the buttons below, or send /cancel")
        assert nudge.text.endswith("\n\n" + ui.accounts.signup_ask_role())
        assert nudge.labels == ROLES
    ann.press("🛠 Manager", again)
    await ann.expect("manager invite code")


async def test_the_newevent_summary_comes_again_with_create_and_cancel(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock
) -> None:
    """Text at /newevent's last step: the whole summary and its buttons, then Create works."""
    boss = Person(emulator, 9000, "Boss")
    await boss.sign_up("boss@example.com", "manager-secret", manager_code=INVITE_CODE)
    await boss.ask("/newevent", "What's the title?")
    await boss.ask("Jazz night", "Describe the event")
    await boss.ask("Live music.", "When does it start?")
    await boss.ask(local_text(clock.now() + timedelta(days=3)), "Where does it take place?")
    await boss.ask("Main hall", "How many seats")
    summary = await boss.ask("30", "Please check the event")
    nudge = await boss.ask("yes", ui.forms.press_a_button())
    assert nudge.text.endswith(summary.text) and "Jazz night" in nudge.text
    assert nudge.labels == summary.labels == ["✅ Create", "✖ Cancel"]
    boss.press("✅ Create", nudge)
    await boss.expect("Created Jazz night")


async def test_a_command_at_a_password_step_is_deleted_and_the_question_asked_again(
    bot: RunningBot, emulator: BotAPIEmulator
) -> None:
    ann = Person(emulator, 1001, "Ann")
    await ann.sign_up("ann@example.com", "customer-secret")
    await ann.ask("/logout", "logged out")
    await ann.ask("/login", "email address of your account")
    await ann.ask("ann@example.com", "your password")
    command = ann.say("/help")
    nudge = await ann.expect(ui.forms.answer_below())
    assert "your password" in nudge.text
    assert command.deleted  # at a secret step whatever is typed is deleted, commands too
    password = ann.say("customer-secret")
    await ann.expect("Logged in as Ann")
    assert password.deleted


async def test_text_at_the_broadcast_preview_repeats_it_and_its_send_button_sends(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    """The repeated preview is as good as the first: Send there sends, once, and it becomes
    the status message."""
    boss = await manager_with_event(emulator, clock, capacity=10)
    event_id = await event_id_of(sessions)
    chats = await seat(sessions, emulator, event_id, 2)
    preview = await open_preview(emulator, boss, event_id)
    nudge = await boss.ask("send it", ui.forms.press_a_button())
    assert nudge.text.endswith(preview.text)
    assert nudge.labels == preview.labels == ["📣 Send to 2 people", "✖ Cancel"]
    boss.press("📣 Send to 2 people", nudge)
    await boss.expect("Jazz night: sent to 2 of 2 people.")
    status = emulator.find_message(boss.chat_id, nudge.message_id)
    assert status is not None and status.text == "📣 Jazz night: sent to 2 of 2 people."
    assert received(emulator, chats) == Counter({chat: 1 for chat in chats})
