"""Tickets and check-in on a real migrated database: the secret, one check-in per seat, the
door list."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.services import booking, checkin, checkin_undo
from bot.services.checkin import (
    DOORS_CLOSE,
    DOORS_OPEN,
    AttendeeGone,
    TicketEventCancelled,
    TicketInvalid,
    TicketNotToday,
)
from bot.services.errors import NotRegistered
from db.models import Event, Registration, Role, User
from tests.conftest import Sessions
from tests.services.factories import make_event, make_user

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=7)


async def _register(sessions: Sessions, user: User, event: Event) -> Registration:
    async with sessions.begin() as session:
        return await booking.register(
            session, user=user, event_id=event.id, chat_id=user.id, now=NOW, reminder_offsets=()
        )


async def _row(sessions: Sessions, registration_id: int) -> Registration | None:
    async with sessions.begin() as session:
        return await session.get(Registration, registration_id)


async def _people(sessions: Sessions, *names: str) -> tuple[User, Event, list[Registration]]:
    """A manager, an event of 20 seats (its doors open: it starts in 3 hours) and a
    registration for each of ``names``."""
    boss = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    event = await make_event(sessions, boss, now=NOW, capacity=20, starts_in=timedelta(hours=3))
    registrations = []
    for name in names:
        user = await make_user(sessions, f"{name}@example.com", now=NOW)
        registrations.append(await _register(sessions, user, event))
    return boss, event, registrations


async def _scan(
    sessions: Sessions, registration_id: int, secret: str, manager: User, now: datetime = NOW
) -> checkin.CheckIn:
    async with sessions.begin() as session:
        return await checkin.check_in_ticket(
            session, registration_id=registration_id, secret=secret, manager_id=manager.id, now=now
        )


async def test_registering_makes_a_128_bit_url_safe_ticket_secret(sessions: Sessions) -> None:
    _boss, _event, (ann, bob) = await _people(sessions, "ann", "bob")
    for registration in (ann, bob):
        secret = registration.ticket_secret
        assert secret is not None and len(secret) == 22  # 16 bytes in URL-safe base64
        payload = checkin.ticket_payload(registration.id, secret)
        assert checkin.parse_payload(payload) == (registration.id, secret)
        assert len(payload) <= 64
    assert ann.ticket_secret != bob.ticket_secret


async def test_a_ticket_checks_in_once_and_a_second_scan_says_when(sessions: Sessions) -> None:
    boss, _event, (ann, bob) = await _people(sessions, "ann", "bob")
    assert ann.ticket_secret is not None
    first = await _scan(sessions, ann.id, ann.ticket_secret, boss)
    assert (first.name, first.first, first.at, first.checked_in, first.registered) == (
        "ann",
        True,
        NOW,
        1,
        2,
    )
    again = await _scan(sessions, ann.id, ann.ticket_secret, boss, now=LATER)
    assert (again.first, again.at, again.checked_in) == (False, NOW, 1)
    row = await _row(sessions, ann.id)
    assert row is not None and (row.checked_in_at, row.checked_in_by) == (NOW, boss.id)
    untouched = await _row(sessions, bob.id)
    assert untouched is not None and untouched.checked_in_at is None


async def test_parallel_scans_of_one_ticket_check_in_once(sessions: Sessions) -> None:
    boss, _event, (ann,) = await _people(sessions, "ann")
    assert ann.ticket_secret is not None
    results = await asyncio.gather(
        *(_scan(sessions, ann.id, ann.ticket_secret, boss) for _ in range(5))
    )
    assert sorted(r.first for r in results) == [False, False, False, False, True]
    assert {r.checked_in for r in results} == {1}


@pytest.mark.postgres
async def test_parallel_scans_check_in_once_on_postgres(postgres_url: str) -> None:
    """Twelve transactions at once, each on its own connection (READ COMMITTED): the guarded
    UPDATE lets one through and the others find the row already checked in."""
    sessions = Sessions(postgres_url)
    try:
        boss, _event, (ann,) = await _people(sessions, "ann")
        assert ann.ticket_secret is not None
        results = await asyncio.gather(
            *(_scan(sessions, ann.id, ann.ticket_secret, boss) for _ in range(12))
        )
    finally:
        await sessions.db.dispose()
    assert [r.first for r in results].count(True) == 1
    assert {(r.at, r.checked_in) for r in results} == {(NOW, 1)}


async def test_wrong_secret_unknown_ticket_and_cancelled_registration_are_all_invalid(
    sessions: Sessions,
) -> None:
    boss, event, (ann, bob) = await _people(sessions, "ann", "bob")
    assert ann.ticket_secret is not None and bob.ticket_secret is not None
    forged = ann.ticket_secret[:-1] + ("A" if ann.ticket_secret[-1] != "A" else "B")
    with pytest.raises(TicketInvalid):
        await _scan(sessions, ann.id, forged, boss)
    with pytest.raises(TicketInvalid):  # bob's secret on ann's registration
        await _scan(sessions, ann.id, bob.ticket_secret, boss)
    with pytest.raises(TicketInvalid):
        await _scan(sessions, 999_999, ann.ticket_secret, boss)
    async with sessions.begin() as session:
        bob_user = await session.get_one(User, bob.user_id)
        await booking.cancel_registration(
            session, user=bob_user, event_id=event.id, now=NOW, reminder_offsets=()
        )
    with pytest.raises(TicketInvalid):
        await _scan(sessions, bob.id, bob.ticket_secret, boss)
    row = await _row(sessions, ann.id)
    assert row is not None and row.checked_in_at is None  # nothing changed


async def test_a_cancelled_events_ticket_says_so_and_checks_nobody_in(sessions: Sessions) -> None:
    boss, event, (ann,) = await _people(sessions, "ann")
    assert ann.ticket_secret is not None
    async with sessions.begin() as session:
        await session.execute(update(Event).where(Event.id == event.id).values(cancelled_at=NOW))
    with pytest.raises(TicketEventCancelled) as raised:
        await _scan(sessions, ann.id, ann.ticket_secret, boss)
    assert raised.value.title == "Jazz night"
    with pytest.raises(TicketEventCancelled):
        async with sessions.begin() as session:
            await checkin.check_in_attendee(
                session, event_id=event.id, registration_id=ann.id, manager_id=boss.id, now=NOW
            )
    row = await _row(sessions, ann.id)
    assert row is not None and row.checked_in_at is None


async def test_a_registration_older_than_tickets_gets_one_secret_on_first_use(
    sessions: Sessions,
) -> None:
    boss, event, (ann,) = await _people(sessions, "ann")
    async with sessions.begin() as session:
        await session.execute(
            update(Registration).where(Registration.id == ann.id).values(ticket_secret=None)
        )
    async with sessions.begin() as session:
        ticket = await checkin.load_ticket(session, user_id=ann.user_id, event_id=event.id)
    assert ticket.secret is None
    with pytest.raises(TicketInvalid):  # no secret yet: nothing matches
        await _scan(sessions, ann.id, "A" * 22, boss)
    async with sessions.begin() as session:
        made = await checkin.ensure_secret(session, registration_id=ann.id)
    async with sessions.begin() as session:
        kept = await checkin.ensure_secret(session, registration_id=ann.id)
    assert made == kept and len(made) == 22
    assert (await _scan(sessions, ann.id, made, boss)).first


async def test_only_your_own_seat_has_a_ticket(sessions: Sessions) -> None:
    _boss, event, (_ann,) = await _people(sessions, "ann")
    carl = await make_user(sessions, "carl@example.com", now=NOW)
    with pytest.raises(NotRegistered):
        async with sessions.begin() as session:
            await checkin.load_ticket(session, user_id=carl.id, event_id=event.id)


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "ci_",
        "ci_1",
        "ci_1_",
        "ci_1_short",
        "ci_0_" + "A" * 22,  # ids start at 1
        "ci_01_" + "A" * 22,
        "ci_١_" + "A" * 22,  # an Arabic-Indic digit
        "ci_9223372036854775808_" + "A" * 22,  # past 64 bits
        "ci_1_" + "A" * 21 + "=",
        "ci_1_" + "A" * 41,
        "ev_1",
        "CI_1_" + "A" * 22,
    ],
)
def test_malformed_payloads_are_not_tickets(payload: str) -> None:
    assert checkin.parse_payload(payload) is None


async def test_the_door_list_holds_who_has_not_arrived_by_name_and_pages(
    sessions: Sessions,
) -> None:
    names = ["dora", "ann", "carl", "bob", "eve"]
    boss, event, registrations = await _people(sessions, *names)
    by_name = {r.user_id: r for r in registrations}

    async def page(number: int) -> checkin.DoorPage:
        async with sessions.begin() as session:
            return await checkin.door_page(session, event_id=event.id, page=number, page_size=2)

    first = await page(0)
    assert [a.name for a in first.waiting] == ["ann", "bob"]
    assert (first.pages, first.checked_in, first.registered) == (3, 0, 5)
    async with sessions.begin() as session:
        bob_id = await session.scalar(select(User.id).where(User.name == "bob"))
        assert bob_id is not None
        result = await checkin.check_in_attendee(
            session,
            event_id=event.id,
            registration_id=by_name[bob_id].id,
            manager_id=boss.id,
            now=NOW,
        )
    assert (result.name, result.first, result.checked_in, result.registered) == ("bob", True, 1, 5)
    assert [a.name for a in (await page(0)).waiting] == ["ann", "carl"]
    last = await page(99)  # past the end: the last page
    assert (last.page, last.pages, [a.name for a in last.waiting]) == (1, 2, ["dora", "eve"])


async def test_the_door_list_checks_in_only_registrations_of_its_event(
    sessions: Sessions,
) -> None:
    boss, _event, (ann,) = await _people(sessions, "ann")
    other = await make_event(sessions, boss, now=NOW, title="Other night")
    with pytest.raises(AttendeeGone):
        async with sessions.begin() as session:
            await checkin.check_in_attendee(
                session, event_id=other.id, registration_id=ann.id, manager_id=boss.id, now=NOW
            )
    row = await _row(sessions, ann.id)
    assert row is not None and row.checked_in_at is None


async def _undo(sessions: Sessions, event_id: int, registration_id: int) -> checkin_undo.Undone:
    async with sessions.begin() as session:
        return await checkin_undo.undo_check_in(
            session, event_id=event_id, registration_id=registration_id
        )


async def _undo_outcome(sessions: Sessions, event_id: int, registration_id: int) -> str:
    """``undone``, or the name of the domain error the undo raised."""
    try:
        await _undo(sessions, event_id, registration_id)
    except checkin.DomainError as exc:
        return type(exc).__name__
    return "undone"


async def test_undo_clears_a_check_in_once_and_counts_the_door_again(sessions: Sessions) -> None:
    boss, event, (ann, bob) = await _people(sessions, "ann", "bob")
    assert ann.ticket_secret is not None and bob.ticket_secret is not None
    await _scan(sessions, ann.id, ann.ticket_secret, boss)
    await _scan(sessions, bob.id, bob.ticket_secret, boss)
    undone = await _undo(sessions, event.id, ann.id)
    assert undone == checkin_undo.Undone(event.id, ann.id, "ann", 1, 2)
    row = await _row(sessions, ann.id)
    assert row is not None and (row.checked_in_at, row.checked_in_by) == (None, None)
    with pytest.raises(checkin_undo.NotCheckedIn) as raised:
        await _undo(sessions, event.id, ann.id)
    assert raised.value.name == "ann"
    kept = await _row(sessions, bob.id)
    assert kept is not None and (kept.checked_in_at, kept.checked_in_by) == (NOW, boss.id)
    again = await _scan(sessions, ann.id, ann.ticket_secret, boss, now=LATER)
    assert (again.first, again.at, again.checked_in) == (True, LATER, 2)


async def test_parallel_undos_of_one_check_in_undo_it_once(sessions: Sessions) -> None:
    boss, event, (ann,) = await _people(sessions, "ann")
    assert ann.ticket_secret is not None
    await _scan(sessions, ann.id, ann.ticket_secret, boss)
    outcomes = await asyncio.gather(*(_undo_outcome(sessions, event.id, ann.id) for _ in range(5)))
    assert sorted(outcomes) == ["NotCheckedIn"] * 4 + ["undone"]


@pytest.mark.postgres
async def test_parallel_undos_undo_once_on_postgres(postgres_url: str) -> None:
    """Twelve undos at once, each on its own connection: the guarded UPDATE lets one through."""
    sessions = Sessions(postgres_url)
    try:
        boss, event, (ann,) = await _people(sessions, "ann")
        assert ann.ticket_secret is not None
        await _scan(sessions, ann.id, ann.ticket_secret, boss)
        outcomes = await asyncio.gather(
            *(_undo_outcome(sessions, event.id, ann.id) for _ in range(12))
        )
    finally:
        await sessions.db.dispose()
    assert sorted(outcomes) == ["NotCheckedIn"] * 11 + ["undone"]


async def test_undo_is_refused_for_other_events_gone_registrations_and_cancelled_events(
    sessions: Sessions,
) -> None:
    boss, event, (ann, bob) = await _people(sessions, "ann", "bob")
    other = await make_event(sessions, boss, now=NOW, title="Other night")
    for registration in (ann, bob):
        assert registration.ticket_secret is not None
        await _scan(sessions, registration.id, registration.ticket_secret, boss)
    assert await _undo_outcome(sessions, other.id, ann.id) == "AttendeeGone"
    assert await _undo_outcome(sessions, other.id + 1000, ann.id) == "EventNotFound"
    async with sessions.begin() as session:
        bob_user = await session.get_one(User, bob.user_id)
        await booking.cancel_registration(
            session, user=bob_user, event_id=event.id, now=NOW, reminder_offsets=()
        )
    assert await _undo_outcome(sessions, event.id, bob.id) == "AttendeeGone"
    async with sessions.begin() as session:
        await session.execute(update(Event).values(cancelled_at=NOW))
    with pytest.raises(TicketEventCancelled):
        await _undo(sessions, event.id, ann.id)
    row = await _row(sessions, ann.id)
    assert row is not None and (row.checked_in_at, row.checked_in_by) == (NOW, boss.id)


async def test_a_scan_counts_from_the_doors_opening_to_their_closing_only(
    sessions: Sessions,
) -> None:
    boss, event, (ann,) = await _people(sessions, "ann")
    assert ann.ticket_secret is not None
    edges = [
        (event.starts_at - DOORS_OPEN - timedelta(seconds=1), True),
        (event.starts_at + DOORS_CLOSE + timedelta(seconds=1), False),
    ]
    for moment, early in edges:
        with pytest.raises(TicketNotToday) as refused:
            await _scan(sessions, ann.id, ann.ticket_secret, boss, now=moment)
        assert (refused.value.title, refused.value.starts_at) == ("Jazz night", event.starts_at)
        assert refused.value.early is early
    row = await _row(sessions, ann.id)
    assert row is not None and row.checked_in_at is None  # nothing written
    opening = event.starts_at - DOORS_OPEN
    done = await _scan(sessions, ann.id, ann.ticket_secret, boss, now=opening)
    assert done.first and (done.title, done.starts_at) == ("Jazz night", event.starts_at)
