"""The Bot API methods the bot calls, checked the way Telegram checks them.

``_api_<method>`` (lower case) answers ``<method>``; getUpdates lives with the update queue.
"""

from __future__ import annotations

import json
import time
from typing import Any

from bot.emulator.chats import ChatMessage, html_to_text
from bot.emulator.errors import ApiError
from bot.emulator.faults import Faults
from bot.emulator.updates import UpdateQueue

MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
MAX_CALLBACK_ANSWER = 200
MAX_CAPTION = 1024
MAX_PHOTO_SIDES = 10_000  # width + height
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024  # what a bot may upload
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply "
    "markup are exactly the same as a current content and reply markup of the message"
)


def render(params: dict[str, Any], key: str = "text") -> tuple[str, str | None]:
    """The visible text of ``params[key]`` and its HTML source (None without parse_mode)."""
    raw = str(params.get(key, ""))
    if str(params.get("parse_mode", "")).upper() == "HTML":
        return html_to_text(raw), raw
    return raw, None


def check_markup(markup: Any) -> dict[str, Any] | None:
    """An inline keyboard as Telegram would accept it (callback data 1–64 bytes)."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return markup


def check_text(text: str) -> None:
    """Refuse empty texts and texts over 4096 characters."""
    if not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if len(text.encode("utf-16-le")) // 2 > MAX_TEXT:  # Telegram counts UTF-16 code units
        raise ApiError(400, "Bad Request: message is too long")


def png_size(content: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG (from its IHDR chunk), or None if it isn't one.

    The emulator accepts PNG photos only: that is what the bot sends, and Telegram refuses
    bytes that are no image with IMAGE_PROCESS_FAILED.
    """
    if (
        len(content) < 24
        or not content.startswith(b"\x89PNG\r\n\x1a\n")
        or content[12:16] != b"IHDR"
    ):
        return None
    return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")


def _scope_key(params: dict[str, Any]) -> str:
    return json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True)


