"""A start on a day the clocks change (the test bot runs in Europe/Berlin): a time they skip is
refused by name, not moved an hour later in silence, at /newevent and at ✏️ Edit alike; a time
they pass twice is the first of the two, and the summary's zone abbreviation says which."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime

from sqlalchemy import select

from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator
from db.models import Event
from tests.conftest import INVITE_CODE, RunningBot, Sessions
from tests.flows.helpers import BERLIN
from tests.flows.test_edit_event import edit
from tests.people import Person


def last_sunday(year: int, month: int) -> int:
    """The day of the month's last Sunday (when the EU moves its clocks, at 01:00 UTC)."""
    return max(week[calendar.SUNDAY] for week in calendar.monthcalendar(year, month))


async def test_a_skipped_start_is_refused_and_a_doubled_one_is_the_first(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    year = clock.now().year + 1  # always ahead, and well within the years an event may be
    spring, autumn = last_sunday(year, 3), last_sunday(year, 10)
    skipped = f"{year}-03-{spring} 02:30"
    moment = datetime(year, 3, spring).strftime("%-d %b %Y")
    boss = Person(emulator, 9000, "Boss")
    await boss.sign_up("boss@example.com", "manager-secret", manager_code=INVITE_CODE)
    await boss.ask("/newevent", "What's the title?")
    await boss.ask("Jazz night", "Describe the event")
    await boss.ask("Live music.", "When does it start?")
    refusal = await boss.ask(skipped, "doesn't exist")
    assert refusal.text.startswith(
        f"⚠️ {moment} 02:30 doesn't exist in Europe/Berlin: the clocks jump from 02:00 to "
        "03:00. Please choose another time.\n\nWhen does it start?"
    )
    # the time they go back over, 02:30 summer time and then 02:30 winter time: the first
    await boss.ask(f"{year}-10-{autumn} 02:30", "Where does it take place?")
    await boss.ask("Main hall", "How many seats")
    summary = await boss.ask("30", "Please check the event")
    assert f"{autumn} Oct {year}, 02:30 CEST" in summary.text
    boss.press("✅ Create", summary)
    await boss.expect("Created Jazz night")
    async with sessions.begin() as session:
        starts_at = await session.scalar(select(Event.starts_at))
    assert starts_at is not None
    assert starts_at.replace(tzinfo=UTC) == datetime(year, 10, autumn, 0, 30, tzinfo=UTC)
    assert starts_at.replace(tzinfo=UTC).astimezone(BERLIN).tzname() == "CEST"

    # ✏️ Edit reads the start with the same rules, and keeps the event as it was
    await edit(boss, "Start", "When does it start?")
    await boss.ask(skipped, f"{moment} 02:30 doesn't exist in Europe/Berlin")
    await boss.ask("/cancel", "Cancelled")
    async with sessions.begin() as session:
        assert await session.scalar(select(Event.starts_at)) == starts_at
