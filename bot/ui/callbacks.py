"""Buttons as typed values: one small frozen dataclass per kind of button.

Each kind owns its wire format: ``pack()`` writes the callback data, ``parse()`` reads it back,
``pattern()`` is the anchored regex of its prefix for ``CallbackQueryHandler``. Callback data
comes from the client and can be anything, so ``parse()`` validates like any untrusted input
(ASCII digits only, bounded lengths, ids 1..2**63-1, pages 0..999999, known words) and answers
None instead of raising. Formats never change meaning: buttons in old messages keep working.

| kind              | data                          |
|-------------------|-------------------------------|
| ``Start``         | ``start:signup``, ``start:login`` (``:ID``: the card to return to) |
| ``RoleChoice``    | ``su:role:customer``, ``su:role:manager`` |
| ``EventList``     | ``evl:PAGE``                  |
| ``EventCard``     | ``ev:ID``, ``ev:ID:reg``, ``ev:ID:unreg`` |
| ``MyEvents``      | ``my:0``                      |
| ``NewEventConfirm`` | ``ne:create``, ``ne:cancel`` |
| ``AttendeePicker``| ``atl:PAGE``                  |
| ``Attendees``     | ``att:ID:PAGE`` (a page holds what fits one message) |
| ``EndOtherSessions`` | ``ses:others``             |
| ``PastEvents``    | ``atp:PAGE``                  |
| ``ManagerCard``   | ``mc:ID``, ``mc:ID:ACTION`` (the organiser's card and its buttons) |
| ``CheckInList``   | ``cin:ID:PAGE`` (who hasn't arrived), ``cin:ID:PAGE:REG`` (check REG in) |
| ``ManagePicker``  | ``mgl:PAGE``                  |
| ``ManagePast``    | ``mgp:PAGE``                  |
| ``EditField``     | ``edf:ID:FIELD`` (title, desc, start, loc, cap) |
| ``BroadcastConfirm`` | ``bc:send``, ``bc:cancel`` (under a message to attendees) |
| ``PostTo``        | ``pt:ID:CHAT`` (post event ID in group/channel CHAT, a negative id) |
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Self, TypeVar

from bot.ui.limits import MAX_CALLBACK_DATA
from db.models import Role

MAX_ID = 2**63 - 1  # ids are 64-bit signed integers in the database
MAX_PAGE = 999_999
_ID_DIGITS = len(str(MAX_ID))
_PAGE_DIGITS = len(str(MAX_PAGE))
_PREFIX = re.compile(r"[a-z]+(?::[a-z]+)*")
E = TypeVar("E", bound=StrEnum)


def _number(text: str, *, digits: int, low: int, high: int) -> int | None:
    """``text`` as an int if it is 1..``digits`` ASCII digits within [low, high], else None."""
    if not 0 < len(text) <= digits or not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if low <= value <= high else None


def _member(kind: type[E], text: str) -> E | None:
    """The member of ``kind`` whose value is exactly ``text``, else None."""
    try:
        return kind(text)
    except ValueError:
        return None


def _event_id(text: str) -> int | None:
    return _number(text, digits=_ID_DIGITS, low=1, high=MAX_ID)


def _page(text: str) -> int | None:
    return _number(text, digits=_PAGE_DIGITS, low=0, high=MAX_PAGE)


class Callback:
    """Base of every button kind; a subclass names its prefix: ``class X(Callback, prefix="x")``."""

    prefix: ClassVar[str]
    _kinds: ClassVar[dict[str, type[Callback]]] = {}

    def __init_subclass__(cls, *, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not _PREFIX.fullmatch(prefix):
            raise ValueError(f"bad callback prefix {prefix!r}")
        for other in Callback._kinds:
            if f"{other}:".startswith(f"{prefix}:") or f"{prefix}:".startswith(f"{other}:"):
                raise ValueError(f"callback prefix {prefix!r} overlaps {other!r}")
        cls.prefix = prefix
        Callback._kinds[prefix] = cls

    @classmethod
    def kinds(cls) -> list[type[Callback]]:
        """Every button kind there is."""
        return list(Callback._kinds.values())

    @classmethod
    def kind_of(cls, data: object) -> type[Callback] | None:
        """The kind whose prefix ``data`` carries (whether or not the rest parses)."""
        if not isinstance(data, str):
            return None
        return next((kind for kind in cls.kinds() if kind.pattern().match(data)), None)

    @classmethod
    def pattern(cls) -> re.Pattern[str]:
        """Matches any data with this kind's prefix, for ``CallbackQueryHandler(pattern=...)``."""
        return re.compile(rf"^{re.escape(cls.prefix)}(?::|$)")

    def exact(self) -> re.Pattern[str]:
        """Matches this one value's data only (for a handler that takes just this button)."""
        return re.compile(rf"^{re.escape(self.pack())}$")

    def pack(self) -> str:
        """The callback data: ``prefix:field:field``, at most 64 bytes."""
        data = ":".join((self.prefix, *self._fields()))
        assert len(data.encode()) <= MAX_CALLBACK_DATA, data
        return data

    @classmethod
    def parse(cls, data: object) -> Self | None:
        """The button ``data`` stands for, or None if it isn't a valid one of this kind."""
        if not isinstance(data, str) or len(data) > MAX_CALLBACK_DATA:
            return None
        if data == cls.prefix:
            fields: list[str] = []
        elif data.startswith(f"{cls.prefix}:"):
            fields = data[len(cls.prefix) + 1 :].split(":")
        else:
            return None
        return cls._from_fields(fields)

    def _fields(self) -> Sequence[str]:
        return ()

    @classmethod
    def _from_fields(cls, fields: list[str]) -> Self | None:
        raise NotImplementedError


