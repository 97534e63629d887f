"""The sandbox's Telegram side, kept in one JSON file so a second run carries on.

The file holds the emulator's snapshot (``bot.emulator.snapshot``: users, chats, messages,
update and message numbers) and the sandbox's own memory of each person: their unread
messages, the keyboard a number presses, the message shown last, and who is typing. It lives
beside the SQLite database (``sandbox.db`` → ``sandbox.db.telegram.json``): Telegram's state
only makes sense with the bot's database it was played against (the bot stores message ids of
its posts, the update ids it handled, who is logged in), so another ``DATABASE_URL`` gets
another Telegram, and deleting the database starts both afresh. A database that is no SQLite
file (PostgreSQL) keeps it in the ``--files`` folder; an in-memory one keeps nothing.

Writes go to a temporary file that ``os.replace`` puts in place, so a kill at any moment
leaves the previous or the new state, never half of one.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from bot.emulator import BotAPIEmulator, ChatMessage
from bot.emulator.snapshot import restore, snapshot
from bot.sandbox.people import People, SandboxPerson, Unread

STATE_VERSION = 1
SUFFIX = ".telegram.json"


def sqlite_file(database_url: str) -> Path | None:
    """The file of a SQLite database (None: another database, or one in memory)."""
    url = make_url(database_url)
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    return None if database.startswith("file:") else Path(database)


def state_path(database_url: str, files_dir: Path) -> Path | None:
    """Where the Telegram side of a sandbox on ``database_url`` is kept (None: nowhere)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        database = sqlite_file(database_url)
        return None if database is None else database.with_name(database.name + SUFFIX)
    return files_dir / f"telegram-{url.get_backend_name()}-{url.database or 'default'}.json"


def write_atomically(path: Path, data: dict[str, Any]) -> None:
    """Replace ``path`` with ``data`` as JSON in one step (temp file, fsync, ``os.replace``):
    a kill or a power cut leaves the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(data, stream, ensure_ascii=False, separators=(",", ":"))
            stream.flush()
            os.fsync(stream.fileno())
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def set_aside(path: Path, why: str) -> Path:
    """Move a kept state that must not be used out of the way (``<name>.<why>``), not lost."""
    aside = path.with_name(f"{path.name}.{why}")
    path.replace(aside)
    return aside


def read_state(path: Path) -> dict[str, Any] | None:
    """The kept state, None when there is none yet; ValueError when the file is damaged."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"{path} is not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
        raise ValueError(f"{path} is not a sandbox state of version {STATE_VERSION}")
    return data


def restore_telegram(emulator: BotAPIEmulator, state: dict[str, Any]) -> None:
    """Put the kept chats into a fresh emulator (before the bot polls it)."""
    telegram = state.get("telegram")
    if not isinstance(telegram, dict):
        raise ValueError("the sandbox state has no Telegram part")
    restore(emulator, telegram)


def _id(message: ChatMessage | None) -> int | None:
    return None if message is None or message.deleted else message.message_id


def _person(person: SandboxPerson) -> dict[str, Any]:
    return {
        "name": person.name,
        "user_id": person.user_id,
        "keyboard": [list(entry) for entry in person.keyboard],
        "keyboard_message": _id(person.keyboard_message),
        "last_shown": _id(person.last_shown),
        "last_shown_at": person.last_shown_at.isoformat() if person.last_shown_at else None,
        "unread": [
            {"message_id": u.message.message_id, "at": u.at.isoformat(), "edited": u.edited}
            for u in person.unread
            if not u.message.deleted
        ],
    }


def state_of(
    emulator: BotAPIEmulator, people: People, current: SandboxPerson, last_picture: Path | None
) -> dict[str, Any]:
    """Everything to keep, as JSON data."""
    return {
        "version": STATE_VERSION,
        "telegram": snapshot(emulator),
        "sandbox": {
            "current": current.name.lower(),
            "last_picture": str(last_picture) if last_picture else None,
            "people": [_person(person) for person in people.by_name.values()],
        },
    }


def restore_people(people: People, state: dict[str, Any]) -> tuple[str | None, Path | None]:
    """Bring back the kept people into ``people`` (whose emulator holds the kept chats);
    returns the name of who was typing and the last picture saved."""
    emulator = people.emulator
    sandbox = state.get("sandbox") or {}
    try:
        for row in sandbox.get("people", []):
            person = people.get_or_create(str(row["name"]))
            if person.user_id != int(row["user_id"]):
                continue  # not the id this name maps to: leave it be
            chat = person.chat_id

            def find(message_id: Any, chat_id: int = chat) -> ChatMessage | None:
                found = (
                    None if message_id is None else emulator.find_message(chat_id, int(message_id))
                )
                return None if found is None or found.deleted else found

            person.keyboard = [(str(label), str(data)) for label, data in row["keyboard"]]
            person.keyboard_message = find(row["keyboard_message"])
            if person.keyboard_message is None:
                person.keyboard = []
            person.last_shown = find(row["last_shown"])
            at = row.get("last_shown_at")
            person.last_shown_at = datetime.fromisoformat(at) if at else None
            for entry in row["unread"]:
                message = find(entry["message_id"])
                if message is not None:
                    at_then = datetime.fromisoformat(entry["at"])
                    person.unread.append(Unread(message, at_then, bool(entry["edited"])))
    except (AttributeError, KeyError, TypeError, ValueError) as exc:  # any damaged shape
        raise ValueError(f"damaged sandbox people: {type(exc).__name__}: {exc}") from None
    picture = sandbox.get("last_picture")
    current = sandbox.get("current")
    return (str(current) if current else None), (Path(picture) if picture else None)
