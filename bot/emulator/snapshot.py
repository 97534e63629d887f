"""What the emulated Telegram would still know after a restart, as JSON, and back.

Telegram's servers outlive a bot (and the sandbox): users, chats, every message with its text,
formatting, keyboard, edits and deleted flag, files, the bot's membership of groups, the update
numbers and the updates not yet confirmed. ``snapshot`` writes all that as plain JSON;
``restore`` puts it into a fresh emulator before the bot starts polling it. What only lives for
a moment (callback queries waiting for an answer, the activity log ``events``, faults) is not
kept: Telegram forgets those too.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from bot.emulator.chats import ChatMessage

if TYPE_CHECKING:
    from bot.emulator.server import BotAPIEmulator

SNAPSHOT_VERSION = 1


def _b64(content: bytes | None) -> str | None:
    return None if content is None else base64.b64encode(content).decode("ascii")


def _unb64(text: Any) -> bytes | None:
    return None if text is None else base64.b64decode(str(text))


def _message(message: ChatMessage) -> dict[str, Any]:
    return {
        "chat_id": message.chat_id,
        "message_id": message.message_id,
        "sender_id": int(message.sender["id"]),
        "from_bot": message.from_bot,
        "text": message.text,
        "html": message.html,
        "reply_markup": message.reply_markup,
        "date": message.date,
        "edits": message.edits,
        "deleted": message.deleted,
        "document": message.document,
        "document_bytes": _b64(message.document_bytes),
        "photo": message.photo,
        "photo_bytes": _b64(message.photo_bytes),
    }


def snapshot(emulator: BotAPIEmulator) -> dict[str, Any]:
    """Everything a bot or a person could notice about the emulator's chats, as JSON data."""
    return {
        "version": SNAPSHOT_VERSION,
        "users": list(emulator.users.values()),
        "chats": list(emulator.chats.values()),
        "bot_status": {str(chat_id): s for chat_id, s in emulator.bot_status.items()},
        "admin_chats": sorted(emulator.admin_chats),
        "blocked": sorted(emulator.blocked),
        "first_message_id": emulator.first_message_id,
        "last_update_id": emulator.last_update_id(),
        "updates": list(emulator.updates),
        "messages": [_message(message) for chat in emulator.messages.values() for message in chat],
    }


def restore(emulator: BotAPIEmulator, data: dict[str, Any]) -> None:
    """Load ``snapshot``'s data into a fresh emulator (before the bot polls it): the same
    chats and messages, message ids that go on from the newest one of each chat, update ids
    that go on from the last one. ValueError when ``data`` is not such a snapshot."""
    if data.get("version") != SNAPSHOT_VERSION:
        raise ValueError(f"not an emulator snapshot of version {SNAPSHOT_VERSION}")
    try:
        for user in data["users"]:
            emulator.users[int(user["id"])] = dict(user)
        for chat in data["chats"]:
            emulator.chats[int(chat["id"])] = dict(chat)
        emulator.bot_status.update({int(k): str(v) for k, v in data["bot_status"].items()})
        emulator.admin_chats.update(int(i) for i in data["admin_chats"])
        emulator.blocked.update(int(i) for i in data["blocked"])
        for row in data["messages"]:
            chat = emulator.chats[int(row["chat_id"])]
            sender_id = int(row["sender_id"])
            sender = emulator.bot_user if row["from_bot"] else emulator.users[sender_id]
            message = ChatMessage(
                message_id=int(row["message_id"]),
                chat=chat,
                sender=sender,
                from_bot=bool(row["from_bot"]),
                text=str(row["text"]),
                html=row["html"],
                reply_markup=row["reply_markup"],
                date=int(row["date"]),
                edits=int(row["edits"]),
                deleted=bool(row["deleted"]),
                document=row["document"],
                document_bytes=_unb64(row["document_bytes"]),
                photo=row["photo"],
                photo_bytes=_unb64(row["photo_bytes"]),
            )
            emulator.messages.setdefault(message.chat_id, []).append(message)
        emulator.continue_message_ids(after=int(data["first_message_id"]) - 1)
        last_update = int(data["last_update_id"])
        emulator.updates.extend(dict(update) for update in data["updates"])
    except (AttributeError, KeyError, TypeError, ValueError) as exc:  # any damaged shape
        raise ValueError(f"a damaged emulator snapshot: {type(exc).__name__}: {exc}") from None
    emulator.continue_update_ids(after=last_update)
