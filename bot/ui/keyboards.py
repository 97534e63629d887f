"""Inline keyboards from labels and typed buttons (bot.ui.callbacks); the Prev/Next row and
the « row back to an organiser's card."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.ui.callbacks import Callback, ManageAction, ManagerCard
from bot.ui.i18n import _

Row = list[InlineKeyboardButton]


def button(label: str, callback: Callback) -> InlineKeyboardButton:
    """One inline button; its data is the packed ``callback`` (≤ 64 bytes, checked in pack)."""
    return InlineKeyboardButton(label, callback_data=callback.pack())


def keyboard(rows: Sequence[Row]) -> InlineKeyboardMarkup:
    """Rows of buttons under a message."""
    return InlineKeyboardMarkup([list(row) for row in rows])


def keyboard_or_none(rows: Sequence[Row]) -> InlineKeyboardMarkup | None:
    """Rows of buttons, or no keyboard at all when there are none."""
    return keyboard(rows) if rows else None


def pager(page: int, pages: int, to: Callable[[int], Callback]) -> Row:
    """◀ Prev / Next ▶ where there is a page to go to (``to`` makes the button for a page)."""
    row = []
    if page > 0:
        row.append(button(_("◀ Prev"), to(page - 1)))
    if page + 1 < pages:
        row.append(button(_("Next ▶"), to(page + 1)))
    return row


def back_to_card(event_id: int, *, below: bool = False) -> Row:
    """« back to the event's organiser's card (from the screens its buttons open); ``below``:
    the card comes as a new message, leaving this one as it is."""
    action = ManageAction.OPEN_BELOW if below else ManageAction.OPEN
    return [button(_("« Event"), ManagerCard(event_id, action))]
