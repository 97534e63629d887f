"""Inline mode: inline queries, ``answerInlineQuery`` checked like Telegram, chosen results,
and editing the messages they became through ``inline_message_id``.

Test side: ``inline_query(user_id, query)`` pushes an update and returns its id;
``inline_answer(query_id)`` waits for the bot's answer; ``choose_inline_result`` sends one of
the answered results into a chat (a message from the user "via" the bot) and pushes the
``chosen_inline_result`` update that carries its ``inline_message_id``.
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from bot.emulator.chats import ChatMessage
from bot.emulator.errors import ApiError
from bot.emulator.methods import BotAPIMethods, check_markup, check_text, render

MAX_RESULTS = 50
MAX_RESULT_ID = 64  # bytes
MAX_NEXT_OFFSET = 64  # bytes
QUERY_EXPIRED = "Bad Request: query is too old and response timeout expired or query ID is invalid"


def _check_result(result: Any) -> None:
    """One InlineQueryResult as Telegram accepts it (articles are what EventBot sends)."""
    if not isinstance(result, dict):
        raise ApiError(400, "Bad Request: can't parse inline query result")
    result_id = result.get("id")
    if not isinstance(result_id, str) or not 1 <= len(result_id.encode()) <= MAX_RESULT_ID:
        raise ApiError(400, "Bad Request: RESULT_ID_INVALID")
    if result.get("type") == "article":
        if not str(result.get("title") or "").strip():
            raise ApiError(400, "Bad Request: RESULT_TITLE_EMPTY")
        content = result.get("input_message_content")
        if not isinstance(content, dict):
            raise ApiError(400, "Bad Request: SEND_MESSAGE_MEDIA_INVALID")
        text, _html = render(content, "message_text")
        check_text(text)
    check_markup(result.get("reply_markup"))


class InlineMode(BotAPIMethods):
    """Inline queries and the messages chosen results become."""

    def __init__(self, token: str, username: str) -> None:
        super().__init__(token, username)
        self.bot_user["supports_inline_queries"] = True  # BotFather: /setinline
        # query id -> what the bot answered (results, next_offset, cache_time, is_personal)
        self.inline_answers: dict[str, dict[str, Any]] = {}
        self.inline_messages: dict[str, ChatMessage] = {}
        self._inline_queries: dict[str, dict[str, Any]] = {}
        self._inline_ids = itertools.count(1)

    # ---- test side -------------------------------------------------------------------------

    def inline_query(self, user_id: int, query: str, *, offset: str = "") -> str:
        """``user_id`` types ``@bot query`` in some chat; returns the inline query's id."""
        query_id = f"iq{next(self._inline_ids)}"
        update = {
            "id": query_id,
            "from": self.users[user_id],
            "query": query,
            "offset": offset,
            "chat_type": "sender",
        }
        self._inline_queries[query_id] = update
        self._push_update({"inline_query": update})
        return query_id

    async def inline_answer(self, query_id: str, timeout: float = 10.0) -> dict[str, Any]:
        """Wait for the bot's answer to an inline query."""
        deadline = time.monotonic() + timeout
        while query_id not in self.inline_answers:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"inline query {query_id} was not answered")
            await self._next_change(min(remaining, 0.5))
        return self.inline_answers[query_id]

    def choose_inline_result(
        self, user_id: int, query_id: str, result_id: str, *, chat_id: int | None = None
    ) -> ChatMessage:
        """Send the answered result ``result_id`` into ``chat_id`` (the user's private chat
        with the bot by default) and tell the bot with ``chosen_inline_result``."""
        answer = self.inline_answers[query_id]
        result = next(r for r in answer["results"] if r["id"] == result_id)
        content = result["input_message_content"]
        text, html = render(content, "message_text")
        chat = self.chats[user_id if chat_id is None else chat_id]
        message = self._store(
            chat,
            self.users[user_id],
            text=text,
            from_bot=False,
            html=html,
            reply_markup=result.get("reply_markup"),
        )
        inline_message_id = f"AgAAA{next(self._inline_ids):08d}"
        self.inline_messages[inline_message_id] = message
        self._record("sent", message)
        self._push_update(
            {
                "chosen_inline_result": {
                    "result_id": result_id,
                    "from": self.users[user_id],
                    "query": self._inline_queries[query_id]["query"],
                    "inline_message_id": inline_message_id,
                }
            }
        )
        return message

    # ---- Bot API ---------------------------------------------------------------------------

    async def _api_answerinlinequery(self, params: dict[str, Any]) -> Any:
        query_id = str(params.get("inline_query_id", ""))
        if query_id not in self._inline_queries or query_id in self.inline_answers:
            raise ApiError(400, QUERY_EXPIRED)
        results = params.get("results")
        if isinstance(results, str):
            results = json.loads(results)
        if not isinstance(results, list):
            raise ApiError(400, "Bad Request: RESULTS_INVALID")
        if len(results) > MAX_RESULTS:
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        for result in results:
            _check_result(result)
        ids = [r["id"] for r in results]
        if len(set(ids)) != len(ids):
            raise ApiError(400, "Bad Request: RESULT_ID_DUPLICATE")
        next_offset = str(params.get("next_offset") or "")
        if len(next_offset.encode()) > MAX_NEXT_OFFSET:
            raise ApiError(400, "Bad Request: NEXT_OFFSET_INVALID")
        self.inline_answers[query_id] = {
            "results": results,
            "next_offset": next_offset,
            "cache_time": params.get("cache_time"),
            "is_personal": bool(params.get("is_personal")),
        }
        self._notify()
        return True

    def _target_message(self, params: dict[str, Any]) -> ChatMessage:
        inline_message_id = params.get("inline_message_id")
        if inline_message_id is None:
            return super()._target_message(params)
        message = self.inline_messages.get(str(inline_message_id))
        if message is None or message.deleted:
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        return message

    async def _api_editmessagetext(self, params: dict[str, Any]) -> Any:
        result = await super()._api_editmessagetext(params)
        return True if params.get("inline_message_id") is not None else result

    async def _api_editmessagereplymarkup(self, params: dict[str, Any]) -> Any:
        result = await super()._api_editmessagereplymarkup(params)
        return True if params.get("inline_message_id") is not None else result
