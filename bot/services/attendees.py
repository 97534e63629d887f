"""An event's attendee list, paged by what fits one message (the UI measures, this packs)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.events import get_event
from db.models import Event, Registration, User


@dataclass(frozen=True)
class Attendee:
    """What a manager sees of one registration."""

    name: str
    email: str
    checked_in: bool = False  # at the door (bot.services.checkin)


@dataclass(frozen=True)
class AttendeePage:
    """One page of an event's attendee list, oldest registration first."""

    event: Event
    attendees: list[Attendee]
    page: int
    pages: int
    total: int
    first: int = 0  # how many attendees come before this page (its lines are numbered on)


@dataclass(frozen=True)
class Packing:
    """How attendees fill pages: a line costs ``cost(number, attendee)`` (``number``: its
    place in the whole list, from 1) of a page's ``room``. A page takes lines in order while
    they fit, and at least one, so every attendee is on exactly one page."""

    room: int
    cost: Callable[[int, Attendee], int]

    @classmethod
    def per_page(cls, count: int) -> Packing:
        """``count`` attendees a page, whatever their lines look like."""
        return cls(room=count, cost=lambda number, attendee: 1)


ATTENDEE_CHUNK = 1000  # registrations read per statement while pages are packed


async def attendee_page(
    session: AsyncSession,
    *,
    event_id: int,
    page: int,
    packing: Packing | None = None,
    page_size: int | None = None,
) -> AttendeePage:
    """Page ``page`` of the attendees of ``event_id``, in registration order, pages filled
    as ``packing`` says (the screen packs by what fits in one message) or ``page_size`` at
    a time.

    Pages are packed from the first attendee on, so a page number always means the same
    attendees (while nobody registers or cancels), Prev and Next included, and the number of
    pages is known. That reads every registration of the event, ATTENDEE_CHUNK rows per
    statement by keyset on the registration id (100,000 seats at most), giving other updates
    the event loop between statements; only one page is kept. A page past the end shows the
    last page (the list may have shrunk since the button was drawn).
    """
    if packing is None:
        if page_size is None:
            raise TypeError("attendee_page needs packing or page_size")
        packing = Packing.per_page(page_size)
    event = await get_event(session, event_id=event_id)
    page = max(page, 0)
    pages = total = used = first = 0
    lines: list[Attendee] = []
    wanted: AttendeePage | None = None
    async for attendee in _attendees(session, event_id):
        cost = packing.cost(total + 1, attendee)
        if lines and used + cost > packing.room:
            if pages == page:
                wanted = AttendeePage(event, lines, page, 0, 0, first)
            pages, lines, used, first = pages + 1, [], 0, total
        lines.append(attendee)
        used += cost
        total += 1
    if lines and pages == page:
        wanted = AttendeePage(event, lines, page, 0, 0, first)
    pages = max(1, pages + (1 if lines else 0))
    if wanted is None:  # past the end (or nobody registered): the last page
        wanted = AttendeePage(event, lines, pages - 1, 0, 0, first)
    return replace(wanted, pages=pages, total=total)


async def _attendees(session: AsyncSession, event_id: int) -> AsyncIterator[Attendee]:
    """Every attendee of ``event_id`` in registration order, read in chunks."""
    after = 0
    while True:
        rows = (
            await session.execute(
                select(Registration.id, User.name, User.email, Registration.checked_in_at)
                .join(User, User.id == Registration.user_id)
                .where(Registration.event_id == event_id, Registration.id > after)
                .order_by(Registration.id)
                .limit(ATTENDEE_CHUNK)
            )
        ).all()
        for _, name, email, checked_in_at in rows:
            yield Attendee(name=name, email=email, checked_in=checked_in_at is not None)
        if len(rows) < ATTENDEE_CHUNK:
            return
        after = rows[-1][0]
        await asyncio.sleep(0)  # SQLite runs inline on the loop: let other updates in
