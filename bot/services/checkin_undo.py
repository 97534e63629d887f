"""Taking back a check-in made by mistake: the same guard as checking in, the other way round
(``... WHERE checked_in_at IS NOT NULL``), so a second press finds nothing to undo and changes
nothing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.checkin import AttendeeGone, TicketEventCancelled, door_count
from bot.services.errors import DomainError, EventNotFound
from db.models import Event, Registration, User


class NotCheckedIn(DomainError):
    """Undo was pressed for someone who isn't checked in (undone already, or never was)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@dataclass(frozen=True)
class Undone:
    """A check-in taken back: whose, and the door's count afterwards."""

    event_id: int
    registration_id: int
    name: str
    checked_in: int
    registered: int


async def undo_check_in(session: AsyncSession, *, event_id: int, registration_id: int) -> Undone:
    """Take back the check-in of a registration of ``event_id`` (a mistaken scan or tap).

    One guarded UPDATE decides: it clears ``checked_in_at``/``checked_in_by`` only while they
    are set and the event is not cancelled, so a second press (or a second manager) changes
    nothing. Then why nothing changed: EventNotFound, TicketEventCancelled, AttendeeGone (the
    registration was cancelled) or NotCheckedIn.
    """
    cancelled = exists().where(Event.id == event_id, Event.cancelled_at.is_not(None))
    undone = await session.execute(
        update(Registration)
        .where(
            Registration.id == registration_id,
            Registration.event_id == event_id,
            Registration.checked_in_at.is_not(None),
            ~cancelled,
        )
        .values(checked_in_at=None, checked_in_by=None)
        .returning(Registration.id)
    )
    changed = undone.scalar_one_or_none() is not None
    if not changed:
        event = (
            await session.execute(
                select(Event.title, Event.cancelled_at).where(Event.id == event_id)
            )
        ).one_or_none()
        if event is None:
            raise EventNotFound()
        if event.cancelled_at is not None:
            raise TicketEventCancelled(event.title)
    name = await session.scalar(
        select(User.name)
        .join(Registration, Registration.user_id == User.id)
        .where(Registration.id == registration_id, Registration.event_id == event_id)
    )
    if name is None:
        raise AttendeeGone()
    if not changed:
        raise NotCheckedIn(name)
    checked_in, registered = await door_count(session, event_id=event_id)
    return Undone(event_id, registration_id, name, checked_in, registered)
