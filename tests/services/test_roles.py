"""Changing roles: never the last manager, even when two managers demote each other at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.services import roles
from bot.services.errors import (
    AccountNotFound,
    AlreadyCustomer,
    AlreadyManager,
    InvalidInput,
    LastManager,
)
from db.models import Role, TelegramAccount, User
from db.session import make_engine, make_session_factory
from tests.conftest import Sessions
from tests.services.factories import make_user

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


async def managers(sessions: Sessions) -> int:
    async with sessions.begin() as session:
        count = await session.scalar(
            select(func.count()).select_from(User).where(User.role == Role.MANAGER)
        )
    return int(count or 0)


async def test_roles_change_and_the_live_chats_are_returned(sessions: Sessions) -> None:
    await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    ann = await make_user(sessions, "ann@example.com", now=NOW)
    async with sessions.begin() as session:
        for telegram_id, hours in ((11, 1), (12, -1)):  # one live login, one expired
            session.add(
                TelegramAccount(
                    telegram_user_id=telegram_id,
                    chat_id=telegram_id,
                    user_id=ann.id,
                    session_expires_at=NOW.replace(hour=12 + hours),
                )
            )
    async with sessions.begin() as session:
        change = await roles.change_role(
            session, email=" ANN@example.com ", role=Role.MANAGER, now=NOW
        )
    assert (change.user_id, change.role, change.chat_ids) == (ann.id, Role.MANAGER, [11])
    for email, role, error in [
        ("ann@example.com", Role.MANAGER, AlreadyManager),
        ("nobody@example.com", Role.CUSTOMER, AccountNotFound),
        ("no email", Role.CUSTOMER, InvalidInput),
    ]:
        async with sessions.begin() as session:
            with pytest.raises(error):
                await roles.change_role(session, email=email, role=role, now=NOW)
    async with sessions.begin() as session:
        await roles.change_role(session, email="boss@example.com", role=Role.CUSTOMER, now=NOW)
    async with sessions.begin() as session:
        with pytest.raises(AlreadyCustomer):
            await roles.change_role(session, email="boss@example.com", role=Role.CUSTOMER, now=NOW)
    async with sessions.begin() as session:
        with pytest.raises(LastManager):
            await roles.change_role(session, email="ann@example.com", role=Role.CUSTOMER, now=NOW)
    assert await managers(sessions) == 1


@pytest.mark.postgres
async def test_two_managers_demoting_each_other_at_once_leave_one(postgres_url: str) -> None:
    sessions = Sessions(postgres_url)
    try:
        for name in ("ann", "bob"):
            await make_user(sessions, f"{name}@example.com", role=Role.MANAGER, now=NOW)
        engine = make_engine(postgres_url, pool_size=2, max_overflow=0)
        factory = make_session_factory(engine)
        both_open = asyncio.Barrier(2)

        async def demote(email: str) -> BaseException | None:
            try:
                async with factory.begin() as session:
                    await session.execute(select(1))
                    await both_open.wait()  # two transactions open before either demotes
                    await roles.change_role(session, email=email, role=Role.CUSTOMER, now=NOW)
            except LastManager as exc:
                return exc
            return None

        outcomes = await asyncio.gather(demote("ann@example.com"), demote("bob@example.com"))
        await engine.dispose()
        assert sorted(type(o).__name__ for o in outcomes) == ["LastManager", "NoneType"]
        assert await managers(sessions) == 1
    finally:
        await sessions.db.dispose()


async def test_a_role_change_owes_each_live_chat_one_notice_but_the_answered_one(
    sessions: Sessions,
) -> None:
    from bot.services.roles import ROLE_CHANGED_NOTICE
    from db.models import OutboxKind, OutboxMessage

    await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    ann = await make_user(sessions, "ann@example.com", now=NOW)
    async with sessions.begin() as session:
        for telegram_id, hours in ((11, 1), (12, -1), (13, 2)):  # two live logins, one expired
            session.add(
                TelegramAccount(
                    telegram_user_id=telegram_id,
                    chat_id=telegram_id,
                    user_id=ann.id,
                    session_expires_at=NOW.replace(hour=12 + hours),
                )
            )
    async with sessions.begin() as session:
        await roles.change_role(session, email="ann@example.com", role=Role.MANAGER, now=NOW)
    async with sessions.begin() as session:  # Ann demotes herself from chat 11
        await roles.change_role(
            session, email="ann@example.com", role=Role.CUSTOMER, now=NOW, answered_chat_id=11
        )
    async with sessions.begin() as session:  # refused: nothing owed
        with pytest.raises(AlreadyCustomer):
            await roles.change_role(session, email="ann@example.com", role=Role.CUSTOMER, now=NOW)
        rows = list(
            await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.kind == OutboxKind.NOTICE)
                .order_by(OutboxMessage.id)
            )
        )
    assert [(row.chat_id, row.payload, row.due_at) for row in rows] == [
        (11, {"notice": ROLE_CHANGED_NOTICE, "params": {"role": "manager"}}, NOW),
        (13, {"notice": ROLE_CHANGED_NOTICE, "params": {"role": "manager"}}, NOW),
        (13, {"notice": ROLE_CHANGED_NOTICE, "params": {"role": "customer"}}, NOW),
    ]
