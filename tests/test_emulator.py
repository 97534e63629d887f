"""The Bot API emulator on its own: which updates reach the bot (``allowed_updates``)."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from bot.app import ALLOWED_UPDATES
from bot.emulator import BotAPIEmulator
from tests.conftest import RunningBot
from tests.people import Person

USER = 4242


async def get_updates(emulator: BotAPIEmulator, **params: Any) -> list[dict[str, Any]]:
    """One getUpdates call over HTTP, as a JSON body; returns the updates."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{emulator.url}/bot{emulator.token}/getUpdates", json={"timeout": 0, **params}
        ) as response,
    ):
        body = await response.json()
    assert body["ok"], body
    updates: list[dict[str, Any]] = body["result"]
    return updates


def types_of(updates: list[dict[str, Any]]) -> list[str]:
    return [next(key for key in update if key != "update_id") for update in updates]


async def test_the_default_leaves_out_chat_member_and_reactions(emulator: BotAPIEmulator) -> None:
    emulator.add_user(USER, "Ann")
    message = emulator.send_text(USER, "hello")
    emulator.edit_text(USER, message, "hello there")
    updates = await get_updates(emulator)
    assert types_of(updates) == ["message", "edited_message"]
    assert updates[1]["edited_message"]["text"] == "hello there"
    assert "edit_date" in updates[1]["edited_message"]
    for kind in ("chat_member", "message_reaction", "message_reaction_count"):
        assert not emulator.delivers(kind)
    assert emulator.delivers("my_chat_member") and emulator.delivers("callback_query")


async def test_types_left_out_of_allowed_updates_are_dropped_for_good(
    emulator: BotAPIEmulator,
) -> None:
    emulator.add_user(USER, "Ann")
    first = emulator.send_text(USER, "one")
    updates = await get_updates(emulator, allowed_updates=["message", "callback_query"])
    assert types_of(updates) == ["message"]
    offset = updates[-1]["update_id"] + 1

    emulator.edit_text(USER, first, "one, edited")
    emulator.send_text(USER, "two")
    updates = await get_updates(emulator, offset=offset)  # no allowed_updates: still remembered
    assert [u["message"]["text"] for u in updates] == ["two"]
    assert types_of(emulator.dropped_updates) == ["edited_message"]
    offset = updates[-1]["update_id"] + 1

    # asking for edits later doesn't bring back the one that was dropped
    updates = await get_updates(emulator, offset=offset, allowed_updates=["edited_message"])
    assert updates == []
    emulator.edit_text(USER, first, "one, edited again")
    emulator.send_text(USER, "three")
    updates = await get_updates(emulator, offset=offset)
    assert types_of(updates) == ["edited_message"]
    assert updates[0]["edited_message"]["text"] == "one, edited again"

    # an empty list means the default again
    await get_updates(emulator, offset=updates[-1]["update_id"] + 1, allowed_updates=[])
    assert emulator.delivers("message") and not emulator.delivers("chat_member")


async def test_updates_queued_before_the_change_are_still_delivered(
    emulator: BotAPIEmulator,
) -> None:
    emulator.add_user(USER, "Ann")
    message = emulator.send_text(USER, "hello")
    emulator.edit_text(USER, message, "hello!")
    updates = await get_updates(emulator, allowed_updates=["message"])
    assert types_of(updates) == ["message", "edited_message"]  # as Telegram warns


async def test_a_bot_that_does_not_subscribe_to_edits_never_sees_them(
    bot: RunningBot, emulator: BotAPIEmulator
) -> None:
    ann = Person(emulator, 1001, "Ann")
    start = ann.say("/start")
    await ann.expect("Welcome")
    assert emulator.allowed_updates == frozenset(ALLOWED_UPDATES)  # what PTB sent
    assert "edited_message" not in ALLOWED_UPDATES
    emulator.edit_text(ann.user_id, start, "/help")  # would answer "What I can do" if seen
    await ann.ask("/cancel", "There's nothing to cancel")
    assert not any("What I can do" in m.text for m in emulator.bot_messages(ann.chat_id))
    assert types_of(emulator.dropped_updates) == ["edited_message"]


async def test_users_edit_only_their_own_messages(emulator: BotAPIEmulator) -> None:
    emulator.add_user(USER, "Ann")
    emulator.add_user(USER + 1, "Bob")
    message = emulator.send_text(USER, "mine")
    posted = emulator.post_as_bot(USER, "the bot's")
    with pytest.raises(ValueError, match="own messages"):
        emulator.edit_text(USER + 1, message, "changed")
    with pytest.raises(ValueError, match="own messages"):
        emulator.edit_text(USER, posted, "changed")
    assert message.text == "mine" and posted.text == "the bot's"


async def test_documents_over_fifty_megabytes_are_refused_like_telegram_does(
    emulator: BotAPIEmulator,
) -> None:
    emulator.add_user(USER, "Ann")
    form = aiohttp.FormData(quote_fields=False)
    form.add_field("chat_id", str(USER))
    form.add_field("document", b"x" * (50 * 1024 * 1024 + 1), filename="big.csv")
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{emulator.url}/bot{emulator.token}/sendDocument", data=form) as response,
    ):
        body = await response.json()
    assert body == {"ok": False, "error_code": 413, "description": "Request Entity Too Large"}
    assert emulator.bot_messages(USER) == []
