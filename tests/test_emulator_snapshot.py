"""The emulator's snapshot: what Telegram would still know after a restart, through JSON."""

from __future__ import annotations

import json

import pytest

from bot.emulator import ApiError, BotAPIEmulator
from bot.emulator.snapshot import restore, snapshot

GROUP = -1001000000001
KEYBOARD = {"inline_keyboard": [[{"text": "Go", "callback_data": "ev:1:go"}]]}


async def test_chats_messages_and_numbers_come_back_from_json() -> None:
    first = BotAPIEmulator()
    first.add_user(5, "Ann", username="ann")
    first.add_bot_to_chat(GROUP, "Jazz fans", by=5, kind="supergroup")
    first.send_text(5, "/start")
    sent = await first._api_sendmessage(
        {"chat_id": 5, "text": "<b>Hi</b> Ann", "parse_mode": "HTML", "reply_markup": KEYBOARD}
    )
    gone = await first._api_sendmessage({"chat_id": 5, "text": "soon deleted"})
    await first._api_deletemessage({"chat_id": 5, "message_id": gone["message_id"]})
    post = await first._api_sendmessage({"chat_id": GROUP, "text": "0/10 going"})
    await first._api_editmessagetext(
        {"chat_id": GROUP, "message_id": post["message_id"], "text": "1/10 going"}
    )
    first.blocked.add(77)
    last_update = first.last_update_id()

    second = BotAPIEmulator()
    restore(second, json.loads(json.dumps(snapshot(first))))

    kept = second.find_message(5, sent["message_id"])
    assert kept is not None and kept.html == "<b>Hi</b> Ann" and kept.text == "Hi Ann"
    assert kept.reply_markup == KEYBOARD and kept.sender is second.bot_user
    assert kept.chat is second.chats[5]
    assert [m.text for m in second.chat(5)] == ["/start", "Hi Ann"]  # the deleted one stays gone
    with pytest.raises(ApiError, match="message to edit not found"):
        await second._api_editmessagetext(
            {"chat_id": 5, "message_id": gone["message_id"], "text": "back?"}
        )
    edited = await second._api_editmessagetext(
        {"chat_id": GROUP, "message_id": post["message_id"], "text": "2/10 going"}
    )
    assert edited["text"] == "2/10 going" and second.chat(GROUP)[-1].edits == 2
    assert second.bot_status[GROUP] == "member" and 77 in second.blocked
    # numbers only grow: a chat's next message, the next update
    newer = await second._api_sendmessage({"chat_id": 5, "text": "later"})
    assert newer["message_id"] == gone["message_id"] + 1
    assert second.next_update_id() == last_update + 1
    second.send_text(5, "hello again")
    assert second.updates[-1]["update_id"] == last_update + 1


async def test_unconfirmed_updates_wait_for_the_bot_after_a_restart() -> None:
    first = BotAPIEmulator()
    first.add_user(5, "Ann")
    first.send_text(5, "typed just before the kill")
    second = BotAPIEmulator()
    restore(second, json.loads(json.dumps(snapshot(first))))
    waiting = await second._api_getupdates({"offset": 0, "timeout": 0})
    assert [u["message"]["text"] for u in waiting] == ["typed just before the kill"]


def test_a_snapshot_of_another_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="version"):
        restore(BotAPIEmulator(), {"version": 99})
    with pytest.raises(ValueError, match="damaged"):
        restore(BotAPIEmulator(), {"version": 1, "users": [{"no id": 1}]})
