"""A local Telegram Bot API server for tests and the sandbox.

It speaks the real HTTP protocol (``{root}/bot<token>/<method>``) to the real PTB request stack,
keeps chats in memory, and lets the other side play users: send texts, press buttons, read what
the bot sent. It behaves like Telegram where it matters: HTML is parsed and checked, texts are
limited to 4096 characters and callback data to 64 bytes, editing without ``reply_markup``
removes the keyboard, editing to the same content is a 400 "message is not modified", unknown
methods are 404, blocked users give 403, only the update types the bot asked for in
``allowed_updates`` reach it, and faults (status, ``retry_after``, delay) can be injected for the
next N calls of a method.

Modules, by concern (``BotAPIEmulator`` combines the mixins):

- ``chats``: users, chats, messages (``ChatMessage``), the bot's activity (``ChatEvent``), HTML
- ``updates``: the update queue, ``allowed_updates``, long-polling getUpdates
- ``faults``: injected faults and Telegram's flood control
- ``methods``: the other Bot API methods, checked like Telegram checks them
- ``groups``: groups, supergroups and channels the bot is in; ``my_chat_member``; their 403s
- ``inline``: inline queries, ``answerInlineQuery``, chosen results, ``inline_message_id`` edits
- ``driver``: the side that plays the users (send_text, press, edit_text, wait_until ...)
- ``server``: the aiohttp app, parameter parsing, error answers; ``BotAPIEmulator`` itself
- ``snapshot``: what Telegram would still know after a restart, as JSON, and back (the sandbox
  keeps it between runs)
"""

from bot.emulator.chats import ChatEvent, ChatMessage, ChatState, html_to_text
from bot.emulator.driver import Driver
from bot.emulator.errors import ApiError
from bot.emulator.faults import Fault, Faults
from bot.emulator.groups import Groups
from bot.emulator.inline import InlineMode
from bot.emulator.methods import MAX_CALLBACK_ANSWER, MAX_CALLBACK_DATA, MAX_TEXT, BotAPIMethods
from bot.emulator.server import JSON_PARAMS, BotAPIEmulator
from bot.emulator.updates import DEFAULT_UPDATE_TYPES, UPDATE_TYPES, UpdateQueue

__all__ = [
    "DEFAULT_UPDATE_TYPES",
    "JSON_PARAMS",
    "MAX_CALLBACK_ANSWER",
    "MAX_CALLBACK_DATA",
    "MAX_TEXT",
    "UPDATE_TYPES",
    "ApiError",
    "BotAPIEmulator",
    "BotAPIMethods",
    "ChatEvent",
    "ChatMessage",
    "ChatState",
    "Driver",
    "Fault",
    "Faults",
    "Groups",
    "InlineMode",
    "UpdateQueue",
    "html_to_text",
]
