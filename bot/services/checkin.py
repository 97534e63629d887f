"""Tickets and check-in at the door: the ticket's secret, and one guarded check-in per seat.

A ticket is the deep link ``https://t.me/<bot>?start=ci_<registration id>_<secret>``; the
secret (128 bits, ``secrets.token_urlsafe(16)``) is made with the registration, or here on
first use for rows older than tickets, and compared in constant time. Checking in is
``UPDATE registrations SET checked_in_at = ... WHERE id = ... AND checked_in_at IS NULL``:
the row count decides, so two managers scanning the same ticket check it in once. Undoing
one is the same guard the other way round (``bot.services.checkin_undo``).

Managers run the door for any event, so a scan only counts from ``DOORS_OPEN`` before the
start until ``DOORS_CLOSE`` after it: a ticket for another day (the wrong event, most
likely) is refused with its event's name and changes nothing. Every answer names the event.
The check-in list, where the event is chosen on purpose, has no such window.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import DomainError, EventNotFound, NotRegistered
from db.models import Event, Registration, User

PAYLOAD_PREFIX = "ci_"
# ci_<id>_<secret>: an id of up to 19 digits, a secret of URL-safe base64 (22 characters for
# 16 bytes; a little slack for older or newer lengths, all within Telegram's 64)
_PAYLOAD = re.compile(r"ci_([1-9][0-9]{0,18})_([A-Za-z0-9_-]{16,40})")
MAX_ID = 2**63 - 1
DOORS_OPEN = timedelta(hours=12)  # scans count from this long before the start ...
DOORS_CLOSE = timedelta(hours=24)  # ... until this long after it (as /myevents keeps it)


def new_secret() -> str:
    """A fresh ticket secret: 128 random bits, URL-safe (22 characters)."""
    return secrets.token_urlsafe(16)


def ticket_payload(registration_id: int, secret: str) -> str:
    """The /start payload a ticket's QR code carries."""
    return f"{PAYLOAD_PREFIX}{registration_id}_{secret}"


def parse_payload(payload: str) -> tuple[int, str] | None:
    """``(registration id, secret)`` of a ticket payload, or None if it isn't one."""
    match = _PAYLOAD.fullmatch(payload) if payload.isascii() else None
    if match is None or int(match.group(1)) > MAX_ID:
        return None
    return int(match.group(1)), match.group(2)


class TicketInvalid(DomainError):
    """No such ticket: a wrong secret, a malformed link or a cancelled registration (the
    three are deliberately indistinguishable)."""


class TicketEventCancelled(DomainError):
    """The ticket is genuine, but its event was cancelled."""

    def __init__(self, title: str) -> None:
        super().__init__(title)
        self.title = title


class TicketNotToday(DomainError):
    """The ticket is genuine, but its event's doors are not open now: not yet (``early``),
    or no longer."""

    def __init__(self, title: str, starts_at: datetime, *, early: bool) -> None:
        super().__init__(title)
        self.title = title
        self.starts_at = starts_at
        self.early = early


class AttendeeGone(DomainError):
    """The person pressed on the check-in list is no longer registered for the event."""


@dataclass(frozen=True)
class Ticket:
    """What a ticket shows, and the secret its link carries."""

    registration_id: int
    secret: str | None  # None only for registrations older than tickets, until first use
    attendee: str
    title: str
    starts_at: datetime
    location: str
    cancelled: bool


@dataclass(frozen=True)
class CheckIn:
    """The outcome of a scan or a press: who, when, and the door's count afterwards."""

    event_id: int
    registration_id: int
    name: str
    title: str  # the event's
    starts_at: datetime
    at: datetime  # when they were checked in: now, or earlier when ``first`` is False
    first: bool  # this call checked them in; False: they already were
    checked_in: int
    registered: int


async def load_ticket(session: AsyncSession, *, user_id: int, event_id: int) -> Ticket:
    """The ticket of ``user_id`` for ``event_id``; NotRegistered without a seat."""
    row = (
        await session.execute(
            select(
                Registration.id,
                Registration.ticket_secret,
                User.name,
                Event.title,
                Event.starts_at,
                Event.location,
                Event.cancelled_at,
            )
            .join(User, User.id == Registration.user_id)
            .join(Event, Event.id == Registration.event_id)
            .where(Registration.user_id == user_id, Registration.event_id == event_id)
        )
    ).one_or_none()
    if row is None:
        if await session.get(Event, event_id) is None:
            raise EventNotFound()
        raise NotRegistered()
    rid, secret, name, title, starts_at, location, cancelled_at = row
    return Ticket(rid, secret, name, title, starts_at, location, cancelled_at is not None)


async def ensure_secret(session: AsyncSession, *, registration_id: int) -> str:
    """The ticket secret of a registration, made now if it has none (older rows).

    Set only where it is still NULL, then read back: whichever of two racing calls wrote
    first, both return the one secret that was kept.
    """
    await session.execute(
        update(Registration)
        .where(Registration.id == registration_id, Registration.ticket_secret.is_(None))
        .values(ticket_secret=new_secret())
    )
    secret = await session.scalar(
        select(Registration.ticket_secret).where(Registration.id == registration_id)
    )
    if secret is None:  # the registration was cancelled meanwhile
        raise NotRegistered()
    return secret


