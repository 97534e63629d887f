"""Accounts and login sessions on a real migrated database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import bcrypt
import pytest

from bot.services import accounts
from bot.services.errors import BadCredentials, EmailTaken, InvalidInput, NotAuthorized
from bot.services.passwords import hash_password, password_problem, verify_password
from db.models import Role
from tests.conftest import Sessions
from tests.services.factories import make_user

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
DUMMY = bcrypt.hashpw(b"dummy", bcrypt.gensalt(4))


async def test_email_is_unique_whatever_its_case(sessions: Sessions) -> None:
    await make_user(sessions, "Ann@Example.com", now=NOW)
    with pytest.raises(EmailTaken):
        await make_user(sessions, "ann@EXAMPLE.COM", now=NOW)
    async with sessions.begin() as session:
        assert await accounts.email_taken(session, email="ann@example.com")


@pytest.mark.parametrize(
    "raw", ["", "ann", "ann@", "@example.com", "a b@example.com", "ann@example"]
)
def test_bad_emails_are_refused(raw: str) -> None:
    with pytest.raises(InvalidInput):
        accounts.clean_email(raw)


def test_password_length_is_counted_in_bytes() -> None:
    assert password_problem("short") is not None
    assert password_problem("long enough") is None
    assert password_problem("é" * 36) is None  # 72 bytes
    assert password_problem("é" * 37) is not None  # 74 bytes: bcrypt would refuse it


async def test_hash_and_verify_round_trip() -> None:
    hashed = await hash_password("correct horse", rounds=4)
    assert await verify_password("correct horse", hashed)
    assert not await verify_password("wrong horse", hashed)
    assert not await verify_password("x" * 100, hashed)


async def test_wrong_password_and_unknown_email_fail_alike(sessions: Sessions) -> None:
    await make_user(sessions, "ann@example.com", now=NOW)

    async def login(email: str, password: str) -> object:
        async with sessions.begin() as session:
            user = await accounts.find_by_email(session, email=accounts.clean_email(email))
        return await accounts.check_password(user, password=password, dummy_hash=DUMMY)

    user = await login("ANN@example.com", "password123")
    assert getattr(user, "email", None) == "ann@example.com"
    failures = []
    for email, password in [("ann@example.com", "nope-nope"), ("who@example.com", "password123")]:
        with pytest.raises(BadCredentials) as caught:
            await login(email, password)
        failures.append((type(caught.value), str(caught.value)))
    assert failures[0] == failures[1]


async def test_session_lasts_for_its_ttl_and_ends_on_logout(sessions: Sessions) -> None:
    ann = await make_user(sessions, "ann@example.com", now=NOW)
    async with sessions.begin() as session:
        await accounts.start_session(
            session, telegram_user_id=77, chat_id=77, user=ann, now=NOW, ttl=timedelta(days=1)
        )
    async with sessions.begin() as session:
        assert await accounts.current_user(session, telegram_user_id=77, now=NOW) is not None
        later = NOW + timedelta(days=1, seconds=1)
        assert await accounts.current_user(session, telegram_user_id=77, now=later) is None
        assert await accounts.end_session(session, telegram_user_id=77)
        assert await accounts.current_user(session, telegram_user_id=77, now=NOW) is None


async def test_customers_are_not_managers(sessions: Sessions) -> None:
    ann = await make_user(sessions, "ann@example.com", now=NOW)
    async with sessions.begin() as session:
        await accounts.start_session(
            session, telegram_user_id=77, chat_id=77, user=ann, now=NOW, ttl=timedelta(days=1)
        )
        with pytest.raises(NotAuthorized):
            await accounts.require_manager(session, telegram_user_id=77, now=NOW)
    boss = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=NOW)
    async with sessions.begin() as session:
        await accounts.start_session(
            session, telegram_user_id=78, chat_id=78, user=boss, now=NOW, ttl=timedelta(days=1)
        )
        assert (await accounts.require_manager(session, telegram_user_id=78, now=NOW)).id == boss.id
