"""An event's registrations over time: every registration ever made and every cancellation,
counted per day in the bot's zone for the manager's chart.

A cancelled registration was once a registration: the registrations made are the current
ones (``registrations.created_at``) and the cancelled ones (``cancellations.registered_at``);
the cancellations are ``cancellations.cancelled_at``. Both are cumulative, so their
difference at the end of a day is how many people held a seat then (``DailyTotals.seats``):
the line the chart draws, which never rises above the capacity however often people cancel
and register again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.chunks import keyset_chunks
from bot.services.events import get_event
from db.models import Cancellation, Registration


@dataclass(frozen=True)
class Timeline:
    """When an event's registrations were made and cancelled (UTC instants)."""

    title: str
    capacity: int
    starts_at: datetime
    registered: list[datetime] = field(default_factory=list)  # current and cancelled ones
    cancelled: list[datetime] = field(default_factory=list)
    registered_now: int = 0  # holding a seat today

    @property
    def total(self) -> int:
        """Registrations ever made, cancelled ones included."""
        return len(self.registered)


@dataclass(frozen=True)
class DailyTotals:
    """Cumulative counts at the end of each day, from the first registration's day on."""

    days: list[date]
    registrations: list[int]  # made so far, the cancelled ones included
    cancellations: list[int]

    @property
    def seats(self) -> list[int]:
        """How many people held a seat at the end of each day: the registrations made so far
        less those cancelled so far (every cancellation ends one registration made before)."""
        return [
            made - cancelled
            for made, cancelled in zip(self.registrations, self.cancellations, strict=True)
        ]


async def registration_timeline(session: AsyncSession, *, event_id: int) -> Timeline:
    """Read when each registration of ``event_id`` was made and cancelled (EventNotFound).

    Core selects a chunk at a time; call it in a ``Database.read()`` transaction so a
    registration cancelled meanwhile is counted once.
    """
    event = await get_event(session, event_id=event_id)
    registered: list[datetime] = []
    cancelled: list[datetime] = []
    current = keyset_chunks(
        session,
        lambda after: (
            select(Registration.id, Registration.created_at)
            .where(Registration.event_id == event_id, Registration.id > after)
            .order_by(Registration.id)
        ),
    )
    async for rows in current:
        registered.extend(created_at for _, created_at in rows)
    registered_now = len(registered)
    gone = keyset_chunks(
        session,
        lambda after: (
            select(Cancellation.id, Cancellation.registered_at, Cancellation.cancelled_at)
            .where(Cancellation.event_id == event_id, Cancellation.id > after)
            .order_by(Cancellation.id)
        ),
    )
    async for chunk in gone:
        for _, registered_at, cancelled_at in chunk:
            registered.append(registered_at)
            cancelled.append(cancelled_at)
    return Timeline(
        title=event.title,
        capacity=event.capacity,
        starts_at=event.starts_at,
        registered=registered,
        cancelled=cancelled,
        registered_now=registered_now,
    )


def _days(moments: Iterable[datetime], tz: ZoneInfo) -> Counter[date]:
    return Counter(moment.astimezone(tz).date() for moment in moments)


def daily_totals(timeline: Timeline, tz: ZoneInfo, *, now: datetime) -> DailyTotals:
    """Cumulative registrations and cancellations per day in ``tz``: from the day of the first
    registration to the day of the last change, or on to today (the event's day at the
    latest) so the lines reach the present. Empty for an event nobody registered for."""
    made, cancelled = _days(timeline.registered, tz), _days(timeline.cancelled, tz)
    if not made:
        return DailyTotals([], [], [])
    first = min(made)
    present = min(now, timeline.starts_at).astimezone(tz).date()
    last = max(max(made), max(cancelled, default=first), present)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    registrations: list[int] = []
    cancellations: list[int] = []
    for day in days:
        registrations.append((registrations[-1] if registrations else 0) + made[day])
        cancellations.append((cancellations[-1] if cancellations else 0) + cancelled[day])
    return DailyTotals(days, registrations, cancellations)
