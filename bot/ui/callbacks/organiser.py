"""The buttons of managers and organisers: /newevent, /attendees, /manage, the manager's card,
check-in, editing, broadcasts and posts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.ui.callbacks.base import ID, PAGE, Callback, Choice, Codec, Number, Omittable, Paged


class ConfirmAction(StrEnum):
    """The two buttons under a new event's summary."""

    CREATE = "create"
    CANCEL = "cancel"


@dataclass(frozen=True)
class NewEventConfirm(Callback, prefix="ne", wire=(Choice(ConfirmAction),)):
    """*Create* / *Cancel* at the end of /newevent."""

    action: ConfirmAction


class AttendeePicker(Paged, prefix="atl"):
    """A page of the /attendees event picker."""


@dataclass(frozen=True)
class Attendees(Callback, prefix="att", wire=(ID, PAGE)):
    """A page of one event's attendee list."""

    event_id: int
    page: int = 0


class PastEvents(Paged, prefix="atp"):
    """*🕰 Past events* under the /attendees picker, and a page of them."""


class ManageAction(StrEnum):
    """The organiser's buttons on a manager's event card."""

    OPEN = "open"  # on the wire: no action field
    EDIT = "ed"
    ATTENDEES = "att"
    MESSAGE = "msg"
    EXPORT = "csv"
    POST = "post"
    CHART = "chart"
    CANCEL = "cx"  # asks "Cancel Jazz night? 37 people are registered"
    CANCEL_CONFIRMED = "cxy"  # *Yes, cancel*
    # the card as a new message, the pressed one left as it is (a broadcast's status message,
    # which the dispatcher keeps editing and which ends with who couldn't be reached)
    OPEN_BELOW = "new"


@dataclass(frozen=True)
class ManagerCard(
    Callback, prefix="mc", wire=(ID, Omittable(Choice(ManageAction), ManageAction.OPEN))
):
    """A manager's card of an event (counters and the organiser's buttons), or one of them.

    Every handler behind it checks the manager role on the server: the data can be forged.
    """

    event_id: int
    action: ManageAction = ManageAction.OPEN

    @classmethod
    def action_pattern(cls, action: ManageAction) -> re.Pattern[str]:
        """Matches this action's data for any event id (the id is validated by ``parse``)."""
        if action is ManageAction.OPEN:
            return re.compile(rf"^{cls.prefix}:[^:]*$")
        return re.compile(rf"^{cls.prefix}:[^:]*:{re.escape(action.value)}$")


@dataclass(frozen=True)
class CheckInList(Callback, prefix="cin", wire=(ID, PAGE, Omittable(ID, None))):
    """A page of an event's attendees not yet checked in (*☑ Check in…*), or one of them
    pressed to check them in (``registration_id``), the same page shown again afterwards.

    Managers only, checked on the server; the registration must belong to the event.
    """

    event_id: int
    page: int = 0
    registration_id: int | None = None


@dataclass(frozen=True)
class UndoCheckIn(Callback, prefix="cun", wire=(ID, ID, Omittable(PAGE, None))):
    """*↩ Undo* of a check-in made by mistake: under a ticket scan's answer (no page: that
    answer is edited to say so), or on the check-in list (``page``: that page drawn again,
    the person back among those to arrive).

    Managers only, checked on the server; the registration must belong to the event.
    """

    event_id: int
    registration_id: int
    page: int | None = None


@dataclass(frozen=True)
class CheckInAgain(Callback, prefix="cia", wire=(ID, ID)):
    """*✅ Check in again* under a scan's answer whose check-in was undone: checks the
    registration in and restores the answer with its *↩ Undo check-in*. Managers only."""

    event_id: int
    registration_id: int


class ManagePicker(Paged, prefix="mgl"):
    """A page of the /manage event picker (events from 24 hours ago on, soonest first)."""


class ManagePast(Paged, prefix="mgp"):
    """*🕰 Past events* under the /manage picker, and a page of them."""


class EventField(StrEnum):
    """What ✏️ Edit on a manager's card can change."""

    TITLE = "title"
    DESCRIPTION = "desc"
    START = "start"
    LOCATION = "loc"
    CAPACITY = "cap"


@dataclass(frozen=True)
class EditField(Callback, prefix="edf", wire=(ID, Choice(EventField))):
    """One field button under ✏️ Edit: asks for the field's new value (managers only)."""

    event_id: int
    field: EventField


class BroadcastAction(StrEnum):
    """The two buttons under a broadcast's preview."""

    SEND = "send"
    CANCEL = "cancel"


@dataclass(frozen=True)
class BroadcastConfirm(Callback, prefix="bc", wire=(Choice(BroadcastAction),)):
    """*📣 Send to 37 people* / *✖ Cancel* under the preview of a message to attendees
    (``bc:send``, ``bc:cancel``); the open form holds which event and what text."""

    action: BroadcastAction


class GroupChatId(Codec[int]):
    """A group or channel id: ``-`` and 1..16 ASCII digits, not zero (the Bot API's group and
    channel ids are negative; supergroups and channels: -100...)."""

    _DIGITS = Number(digits=16, low=1, high=10**16 - 1)

    def pack(self, value: int) -> str:
        return str(value)

    def parse(self, text: str) -> int | None:
        if not text.startswith("-"):
            return None
        value = self._DIGITS.parse(text[1:])
        return None if value is None else -value


@dataclass(frozen=True)
class PostTo(Callback, prefix="pt", wire=(ID, GroupChatId())):
    """Post an event's live card in one of the groups or channels the bot is in."""

    event_id: int
    chat_id: int
