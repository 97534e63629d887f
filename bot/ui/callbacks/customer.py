"""The buttons everyone presses: the greeting, sign-up, /events, event cards, /myevents,
/sessions."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Self

from bot.ui.callbacks.base import ID, PAGE, Callback, Choice, Fixed, Omittable, Paged
from db.models import Role


class StartAction(StrEnum):
    """What the buttons under the /start greeting begin."""

    SIGNUP = "signup"
    LOGIN = "login"


@dataclass(frozen=True)
class Start(Callback, prefix="start", wire=(Choice(StartAction), Omittable(ID, None))):
    """*Sign up* / *Log in*; from an event's card, the event to come back to afterwards."""

    action: StartAction
    event_id: int | None = None


@dataclass(frozen=True)
class RoleChoice(Callback, prefix="su:role", wire=(Choice(Role),)):
    """*Customer* / *Manager* at the end of sign-up."""

    role: Role


class EventList(Paged, prefix="evl"):
    """A page of /events (◀ Prev / Next ▶, « All events)."""


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
_CARD_ACTION = Omittable(Choice(CardAction), CardAction.OPEN)


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
        fields = [ID.pack(self.event_id)]
        if self.action is not CardAction.OPEN:
            fields.append(_CARD_ACTION.pack(self.action))
        if self.from_mine:
            fields.append(MINE)
        elif self.list_page:
            fields.append(f"l{PAGE.pack(self.list_page)}")
        return fields

    def with_action(self, action: CardAction) -> EventCard:
        """The same card and origin, another action."""
        return EventCard(self.event_id, action, self.from_mine, self.list_page)

    @classmethod
    def _from_fields(cls, fields: list[str]) -> Self | None:
        if not 1 <= len(fields) <= 3:
            return None
        event_id = ID.parse(fields[0])
        if event_id is None:
            return None
        rest = fields[1:]
        action = CardAction.OPEN
        if rest and rest[0] not in (MINE,) and not _LIST_ORIGIN.fullmatch(rest[0]):
            found = _CARD_ACTION.parse(rest.pop(0))
            if found is None:
                return None
            action = found
        if len(rest) > 1:
            return None
        if not rest:
            return cls(event_id, action)
        if rest[0] == MINE:
            return cls(event_id, action, from_mine=True)
        page = PAGE.parse(rest[0][1:]) if _LIST_ORIGIN.fullmatch(rest[0]) else None
        return None if page is None else cls(event_id, action, list_page=page)


@dataclass(frozen=True)
class MyEvents(Callback, prefix="my", wire=(Fixed("0"),)):
    """*My events* under the greeting: the same as /myevents."""


@dataclass(frozen=True)
class EndOtherSessions(Callback, prefix="ses", wire=(Fixed("others"),)):
    """*Log out the others* under /sessions."""
