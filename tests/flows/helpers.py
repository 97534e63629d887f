"""Scenario steps shared by the flow tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator
from bot.services import accounts, booking
from db.models import Role
from tests.conftest import INVITE_CODE
from tests.people import Person
from tests.services.factories import FAST_HASH

BERLIN = ZoneInfo("Europe/Berlin")
AT_THE_DOOR = timedelta(hours=3)  # an event this soon takes ticket scans (DOORS_OPEN: 12 h)


def local_text(moment: datetime) -> str:
    """``moment`` as a manager types it (Europe/Berlin, minutes)."""
    return moment.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M")


async def manager_with_event(
    emulator: BotAPIEmulator,
    clock: ShiftableClock,
    *,
    title: str = "Jazz night",
    capacity: int = 2,
    starts_in: timedelta = timedelta(days=2),
) -> Person:
    """A manager signs up with the invite code and creates an event through /newevent."""
    boss = Person(emulator, 9000, "Boss")
    await boss.sign_up("boss@example.com", "manager-secret", manager_code=INVITE_CODE)
    await create_event(boss, clock, title=title, capacity=capacity, starts_in=starts_in)
    return boss


async def create_event(
    boss: Person, clock: ShiftableClock, *, title: str, capacity: int, starts_in: timedelta
) -> None:
    """Answer every /newevent question and press Create."""
    await boss.ask("/newevent", "What's the title?")
    await boss.ask(title, "Describe the event")
    await boss.ask("Live music in the main hall.", "When does it start?")
    starts_at = (clock.now() + starts_in).replace(second=0, microsecond=0)
    await boss.ask(local_text(starts_at), "Where does it take place?")
    await boss.ask("Main hall", "How many seats")
    summary = await boss.ask(str(capacity), "Please check the event")
    assert summary.labels == ["✅ Create", "✖ Cancel"]
    boss.press("✅ Create")
    await boss.expect(f"Created {title}")


async def seat_customer(
    session: AsyncSession,
    clock: ShiftableClock,
    *,
    event_id: int,
    name: str,
    email: str,
    chat_id: int,
) -> int:
    """A customer account made straight in the database and registered for ``event_id``
    through the booking service (no reminders); the registration's id."""
    user = await accounts.create_user(
        session,
        name=name,
        email=email,
        password_hash=FAST_HASH,
        role=Role.CUSTOMER,
        now=clock.now(),
    )
    registration = await booking.register(
        session, user=user, event_id=event_id, chat_id=chat_id, now=clock.now(), reminder_offsets=[]
    )
    return registration.id
