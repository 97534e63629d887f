"""The two read paths the busiest screens use: the /events page and the event card."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.services import accounts, booking, events
from bot.services.errors import EventNotFound
from bot.services.views import EventInfo, Viewer
from db.models import Role
from tests.conftest import Sessions
from tests.services.factories import make_event, make_user

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


async def _page(sessions: Sessions, page: int, *, now: datetime = NOW) -> events.EventPage:
    async with sessions.db.query() as conn:
        return await events.upcoming_page(conn, now=now, page=page, page_size=3)


async def test_pages_list_upcoming_events_latest_first(sessions: Sessions) -> None:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    days = [5, 1, 7, 3, 2, 6, 4]
    for day in days:
        await make_event(sessions, manager, now=NOW, starts_in=timedelta(days=day), title=f"D{day}")
    await make_event(sessions, manager, now=NOW - timedelta(days=10), starts_in=timedelta(days=1))

    pages = [await _page(sessions, n) for n in range(3)]
    assert [[e.title for e in p.events] for p in pages] == [
        ["D7", "D6", "D5"],
        ["D4", "D3", "D2"],
        ["D1"],
    ]
    assert [(p.page, p.pages, p.total) for p in pages] == [(0, 3, 7), (1, 3, 7), (2, 3, 7)]
    first = pages[0].events[0]
    assert isinstance(first, EventInfo)
    assert first.starts_at == NOW + timedelta(days=7) and first.starts_at.tzinfo is not None
    assert (first.capacity, first.seats_left, first.location) == (10, 10, "Main hall")


async def test_a_page_past_the_end_shows_the_last_page(sessions: Sessions) -> None:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    for day in range(1, 5):
        await make_event(sessions, manager, now=NOW, starts_in=timedelta(days=day), title=f"D{day}")
    beyond = await _page(sessions, 99)
    assert (beyond.page, beyond.pages, beyond.total) == (1, 2, 4)
    assert [e.title for e in beyond.events] == ["D1"]
    negative = await _page(sessions, -3)
    assert negative.page == 0 and [e.title for e in negative.events] == ["D4", "D3", "D2"]


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
