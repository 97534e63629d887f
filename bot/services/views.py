"""Read models: plain, frozen copies of rows that the busiest screens render from.

The event list and the event card are most of what a bot like this serves. Loading them as
ORM objects through a Session cost more than twice the CPU of reading the same rows through
a bare connection (``python -m bench.micro``, README "Performance"), so those two screens read with
SQLAlchemy Core into these dataclasses. Everything that writes keeps using the ORM.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import RowMapping

from db.models import Event, Role, User


@dataclass(frozen=True, slots=True)
class EventInfo:
    """What the screens show of an event."""

    id: int
    title: str
    description: str
    location: str
    starts_at: datetime
    capacity: int
    seats_left: int
    cancelled_at: datetime | None = None  # a cancelled event stays readable, marked so

    @classmethod
    def from_row(cls, row: RowMapping) -> EventInfo:
        """Build from a Core row's mapping that has (at least) the event's columns."""
        return cls(*(row[name] for name in _EVENT_FIELDS))


_EVENT_FIELDS = tuple(f.name for f in fields(EventInfo))
EVENT_COLUMNS = tuple(Event.__table__.c[name] for name in _EVENT_FIELDS)


@dataclass(frozen=True, slots=True)
class Viewer:
    """The logged-in account looking at a screen."""

    id: int
    name: str
    role: Role
    # the event card's one-statement read leaves it out; the per-update visit has it
    email: str | None = None


# An event or an account as screens and services accept them: the ORM object or its read model.
ShownEvent = Event | EventInfo
Account = User | Viewer
