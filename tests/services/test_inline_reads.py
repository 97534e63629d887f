"""The inline reads (db.inline_reads on SQLite, db.inline_pg on PostgreSQL) return exactly what
SQLAlchemy returns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.services import accounts, booking, event_changes, forms, waitlist
from bot.services.views import Viewer
from db.inline_pg import InlinePostgres
from db.inline_reads import _REUSED, InlineReader, InlineSQLite
from db.models import Event, Role
from tests.conftest import Sessions
from tests.services.factories import make_event, make_user

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
TG_ALICE, TG_BOB, TG_NOBODY = 501, 502, 999


async def _world(sessions: Sessions) -> list[int]:
    """Events with a seat taken, a waitlist, a check-in and a cancellation; two people logged
    in (one with a form open); returns every event id plus one that doesn't exist."""
    manager = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    alice = await make_user(sessions, "alice@example.com", now=NOW)
    bob = await make_user(sessions, "bob@example.com", now=NOW)
    small = await make_event(sessions, manager, now=NOW, capacity=1, title="Tiny ‘café’ ✨")
    other = await make_event(sessions, manager, now=NOW, starts_in=timedelta(days=1))
    gone = await make_event(sessions, manager, now=NOW, starts_in=timedelta(days=2))
    past = await make_event(sessions, manager, now=NOW - timedelta(days=9))
    async with sessions.begin() as session:
        for tg, user in ((TG_ALICE, alice), (TG_BOB, bob)):
            await accounts.start_session(
                session, telegram_user_id=tg, chat_id=tg, user=user, now=NOW,
                ttl=timedelta(days=1),
            )  # fmt: skip
        alice_account = Viewer(id=alice.id, name=alice.name, role=alice.role)
        bob_account = Viewer(id=bob.id, name=bob.name, role=bob.role)
        await booking.register(
            session, user=alice_account, event_id=small.id, chat_id=TG_ALICE, now=NOW,
            reminder_offsets=[timedelta(hours=1)],
        )  # fmt: skip
        await waitlist.join(
            session, user=bob_account, event_id=small.id, chat_id=TG_BOB, now=NOW,
            reminder_offsets=[],
        )  # fmt: skip
        await forms.open_form(
            session, chat_id=TG_BOB, user_id=TG_BOB, form="login", step="password", now=NOW,
            answers={"email": "bob@example.com", "tries": [1, 2]},
        )  # fmt: skip
        await event_changes.cancel_event(session, event_id=gone.id, now=NOW)
    return [small.id, other.id, gone.id, past.id, 12345]


def _parameter_sets(event_ids: list[int]) -> list[dict[str, Any]]:
    sets = []
    for event_id in event_ids:
        for tg in (TG_ALICE, TG_BOB, TG_NOBODY):
            for now in (NOW, NOW + timedelta(days=1, hours=1)):
                for offset in (0, 1, 3):
                    sets.append(
                        {"now": now, "offset": offset, "limit": 2, "event_id": event_id,
                         "telegram_user_id": tg, "user_id": tg, "chat_id": tg}
                    )  # fmt: skip
    return sets


async def test_every_reused_statement_reads_what_sqlalchemy_reads(sessions: Sessions) -> None:
    await _compare_every_reused_statement(sessions)


@pytest.mark.postgres
async def test_on_postgresql_every_reused_statement_reads_what_sqlalchemy_reads(
    postgres_url: str,
) -> None:
    sessions = Sessions(postgres_url)
    try:
        await _compare_every_reused_statement(sessions)
    finally:
        await sessions.db.dispose()


async def _compare_every_reused_statement(sessions: Sessions) -> None:
    """Run every reused statement both ways with many parameters; compare values, names and
    types, row by row."""
    event_ids = await _world(sessions)
    statements = list(_REUSED.values())
    assert len(statements) >= 10  # the screens' statements are all marked
    compared = 0
    async with sessions.db.query() as reader, sessions.db.engine.connect() as conn:
        assert isinstance(reader, InlineReader)
        for statement in statements:
            assert reader.runs_inline(statement)
            names = set(statement.compile().params)
            for given in _parameter_sets(event_ids):
                params = {k: v for k, v in given.items() if k in names}
                expected = (await conn.execute(statement, params)).all()
                got = (await reader.execute(statement, params)).all()
                assert [tuple(row) for row in got] == [tuple(row) for row in expected]
                assert [dict(row._mapping) for row in got] == [
                    dict(row._mapping) for row in expected
                ]
                for row, want in zip(got, expected, strict=True):
                    for key in want._mapping:
                        if key.isidentifier() and not hasattr(tuple, key):
                            assert getattr(row, key) == getattr(want, key)
                            assert type(getattr(row, key)) is type(getattr(want, key))
                compared += len(expected)
    assert compared > 500  # rows were found, not only empty results


async def test_a_statement_built_per_call_goes_through_sqlalchemy(sessions: Sessions) -> None:
    event_ids = await _world(sessions)
    statement = select(Event.title, Event.starts_at).where(Event.id == event_ids[0])
    async with sessions.db.query() as reader:
        assert isinstance(reader, InlineReader)
        assert not reader.runs_inline(statement)
        row = (await reader.execute(statement)).one()
    assert row.title == "Tiny ‘café’ ✨" and row.starts_at.tzinfo is not None


async def test_inline_reads_see_writes_at_once_and_cannot_write(sessions: Sessions) -> None:
    event_ids = await _world(sessions)
    async with sessions.db.query() as reader:
        assert (
            await forms.open_form_name(reader, chat_id=TG_BOB, user_id=TG_BOB, now=NOW) == "login"
        )
    async with sessions.begin() as session:
        state = await forms.load(session, chat_id=TG_BOB, user_id=TG_BOB)
        assert state is not None
        await forms.close(session, state=state)
    async with sessions.db.query() as reader:
        assert await forms.open_form_name(reader, chat_id=TG_BOB, user_id=TG_BOB, now=NOW) is None
        assert isinstance(reader, InlineReader)
        inline = reader._inline  # the read connections refuse writes
        if isinstance(inline, InlineSQLite):
            with pytest.raises(Exception, match="readonly"):
                inline.conn.execute("DELETE FROM events WHERE id = ?", (event_ids[0],))
        else:
            assert isinstance(inline, InlinePostgres)
            conn = inline._idle[-1]  # the one that just read
            with pytest.raises(Exception, match="read-only transaction"):
                await conn.execute("DELETE FROM events WHERE id = $1", event_ids[0])
            assert not conn.is_in_transaction()
    async with sessions.db.read() as session:
        assert await session.get(Event, event_ids[0]) is not None


async def test_a_missing_parameter_is_an_error_not_null(sessions: Sessions) -> None:
    await _world(sessions)
    async with sessions.db.query() as reader:
        with pytest.raises(KeyError, match="chat_id"):
            await reader.execute(forms._OPEN_FORM, {"user_id": TG_BOB})
