"""The chart's lines: the people holding a seat at the end of each day (never above the
capacity, however often people cancel and register again) and the cumulative cancellations,
each named in the legend."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from bot.services import chart
from bot.ui import chart as chart_ui
from bot.ui.i18n import use_language
from db.models import Role
from tests.conftest import Sessions
from tests.services.attendee_rows import add_person, cancel, join_waitlist, register
from tests.services.factories import make_event, make_user

NOW = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
DAY = timedelta(days=1)


async def test_the_seat_line_stays_within_capacity_through_cancellations_and_returns(
    sessions: Sessions,
) -> None:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    event = await make_event(sessions, manager, now=NOW, capacity=2, starts_in=10 * DAY)
    async with sessions.begin() as session:
        ann, bob, cid, dan = [
            await add_person(session, name, f"{name.lower()}@example.com", now=NOW)
            for name in ("Ann", "Bob", "Cid", "Dan")
        ]
        # day 1: full
        await register(session, ann, event.id, now=NOW)
        await register(session, bob, event.id, now=NOW + timedelta(hours=1))
        # day 2: Ann cancels, Cid takes the seat, Ann comes back when Bob cancels
        await cancel(session, ann, event.id, now=NOW + DAY)
        await register(session, cid, event.id, now=NOW + DAY + timedelta(hours=1))
        await cancel(session, bob, event.id, now=NOW + DAY + timedelta(hours=2))
        await register(session, ann, event.id, now=NOW + DAY + timedelta(hours=3))
        # day 3: Dan waits; Cid cancels and the seat goes to Dan
        await join_waitlist(session, dan, event.id, now=NOW + 2 * DAY)
        await cancel(session, cid, event.id, now=NOW + 2 * DAY + timedelta(hours=1))
        # day 4: Ann cancels again, Bob returns
        await cancel(session, ann, event.id, now=NOW + 3 * DAY)
        await register(session, bob, event.id, now=NOW + 3 * DAY + timedelta(hours=1))
        # day 5: one leaves for good
        await cancel(session, dan, event.id, now=NOW + 4 * DAY)
    async with sessions.db.read() as session:
        timeline = await chart.registration_timeline(session, event_id=event.id)
    totals = chart.daily_totals(timeline, BERLIN, now=NOW + 4 * DAY)

    assert totals.days == [date(2030, 3, d) for d in range(1, 6)]
    assert totals.seats == [2, 2, 2, 2, 1]  # who held a seat each evening
    assert totals.cancellations == [0, 2, 3, 4, 5]
    assert totals.registrations[-1] == 6 > timeline.capacity  # the old line: over capacity
    assert totals.seats[-1] == timeline.registered_now

    figure = chart_figure(totals, timeline)
    axes = figure.axes[0]
    legend = axes.get_legend()
    assert legend is not None
    assert [text.get_text() for text in legend.get_texts()] == [
        "People holding a seat (end of day)",
        "Cancellations (cumulative)",
        "Capacity (2)",
    ]
    seat_line, cancelled_line, capacity_line = axes.get_lines()
    assert list(seat_line.get_ydata()) == [2, 2, 2, 2, 1]
    assert seat_line.get_color() == chart_ui.SEATS_COLOUR
    assert list(cancelled_line.get_ydata()) == [0, 2, 3, 4, 5]
    assert set(capacity_line.get_ydata()) == {2}
    assert axes.get_ylim()[1] > 5  # every line is in view


def chart_figure(totals: chart.DailyTotals, timeline: chart.Timeline) -> Figure:
    with use_language("en"):
        words = chart_ui.chart_words(timeline, BERLIN)
    return chart_ui.chart_figure(totals, timeline.capacity, words)


# a step: a person presses Register (or Cancel, if they hold a seat) some minutes later
STEPS = st.lists(
    st.tuples(st.integers(min_value=0, max_value=7), st.integers(min_value=1, max_value=900)),
    min_size=1,
    max_size=80,
)


@settings(max_examples=200, deadline=None)
@given(steps=STEPS, capacity=st.integers(min_value=1, max_value=4))
def test_at_the_end_of_every_day_the_seat_line_is_who_held_a_seat(
    steps: list[tuple[int, int]], capacity: int
) -> None:
    at = NOW
    holding: dict[int, datetime] = {}  # person → when their registration was made
    registered: list[datetime] = []  # every registration made (as the timeline reads them)
    cancelled: list[datetime] = []
    held_at_end: dict[date, int] = {}
    for person, minutes in steps:
        at += timedelta(minutes=minutes)
        if person in holding:
            registered_at = holding.pop(person)
            registered.append(registered_at)  # a cancellation keeps its registered_at
            cancelled.append(at)
        elif len(holding) < capacity:  # the database refuses the rest
            holding[person] = at
        held_at_end[at.astimezone(BERLIN).date()] = len(holding)
    timeline = chart.Timeline(
        title="T",
        capacity=capacity,
        starts_at=at + DAY,
        registered=registered + list(holding.values()),
        cancelled=cancelled,
        registered_now=len(holding),
    )
    totals = chart.daily_totals(timeline, BERLIN, now=at)
    if not timeline.registered:
        assert totals.days == []
        return
    expected: list[int] = []
    held = 0
    for day in totals.days:
        held = held_at_end.get(day, held)  # a quiet day ends as the one before
        expected.append(held)
    assert totals.seats == expected
    assert max(totals.seats) <= capacity
    assert totals.seats[-1] == len(holding)