class BotAPIMethods(UpdateQueue, Faults):
    """Sending, editing and deleting messages, callback answers, commands."""

    def _target_chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int) or chat_id not in self.chats:
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return self.chats[chat_id]

    def _target_message(self, params: dict[str, Any]) -> ChatMessage:
        chat = self._target_chat(params)
        message = self.find_message(chat["id"], int(params.get("message_id") or 0))
        if message is None or message.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    async def _api_getme(self, _params: dict[str, Any]) -> Any:
        return self.bot_user

    async def _api_deletewebhook(self, _params: dict[str, Any]) -> Any:
        return True

    async def _api_close(self, _params: dict[str, Any]) -> Any:
        return True

    async def _api_logout(self, _params: dict[str, Any]) -> Any:
        return True

    async def _api_sendmessage(self, params: dict[str, Any]) -> Any:
        self._check_flood()
        chat = self._target_chat(params)
        text, html = render(params)
        check_text(text)
        markup = check_markup(params.get("reply_markup"))
        message = self._store(
            chat, self.bot_user, text=text, from_bot=True, html=html, reply_markup=markup
        )
        self._record("sent", message)
        return message.to_api()

    async def _api_editmessagetext(self, params: dict[str, Any]) -> Any:
        message = self._target_message(params)
        text, html = render(params)
        check_text(text)
        markup = check_markup(params.get("reply_markup"))
        if text == message.text and html == message.html and markup == message.reply_markup:
            raise ApiError(400, NOT_MODIFIED)
        message.text, message.html, message.reply_markup = text, html, markup
        message.edits += 1
        self._record("edited", message)
        return message.to_api()

    async def _api_editmessagereplymarkup(self, params: dict[str, Any]) -> Any:
        message = self._target_message(params)
        markup = check_markup(params.get("reply_markup"))
        if markup == message.reply_markup:
            raise ApiError(400, "Bad Request: message is not modified")
        message.reply_markup = markup
        message.edits += 1
        self._record("edited", message)
        return message.to_api()

    async def _api_deletemessage(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        message = self.find_message(chat["id"], int(params.get("message_id") or 0))
        if message is None or message.deleted:
            raise ApiError(400, "Bad Request: message to delete not found")
        if (
            not message.from_bot
            and chat["type"] != "private"
            and chat["id"] not in self.admin_chats
        ):
            raise ApiError(400, "Bad Request: message can't be deleted")
        message.deleted = True
        self._record("deleted", message)
        return True

    async def _api_answercallbackquery(self, params: dict[str, Any]) -> Any:
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self._pending_callbacks:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        text = params.get("text")
        if text is not None and len(str(text)) > MAX_CALLBACK_ANSWER:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self._pending_callbacks.discard(query_id)
        answer = {
            "id": query_id,
            "user_id": self.callback_users.get(query_id),
            "text": text,
            "show_alert": bool(params.get("show_alert")),
            "at": time.monotonic(),
        }
        self.callback_answers.append(answer)
        self._notify()
        for listener in self.answer_listeners:
            listener(answer)
        return True

    def _store_upload(
        self, params: dict[str, Any], field: str, *, photo: bool = False
    ) -> tuple[ChatMessage, str, bytes]:
        """A message carrying the file uploaded as ``field``, stored only once every check
        passed (caption length, markup, and for a photo a PNG within Telegram's limits)."""
        chat = self._target_chat(params)
        upload = params.get(field)
        if not isinstance(upload, tuple):
            raise ApiError(400, f"Bad Request: there is no {field} in the request")
        filename, content = upload
        caption, html = render(params, "caption")
        if len(caption.encode("utf-16-le")) // 2 > MAX_CAPTION:
            raise ApiError(400, "Bad Request: message caption is too long")
        markup = check_markup(params.get("reply_markup"))
        size = png_size(content) if photo else None
        if photo:
            if size is None:
                raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
            if sum(size) > MAX_PHOTO_SIDES or len(content) > MAX_PHOTO_BYTES:
                raise ApiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
        message = self._store(
            chat, self.bot_user, text=caption, from_bot=True, html=html, reply_markup=markup
        )
        if size is not None:
            message.photo = [
                {
                    "file_id": f"photo{chat['id']}_{message.message_id}",
                    "file_unique_id": f"p{chat['id']}_{message.message_id}",
                    "width": size[0],
                    "height": size[1],
                    "file_size": len(content),
                }
            ]
            message.photo_bytes = content
        return message, filename, content

    async def _api_sendphoto(self, params: dict[str, Any]) -> Any:
        message, _filename, _content = self._store_upload(params, "photo", photo=True)
        self._record("sent", message)
        return message.to_api()

    async def _api_senddocument(self, params: dict[str, Any]) -> Any:
        upload = params.get("document")
        if isinstance(upload, tuple) and len(upload[1]) > MAX_DOCUMENT_BYTES:
            raise ApiError(413, "Request Entity Too Large")
        message, filename, content = self._store_upload(params, "document")
        chat = message.chat
        message.document = {
            "file_id": f"doc{chat['id']}_{message.message_id}",
            "file_unique_id": f"u{chat['id']}_{message.message_id}",
            "file_name": filename,
            "file_size": len(content),
        }
        message.document_bytes = content
        self._record("sent", message)
        return message.to_api()

    async def _api_sendchataction(self, params: dict[str, Any]) -> Any:
        self._target_chat(params)
        return True

    async def _api_setmycommands(self, params: dict[str, Any]) -> Any:
        self.commands[_scope_key(params)] = list(params.get("commands") or [])
        return True

    async def _api_deletemycommands(self, params: dict[str, Any]) -> Any:
        self.commands.pop(_scope_key(params), None)
        return True

    async def _api_getmycommands(self, params: dict[str, Any]) -> Any:
        return self.commands.get(_scope_key(params), [])
