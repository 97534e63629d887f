"""Event posts in groups, channels and inline messages; deep links; the chat picker."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from urllib.parse import quote
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.services.chats import ChatInfo
from bot.services.posts import PostView
from bot.ui.callbacks import ManageAction, ManagerCard, PostTo
from bot.ui.fmt import number, short_when, when
from bot.ui.i18n import _, ngettext
from bot.ui.keyboards import Row, back_to_card, button, keyboard, keyboard_or_none
from bot.ui.limits import clip

EVENT_PAYLOAD = "ev_"  # /start ev_<id>: open the event's card
MAX_CHAT_BUTTONS = 40


def event_link(bot_username: str, event_id: int) -> str:
    """The deep link that opens the event's card in the private chat with the bot."""
    return f"https://t.me/{bot_username}?start={EVENT_PAYLOAD}{event_id}"


def share_button(bot_username: str, event_id: int, title: str) -> InlineKeyboardButton:
    """*🔗 Share*: Telegram's share sheet with the event's deep link."""
    link = event_link(bot_username, event_id)
    url = f"https://t.me/share/url?url={quote(link, safe='')}&text={quote(title, safe='')}"
    return InlineKeyboardButton(_("🔗 Share"), url=url)


def status(view: PostView, *, started: bool = False) -> str:
    """``23/50 going``, ``Full · 4 waiting``, ``Started · 23 registered`` or ``Cancelled``."""
    if view.cancelled:
        return _("❌ Cancelled")
    if started:
        return _("Started · {count} registered").format(
            count=number(view.capacity - view.seats_left)
        )
    if view.seats_left == 0:
        if view.waiting:
            waiting = ngettext("Full · {count} waiting", "Full · {count} waiting", view.waiting)
            return waiting.format(count=number(view.waiting))
        return _("Full")
    return _("{going}/{capacity} going").format(
        going=number(view.capacity - view.seats_left), capacity=number(view.capacity)
    )


def post_text(view: PostView, tz: ZoneInfo, *, started: bool = False) -> str:
    """A post's text: the event in short and its live count (``started``: under way)."""
    return _("<b>{title}</b>\n🗓 {when}\n📍 {location}\n🎟 {status}").format(
        title=escape(view.title),
        when=when(view.starts_at, tz),
        location=escape(view.location),
        status=status(view, started=started),
    )


def post_keyboard(
    view: PostView, bot_username: str, *, started: bool = False
) -> InlineKeyboardMarkup | None:
    """A URL button to the event's card in the private chat (none once it is cancelled;
    *Details*, not *Register*, once it is full or under way)."""
    if view.cancelled:
        return None
    label = _("🎟 Register") if view.seats_left and not started else _("🎟 Details")
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, url=event_link(bot_username, view.id))]]
    )


def inline_description(view: PostView, tz: ZoneInfo) -> str:
    """The grey line under an inline result's title."""
    return f"{short_when(view.starts_at, tz)} · {status(view)}"


def bad_event_link() -> str:
    """/start ev_<something that is no event id>."""
    return _("That link doesn't lead to an event. Browse what's on with /events.")


# ---- posting (managers) ----------------------------------------------------------------


def pick_event(events: Sequence[PostView], tz: ZoneInfo) -> str:
    """/post in the private chat: which event?"""
    if not events:
        return _("There are no upcoming events to post.")
    return _("📣 Which event do you want to post in a group or channel?")


def pick_event_keyboard(events: Sequence[PostView], tz: ZoneInfo) -> InlineKeyboardMarkup | None:
    """One button per upcoming event, each leading to the chat picker."""
    return keyboard_or_none(
        [
            [
                button(
                    f"{clip(e.title)} · {short_when(e.starts_at, tz)}",
                    ManagerCard(e.id, ManageAction.POST),
                )
            ]
            for e in events
        ]
    )


def pick_event_for_chat_keyboard(
    events: Sequence[PostView], tz: ZoneInfo, chat_id: int
) -> InlineKeyboardMarkup | None:
    """/post in a group without an event: one button per event, posting in that group."""
    return keyboard_or_none(
        [
            [button(f"{clip(e.title)} · {short_when(e.starts_at, tz)}", PostTo(e.id, chat_id))]
            for e in events
        ]
    )


def pick_event_for_chat(chat_title: str) -> str:
    """Sent privately after /post in a group."""
    return _("📣 Which event shall I post in <b>{chat}</b>?").format(chat=escape(chat_title))


def sent_you_the_list() -> str:
    """The group's reply to a bare /post."""
    return _("I sent you the list of events in our private chat.")


def open_private_chat_first(bot_username: str) -> str:
    """A bare /post in a group when the bot can't write to the manager privately."""
    return _(
        'Please <a href="https://t.me/{bot}">open a chat with me</a> first, or name the '
        "event: /post 12"
    ).format(bot=escape(bot_username))


def pick_chat(view: PostView, chats: Sequence[ChatInfo]) -> str:
    """Where to post the event."""
    if not chats:
        return _(
            "I'm not in any group or channel yet. Add me to one (in a channel, as an "
            "administrator who may post), then try again."
        )
    text = _("📣 Where shall I post <b>{title}</b>?").format(title=escape(view.title))
    if len(chats) > MAX_CHAT_BUTTONS:
        text += "\n" + _("(The first {count} chats by name.)").format(
            count=number(MAX_CHAT_BUTTONS)
        )
    return text


def pick_chat_keyboard(view: PostView, chats: Sequence[ChatInfo]) -> InlineKeyboardMarkup:
    """A button per group or channel the bot is in, then « back to the event's card."""
    rows: list[Row] = []
    for chat in chats[:MAX_CHAT_BUTTONS]:
        label = _("📢 {chat}") if chat.type == "channel" else _("👥 {chat}")
        rows.append([button(label.format(chat=clip(chat.title)), PostTo(view.id, chat.chat_id))])
    rows.append(back_to_card(view.id))
    return keyboard(rows)


def posted(view: PostView, chat_title: str) -> str:
    """After a post went out."""
    return _("✅ Posted <b>{title}</b> in <b>{chat}</b>. Its count stays up to date.").format(
        title=escape(view.title), chat=escape(chat_title)
    )


def posted_toast() -> str:
    """The answer to a press that posted."""
    return _("Posted ✅")


def removed_from_chat(chat_title: str) -> str:
    """Posting failed because the bot was removed from the chat."""
    return _(
        "I couldn't post in <b>{chat}</b>: I'm no longer a member there (or may not post). "
        "I took it off the list; add me again to post there."
    ).format(chat=escape(chat_title))


def post_usage() -> str:
    """/post with something that is no event id."""
    return _("Send /post alone to pick an event, or /post followed by its number: /post 12")
