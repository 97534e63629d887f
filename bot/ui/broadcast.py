"""Messaging an event's attendees: the question, the preview, the message itself, and the
status message the manager watches while it goes out."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardMarkup

from bot.services.broadcasts import Progress
from bot.ui.callbacks import BroadcastAction, BroadcastConfirm
from bot.ui.fmt import number
from bot.ui.i18n import _, ngettext
from bot.ui.keyboards import button, keyboard


def people(count: int) -> str:
    """ "37 people", "1 person"."""
    return ngettext("{count} person", "{count} people", count).format(count=number(count))


def ask_text(title: str, recipients: int) -> str:
    """The question: what to tell everyone registered."""
    return _(
        "📣 Message to the attendees of <b>{title}</b> ({people} registered).\n\n"
        "Send the text: it can have several lines. You'll see a preview before anything is "
        "sent. /cancel to stop."
    ).format(title=escape(title), people=people(recipients))


def nobody_registered(title: str) -> str:
    """Pressing *Message attendees* for an event nobody is registered for."""
    return _("Nobody is registered for <b>{title}</b> yet, so there is nobody to message.").format(
        title=escape(title)
    )


def private_chat_only() -> str:
    """*Message attendees* pressed outside the manager's private chat with the bot."""
    return _("Messages to attendees are written in your private chat with me.")


def message(title: str, text: str) -> str:
    """What each attendee gets: a heading naming the event, then the manager's text."""
    return _("📣 <b>{title}</b>: a message from the organiser\n\n{text}").format(
        title=escape(title), text=escape(text)
    )


def preview(title: str, text: str, recipients: int) -> str:
    """The message as attendees will see it, and who gets it."""
    return _("Preview: this is what {people} will get.\n\n{message}").format(
        people=people(recipients), message=message(title, text)
    )


def confirm_keyboard(recipients: int) -> InlineKeyboardMarkup:
    """[📣 Send to 37 people] [✖ Cancel]."""
    send = ngettext("📣 Send to {count} person", "📣 Send to {count} people", recipients)
    return keyboard(
        [
            [
                button(
                    send.format(count=number(recipients)),
                    BroadcastConfirm(BroadcastAction.SEND),
                ),
                button(_("✖ Cancel"), BroadcastConfirm(BroadcastAction.CANCEL)),
            ]
        ]
    )


def not_sent() -> str:
    """*Cancel* under the preview."""
    return _("Not sent. Nobody got the message.")


def status(progress: Progress) -> str:
    """The manager's status message: progress while sending, the result at the end."""
    if not progress.finished:
        return ngettext(
            "📣 {title}: sending to {count} person… sent {done}/{total}",
            "📣 {title}: sending to {count} people… sent {done}/{total}",
            progress.recipients,
        ).format(
            title=escape(progress.title),
            count=number(progress.recipients),
            done=number(progress.done),
            total=number(progress.recipients),
        )
    lines = [
        _("📣 {title}: sent to {sent} of {total}.").format(
            title=escape(progress.title),
            sent=number(progress.sent),
            total=people(progress.recipients),
        )
    ]
    if progress.blocked:
        lines.append(
            ngettext(
                "{count} couldn't be reached: they blocked the bot.",
                "{count} couldn't be reached: they blocked the bot.",
                progress.blocked,
            ).format(count=number(progress.blocked))
        )
    if progress.logged_out:
        lines.append(
            ngettext(
                "{count} couldn't be reached: not logged in to the bot any more.",
                "{count} couldn't be reached: not logged in to the bot any more.",
                progress.logged_out,
            ).format(count=number(progress.logged_out))
        )
    if progress.refused:
        lines.append(
            ngettext(
                "{count} couldn't be reached: Telegram didn't deliver it.",
                "{count} couldn't be reached: Telegram didn't deliver it.",
                progress.refused,
            ).format(count=number(progress.refused))
        )
    if progress.cancelled:
        lines.append(
            ngettext(
                "{count} cancelled their registration before it went out.",
                "{count} cancelled their registration before it went out.",
                progress.cancelled,
            ).format(count=number(progress.cancelled))
        )
    return "\n".join(lines)
