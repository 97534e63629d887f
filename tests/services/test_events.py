"""The two read paths the busiest screens use: the /events page and the event card."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import ui
from bot.services import accounts, attendees, booking, events
from bot.services.errors import EventNotFound, InvalidInput, Problem, StartInGap
from bot.services.views import EventInfo, Viewer
from db.models import Role
from tests.conftest import Sessions
from tests.services.factories import make_event, make_user

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


async def _page(sessions: Sessions, page: int, *, now: datetime = NOW) -> events.EventPage:
    async with sessions.db.query() as conn:
        return await events.upcoming_page(conn, now=now, page=page, page_size=3)


async def test_pages_list_upcoming_events_soonest_first(sessions: Sessions) -> None:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    days = [5, 1, 7, 3, 2, 6, 4]
    for day in days:
        await make_event(sessions, manager, now=NOW, starts_in=timedelta(days=day), title=f"D{day}")
    await make_event(sessions, manager, now=NOW - timedelta(days=10), starts_in=timedelta(days=1))

    pages = [await _page(sessions, n) for n in range(3)]
    assert [[e.title for e in p.events] for p in pages] == [
        ["D1", "D2", "D3"],
        ["D4", "D5", "D6"],
        ["D7"],
    ]
    assert [(p.page, p.pages, p.total) for p in pages] == [(0, 3, 7), (1, 3, 7), (2, 3, 7)]
    first = pages[0].events[0]
    assert isinstance(first, EventInfo)
    assert first.starts_at == NOW + timedelta(days=1) and first.starts_at.tzinfo is not None
    assert (first.capacity, first.seats_left, first.location) == (10, 10, "Main hall")


async def test_a_page_past_the_end_shows_the_last_page(sessions: Sessions) -> None:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    for day in range(1, 5):
        await make_event(sessions, manager, now=NOW, starts_in=timedelta(days=day), title=f"D{day}")
    beyond = await _page(sessions, 99)
    assert (beyond.page, beyond.pages, beyond.total) == (1, 2, 4)
    assert [e.title for e in beyond.events] == ["D4"]
    negative = await _page(sessions, -3)
    assert negative.page == 0 and [e.title for e in negative.events] == ["D1", "D2", "D3"]


async def test_no_upcoming_events_is_one_empty_page(sessions: Sessions) -> None:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    await make_event(sessions, manager, now=NOW, starts_in=timedelta(hours=1))
    later = await _page(sessions, 4, now=NOW + timedelta(hours=2))
    assert (later.events, later.page, later.pages, later.total) == ([], 0, 1, 0)


async def _card(
    sessions: Sessions, event_id: int, telegram_user_id: int, now: datetime = NOW
) -> events.CardView:
    async with sessions.db.query() as conn:
        return await events.card_view(
            conn, event_id=event_id, telegram_user_id=telegram_user_id, now=now
        )


async def test_the_card_knows_the_viewer_and_their_seat(sessions: Sessions) -> None:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    event = await make_event(sessions, manager, now=NOW, capacity=4)
    ann = await make_user(sessions, "ann@example.com", now=NOW)
    async with sessions.begin() as session:
        await accounts.start_session(
            session, telegram_user_id=501, chat_id=501, user=ann, now=NOW, ttl=timedelta(hours=1)
        )

    stranger = await _card(sessions, event.id, 999)
    assert stranger.user is None and stranger.registered is False
    assert stranger.event.seats_left == 4

    before = await _card(sessions, event.id, 501)
    assert before.user == Viewer(id=ann.id, name="ann", role=Role.CUSTOMER)
    assert before.registered is False

    async with sessions.begin() as session:
        await booking.register(
            session, user=before.user, event_id=event.id, chat_id=501, now=NOW,
            reminder_offsets=[],
        )  # fmt: skip
    after = await _card(sessions, event.id, 501)
    assert after.registered is True and after.event.seats_left == 3

    expired = await _card(sessions, event.id, 501, now=NOW + timedelta(hours=2))
    assert expired.user is None and expired.registered is False


async def test_a_missing_event_is_not_found(sessions: Sessions) -> None:
    with pytest.raises(EventNotFound):
        await _card(sessions, 12345, 501)


BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("typed", "code", "params"),
    [
        ("next friday", Problem.START_MALFORMED, {}),
        ("2031-02-30", Problem.START_MALFORMED, {}),
        ("2031/02/03 19:00", Problem.START_MALFORMED, {}),
        ("0000-01-01 19:00", Problem.START_MALFORMED, {}),
        ("２０３１-05-17 19:00", Problem.START_MALFORMED, {}),  # ASCII digits only
        ("2026-02-30 19:00", Problem.START_NO_SUCH_DAY, {"year": 2026, "month": 2, "days": 28}),
        ("2028-02-30 19:00", Problem.START_NO_SUCH_DAY, {"year": 2028, "month": 2, "days": 29}),
        ("2031-04-31 19:00", Problem.START_NO_SUCH_DAY, {"year": 2031, "month": 4, "days": 30}),
        ("2031-04-00 19:00", Problem.START_NO_SUCH_DAY, {"year": 2031, "month": 4, "days": 30}),
        ("2031-13-01 19:00", Problem.START_NO_SUCH_MONTH, {"month": 13}),
        ("2031-00-01 19:00", Problem.START_NO_SUCH_MONTH, {"month": 0}),
        ("2031-05-17 25:00", Problem.START_NO_SUCH_HOUR, {"hour": 25}),
        ("2031-05-17 19:61", Problem.START_NO_SUCH_MINUTE, {"minute": 61}),
        ("2029-05-17 19:00", Problem.START_IN_THE_PAST, {}),
    ],
)
def test_a_refused_start_says_precisely_why(
    typed: str, code: Problem, params: dict[str, int]
) -> None:
    with pytest.raises(InvalidInput) as caught:
        events.parse_start(typed, tz=BERLIN, now=NOW)
    assert (caught.value.code, caught.value.params) == (code, params)


def test_a_start_is_read_in_the_bots_zone() -> None:
    assert events.parse_start(" 2031-5-7  9:05 ", tz=BERLIN, now=NOW) == datetime(
        2031, 5, 7, 7, 5, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("clean", "typed", "code", "params"),
    [
        (events.clean_title, " ", Problem.TITLE_EMPTY, {}),
        (events.clean_title, "x" * 130, Problem.TITLE_TOO_LONG, {"limit": 100, "length": 130}),
        (events.clean_description, "\n", Problem.DESCRIPTION_EMPTY, {}),
        (
            events.clean_location,
            "y" * 201,
            Problem.LOCATION_TOO_LONG,
            {"limit": 200, "length": 201},
        ),
        (events.parse_capacity, "ten", Problem.CAPACITY_NOT_A_NUMBER, {"low": 1, "high": 100_000}),
        (events.parse_capacity, "0", Problem.CAPACITY_OUT_OF_RANGE, {"low": 1, "high": 100_000}),
        # editing an event 2 people hold seats at: every refusal names 2 as the lower end
        (
            lambda raw: events.parse_capacity(raw, registered=2),
            "two",
            Problem.CAPACITY_NOT_A_NUMBER,
            {"low": 2, "high": 100_000},
        ),
        (
            lambda raw: events.parse_capacity(raw, registered=2),
            "0",
            Problem.CAPACITY_OUT_OF_RANGE,
            {"low": 2, "high": 100_000},
        ),
        (
            lambda raw: events.parse_capacity(raw, registered=2),
            "1",
            Problem.CAPACITY_BELOW_REGISTERED,
            {"registered": 2, "high": 100_000},
        ),
    ],
)
def test_refused_answers_carry_a_code_and_numbers(
    clean: Callable[[str], object], typed: str, code: Problem, params: dict[str, int]
) -> None:
    with pytest.raises(InvalidInput) as caught:
        clean(typed)
    assert (caught.value.code, caught.value.params) == (code, params)


@pytest.mark.parametrize(
    ("clean", "typed", "code", "codepoint"),
    [
        (events.clean_title, "Jazz\u200bnight", Problem.TITLE_UNPRINTABLE, 0x200B),
        (events.clean_title, "Jazz \u202ethgin", Problem.TITLE_UNPRINTABLE, 0x202E),
        (events.clean_title, "\u2067Jazz", Problem.TITLE_UNPRINTABLE, 0x2067),
        (events.clean_title, "Jazz \u200d night", Problem.TITLE_UNPRINTABLE, 0x200D),
        (events.clean_title, "Jazz\U000e0067", Problem.TITLE_UNPRINTABLE, 0xE0067),  # a stray tag
        (events.clean_description, "Live\u00admusic", Problem.DESCRIPTION_UNPRINTABLE, 0xAD),
        (events.clean_description, "Live\n\u202emusic", Problem.DESCRIPTION_UNPRINTABLE, 0x202E),
        (events.clean_description, "Live\x07music", Problem.DESCRIPTION_UNPRINTABLE, 0x07),
        (events.clean_description, "Live\ud800music", Problem.DESCRIPTION_UNPRINTABLE, 0xD800),
        (events.clean_location, "Main\ufeffhall", Problem.LOCATION_UNPRINTABLE, 0xFEFF),
        (events.clean_location, "Main hall \ue000", Problem.LOCATION_UNPRINTABLE, 0xE000),
        (events.clean_location, "Main\u200ehall", Problem.LOCATION_UNPRINTABLE, 0x200E),
    ],
)
def test_hidden_characters_are_refused_naming_the_field_and_the_character(
    clean: Callable[[str], object], typed: str, code: Problem, codepoint: int
) -> None:
    with pytest.raises(InvalidInput) as caught:
        clean(typed)
    assert (caught.value.code, caught.value.params) == (code, {"codepoint": codepoint})


@pytest.mark.parametrize(
    "typed",
    [
        "Coders' night 👩\u200d💻",  # emoji ZWJ sequence
        "Pride 🏳\ufe0f\u200d🌈",  # variation selector, then ZWJ
        "Scotland 🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # tag sequence
        "می\u200cخواهم",  # Persian needs the zero-width non-joiner
        "Family 👨\u200d👩\u200d👧",
    ],
)
def test_emoji_sequences_and_joiners_between_letters_are_kept(typed: str) -> None:
    assert events.clean_title(typed) == typed
    assert events.clean_location(typed) == typed
    assert events.clean_description(typed) == typed


def test_a_description_keeps_its_lines_with_tabs_as_spaces() -> None:
    typed = "  Doors 19:00\r\nSet 1:\tjazz\rSet 2:\tswing\u2028Bar open\n"
    assert events.clean_description(typed) == "Doors 19:00\nSet 1: jazz\nSet 2: swing\nBar open"


async def test_the_attendee_picker_keeps_events_for_a_day_after_they_start(
    sessions: Sessions,
) -> None:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    hours = [-30 * 24, -25, -24, -23, -1, 1, 48]
    for h in hours:
        await make_event(
            sessions,
            manager,
            now=NOW + timedelta(hours=h - 1),
            starts_in=timedelta(hours=1),
            title=f"H{h}",
        )
    async with sessions.db.query() as conn:
        current = await events.current_page(conn, now=NOW, page=0, page_size=10)
        past = await events.past_page(conn, now=NOW, page=0, page_size=10)
        past_pages = [await events.past_page(conn, now=NOW, page=n, page_size=2) for n in (0, 1)]
        beyond = await events.past_page(conn, now=NOW, page=7, page_size=2)
        upcoming = await events.upcoming_page(conn, now=NOW, page=0, page_size=10)
    assert [e.title for e in current.events] == ["H-23", "H-1", "H1", "H48"]  # soonest first
    assert [e.title for e in past.events] == ["H-24", "H-25", "H-720"]  # most recent first
    assert (current.total, past.total) == (4, 3)
    assert [[e.title for e in p.events] for p in past_pages] == [["H-24", "H-25"], ["H-720"]]
    assert (past_pages[0].pages, beyond.page, [e.title for e in beyond.events]) == (2, 1, ["H-720"])
    assert [e.title for e in upcoming.events] == ["H1", "H48"]  # /events is unchanged


async def test_attendee_pages_hold_what_fits_and_everyone_once(
    sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(attendees, "ATTENDEE_CHUNK", 3)  # several chunks, pages across them
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    event = await make_event(sessions, manager, now=NOW, capacity=20)
    sizes = [3, 5, 2, 9, 1, 1, 13, 4, 4, 2, 7]  # 13: over the room alone, still shown
    people = [
        await make_user(sessions, f"{'x' * n}{i:02}@x.org", now=NOW) for i, n in enumerate(sizes)
    ]
    for person in people:
        async with sessions.begin() as session:
            await booking.register(
                session, user=person, event_id=event.id, chat_id=person.id, now=NOW,
                reminder_offsets=[],
            )  # fmt: skip
    packing = attendees.Packing(room=12, cost=lambda number, a: len(a.name) - 2)
    async with sessions.db.read() as session:
        pages = [
            await attendees.attendee_page(session, event_id=event.id, page=n, packing=packing)
            for n in range(7)
        ]
        beyond = await attendees.attendee_page(session, event_id=event.id, page=99, packing=packing)
    assert [[len(a.name) - 2 for a in p.attendees] for p in pages] == [
        [3, 5, 2],
        [9, 1, 1],
        [13],
        [4, 4, 2],
        [7],
        [7],  # past the end: the last page
        [7],
    ]
    assert [p.first for p in pages[:5]] == [0, 3, 6, 7, 10]
    assert {(p.pages, p.total) for p in pages} == {(5, 11)}
    assert (beyond.page, beyond.first, beyond.attendees) == (4, 10, pages[4].attendees)
    shown = [a.email for p in pages[:5] for a in p.attendees]
    assert shown == [p.email for p in people]


async def test_an_event_without_attendees_has_one_empty_page(sessions: Sessions) -> None:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    event = await make_event(sessions, manager, now=NOW)
    async with sessions.db.read() as session:
        page = await attendees.attendee_page(
            session, event_id=event.id, page=3, packing=attendees.Packing.per_page(10)
        )
    assert (page.attendees, page.page, page.pages, page.total, page.first) == ([], 0, 1, 0, 0)


@pytest.mark.parametrize(
    ("zone", "typed", "jump"),
    [
        ("Europe/Berlin", "2030-03-31 02:30", (2, 0, 3, 0)),
        ("Europe/Berlin", "2030-03-31 02:00", (2, 0, 3, 0)),  # the first minute skipped
        ("America/New_York", "2030-03-10 02:59", (2, 0, 3, 0)),
        ("Australia/Lord_Howe", "2030-10-06 02:15", (2, 0, 2, 30)),  # a half-hour jump
    ],
)
def test_a_start_the_clocks_skip_is_refused_naming_the_jump(
    zone: str, typed: str, jump: tuple[int, int, int, int]
) -> None:
    """Not moved silently to an hour later: the manager is told, with the zone and the jump."""
    with pytest.raises(StartInGap) as caught:
        events.parse_start(typed, tz=ZoneInfo(zone), now=NOW)
    day, time = typed.split()
    year, month, date = (int(part) for part in day.split("-"))
    hour, minute = (int(part) for part in time.split(":"))
    assert caught.value.code is Problem.START_IN_GAP and caught.value.zone == zone
    assert caught.value.params == {
        "year": year,
        "month": month,
        "day": date,
        "hour": hour,
        "minute": minute,
        "from_hour": jump[0],
        "from_minute": jump[1],
        "to_hour": jump[2],
        "to_minute": jump[3],
    }


def test_the_gap_is_worded_with_its_date_zone_and_jump() -> None:
    with pytest.raises(StartInGap) as caught:
        events.parse_start("2030-03-31 02:30", tz=BERLIN, now=NOW)
    assert ui.errors.error_text(caught.value) == (
        "31 Mar 2030 02:30 doesn't exist in Europe/Berlin: the clocks jump from 02:00 to "
        "03:00. Please choose another time."
    )


def test_the_minutes_either_side_of_a_gap_exist() -> None:
    assert events.parse_start("2030-03-31 01:59", tz=BERLIN, now=NOW) == datetime(
        2030, 3, 31, 0, 59, tzinfo=UTC
    )
    assert events.parse_start("2030-03-31 03:00", tz=BERLIN, now=NOW) == datetime(
        2030, 3, 31, 1, 0, tzinfo=UTC
    )
    # the same wall-clock time in a zone without daylight saving is an ordinary time
    assert events.parse_start("2030-03-31 02:30", tz=ZoneInfo("UTC"), now=NOW) == datetime(
        2030, 3, 31, 2, 30, tzinfo=UTC
    )


def test_a_time_that_happens_twice_is_its_first_occurrence() -> None:
    """2030-10-27 02:30 in Berlin is 00:30 UTC (CEST, summer time) and again 01:30 UTC (CET)."""
    starts_at = events.parse_start("2030-10-27 02:30", tz=BERLIN, now=NOW)
    assert starts_at == datetime(2030, 10, 27, 0, 30, tzinfo=UTC)
    assert starts_at.astimezone(BERLIN).tzname() == "CEST"
    assert events.parse_start("2030-10-27 03:00", tz=BERLIN, now=NOW).astimezone(
        BERLIN
    ).tzname() == ("CET")


def test_a_skipped_start_in_the_past_is_just_in_the_past() -> None:
    with pytest.raises(InvalidInput) as caught:
        events.parse_start("2029-03-25 02:30", tz=BERLIN, now=NOW)
    assert caught.value.code is Problem.START_IN_THE_PAST
