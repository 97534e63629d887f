"""Forms live in the database: they survive restarts, time out once, and one chat has one."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot import ui
from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator
from bot.forms.wiring import sweep_now
from bot.outbox import dispatch_now
from db.models import Event, FormState
from tests.conftest import INVITE_CODE, BotFactory, RunningBot, Sessions
from tests.flows.helpers import local_text
from tests.flows.processes import kill_hard, spawn_bot, stop
from tests.people import Person

TIMED_OUT = "That took a while, so I stopped"


async def test_signup_and_newevent_continue_after_the_bot_is_killed(
    database_url: str, emulator: BotAPIEmulator, sessions: Sessions, clock: ShiftableClock
) -> None:
    env = {"MANAGER_INVITE_CODE": INVITE_CODE}
    first = await spawn_bot(database_url, emulator, **env)
    ann = Person(emulator, 1001, "Ann")
    await ann.ask("/signup", "What's your name?")
    await ann.ask("Ann", "What's your email address?")
    await kill_hard(first)  # after the name: the form's row is all that is left of it

    second = await spawn_bot(database_url, emulator, **env)
    await ann.ask("ann@example.com", "Choose a password")
    password = ann.say("manager-secret")
    await ann.expect("customer or as an event manager")
    assert password.deleted  # deleted at once
    ann.press("🛠 Manager")
    await ann.expect("manager invite code")
    await kill_hard(second)  # at a secret step

    third = await spawn_bot(database_url, emulator, **env)
    code = ann.say(INVITE_CODE)
    await ann.expect("you're logged in")
    assert code.deleted
    await ann.ask("/newevent", "What's the title?")
    await ann.ask("Jazz night", "Describe the event")
    await ann.ask("Live music.", "When does it start?")
    await ann.ask(local_text(clock.now() + timedelta(days=3)), "Where does it take place?")
    await kill_hard(third)  # after the date

    fourth = await spawn_bot(database_url, emulator, **env)
    await ann.ask("Main hall", "How many seats")
    await ann.ask("30", "Please check the event")
    ann.press("✅ Create")
    await ann.expect("Created Jazz night")
    await stop(fourth, emulator)
    async with sessions.begin() as session:
        assert await session.scalar(select(func.count()).select_from(Event)) == 1
        assert await session.scalar(select(func.count()).select_from(FormState)) == 0


async def test_a_lapsed_form_is_closed_and_its_owner_told_once(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    ann = Person(emulator, 1001, "Ann")
    await ann.ask("/signup", "What's your name?")
    clock.advance(timedelta(minutes=16))
    assert await sweep_now(bot.app.deps) == 1
    assert await sweep_now(bot.app.deps) == 0  # a second sweep (another replica) finds nothing
    await dispatch_now(bot.app)
    await ann.expect(TIMED_OUT)
    # the next message is handled as if no form had been open
    await ann.ask("Ann", "I didn't understand that")
    told = [m for m in emulator.bot_messages(ann.chat_id) if TIMED_OUT in m.text]
    assert len(told) == 1


async def test_a_form_left_alone_times_out_on_the_next_message_too(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock
) -> None:
    ann = Person(emulator, 1001, "Ann")
    await ann.ask("/login", "email address of your account")
    clock.advance(timedelta(minutes=15, seconds=1))
    await ann.ask("ann@example.com", TIMED_OUT)  # no sweep ran yet: the message finds it lapsed
    await ann.expect("I didn't understand that")  # and then goes where it would without a form


async def test_one_form_per_chat_and_cancel_ends_it(
    bot: RunningBot, emulator: BotAPIEmulator, sessions: Sessions
) -> None:
    ann = Person(emulator, 1001, "Ann")
    welcome = await ann.ask("/start", "Welcome to")
    await ann.ask("/login", "email address of your account")
    await ann.ask("ann@example.com", "your password")
    # a second form while the login waits for a password: the press gets the same answer
    press = ann.press("📝 Sign up", welcome)
    assert (await ann.answer_to(press))["text"] == ui.common.in_conversation()
    await ann.ask("/signup", "Please answer the question below, or send /cancel")
    await ann.ask("/cancel", "Cancelled. Nothing was saved.")
    events = ann.say("/events")
    await ann.expect("no upcoming events")
    assert not events.deleted  # not taken for a password
    async with sessions.begin() as session:
        assert await session.scalar(select(func.count()).select_from(FormState)) == 0


async def test_a_restarted_in_process_bot_continues_a_form(
    start_bot: BotFactory, emulator: BotAPIEmulator
) -> None:
    first = await start_bot()
    ann = Person(emulator, 1001, "Ann")
    await ann.ask("/signup", "What's your name?")
    await ann.ask("Ann", "What's your email address?")
    await first.__aexit__(None, None, None)
    await start_bot()
    await ann.ask("ann@example.com", "Choose a password")


async def test_an_edited_answer_changes_nothing_even_if_telegram_sends_it(
    bot: RunningBot, emulator: BotAPIEmulator
) -> None:
    ann = Person(emulator, 1001, "Ann")
    await ann.ask("/signup", "What's your name?")
    name = ann.say("Ann")
    await ann.expect("What's your email address?")
    # as if Telegram delivered edits although the bot never asked for them
    emulator.allowed_updates = frozenset({"message", "edited_message", "callback_query"})
    emulator.edit_text(ann.user_id, name, "Annie")
    await ann.ask("ann@example.com", "Choose a password")  # the form went on undisturbed
    said = [m.text for m in emulator.bot_messages(ann.chat_id)]
    assert said[-1].startswith("Choose a password") and said[-2].startswith("Nice to meet you")


async def test_a_password_typed_after_the_command_is_deleted(
    bot: RunningBot, emulator: BotAPIEmulator
) -> None:
    ann = Person(emulator, 1001, "Ann")
    leaked = ann.say("/login ann@example.com hunter2-secret")
    await ann.expect("I deleted that message, in case it held a password")
    await ann.expect("email address of your account")  # the form goes on, asking properly
    assert leaked.deleted


async def test_other_buttons_wait_while_a_form_asks_and_its_own_buttons_work(
    bot: RunningBot, emulator: BotAPIEmulator
) -> None:
    """A form is modal, for buttons as for commands: an older card's or menu's button can't
    act behind the question (a sandbox user's edited title once went into a broadcast)."""
    boss = Person(emulator, 9000, "Boss")
    await boss.sign_up("boss@example.com", "manager-secret", manager_code=INVITE_CODE)
    listing = await boss.ask("/events", "no upcoming events")
    await boss.ask("/newevent", "What's the title?")
    press = boss.press_data(listing, "evl:0")
    assert (await boss.answer_to(press))["text"] == ui.common.in_conversation()
    await boss.ask("Jazz night", "Describe the event")  # the form went on where it was
    await boss.ask("/cancel", "Cancelled")
    press = boss.press_data(listing, "evl:0")  # no form: the button works again
    assert (await boss.answer_to(press))["text"] != ui.common.in_conversation()
