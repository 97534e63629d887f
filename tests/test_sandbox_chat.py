"""The sandbox chat in-process: numbered buttons, people, unread messages, documents."""

from __future__ import annotations

import contextlib
import io
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator
from bot.post_refresh import refresh_now
from bot.sandbox.chat import SandboxChat
from bot.sandbox.keep import read_state, restore_telegram, state_path
from bot.sandbox.render import PlainOutput
from bot.sandbox.runner import carry_on
from db.models import Event, EventPost
from tests.conftest import TOKEN, BotFactory, RunningBot, Sessions, make_settings
from tests.flows.helpers import manager_with_event, seat_customer

GROUP = -1001000000001


def make_chat(
    bot: RunningBot, emulator: BotAPIEmulator, tmp_path: Path, *, state_file: Path | None = None
) -> tuple[SandboxChat, io.StringIO]:
    screen = io.StringIO()
    chat = SandboxChat(
        emulator=emulator,
        app=bot.app,
        output=PlainOutput(screen),
        files_dir=tmp_path / "files",
        start_as="alice",
        state_file=state_file,
    )
    return chat, screen


async def test_numbers_press_the_last_keyboard_and_bad_numbers_are_explained(
    bot: RunningBot, emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    chat, screen = make_chat(bot, emulator, tmp_path)
    await chat.handle("/start")
    assert "[1] 📝 Sign up   [2] 🔑 Log in" in screen.getvalue()
    await chat.handle("9")
    assert "there is no button 9 (the last keyboard has 1–3)" in screen.getvalue()
    await chat.handle("1")
    assert "What's your name?" in screen.getvalue()
    assert chat.expects_secret is False
    await chat.handle("Alice")
    await chat.handle("alice@example.com")
    assert chat.expects_secret is True
    await chat.handle("alice-secret")
    assert "🔒 the bot deleted your message" in screen.getvalue()


async def test_people_have_their_own_chats_and_unread_messages(
    bot: RunningBot, emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    chat, screen = make_chat(bot, emulator, tmp_path)
    await chat.handle(":as bob")
    bob = chat.current
    await chat.handle(":as alice")
    await bot.app.bot.send_message(bob.chat_id, "psst, Bob")
    await chat.settle()
    assert "💬 new message for Bob (:as bob to read)" in screen.getvalue()
    assert "psst, Bob" not in screen.getvalue()
    await chat.handle(":who")
    assert "Bob (Telegram id" in screen.getvalue() and "1 unread" in screen.getvalue()
    await chat.handle(":as bob")
    assert "psst, Bob" in screen.getvalue()
    await chat.handle(":as 9lives")
    assert "names start with a letter" in screen.getvalue()


async def test_documents_are_saved_and_their_path_shown(
    bot: RunningBot, emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    chat, screen = make_chat(bot, emulator, tmp_path)
    await bot.app.bot.send_document(
        chat.current.chat_id, b"name,email\nAnn,ann@example.com\n", filename="attendees.csv"
    )
    await chat.settle()
    saved = list((tmp_path / "files").glob("*attendees.csv"))
    assert len(saved) == 1
    assert saved[0].read_bytes() == b"name,email\nAnn,ann@example.com\n"
    assert f"📎 saved to {saved[0]}" in screen.getvalue()


async def test_clock_moves_forward_only(
    bot: RunningBot, emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    chat, screen = make_chat(bot, emulator, tmp_path)
    before = bot.app.deps.clock.now()
    await chat.handle(":clock +2h")
    after = bot.app.deps.clock.now()
    assert 7190 < (after - before).total_seconds() < 7300
    await chat.handle(":clock -1h")
    await chat.handle(":clock next")
    assert "use :clock +1h (forward only)" in screen.getvalue()
    assert "no reminders are pending" in screen.getvalue()


def typed(emulator: BotAPIEmulator, chat: SandboxChat) -> list[str]:
    """What the current person has typed into their chat, oldest first."""
    return [m.text for m in emulator.chat(chat.current.chat_id) if not m.from_bot]


async def test_a_number_is_typed_unless_the_latest_message_has_buttons(
    bot: RunningBot, emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    chat, screen = make_chat(bot, emulator, tmp_path)
    await chat.handle("/start")
    assert "[2] 🔑 Log in" in screen.getvalue()
    await bot.app.bot.send_message(chat.current.chat_id, "How many seats?")
    await chat.settle()
    await chat.handle("2")
    assert typed(emulator, chat)[-1] == "2"
    assert "pressed" not in screen.getvalue()
    assert "#2 presses button 2 of the keyboard above" in screen.getvalue()  # the way to press
    await bot.app.bot.send_message(chat.current.chat_id, "No buttons here either")
    await chat.settle()
    await chat.handle("#2")  # the last keyboard shown, however old
    assert "Alice pressed “🔑 Log in”" in screen.getvalue()
    assert typed(emulator, chat)[-1] == "2"
    await chat.handle("#7")
    assert "there is no button 7" in screen.getvalue()


async def test_no_input_crashes_the_sandbox(
    bot: RunningBot, emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    chat, screen = make_chat(bot, emulator, tmp_path)
    await chat.handle("/start")
    odd = [
        "²", "٣", "#", "#x", "#²", "#99999999999", "#" + "9" * 5000, "9" * 5000, "x" * 10_000,
        "\x00\x07\x1b[2J\x7f", "\u202e1", ":", ": as", ":as " + "x" * 1000, ":clock +",
        ":clock +99999999999d", ":clock +999999999d", ":clock " + "9" * 5000,
        ":clock +" + "9" * 5000 + "s",
    ]  # fmt: skip
    for line in odd:
        await chat.handle(line)
    assert chat.running
    assert "there is no button 99999999999" in screen.getvalue()
    assert "the bot's calendar ends in the year 9999" in screen.getvalue()
    sent = typed(emulator, chat)
    for line in ("²", "٣", "#", "#x", "#²", "9" * 5000):
        assert line in sent, line
    assert "pressed" not in screen.getvalue()
    assert "sandbox error" not in screen.getvalue()


def header_before(screen: str, text: str) -> str:
    """The header line of the bubble that shows ``text``."""
    lines = screen.splitlines()
    index = lines.index(f"│ {text}")
    return lines[index - 1]


async def test_messages_read_later_show_when_they_were_sent(
    bot: RunningBot, emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    chat, screen = make_chat(bot, emulator, tmp_path)
    clock, zone = bot.app.deps.clock, bot.app.deps.settings.tz
    await chat.handle(":as bob")
    bob = chat.current
    await chat.handle(":as alice")
    clock.advance(timedelta(days=3))  # the bot's clock runs ahead of the wall clock
    sent_between = [clock.now()]
    await bot.app.bot.send_message(bob.chat_id, "psst, Bob")
    await chat.settle()
    sent_between.append(clock.now())
    await chat.handle(":clock +2h")
    await chat.handle(":as bob")
    header = header_before(screen.getvalue(), "psst, Bob")
    shown = {f"EventBot · {t.astimezone(zone):%a %d %b %Y %H:%M}" for t in sent_between}
    assert any(s in header for s in shown), (header, shown)


async def test_a_number_presses_a_card_the_bot_just_edited(
    bot: RunningBot, emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    chat, screen = make_chat(bot, emulator, tmp_path)
    await chat.handle("/start")
    welcome = emulator.bot_messages(chat.current.chat_id)[-1]
    await bot.app.bot.send_message(chat.current.chat_id, "A message without buttons")
    keyboard = [[InlineKeyboardButton(t, callback_data=d) for t, d in r] for r in welcome.buttons]
    await bot.app.bot.edit_message_text(
        "Pick again",
        chat_id=welcome.chat_id,
        message_id=welcome.message_id,
        reply_markup=InlineKeyboardMarkup(keyboard),
    )
    await chat.settle()
    await chat.handle("2")  # the edited card is shown again, at the bottom
    assert "Alice pressed “🔑 Log in”" in screen.getvalue()


async def test_typing_is_hidden_for_every_secret_step_by_the_forms_own_declaration(
    bot: RunningBot, emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    chat, _screen = make_chat(bot, emulator, tmp_path)
    for line in ["/signup", "Alice", "alice@example.com", "alice-secret"]:
        await chat.handle(line)
    assert chat.expects_secret is False  # choosing a role: buttons, nothing secret
    await chat.handle("2")  # 🛠 Manager
    assert chat.expects_secret is True
    await chat.handle("wrong-code")  # the retry's wording has no "I'll delete" in it
    assert chat.expects_secret is True
    await chat.handle(":as bob")  # Bob has no form open
    assert chat.expects_secret is False
    await chat.handle(":as alice")
    assert chat.expects_secret is True


async def test_the_sandbox_clock_is_kept_in_its_database(
    bot: RunningBot, emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    from bot.clock import ShiftableClock
    from bot.sandbox.runner import restore_clock

    chat, _screen = make_chat(bot, emulator, tmp_path)
    await chat.handle(":clock +3h")
    restarted = ShiftableClock()
    await restore_clock(bot.app, restarted)
    assert timedelta(hours=3) <= restarted.offset < timedelta(hours=3, minutes=1)


async def test_link_buttons_open_the_bot_like_telegram_and_share_buttons_say_what_they_do(
    bot: RunningBot, emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    chat, screen = make_chat(bot, emulator, tmp_path)
    await chat.handle("/start")
    person = chat.current
    link = f"https://t.me/{emulator.bot_user['username']}?start=ev_999"
    share = "https://t.me/share/url?url=https%3A%2F%2Ft.me%2Fbot%3Fstart%3Dev_1&text=Jazz"
    await bot.app.bot.send_message(
        person.chat_id,
        "Links",
        reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("Open", url=link)], [InlineKeyboardButton("Share", url=share)]]
        ),
    )
    await chat.settle()
    await chat.handle("2")
    assert "opens Telegram's share sheet to send https://t.me/bot?start=ev_1" in screen.getvalue()
    await chat.handle("1")
    assert f"{person.name} opened {link}" in screen.getvalue()
    await chat.settle()
    assert "That event doesn't exist" in screen.getvalue()  # /start ev_999 reached the bot


async def test_a_number_after_a_nudge_presses_the_buttons_it_repeats(
    bot: RunningBot, emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """A new user's loop: /help mid-form, then "1" was sent as text, its nudge had no buttons,
    so the next "1" was text again. The nudge now carries the question's buttons."""
    chat, screen = make_chat(bot, emulator, tmp_path)
    for line in ["/signup", "Alice", "alice@example.com", "alice-secret", "/help", "customer"]:
        await chat.handle(line)
    assert "Please choose with the buttons below" in screen.getvalue()
    await chat.handle("1")
    assert "Alice pressed “🙋 Customer”" in screen.getvalue()
    assert typed(emulator, chat)[-1] == "customer"  # the number was a press, not a message
    assert "you're logged in" in screen.getvalue()


async def test_as_without_a_name_says_how_to_use_it(
    bot: RunningBot, emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    chat, screen = make_chat(bot, emulator, tmp_path)
    await chat.handle(":as")
    assert "use :as NAME" in screen.getvalue()
    assert "unknown sandbox command" not in screen.getvalue()
    assert chat.current.name == "Alice"


async def test_only_a_ticket_gets_the_scan_hint_and_a_bare_scan_reads_the_ticket(
    bot: RunningBot, emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    from PIL import Image

    from bot.ui.ticket_image import TicketFace, render_ticket

    chat, screen = make_chat(bot, emulator, tmp_path)
    link = f"https://t.me/{emulator.bot_user['username']}?start=ci_1_abc"
    face = TicketFace("Ticket", "Jazz night", "Sat 28 Nov", "Blue Note", "Alice", "Door", link)
    await bot.app.bot.send_photo(chat.current.chat_id, render_ticket(face), caption="Ticket")
    await chat.settle()
    assert "(:scan reads the QR code in it)" in screen.getvalue()
    chart = io.BytesIO()
    Image.new("RGB", (300, 200), "white").save(chart, format="PNG")
    await bot.app.bot.send_photo(chat.current.chat_id, chart.getvalue(), caption="Registrations")
    await chat.settle()
    last_note = [line for line in screen.getvalue().splitlines() if "🖼 saved to" in line][-1]
    assert ":scan" not in last_note
    assert chat.last_picture is not None and chat.last_picture.name.endswith("photo.png")
    await chat.handle(":scan")  # the ticket, not the chart that came after it
    assert "scanned" in screen.getvalue() and "/start ci_1_abc" in typed(emulator, chat)


# ---- a restart: the Telegram side is kept beside the database ------------------------------


@contextlib.asynccontextmanager
async def restarted(
    database_url: str, clock: ShiftableClock, tmp_path: Path, **overrides: Any
) -> AsyncIterator[tuple[RunningBot, BotAPIEmulator, SandboxChat, io.StringIO]]:
    """A second sandbox run on the same database, the way the runner starts one: a fresh
    emulator with the kept chats, a fresh bot, the kept people, where we left off."""
    state_file = kept_at(database_url, tmp_path)
    state = read_state(state_file)
    assert state is not None
    emulator = BotAPIEmulator(TOKEN)
    restore_telegram(emulator, state)
    await emulator.start()
    bot = RunningBot(make_settings(database_url, emulator.url, **overrides), clock, emulator)
    known = await carry_on(bot.app, emulator)
    chat, screen = make_chat(bot, emulator, tmp_path, state_file=state_file)
    chat.restore_people(state)
    for user_id, name in known:
        chat.people.adopt(user_id, name)
    try:
        async with bot:
            if not chat.show_where_we_left_off():
                await chat.handle("/start")
            yield bot, emulator, chat, screen
    finally:
        await emulator.close()


def kept_at(database_url: str, tmp_path: Path) -> Path:
    path = state_path(database_url, tmp_path / "files")
    assert path is not None
    return path


async def test_a_restart_keeps_unread_messages_and_shows_them_on_as(
    bot: RunningBot,
    emulator: BotAPIEmulator,
    tmp_path: Path,
    database_url: str,
    clock: ShiftableClock,
) -> None:
    chat, _screen = make_chat(bot, emulator, tmp_path, state_file=kept_at(database_url, tmp_path))
    await chat.handle("/start")
    await chat.handle(":as bob")
    bob = chat.current
    await chat.handle(":as carol")  # never signs up: still someone after the restart
    await chat.handle(":as alice")
    await bot.app.bot.send_message(bob.chat_id, "<b>Jazz night</b> moved", parse_mode="HTML")
    await chat.settle()
    await bot.__aexit__(None, None, None)  # the first run ends (the file was written as it went)

    async with restarted(database_url, clock, tmp_path) as (_bot, emulator2, chat2, screen):
        shown = screen.getvalue()
        assert "💬 1 unread for Bob (:as bob to read)" in shown
        assert "· before the restart" in shown and "[1] 📝 Sign up" in shown  # Alice's last
        await chat2.handle(":who")
        assert "Bob (Telegram id" in screen.getvalue() and "1 unread" in screen.getvalue()
        assert "Carol (Telegram id" in screen.getvalue()
        await chat2.handle(":as bob")
        assert "Jazz night moved" in screen.getvalue()
        moved = emulator2.bot_messages(bob.chat_id)[-1]
        assert moved.html == "<b>Jazz night</b> moved"
        await chat2.handle(":who")
        assert screen.getvalue().count(", 1 unread)") == 1  # read now: the second :who has none


async def test_a_keyboard_from_before_a_restart_is_pressed_with_its_number(
    bot: RunningBot,
    emulator: BotAPIEmulator,
    tmp_path: Path,
    database_url: str,
    clock: ShiftableClock,
) -> None:
    chat, _screen = make_chat(bot, emulator, tmp_path, state_file=kept_at(database_url, tmp_path))
    await chat.handle("/start")
    await bot.app.bot.send_message(chat.current.chat_id, "No buttons here")
    await chat.settle()
    before = max(m.message_id for m in emulator.chat(chat.current.chat_id))
    await bot.__aexit__(None, None, None)

    async with restarted(database_url, clock, tmp_path) as (_bot, emulator2, chat2, screen):
        assert "before the restart" in header_before(screen.getvalue(), "No buttons here")
        assert "Sign up" not in screen.getvalue()  # no new /start
        await chat2.handle("#1")
        assert "Alice pressed “📝 Sign up”" in screen.getvalue()
        assert "What's your name?" in screen.getvalue()
        asked = emulator2.bot_messages(chat2.current.chat_id)[-1]
        assert asked.message_id > before  # Telegram never gives a chat's message id twice


async def test_a_group_post_drawn_before_a_restart_is_edited_after_it(
    start_bot: BotFactory,
    emulator: BotAPIEmulator,
    tmp_path: Path,
    database_url: str,
    clock: ShiftableClock,
    sessions: Sessions,
) -> None:
    quiet = timedelta(seconds=600)  # the post refresh job never fires by itself
    bot = await start_bot(post_refresh_seconds=quiet.total_seconds())
    chat, _screen = make_chat(bot, emulator, tmp_path, state_file=kept_at(database_url, tmp_path))
    boss = await manager_with_event(emulator, clock, capacity=10)
    emulator.add_bot_to_chat(GROUP, "Jazz fans", by=boss.user_id, kind="supergroup")
    async with sessions.begin() as session:
        event = await session.scalar(select(Event.id).where(Event.title == "Jazz night"))
    assert event is not None
    boss.say(f"/post {event}", chat_id=GROUP)
    post = await boss.expect("0/10 going", chat_id=GROUP)
    await chat.settle()  # the bot has handled the command: the post is recorded
    async with sessions.begin() as session:
        assert await session.scalar(select(EventPost.message_id)) == post.message_id
    await bot.__aexit__(None, None, None)

    async with restarted(
        database_url, clock, tmp_path, post_refresh_seconds=quiet.total_seconds()
    ) as (bot2, emulator2, _chat2, screen):
        async with sessions.begin() as session:
            await seat_customer(
                session, clock, event_id=event, name="Ann", email="ann@example.com", chat_id=7001
            )
        clock.advance(quiet)
        assert (await refresh_now(bot2.app)).edited == 1
        kept = emulator2.find_message(GROUP, post.message_id)
        assert kept is not None and "1/10 going" in kept.text and kept.edits == 1
        await _chat2.settle()
        assert "👥 Jazz fans" in screen.getvalue() and "· edited" in screen.getvalue()
        assert "1/10 going" in screen.getvalue()
