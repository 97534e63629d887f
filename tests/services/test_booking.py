"""Registration rules on a real migrated database; the races also on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.event import listen
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import accounts, booking
from bot.services.errors import (
    AlreadyRegistered,
    EventFull,
    EventNotFound,
    EventPast,
    NotRegistered,
)
from db.models import Event, OutboxMessage, Registration, Role, User
from db.session import Database, is_sqlite, make_engine, make_session_factory
from tests import postgres
from tests.conftest import Sessions
from tests.services.factories import FAST_HASH, make_event, make_user

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
OFFSETS = (timedelta(hours=24), timedelta(hours=1))


async def _register(sessions: Sessions, user_id: int, event_id: int, now: datetime = NOW) -> None:
    async with sessions.begin() as session:
        user = await session.get_one(User, user_id)
        await booking.register(
            session,
            user=user,
            event_id=event_id,
            chat_id=user_id,
            now=now,
            reminder_offsets=OFFSETS,
        )


async def _counts(sessions: Sessions, event_id: int) -> tuple[int, int]:
    async with sessions.begin() as session:
        seats_left = (await session.get_one(Event, event_id)).seats_left
        taken = await session.scalar(
            select(func.count()).select_from(Registration).where(Registration.event_id == event_id)
        )
    return seats_left, int(taken or 0)


async def test_register_takes_a_seat_and_schedules_reminders(sessions: Sessions) -> None:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    ann = await make_user(sessions, "ann@example.com", now=NOW)
    event = await make_event(sessions, manager, now=NOW, capacity=3)
    await _register(sessions, ann.id, event.id)
    assert await _counts(sessions, event.id) == (2, 1)
    async with sessions.begin() as session:
        due = sorted(r.due_at for r in await session.scalars(select(OutboxMessage)))
    assert due == [event.starts_at - timedelta(hours=24), event.starts_at - timedelta(hours=1)]


async def test_second_registration_is_refused_and_changes_nothing(sessions: Sessions) -> None:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    ann = await make_user(sessions, "ann@example.com", now=NOW)
    event = await make_event(sessions, manager, now=NOW, capacity=3)
    await _register(sessions, ann.id, event.id)
    with pytest.raises(AlreadyRegistered):
        await _register(sessions, ann.id, event.id)
    assert await _counts(sessions, event.id) == (2, 1)


async def test_full_past_and_missing_events_are_refused(sessions: Sessions) -> None:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    ann = await make_user(sessions, "ann@example.com", now=NOW)
    bob = await make_user(sessions, "bob@example.com", now=NOW)
    event = await make_event(sessions, manager, now=NOW, capacity=1)
    await _register(sessions, ann.id, event.id)
    with pytest.raises(EventFull):
        await _register(sessions, bob.id, event.id)
    with pytest.raises(EventPast):
        await _register(sessions, bob.id, event.id, now=event.starts_at)
    with pytest.raises(EventNotFound):
        await _register(sessions, bob.id, 999_999)
    assert await _counts(sessions, event.id) == (0, 1)


async def test_cancel_gives_the_seat_and_reminders_back(sessions: Sessions) -> None:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    ann = await make_user(sessions, "ann@example.com", now=NOW)
    event = await make_event(sessions, manager, now=NOW, capacity=1)
    await _register(sessions, ann.id, event.id)
    async with sessions.begin() as session:
        await booking.cancel_registration(
            session, user=ann, event_id=event.id, now=NOW, reminder_offsets=OFFSETS
        )
    assert await _counts(sessions, event.id) == (1, 0)
    async with sessions.begin() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        with pytest.raises(NotRegistered):
            await booking.cancel_registration(
                session, user=ann, event_id=event.id, now=NOW, reminder_offsets=OFFSETS
            )


# -- races between separate connections ---------------------------------------------------
#
# The tests above share one Database, whose asyncio lock queues this process's SQLite writers:
# a count-then-insert registration would pass them. Below, clients write over separate
# connections that nothing in this process keeps apart, so only the database itself can: on
# SQLite its write lock (BEGIN IMMEDIATE), on PostgreSQL (READ COMMITTED) the row lock of the
# guarded UPDATE. The control test shows that the PostgreSQL harness catches a registration
# without such a guard.

# backend -> (clients, seats); on SQLite the clients share SQLITE_DATABASES Database objects
RACES = {"sqlite": (24, 6), "postgres": (200, 50)}
SQLITE_DATABASES = 4
RACE_TIMEOUT = 60  # seconds: a stuck race fails instead of hanging the suite

Registrar = Callable[[AsyncSession, int, int], Awaitable[object]]
Opener = Callable[[], AbstractAsyncContextManager[AsyncSession]]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def race_url(request: pytest.FixtureRequest) -> str:
    """A fresh migrated database: SQLite, then PostgreSQL."""
    url: str = request.getfixturevalue(
        "database_url" if request.param == "sqlite" else "postgres_url"
    )
    return url


async def _clients_for(url: str, wanted: int) -> int:
    """``wanted``, or fewer if a TEST_POSTGRES_URL server allows fewer connections."""
    if is_sqlite(url):
        return wanted
    return min(wanted, await postgres.spare_connections(url) - 10)


@dataclass
class Clients:
    """Ways to open a write transaction, and how often SQLite refused one as locked."""

    openers: list[Opener] = field(default_factory=list)
    lock_conflicts: int = 0

    def count_lock_conflicts(self, context: ExceptionContext) -> None:
        """``handle_error`` listener: another connection held SQLite's write lock."""
        if "locked" in str(context.original_exception).lower():
            self.lock_conflicts += 1


