"""The emulator's groups, channels and inline mode behave like Telegram for what the bot uses."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from telegram import ChatMemberAdministrator, ChatMemberBanned, ChatMemberMember, Update

from bot.emulator import BotAPIEmulator
from tests.test_emulator import get_updates

USER = 4242
GROUP = -100500


async def call(emulator: BotAPIEmulator, method: str, **params: Any) -> dict[str, Any]:
    """One Bot API call over HTTP; the whole answer (ok or not)."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{emulator.url}/bot{emulator.token}/{method}", json=params) as response,
    ):
        body: dict[str, Any] = await response.json()
    return body


def article(result_id: str, text: str = "hi") -> dict[str, Any]:
    return {
        "type": "article",
        "id": result_id,
        "title": "T",
        "input_message_content": {"message_text": text},
        "reply_markup": {"inline_keyboard": [[{"text": "Go", "url": "https://t.me/x"}]]},
    }


async def test_adding_and_removing_the_bot_sends_my_chat_member_and_403s_after(
    emulator: BotAPIEmulator,
) -> None:
    emulator.add_user(USER, "Ann")
    emulator.add_bot_to_chat(GROUP, "Fans", by=USER, kind="supergroup")
    sent = await call(emulator, "sendMessage", chat_id=GROUP, text="hello")
    assert sent["ok"]
    emulator.remove_bot_from_chat(GROUP, by=USER)
    updates = await get_updates(emulator, allowed_updates=["my_chat_member"])
    changes = [Update.de_json(u, None).my_chat_member for u in updates]
    assert [type(c.new_chat_member) for c in changes if c] == [ChatMemberMember, ChatMemberBanned]
    refused = await call(emulator, "sendMessage", chat_id=GROUP, text="hello again")
    assert (refused["error_code"], refused["description"]) == (
        403,
        "Forbidden: bot was kicked from the supergroup chat",
    )
    edit = await call(
        emulator, "editMessageText", chat_id=GROUP, message_id=sent["result"]["message_id"],
        text="changed",
    )  # fmt: skip
    assert edit["error_code"] == 403


async def test_channels_take_bots_as_administrators_only(emulator: BotAPIEmulator) -> None:
    emulator.add_user(USER, "Ann")
    with pytest.raises(ValueError):
        emulator.add_bot_to_chat(-100600, "News", by=USER, kind="channel")
    emulator.add_bot_to_chat(-100600, "News", by=USER, kind="channel", admin=True)
    updates = await get_updates(emulator, allowed_updates=["my_chat_member"])
    change = Update.de_json(updates[-1], None).my_chat_member
    assert change is not None and isinstance(change.new_chat_member, ChatMemberAdministrator)
    assert (await call(emulator, "sendMessage", chat_id=-100600, text="news"))["ok"]
    emulator.bot_status[-100600] = "member"
    refused = await call(emulator, "sendMessage", chat_id=-100600, text="news")
    assert refused["error_code"] == 400


@pytest.mark.parametrize(
    ("results", "extra", "error"),
    [
        ([article(str(i)) for i in range(51)], {}, "Bad Request: RESULTS_TOO_MUCH"),
        ([article("a"), article("a")], {}, "Bad Request: RESULT_ID_DUPLICATE"),
        ([article("x" * 65)], {}, "Bad Request: RESULT_ID_INVALID"),
        ([article("é" * 33)], {}, "Bad Request: RESULT_ID_INVALID"),  # 66 bytes
        ([article("a")], {"next_offset": "9" * 65}, "Bad Request: NEXT_OFFSET_INVALID"),
        ([article("a", "x" * 4097)], {}, "Bad Request: message is too long"),
    ],
)
async def test_answer_inline_query_is_checked_like_telegram(
    emulator: BotAPIEmulator, results: list[dict[str, Any]], extra: dict[str, Any], error: str
) -> None:
    emulator.add_user(USER, "Ann")
    query = emulator.inline_query(USER, "jazz")
    answer = await call(
        emulator, "answerInlineQuery", inline_query_id=query, results=results, **extra
    )
    assert (answer["ok"], answer.get("description")) == (False, error)
    fine = await call(emulator, "answerInlineQuery", inline_query_id=query, results=[article("a")])
    assert fine["ok"]  # the refused answer left the query open
    again = await call(emulator, "answerInlineQuery", inline_query_id=query, results=[])
    assert not again["ok"]  # a query is answered once


async def test_chosen_results_become_messages_edited_by_inline_message_id(
    emulator: BotAPIEmulator,
) -> None:
    emulator.add_user(USER, "Ann")
    query = emulator.inline_query(USER, "")
    await call(emulator, "answerInlineQuery", inline_query_id=query, results=[article("1")])
    message = emulator.choose_inline_result(USER, query, "1")
    updates = await get_updates(emulator, allowed_updates=["chosen_inline_result"])
    inline_id = updates[-1]["chosen_inline_result"]["inline_message_id"]
    markup = {"inline_keyboard": [[{"text": "Go", "url": "https://t.me/x"}]]}
    edited = await call(
        emulator, "editMessageText", inline_message_id=inline_id, text="new", reply_markup=markup
    )
    assert edited == {"ok": True, "result": True} and message.text == "new"
    same = await call(
        emulator, "editMessageText", inline_message_id=inline_id, text="new", reply_markup=markup
    )
    assert "message is not modified" in same["description"]
    unknown = await call(emulator, "editMessageText", inline_message_id="nope", text="x")
    assert unknown["description"] == "Bad Request: MESSAGE_ID_INVALID"
