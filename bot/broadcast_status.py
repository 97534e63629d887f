"""The status message of each broadcast in its manager's chat, kept up by the dispatcher.

"📣 Jazz night: sending to 450 people… sent 120/450" while the outbox delivers it, edited at
most every PROGRESS_EVERY, then the result ("sent to 448 of 450 people", and why the others
couldn't be reached). Everything shown is counted from the outbox rows and the times are
``broadcasts`` columns, so a restarted process carries on where the last one stopped. An edit
is made only when the text changes (Telegram refuses an edit to the same text).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Bot
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.context import Deps
from bot.services import broadcasts
from bot.services.broadcasts import Progress
from bot.ui import broadcast as ui_broadcast
from bot.ui.limits import fit
from bot.ui.manager_card import back_to_card_keyboard

log = logging.getLogger(__name__)

PROGRESS_EVERY = timedelta(seconds=3)


async def refresh(bot: Bot, deps: Deps, *, settle: bool) -> None:
    """Update the status of open broadcasts whose progress is due (every one when
    ``settle``: the dispatcher has nothing left to send, so finished ones get their result)."""
    now = deps.clock.now()
    async with deps.db.read() as session:
        open_ones = await broadcasts.open_broadcasts(session)
    for item in open_ones:
        if not settle and item.shown_at is not None and now - item.shown_at < PROGRESS_EVERY:
            continue
        async with deps.db.read() as session:
            progress = await broadcasts.progress(session, broadcast_id=item.id)
        await _show(bot, deps, progress)


async def _show(bot: Bot, deps: Deps, progress: Progress) -> None:
    """Put the progress in the status message, if it changed; record when it was shown."""
    text = fit(ui_broadcast.status(progress))
    message_id = progress.status_message_id
    new_message_id = None
    if deps.broadcast_status.get(progress.broadcast_id) != text:
        try:
            new_message_id = await _edit_or_send(bot, progress, text)
        except Forbidden:
            log.info("broadcast %s: the manager's chat blocked the bot", progress.broadcast_id)
        except TelegramError as exc:  # 429 after waiting, 5xx, time-out: next time
            log.warning("broadcast %s: status not updated (%s)", progress.broadcast_id, exc)
            return
        deps.broadcast_status[progress.broadcast_id] = text
    async with deps.db.write() as session:
        await broadcasts.mark_shown(
            session,
            broadcast_id=progress.broadcast_id,
            now=deps.clock.now(),
            finished=progress.finished,
            status_message_id=new_message_id if new_message_id != message_id else None,
        )
    if progress.finished:
        deps.broadcast_status.pop(progress.broadcast_id, None)


async def _edit_or_send(bot: Bot, progress: Progress, text: str) -> int | None:
    """Edit the status message; when it is gone (deleted, too old), send a new one and return
    its id. A "not modified" answer means a previous process already showed this text. Each
    carries the « back to the event's card (an edit without it would take it away)."""
    chat_id, message_id = progress.status_chat_id, progress.status_message_id
    back = back_to_card_keyboard(progress.event_id, below=True)  # the status stays readable
    if message_id is not None:
        try:
            await bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, reply_markup=back
            )
            return message_id
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return message_id
            log.info("broadcast %s: status message gone (%s)", progress.broadcast_id, exc)
    sent = await bot.send_message(chat_id, text, reply_markup=back)
    return sent.message_id
