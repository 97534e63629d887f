"""Groups, supergroups and channels the bot belongs to: ``my_chat_member`` and Telegram's 403s.

A chat created with ``add_bot_to_chat`` remembers the bot's membership. Adding or removing the
bot sends the bot a ``my_chat_member`` update (if its ``allowed_updates`` ask for it); sending
to or editing in a chat the bot was removed from answers 403 like Telegram
("Forbidden: bot was kicked from the group chat"), and in a channel only an administrator may
post. Chats made with ``Driver.add_group`` (before memberships were modelled) always accept.
"""

from __future__ import annotations

import time
from typing import Any

from bot.emulator.errors import ApiError
from bot.emulator.methods import BotAPIMethods

CHAT_KINDS = ("group", "supergroup", "channel")
GONE = ("left", "kicked")


def _member(user: dict[str, Any], status: str) -> dict[str, Any]:
    """A ChatMember object of ``status`` for ``user``, with the fields its type requires."""
    member: dict[str, Any] = {"user": user, "status": status}
    if status == "kicked":
        member["until_date"] = 0
    elif status == "administrator":
        rights = (
            "can_manage_chat", "can_delete_messages", "can_manage_video_chats",
            "can_restrict_members", "can_change_info", "can_invite_users", "can_post_stories",
            "can_edit_stories", "can_delete_stories", "can_post_messages", "can_edit_messages",
            "can_pin_messages",
        )  # fmt: skip
        member.update({right: True for right in rights})
        member.update(can_be_edited=False, is_anonymous=False, can_promote_members=False)
    return member


class Groups(BotAPIMethods):
    """The bot's membership of group chats and channels, and what it may do there."""

    def __init__(self, token: str, username: str) -> None:
        super().__init__(token, username)
        # chat id -> the bot's status there: member, administrator, left or kicked
        self.bot_status: dict[int, str] = {}

    def add_bot_to_chat(
        self, chat_id: int, title: str, *, by: int, kind: str = "group", admin: bool = False
    ) -> dict[str, Any]:
        """User ``by`` adds the bot to a group, supergroup or channel (as admin if ``admin``;
        channels take bots as administrators only)."""
        if kind not in CHAT_KINDS or chat_id >= 0:
            raise ValueError("group and channel ids are negative; kind is group/supergroup/channel")
        if kind == "channel" and not admin:
            raise ValueError("a bot can only be added to a channel as an administrator")
        chat = self.chats.setdefault(chat_id, {"id": chat_id, "type": kind, "title": title})
        chat["title"] = title
        self._set_bot_status(chat, by, "administrator" if admin else "member")
        return chat

    def remove_bot_from_chat(self, chat_id: int, *, by: int) -> None:
        """User ``by`` removes (bans) the bot from the chat."""
        self._set_bot_status(self.chats[chat_id], by, "kicked")

    def _set_bot_status(self, chat: dict[str, Any], by: int, status: str) -> None:
        old = self.bot_status.get(chat["id"], "left")
        self.bot_status[chat["id"]] = status
        if status == "administrator":
            self.admin_chats.add(chat["id"])
        else:
            self.admin_chats.discard(chat["id"])
        self._push_update(
            {
                "my_chat_member": {
                    "chat": chat,
                    "from": self.users[by],
                    "date": int(time.time()),
                    "old_chat_member": _member(self.bot_user, old),
                    "new_chat_member": _member(self.bot_user, status),
                }
            }
        )

    def _target_chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = super()._target_chat(params)
        status = self.bot_status.get(chat["id"])
        if status is None:
            return chat
        kind = chat["type"]
        if status in GONE:
            if kind == "channel":
                raise ApiError(403, "Forbidden: bot is not a member of the channel chat")
            if status == "kicked":
                raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
            raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")
        if kind == "channel" and status != "administrator":
            raise ApiError(400, "Bad Request: need administrator rights in the channel chat")
        return chat
