"""The sandbox as a person uses it: a pseudo-terminal, typed lines, numbered buttons."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pexpect

ROOT = Path(__file__).resolve().parent.parent


def sandbox_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "DATABASE_URL"}}
    env.update(
        PYTHONPATH=str(ROOT),
        BCRYPT_ROUNDS="4",
        TIMEZONE="Europe/Berlin",
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}",
        # pexpect doesn't answer prompt_toolkit's cursor-position queries like a terminal does
        PROMPT_TOOLKIT_NO_CPR="1",
    )
    return env


def button(child: pexpect.spawn, label: str) -> str:
    """Wait for a numbered button whose label starts with ``label``; return its number."""
    child.expect(r"\[(\d+)\] " + re.escape(label))
    return str(child.match.group(1))


def test_a_person_signs_up_registers_and_gets_reminded(tmp_path: Path) -> None:
    child = pexpect.spawn(
        sys.executable,
        ["-m", "bot", "sandbox", "--demo"],
        cwd=str(tmp_path),
        env=sandbox_env(tmp_path),
        encoding="utf-8",
        timeout=30,
        dimensions=(60, 200),
    )
    try:
        child.expect("Welcome back")  # the name is bold: escape codes around it
        child.expect("alice>")
        child.sendline(":as carol")
        child.expect("carol>")
        child.sendline("/signup")
        child.expect("What's your name")
        child.sendline("Carol")
        child.expect("email address")
        child.sendline("carol@example.com")
        child.expect("Choose a password")
        child.sendline("carol-secret")
        child.expect("the bot deleted your message")
        child.sendline(button(child, "🙋 Customer"))
        child.expect("you're logged in")

        child.sendline("/events")
        child.expect("Upcoming events")
        jazz = button(child, "Jazz night")
        child.sendline("²")  # a Unicode digit is a message, not a button (nor a crash)
        child.expect("didn't understand")
        child.sendline("#" + jazz)  # "#": the last keyboard, though the latest message has none
        child.expect("Blue Note Club")
        child.sendline(button(child, "✅ Register"))
        child.expect("You're registered for")

        child.sendline(":as maya")
        child.expect("you are now Maya")
        child.sendline("/attendees")
        child.sendline(button(child, "Jazz night"))
        child.expect("1 of 40 seats taken")
        child.expect("Carol — carol@example.com")

        child.sendline(":as carol")
        child.expect("carol>")
        child.sendline(":clock +1h")
        child.expect("clock moved forward")
        child.sendline(":clock next")
        child.expect("starts in 24 hours")
        child.sendline(":quit")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0, child.before
    assert (tmp_path / "sandbox.db").exists()


AUDIT = """
import json, sys
seen = []
def hook(event, args):
    if event == "socket.connect":
        seen.append(repr(args[1]))
    elif event == "socket.getaddrinfo":
        seen.append("dns:" + str(args[0]))
sys.addaudithook(hook)
from bot.__main__ import main
code = main(["sandbox", "--demo"])
with open(sys.argv[1], "w") as f:
    json.dump(seen, f)
sys.exit(code)
"""


def test_sandbox_talks_to_nothing_but_its_loopback_emulator(tmp_path: Path) -> None:
    script = "/events\n1\n:as maya\n/attendees\n:clock +2d\n:quit\n"
    log = tmp_path / "connections.json"
    result = subprocess.run(
        [sys.executable, "-c", AUDIT, str(log)],
        cwd=tmp_path,
        env=sandbox_env(tmp_path),
        input=script,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Upcoming events" in result.stdout  # plain output when stdout is not a terminal
    assert "\x1b[" not in result.stdout
    connections = json.loads(log.read_text())
    assert connections, "the bot should have talked to the emulator"
    for target in connections:
        assert target.startswith(("('127.0.0.1'", "dns:127.0.0.1")), target


def run_demo(tmp_path: Path, lines: str) -> str:
    """One run of the demo sandbox in ``tmp_path`` typing ``lines``, then :quit; its output."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "sandbox", "--demo"],
        cwd=str(tmp_path),
        env=sandbox_env(tmp_path),
        input=lines + "\n:quit\n",
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_second_run_carries_on_where_the_first_left_off(tmp_path: Path) -> None:
    """Telegram's update ids only grow and it remembers every chat: a second run of the
    sandbox on the same database answers at once and reaches people of the first run."""

    run_demo(tmp_path, "/me\n:as bob\n/me\n:as maya\n/manage\n2\n5\n1")
    second = run_demo(tmp_path, "/me\n:as maya\n/manage\n3\n5\n1")
    assert "alice@example.com" in second  # the first line of the second run is answered
    # the group's message ids go on too: a post of the second run is a post, not a clash
    assert "Posted Python meetup in Jazz fans" in second
    assert "something went wrong" not in second