class StartAction(StrEnum):
    """What the buttons under the /start greeting begin."""

    SIGNUP = "signup"
    LOGIN = "login"


@dataclass(frozen=True)
class Start(Callback, prefix="start"):
    """*Sign up* / *Log in*; from an event's card, the event to come back to afterwards."""

    action: StartAction
    event_id: int | None = None

    def _fields(self) -> Sequence[str]:
        if self.event_id is None:
            return (self.action.value,)
        return (self.action.value, str(self.event_id))

    @classmethod
    def _from_fields(cls, fields: list[str]) -> Self | None:
        if not 1 <= len(fields) <= 2:
            return None
        action = _member(StartAction, fields[0])
        event_id = _event_id(fields[1]) if len(fields) == 2 else None
        if action is None or (len(fields) == 2 and event_id is None):
            return None
        return cls(action, event_id)


@dataclass(frozen=True)
class RoleChoice(Callback, prefix="su:role"):
    """*Customer* / *Manager* at the end of sign-up."""

    role: Role

    def _fields(self) -> Sequence[str]:
        return (self.role.value,)

    @classmethod
    def _from_fields(cls, fields: list[str]) -> Self | None:
        role = _member(Role, fields[0]) if len(fields) == 1 else None
        return None if role is None else cls(role)


@dataclass(frozen=True)
class EventList(Callback, prefix="evl"):
    """A page of /events (◀ Prev / Next ▶, « All events)."""

    page: int = 0

    def _fields(self) -> Sequence[str]:
        return (str(self.page),)

    @classmethod
    def _from_fields(cls, fields: list[str]) -> Self | None:
        page = _page(fields[0]) if len(fields) == 1 else None
        return None if page is None else cls(page)


class CardAction(StrEnum):
    """What a press on an event card's data does."""

    OPEN = "open"  # on the wire: no action field
    REGISTER = "reg"
    UNREGISTER = "unreg"  # asks "Cancel your registration?" (old buttons ask too: safer)
    UNREGISTER_CONFIRMED = "unregy"  # *Yes, cancel it*
    JOIN_WAITLIST = "wait"  # the event is full: queue for the next free seat
    LEAVE_WAITLIST = "unwait"
    TICKET = "tkt"  # *My ticket*: the QR code to show at the door


MINE = "m"  # the card was opened from /myevents
_LIST_ORIGIN = re.compile(r"l(\d{1,6})")


@dataclass(frozen=True)
class EventCard(Callback, prefix="ev"):
    """Open an event's card, or register / cancel from it; the card remembers where it was
    opened from, so « goes back there (a page of /events, or /myevents).

    Wire: ``ev:ID[:action][:origin]``; the origin is ``m`` or ``l<page>`` and left out for
    page 0 of /events, so the data of buttons already in chats means what it always did.
    """

    event_id: int
    action: CardAction = CardAction.OPEN
    from_mine: bool = False
    list_page: int = 0

    def _fields(self) -> Sequence[str]:
        fields = [str(self.event_id)]
        if self.action is not CardAction.OPEN:
            fields.append(self.action.value)
        if self.from_mine:
            fields.append(MINE)
        elif self.list_page:
            fields.append(f"l{self.list_page}")
        return fields

    def with_action(self, action: CardAction) -> EventCard:
        """The same card and origin, another action."""
        return EventCard(self.event_id, action, self.from_mine, self.list_page)

    @classmethod
    def _from_fields(cls, fields: list[str]) -> Self | None:
        if not 1 <= len(fields) <= 3:
            return None
        event_id = _event_id(fields[0])
        if event_id is None:
            return None
        rest = fields[1:]
        action = CardAction.OPEN
        if rest and rest[0] not in (MINE,) and not _LIST_ORIGIN.fullmatch(rest[0]):
            found = _member(CardAction, rest.pop(0))
            if found is None or found is CardAction.OPEN:
                return None
            action = found
        if len(rest) > 1:
            return None
        if not rest:
            return cls(event_id, action)
        if rest[0] == MINE:
            return cls(event_id, action, from_mine=True)
        page = _page(rest[0][1:]) if _LIST_ORIGIN.fullmatch(rest[0]) else None
        return None if page is None else cls(event_id, action, list_page=page)


