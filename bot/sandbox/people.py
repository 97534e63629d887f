"""The simulated Telegram users of a sandbox session."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from datetime import datetime

from bot.emulator import BotAPIEmulator, ChatMessage

NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")


def telegram_id_for(name: str) -> int:
    """A stable Telegram id per name, so a person keeps their login across sandbox runs."""
    return 100_000 + zlib.crc32(name.lower().encode()) % 900_000


@dataclass
class Unread:
    """A bot message someone hasn't seen yet, and the bot's time when it arrived."""

    message: ChatMessage
    at: datetime
    edited: bool = False


@dataclass
class SandboxPerson:
    """One simulated user: their id, the keyboard numbers refer to, and unread messages."""

    name: str
    user_id: int
    keyboard: list[tuple[str, str]] = field(default_factory=list)
    keyboard_message: ChatMessage | None = None
    # the bot message shown last (an edit shows a message again, at the bottom)
    last_shown: ChatMessage | None = None
    last_shown_at: datetime | None = None  # the bot's time when it was shown
    unread: list[Unread] = field(default_factory=list)

    @property
    def chat_id(self) -> int:
        """Private chats have the user's id."""
        return self.user_id

    def keep_unread(self, message: ChatMessage, *, at: datetime, edited: bool) -> None:
        """Remember ``message`` for later; an edit of an unread message keeps its first time."""
        for entry in self.unread:
            if entry.message is message:
                entry.edited = entry.edited or edited
                return
        self.unread.append(Unread(message, at, edited))

    def forget_unread(self, message: ChatMessage) -> None:
        """The bot deleted ``message`` before it was read."""
        self.unread = [entry for entry in self.unread if entry.message is not message]


class People:
    """Everyone in the sandbox, by lower-case name."""

    def __init__(self, emulator: BotAPIEmulator) -> None:
        self.emulator = emulator
        self.by_name: dict[str, SandboxPerson] = {}

    def get_or_create(self, name: str) -> SandboxPerson:
        """The person called ``name`` (letters, digits, - and _), created on first use."""
        if not NAME.match(name):
            raise ValueError("names start with a letter and use letters, digits, - or _")
        key = name.lower()
        if key not in self.by_name:
            display = name[:1].upper() + name[1:]
            person = SandboxPerson(display, telegram_id_for(key))
            self.emulator.add_user(person.user_id, display, username=key)
            self.by_name[key] = person
        return self.by_name[key]

    def adopt(self, user_id: int, telegram_name: str | None) -> None:
        """Someone from an earlier run (a Telegram account the database knows): their chat
        exists again, and they are ``:as``-able under their name when it is the one that maps
        to their id (every sandbox person's is), so messages to them are kept as unread."""
        name = (telegram_name or "").split()[0] if telegram_name else ""
        if NAME.match(name) and telegram_id_for(name.lower()) == user_id:
            self.get_or_create(name)
        elif user_id not in self.emulator.users:
            self.emulator.add_user(user_id, telegram_name or f"User {user_id}")

    def by_chat(self, chat_id: int) -> SandboxPerson | None:
        """Whose private chat ``chat_id`` is."""
        return next((p for p in self.by_name.values() if p.chat_id == chat_id), None)
