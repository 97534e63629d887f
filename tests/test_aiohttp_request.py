"""The request backend's reply parsing: slimmed messages, PTB's handling of bad JSON."""

from __future__ import annotations

import json

import pytest
from telegram import Bot, Update
from telegram.error import TelegramError

from bot.transport.aiohttp_request import AiohttpRequest

KEYBOARD = {"inline_keyboard": [[{"text": "Open", "callback_data": "ev:1"}]]}
BOLD = [{"type": "bold", "offset": 0, "length": 4}]
CHAT = {"id": 7, "type": "private", "first_name": "Ann"}
BOT_USER = {"id": 1, "is_bot": True, "first_name": "EventBot"}


def _message(message_id: int, text: str, **extra: object) -> dict[str, object]:
    return {"message_id": message_id, "date": 1_900_000_000, "chat": CHAT, "text": text, **extra}


def _parse(reply: object) -> dict[str, object]:
    return AiohttpRequest().parse_json_payload(json.dumps(reply).encode())


def test_button_presses_lose_the_keyboard_and_formatting_of_their_message() -> None:
    shown = _message(5, "Jazz night", reply_markup=KEYBOARD, entities=BOLD, **{"from": BOT_USER})
    press = {"id": "q1", "from": CHAT | {"is_bot": False}, "chat_instance": "1", "data": "ev:1"}
    command = _message(6, "/events", entities=[{"type": "bot_command", "offset": 0, "length": 7}])
    reply = _parse(
        {
            "ok": True,
            "result": [
                {"update_id": 1, "callback_query": press | {"message": shown}},
                {"update_id": 2, "message": command},
            ],
        }
    )
    updates = [Update.de_json(u, Bot("1:x")) for u in reply["result"]]  # type: ignore[attr-defined]
    pressed = updates[0].callback_query
    assert pressed is not None and pressed.data == "ev:1" and pressed.message is not None
    assert (pressed.message.chat.id, pressed.message.message_id) == (7, 5)
    assert pressed.message.reply_markup is None and pressed.message.entities == ()
    typed = updates[1].message
    assert typed is not None and typed.text == "/events"
    assert [e.type for e in typed.entities] == ["bot_command"]  # commands are found by these


def test_sent_and_edited_messages_come_back_slim() -> None:
    sent = _parse({"ok": True, "result": _message(9, "Hi", reply_markup=KEYBOARD, entities=BOLD)})
    assert sent["result"] == _message(9, "Hi")
    assert _parse({"ok": True, "result": True}) == {"ok": True, "result": True}
    me = {"ok": True, "result": BOT_USER | {"username": "eventbot"}}
    assert _parse(me) == me


def test_a_reply_that_is_not_json_is_a_telegram_error() -> None:
    with pytest.raises(TelegramError, match="Invalid server response"):
        AiohttpRequest().parse_json_payload(b"<html>502 Bad Gateway</html>")