@dataclass(frozen=True)
class MyEvents(Callback, prefix="my"):
    """*My events* under the greeting: the same as /myevents."""

    def _fields(self) -> Sequence[str]:
        return ("0",)

    @classmethod
    def _from_fields(cls, fields: list[str]) -> Self | None:
        return cls() if fields == ["0"] else None


class ConfirmAction(StrEnum):
    """The two buttons under a new event's summary."""

    CREATE = "create"
    CANCEL = "cancel"


@dataclass(frozen=True)
class NewEventConfirm(Callback, prefix="ne"):
    """*Create* / *Cancel* at the end of /newevent."""

    action: ConfirmAction

    def _fields(self) -> Sequence[str]:
        return (self.action.value,)

    @classmethod
    def _from_fields(cls, fields: list[str]) -> Self | None:
        action = _member(ConfirmAction, fields[0]) if len(fields) == 1 else None
        return None if action is None else cls(action)


@dataclass(frozen=True)
class AttendeePicker(Callback, prefix="atl"):
    """A page of the /attendees event picker."""

    page: int = 0

    def _fields(self) -> Sequence[str]:
        return (str(self.page),)

    @classmethod
    def _from_fields(cls, fields: list[str]) -> Self | None:
        page = _page(fields[0]) if len(fields) == 1 else None
        return None if page is None else cls(page)


@dataclass(frozen=True)
class Attendees(Callback, prefix="att"):
    """A page of one event's attendee list."""

    event_id: int
    page: int = 0

    def _fields(self) -> Sequence[str]:
        return (str(self.event_id), str(self.page))

    @classmethod
    def _from_fields(cls, fields: list[str]) -> Self | None:
        if len(fields) != 2:
            return None
        event_id, page = _event_id(fields[0]), _page(fields[1])
        return None if event_id is None or page is None else cls(event_id, page)


@dataclass(frozen=True)
class EndOtherSessions(Callback, prefix="ses"):
    """*Log out the others* under /sessions."""

    def _fields(self) -> Sequence[str]:
        return ("others",)

    @classmethod
    def _from_fields(cls, fields: list[str]) -> Self | None:
        return cls() if fields == ["others"] else None


@dataclass(frozen=True)
class PastEvents(Callback, prefix="atp"):
    """*🕰 Past events* under the /attendees picker, and a page of them."""

    page: int = 0

    def _fields(self) -> Sequence[str]:
        return (str(self.page),)

    @classmethod
    def _from_fields(cls, fields: list[str]) -> Self | None:
        page = _page(fields[0]) if len(fields) == 1 else None
        return None if page is None else cls(page)


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


@dataclass(frozen=True)
class ManagerCard(Callback, prefix="mc"):
    """A manager's card of an event (counters and the organiser's buttons), or one of them.

    Every handler behind it checks the manager role on the server: the data can be forged.
    """

    event_id: int
    action: ManageAction = ManageAction.OPEN

    def _fields(self) -> Sequence[str]:
        if self.action is ManageAction.OPEN:
            return (str(self.event_id),)
        return (str(self.event_id), self.action.value)

    @classmethod
    def action_pattern(cls, action: ManageAction) -> re.Pattern[str]:
        """Matches this action's data for any event id (the id is validated by ``parse``)."""
        if action is ManageAction.OPEN:
            return re.compile(rf"^{cls.prefix}:[^:]*$")
        return re.compile(rf"^{cls.prefix}:[^:]*:{re.escape(action.value)}$")

    @classmethod
    def _from_fields(cls, fields: list[str]) -> Self | None:
        if not 1 <= len(fields) <= 2:
            return None
        event_id = _event_id(fields[0])
        action = ManageAction.OPEN
        if len(fields) == 2:
            found = _member(ManageAction, fields[1])
            if found is None or found is ManageAction.OPEN:
                return None
            action = found
        return None if event_id is None else cls(event_id, action)