@asynccontextmanager
async def _separate_connections(url: str, clients: int) -> AsyncIterator[Clients]:
    """Ways to open a write transaction the bot's way that only the database keeps apart.

    SQLite: SQLITE_DATABASES Database objects (engine, connection and asyncio lock of their
    own), so writers of different objects meet only at SQLite's write lock. PostgreSQL: the
    engine Database builds (``Database.write`` is ``begin()`` of this session factory there),
    pooling one connection per client. Every connection is open before the race starts.
    """
    handle = Clients()
    async with AsyncExitStack() as stack:
        if is_sqlite(url):
            dbs = [Database(url) for _ in range(SQLITE_DATABASES)]
            for db in dbs:
                stack.push_async_callback(db.dispose)
                listen(db.engine.sync_engine, "handle_error", handle.count_lock_conflicts)
                async with db.read() as session:
                    await session.execute(select(1))
            handle.openers = [db.write for db in dbs]
            yield handle
            return
        engine = make_engine(url, pool_size=clients, max_overflow=0)
        stack.push_async_callback(engine.dispose)
        everyone = asyncio.Barrier(clients)

        async def connect() -> None:
            async with engine.connect() as conn:
                await conn.execute(select(1))
                await everyone.wait()  # all held at once, so the pool opens ``clients``

        await asyncio.gather(*(connect() for _ in range(clients)))
        handle.openers = [make_session_factory(engine).begin]
        yield handle


async def _race(
    openers: Sequence[Opener], user_ids: Sequence[int], event_id: int, registrar: Registrar
) -> list[BaseException | None]:
    """Register every user at once, each in a transaction of its own; the outcomes in order.

    All clients are released together, and each yields once its transaction is open (on
    SQLite: holds the write lock), so the others run meanwhile.
    """
    start = asyncio.Barrier(len(user_ids))

    async def client(n: int, user_id: int) -> None:
        await start.wait()
        async with openers[n % len(openers)]() as session:
            await session.connection()
            await asyncio.sleep(0)
            await registrar(session, user_id, event_id)

    async with asyncio.timeout(RACE_TIMEOUT):
        return await asyncio.gather(
            *(client(n, user_id) for n, user_id in enumerate(user_ids)), return_exceptions=True
        )


async def _register_now(session: AsyncSession, user_id: int, event_id: int) -> object:
    user = await session.get_one(User, user_id)
    return await booking.register(
        session, user=user, event_id=event_id, chat_id=user_id, now=NOW, reminder_offsets=OFFSETS
    )


async def _naive_register(session: AsyncSession, user_id: int, event_id: int) -> None:
    """The classic bug, for the control test: count the seats taken, insert if one is free."""
    event = await session.get_one(Event, event_id)
    taken = await session.scalar(
        select(func.count()).select_from(Registration).where(Registration.event_id == event_id)
    )
    if (taken or 0) >= event.capacity:
        raise EventFull()
    session.add(Registration(user_id=user_id, event_id=event_id, chat_id=user_id, created_at=NOW))
    await session.flush()


async def _make_people(sessions: Sessions, count: int) -> list[int]:
    async with sessions.begin() as session:
        people = [
            await accounts.create_user(
                session,
                name=f"p{i}",
                email=f"p{i}@example.com",
                password_hash=FAST_HASH,
                role=Role.CUSTOMER,
                now=NOW,
            )
            for i in range(count)
        ]
    return [p.id for p in people]


