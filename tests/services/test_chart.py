"""The registrations timeline on a real migrated database, and its days in the bot's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.services import chart
from bot.services.errors import EventNotFound
from db.models import Role
from tests.conftest import Sessions
from tests.services.attendee_rows import add_person, cancel, many_registrations, register
from tests.services.factories import make_event, make_user

NOW = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


async def test_cancelled_registrations_count_as_registrations_and_as_cancellations(
    sessions: Sessions,
) -> None:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    event = await make_event(sessions, manager, now=NOW, capacity=5)
    day = timedelta(days=1)
    async with sessions.begin() as session:
        ann = await add_person(session, "Ann", "ann@example.com", now=NOW)
        bob = await add_person(session, "Bob", "bob@example.com", now=NOW)
        await register(session, ann, event.id, now=NOW)
        await register(session, bob, event.id, now=NOW + day)
        await cancel(session, ann, event.id, now=NOW + 2 * day)
        await register(session, ann, event.id, now=NOW + 2 * day)  # back again
    async with sessions.db.read() as session:
        timeline = await chart.registration_timeline(session, event_id=event.id)
    assert timeline.title == "Jazz night" and timeline.capacity == 5
    assert timeline.registered_now == 2
    assert timeline.total == 3
    assert sorted(timeline.registered) == [NOW, NOW + day, NOW + 2 * day]
    assert timeline.cancelled == [NOW + 2 * day]
    totals = chart.daily_totals(timeline, BERLIN, now=NOW + 2 * day)
    assert totals.days == [date(2030, 3, 1), date(2030, 3, 2), date(2030, 3, 3)]
    assert totals.registrations == [1, 2, 3]
    assert totals.cancellations == [0, 0, 1]


def timeline_of(
    registered: list[datetime],
    cancelled: list[datetime] | None = None,
    *,
    starts_at: datetime = NOW + timedelta(days=30),
) -> chart.Timeline:
    return chart.Timeline(
        title="T",
        capacity=10,
        starts_at=starts_at,
        registered=registered,
        cancelled=cancelled or [],
        registered_now=len(registered) - len(cancelled or []),
    )


def test_days_are_the_zones_days() -> None:
    late = datetime(2030, 3, 1, 23, 30, tzinfo=UTC)  # already 2 March in Berlin
    totals = chart.daily_totals(timeline_of([late]), BERLIN, now=late)
    assert totals.days == [date(2030, 3, 2)]
    totals = chart.daily_totals(timeline_of([late]), ZoneInfo("UTC"), now=late)
    assert totals.days == [date(2030, 3, 1)]
    spring = datetime(2030, 3, 30, 23, 30, tzinfo=UTC)  # clocks go forward on 31 March
    totals = chart.daily_totals(timeline_of([late, spring]), BERLIN, now=spring)
    assert totals.days[0] == date(2030, 3, 2) and totals.days[-1] == date(2030, 3, 31)
    assert len(totals.days) == 30  # every day in between, quiet ones included
    assert totals.registrations[:2] == [1, 1] and totals.registrations[-1] == 2


def test_the_lines_reach_today_but_not_past_the_event() -> None:
    first = datetime(2030, 3, 1, 10, 0, tzinfo=UTC)
    today = first + timedelta(days=4)
    totals = chart.daily_totals(timeline_of([first]), BERLIN, now=today)
    assert totals.days[-1] == date(2030, 3, 5)
    assert totals.registrations == [1] * 5 and totals.cancellations == [0] * 5
    event_day = first + timedelta(days=2)
    later = chart.daily_totals(
        timeline_of([first], starts_at=event_day), BERLIN, now=first + timedelta(days=40)
    )
    assert later.days[-1] == date(2030, 3, 3)


def test_nobody_registered_gives_no_days() -> None:
    totals = chart.daily_totals(timeline_of([]), BERLIN, now=NOW)
    assert totals.days == [] and totals.registrations == [] and totals.cancellations == []


async def test_an_unknown_event_is_not_found(sessions: Sessions) -> None:
    async with sessions.db.read() as session:
        with pytest.raises(EventNotFound):
            await chart.registration_timeline(session, event_id=999)


async def test_thousands_of_registrations_are_read_in_chunks(sessions: Sessions) -> None:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    event = await make_event(sessions, manager, now=NOW, capacity=2500)
    times = [NOW - timedelta(hours=i) for i in range(2500)]
    async with sessions.begin() as session:
        await many_registrations(session, event.id, times)
    async with sessions.db.read() as session:
        timeline = await chart.registration_timeline(session, event_id=event.id)
    assert timeline.registered_now == timeline.total == 2500
    totals = chart.daily_totals(timeline, BERLIN, now=NOW)
    assert totals.registrations[-1] == 2500
    assert len(totals.days) == 105  # 2500 hours back from noon on 1 March, Berlin days