def test_the_demo_manager_posts_an_event_in_the_demo_group(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "sandbox", "--demo"],
        cwd=str(tmp_path),
        env=sandbox_env(tmp_path),
        input=":as maya\n/manage\n2\n5\n1\n:quit\n",
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert result.returncode == 0, result.stderr
    assert "👥 Jazz fans ·" in result.stdout  # the group's post, shown as its members see it
    assert "0/40 going" in result.stdout
    assert "Posted Jazz night in Jazz fans" in result.stdout


def test_a_second_run_shows_the_chat_as_it_was_and_who_is_logged_in(tmp_path: Path) -> None:
    """The Telegram side is kept beside the database: the last message is shown again, people
    who never signed up are still there, and the banner says who is really logged in."""

    first = run_demo(tmp_path, "/logout\n:as carol\n:as alice")
    assert "alice@example.com / password alice-pass (already logged in)" in first
    assert "You're logged out" in first
    kept = tmp_path / "sandbox.db.telegram.json"
    assert kept.exists() and f"is kept in {kept}" in first
    second = run_demo(tmp_path, ":who\n:as")
    assert "alice@example.com / password alice-pass (logged out: /login)" in second
    assert "maya@example.com / password maya-manager (already logged in)" in second
    assert f"carried on from {kept}" in second
    lines = second.splitlines()
    shown = next(i for i, line in enumerate(lines) if "You're logged out" in line)
    assert "· before the restart" in lines[shown - 1]
    assert "Carol (Telegram id" in second  # made with :as, never signed up
    assert "use :as NAME" in second


def test_after_a_kill_the_next_run_presses_the_keyboard_left_on_screen(tmp_path: Path) -> None:
    child = pexpect.spawn(
        sys.executable,
        ["-m", "bot", "sandbox", "--demo"],
        cwd=str(tmp_path),
        env=sandbox_env(tmp_path),
        encoding="utf-8",
        timeout=30,
        dimensions=(60, 200),
    )
    try:
        child.expect("alice>")
        child.sendline("/events")
        child.expect("Upcoming events")
        assert button(child, "Board game night") == "1"
        child.sendline(":who")  # handled after /events was: its state is written by now
        child.expect("→ Alice")
        child.kill(signal.SIGKILL)
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    second = subprocess.run(
        [sys.executable, "-m", "bot", "sandbox", "--demo"],
        cwd=str(tmp_path),
        env=sandbox_env(tmp_path),
        input="1\n:quit\n",
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert second.returncode == 0, second.stderr
    assert "Alice pressed “Board game night" in second.stdout
    assert "Café Meeple" in second.stdout  # the event's card


def wrong_shape(state: dict[str, Any]) -> str:
    state["telegram"]["bot_status"] = list(state["telegram"]["bot_status"])
    return json.dumps(state)


def test_a_damaged_or_orphaned_telegram_file_is_set_aside_not_used(tmp_path: Path) -> None:
    run_demo(tmp_path, "")
    kept = tmp_path / "sandbox.db.telegram.json"
    for damaged in (
        '{"version": 1, "telegram": {"version": 1, "users": [',  # cut short
        wrong_shape(json.loads(kept.read_text())),  # valid JSON, a list where a map goes
    ):
        kept.write_text(damaged)
        second = run_demo(tmp_path, "")
        assert f"moved to {kept}.damaged, Telegram starts afresh" in second
        assert "Welcome back" in second  # a fresh chat: /start again
        assert json.loads(kept.read_text())["version"] == 1  # written anew
    (tmp_path / "sandbox.db").unlink()
    third = run_demo(tmp_path, "")
    assert f"a new database, so Telegram starts afresh (the old chats: {kept}.stale)" in third
    assert "demo data created" in third