async def check_in_ticket(
    session: AsyncSession, *, registration_id: int, secret: str, manager_id: int, now: datetime
) -> CheckIn:
    """Check in the holder of the ticket ``ci_<registration_id>_<secret>``.

    TicketInvalid for a wrong secret or a registration that no longer exists (the same
    error: a scan tells nothing about which part was wrong); TicketEventCancelled when the
    ticket is genuine but its event was cancelled; TicketNotToday outside the doors' hours.
    """
    row = (
        await session.execute(
            select(
                Registration.ticket_secret,
                Registration.event_id,
                Event.title,
                Event.starts_at,
                Event.cancelled_at,
            )
            .join(Event, Event.id == Registration.event_id)
            .where(Registration.id == registration_id)
        )
    ).one_or_none()
    stored = row.ticket_secret if row is not None else None
    # compared even when there is nothing to compare with, so both failures cost the same
    matches = hmac.compare_digest((stored or "").encode(), secret.encode())
    if row is None or stored is None or not matches:
        raise TicketInvalid()
    if row.cancelled_at is None and not (
        row.starts_at - DOORS_OPEN <= now <= row.starts_at + DOORS_CLOSE
    ):
        raise TicketNotToday(row.title, row.starts_at, early=now < row.starts_at)
    return await _check_in(session, registration_id, row.event_id, manager_id, now)


async def check_in_attendee(
    session: AsyncSession, *, event_id: int, registration_id: int, manager_id: int, now: datetime
) -> CheckIn:
    """Check in a registration of ``event_id`` picked from the check-in list."""
    found = await session.scalar(
        select(Registration.id).where(
            Registration.id == registration_id, Registration.event_id == event_id
        )
    )
    if found is None:
        if await session.get(Event, event_id) is None:
            raise EventNotFound()
        raise AttendeeGone()
    return await _check_in(session, registration_id, event_id, manager_id, now)


async def _check_in(
    session: AsyncSession, registration_id: int, event_id: int, manager_id: int, now: datetime
) -> CheckIn:
    event = (
        await session.execute(
            select(Event.title, Event.starts_at, Event.cancelled_at).where(Event.id == event_id)
        )
    ).one()
    if event.cancelled_at is not None:
        raise TicketEventCancelled(event.title)
    claimed = await session.execute(
        update(Registration)
        .where(Registration.id == registration_id, Registration.checked_in_at.is_(None))
        .values(checked_in_at=now, checked_in_by=manager_id)
        .returning(Registration.id)
    )
    first = claimed.scalar_one_or_none() is not None
    name, at = (
        await session.execute(
            select(User.name, Registration.checked_in_at)
            .join(User, User.id == Registration.user_id)
            .where(Registration.id == registration_id)
        )
    ).one()
    assert at is not None  # set just now, or earlier
    checked_in, registered = await door_count(session, event_id=event_id)
    return CheckIn(
        event_id=event_id,
        registration_id=registration_id,
        name=name,
        title=event.title,
        starts_at=event.starts_at,
        at=at,
        first=first,
        checked_in=checked_in,
        registered=registered,
    )


async def door_count(session: AsyncSession, *, event_id: int) -> tuple[int, int]:
    """``(checked in, registered)`` for an event."""
    checked_in, registered = (
        await session.execute(
            select(func.count(Registration.checked_in_at), func.count()).where(
                Registration.event_id == event_id
            )
        )
    ).one()
    return int(checked_in), int(registered)


@dataclass(frozen=True)
class Arrival:
    """Someone on the check-in list: registered, not yet checked in."""

    registration_id: int
    name: str
    email: str


@dataclass(frozen=True)
class DoorPage:
    """A page of the people still to check in, by name."""

    event: Event
    waiting: list[Arrival]
    page: int
    pages: int
    checked_in: int
    registered: int


async def door_page(session: AsyncSession, *, event_id: int, page: int, page_size: int) -> DoorPage:
    """Page ``page`` of the attendees of ``event_id`` not yet checked in, by name; a page
    past the end shows the last one (the list shrinks as people arrive)."""
    event = await session.get(Event, event_id)
    if event is None:
        raise EventNotFound()
    checked_in, registered = await door_count(session, event_id=event_id)
    pages = max(1, -(-(registered - checked_in) // page_size))
    page = min(max(page, 0), pages - 1)
    rows = (
        await session.execute(
            select(Registration.id, User.name, User.email)
            .join(User, User.id == Registration.user_id)
            .where(Registration.event_id == event_id, Registration.checked_in_at.is_(None))
            .order_by(User.name, Registration.id)
            .limit(page_size)
            .offset(page * page_size)
        )
    ).all()
    waiting = [Arrival(rid, name, email) for rid, name, email in rows]
    return DoorPage(event, waiting, page, pages, checked_in, registered)