@pytest.fixture
async def race_sessions(race_url: str) -> AsyncIterator[Sessions]:
    """Transactions on the race database, for setting up and counting."""
    handle = Sessions(race_url)
    yield handle
    await handle.db.dispose()


async def test_racing_connections_fill_the_seats_exactly(
    race_url: str, race_sessions: Sessions
) -> None:
    backend = "sqlite" if is_sqlite(race_url) else "postgres"
    clients, seats = RACES[backend]
    clients = await _clients_for(race_url, clients)
    seats = min(seats, clients // 4)
    manager = await make_user(race_sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    people = await _make_people(race_sessions, clients)
    event = await make_event(race_sessions, manager, now=NOW, capacity=seats)
    async with _separate_connections(race_url, clients) as handle:
        results = await _race(handle.openers, people, event.id, _register_now)
    assert [r for r in results if r is not None and not isinstance(r, EventFull)] == []
    assert results.count(None) == seats
    assert await _counts(race_sessions, event.id) == (0, seats)
    if backend == "sqlite":  # the writers did meet at SQLite's lock, not one after another
        assert handle.lock_conflicts > 0


async def test_racing_double_press_registers_once(race_url: str, race_sessions: Sessions) -> None:
    manager = await make_user(race_sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    (ann,) = await _make_people(race_sessions, 1)
    event = await make_event(race_sessions, manager, now=NOW, capacity=5)
    async with _separate_connections(race_url, 8) as handle:
        results = await _race(handle.openers, [ann] * 8, event.id, _register_now)
    assert results.count(None) == 1
    assert all(isinstance(r, AlreadyRegistered) for r in results if r is not None)
    assert await _counts(race_sessions, event.id) == (4, 1)


@pytest.mark.postgres
async def test_control_naive_count_then_insert_overbooks_on_postgres(postgres_url: str) -> None:
    """The harness can fail: in it, a count-then-insert registration overbooks."""
    clients, seats = RACES["postgres"]
    clients = await _clients_for(postgres_url, clients)
    seats = min(seats, clients // 4)
    sessions = Sessions(postgres_url)
    observed: list[int] = []
    try:
        manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
        people = await _make_people(sessions, clients)
        async with _separate_connections(postgres_url, clients) as handle:
            for _ in range(3):  # a few tries, each on a new event; the first one already does
                event = await make_event(sessions, manager, now=NOW, capacity=seats)
                results = await _race(handle.openers, people, event.id, _naive_register)
                assert [r for r in results if r is not None and not isinstance(r, EventFull)] == []
                observed.append((await _counts(sessions, event.id))[1])
                if observed[-1] > seats:
                    break
    finally:
        await sessions.db.dispose()
    print(f"naive count-then-insert on PostgreSQL: {observed} registrations for {seats} seats")
    assert max(observed) > seats


async def test_concurrent_double_press_registers_once(sessions: Sessions) -> None:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    ann = await make_user(sessions, "ann@example.com", now=NOW)
    event = await make_event(sessions, manager, now=NOW, capacity=5)
    results = await asyncio.gather(
        *(_register(sessions, ann.id, event.id) for _ in range(5)), return_exceptions=True
    )
    assert sum(r is None for r in results) == 1
    assert all(isinstance(r, AlreadyRegistered) for r in results if r is not None)
    assert await _counts(sessions, event.id) == (4, 1)


async def test_database_refuses_overbooking_even_without_the_service(sessions: Sessions) -> None:
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    event = await make_event(sessions, manager, now=NOW, capacity=1)
    with pytest.raises(IntegrityError, match=r"(?i)check constraint"):
        async with sessions.begin() as session:
            (await session.get_one(Event, event.id)).seats_left = -1


async def test_attendees_come_in_pages_in_registration_order(sessions: Sessions) -> None:
    from bot.services.attendees import attendee_page

    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    event = await make_event(sessions, manager, now=NOW, capacity=30)
    people = [await make_user(sessions, f"p{i:02}@example.com", now=NOW) for i in range(23)]
    for person in people:
        await _register(sessions, person.id, event.id)
    async with sessions.begin() as session:
        pages = [
            await attendee_page(session, event_id=event.id, page=n, page_size=10) for n in range(3)
        ]
        beyond = await attendee_page(session, event_id=event.id, page=99, page_size=10)
    assert [len(p.attendees) for p in pages] == [10, 10, 3]
    assert [a.email for p in pages for a in p.attendees] == [p.email for p in people]
    assert pages[0].pages == 3 and pages[0].total == 23
    assert beyond.page == 2  # clamped to the last page
