"""Durations are worded exactly (offsets) or roughly (time left), never wrongly."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.ui.fmt import about, duration


@pytest.mark.parametrize(
    ("offset", "words"),
    [
        (timedelta(hours=24), "24 hours"),
        (timedelta(hours=1), "1 hour"),
        (timedelta(days=2), "2 days"),
        (timedelta(seconds=90), "1 minute and 30 seconds"),
        (timedelta(minutes=90), "1 hour and 30 minutes"),
        (timedelta(seconds=45), "45 seconds"),
        (timedelta(hours=25), "25 hours"),
    ],
)
def test_offsets_are_worded_exactly(offset: timedelta, words: str) -> None:
    assert duration(offset) == words


@pytest.mark.parametrize(
    ("left", "words"),
    [
        (timedelta(seconds=40), "less than a minute"),
        (timedelta(minutes=29, seconds=10), "29 minutes"),
        (timedelta(hours=3, minutes=20), "3 hours and 20 minutes"),
        (timedelta(hours=13, minutes=40), "14 hours"),
        (timedelta(days=3, hours=2), "3 days"),
    ],
)
def test_time_left_is_worded_roughly(left: timedelta, words: str) -> None:
    assert about(left) == words


def test_dates_at_the_calendars_edge_never_break_a_screen() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from bot.services.errors import InvalidInput, Problem
    from bot.services.events import parse_start
    from bot.ui.fmt import short_when, when

    now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    for raw, zone, problem in [
        ("0001-01-01 00:00", "Europe/Berlin", Problem.START_IN_THE_PAST),
        ("9999-12-31 23:59", "America/New_York", Problem.START_TOO_FAR),
        ("2032-01-01 00:00", "UTC", Problem.START_TOO_FAR),
    ]:
        with pytest.raises(InvalidInput) as caught:
            parse_start(raw, tz=ZoneInfo(zone), now=now)
        assert caught.value.code is problem, raw
    assert parse_start("2031-11-27 12:00", tz=ZoneInfo("UTC"), now=now).year == 2031
    edge = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)  # a value stored before the bound
    assert "9999" in when(edge, ZoneInfo("Asia/Tokyo"))
    assert short_when(edge, ZoneInfo("Asia/Tokyo"))


def test_one_instant_reads_right_in_every_zone_even_when_cached() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from bot.ui.fmt import when

    moment = datetime(2030, 5, 17, 17, 30, tzinfo=UTC)
    for _ in range(2):  # the second round comes from the formatting cache
        assert when(moment, ZoneInfo("Europe/Berlin")) == "Fri 17 May 2030, 19:30 CEST"
        assert when(moment, ZoneInfo("Asia/Tokyo")) == "Sat 18 May 2030, 02:30 JST"
        assert when(moment, ZoneInfo("UTC")) == "Fri 17 May 2030, 17:30 UTC"