@dataclass(frozen=True)
class CheckInList(Callback, prefix="cin"):
    """A page of an event's attendees not yet checked in (*☑ Check in…*), or one of them
    pressed to check them in (``registration_id``), the same page shown again afterwards.

    Managers only, checked on the server; the registration must belong to the event.
    """

    event_id: int
    page: int = 0
    registration_id: int | None = None

    def _fields(self) -> Sequence[str]:
        fields = [str(self.event_id), str(self.page)]
        if self.registration_id is not None:
            fields.append(str(self.registration_id))
        return fields

    @classmethod
    def _from_fields(cls, fields: list[str]) -> Self | None:
        if not 2 <= len(fields) <= 3:
            return None
        event_id, page = _event_id(fields[0]), _page(fields[1])
        registration_id = _event_id(fields[2]) if len(fields) == 3 else None
        if event_id is None or page is None or (len(fields) == 3 and registration_id is None):
            return None
        return cls(event_id, page, registration_id)


@dataclass(frozen=True)
class ManagePicker(Callback, prefix="mgl"):
    """A page of the /manage event picker (events from 24 hours ago on, soonest first)."""

    page: int = 0

    def _fields(self) -> Sequence[str]:
        return (str(self.page),)

    @classmethod
    def _from_fields(cls, fields: list[str]) -> Self | None:
        page = _page(fields[0]) if len(fields) == 1 else None
        return None if page is None else cls(page)


@dataclass(frozen=True)
class ManagePast(Callback, prefix="mgp"):
    """*🕰 Past events* under the /manage picker, and a page of them."""

    page: int = 0

    def _fields(self) -> Sequence[str]:
        return (str(self.page),)

    @classmethod
    def _from_fields(cls, fields: list[str]) -> Self | None:
        page = _page(fields[0]) if len(fields) == 1 else None
        return None if page is None else cls(page)


class EventField(StrEnum):
    """What ✏️ Edit on a manager's card can change."""

    TITLE = "title"
    DESCRIPTION = "desc"
    START = "start"
    LOCATION = "loc"
    CAPACITY = "cap"


@dataclass(frozen=True)
class EditField(Callback, prefix="edf"):
    """One field button under ✏️ Edit: asks for the field's new value (managers only)."""

    event_id: int
    field: EventField

    def _fields(self) -> Sequence[str]:
        return (str(self.event_id), self.field.value)

    @classmethod
    def _from_fields(cls, fields: list[str]) -> Self | None:
        if len(fields) != 2:
            return None
        event_id, field = _event_id(fields[0]), _member(EventField, fields[1])
        return None if event_id is None or field is None else cls(event_id, field)


class BroadcastAction(StrEnum):
    """The two buttons under a broadcast's preview."""

    SEND = "send"
    CANCEL = "cancel"


@dataclass(frozen=True)
class BroadcastConfirm(Callback, prefix="bc"):
    """*📣 Send to 37 people* / *✖ Cancel* under the preview of a message to attendees
    (``bc:send``, ``bc:cancel``); the open form holds which event and what text."""

    action: BroadcastAction

    def _fields(self) -> Sequence[str]:
        return (self.action.value,)

    @classmethod
    def _from_fields(cls, fields: list[str]) -> Self | None:
        action = _member(BroadcastAction, fields[0]) if len(fields) == 1 else None
        return None if action is None else cls(action)


# the Bot API's group and channel ids are negative (supergroups and channels: -100...)
_MAX_CHAT_DIGITS = 16


def _group_chat_id(text: str) -> int | None:
    """A group or channel id: ``-`` and 1..16 ASCII digits, not zero."""
    if not text.startswith("-"):
        return None
    value = _number(text[1:], digits=_MAX_CHAT_DIGITS, low=1, high=10**_MAX_CHAT_DIGITS - 1)
    return None if value is None else -value


@dataclass(frozen=True)
class PostTo(Callback, prefix="pt"):
    """Post an event's live card in one of the groups or channels the bot is in."""

    event_id: int
    chat_id: int

    def _fields(self) -> Sequence[str]:
        return (str(self.event_id), str(self.chat_id))

    @classmethod
    def _from_fields(cls, fields: list[str]) -> Self | None:
        if len(fields) != 2:
            return None
        event_id, chat_id = _event_id(fields[0]), _group_chat_id(fields[1])
        return None if event_id is None or chat_id is None else cls(event_id, chat_id)
