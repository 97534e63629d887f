"""The sandbox chat in-process: numbered buttons, people, unread messages, documents."""

from __future__ import annotations

import io
from pathlib import Path

from bot.emulator import BotAPIEmulator
from bot.sandbox.chat import SandboxChat
from bot.sandbox.render import PlainOutput
from tests.conftest import RunningBot


def make_chat(
    bot: RunningBot, emulator: BotAPIEmulator, tmp_path: Path
) -> tuple[SandboxChat, io.StringIO]:
    screen = io.StringIO()
    chat = SandboxChat(
        emulator=emulator,
        app=bot.app,
        output=PlainOutput(screen),
        files_dir=tmp_path / "files",
        start_as="alice",
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
    before = bot.app.bot_data["deps"].clock.now()
    await chat.handle(":clock +2h")
    after = bot.app.bot_data["deps"].clock.now()
    assert 7190 < (after - before).total_seconds() < 7300
    await chat.handle(":clock -1h")
    await chat.handle(":clock next")
    assert "use :clock +1h (forward only)" in screen.getvalue()
    assert "no reminders are pending" in screen.getvalue()
