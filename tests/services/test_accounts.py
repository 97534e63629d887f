"""Accounts and login sessions on a real migrated database."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta

import bcrypt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services import accounts
from bot.services.errors import BadCredentials, EmailTaken, InvalidInput, NotAuthorized, Problem
from bot.services.passwords import PasswordHasher, password_problem
from db.models import Role
from tests.conftest import Sessions
from tests.services.factories import FAST_HASH, make_user

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
HASHER = PasswordHasher(rounds=4)
# the migration carries its own copy of clean_email; as of today the two must agree
MIGRATION = importlib.import_module("migrations.versions.0004_normalise_emails")


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
    with pytest.raises(InvalidInput) as caught:
        accounts.clean_email(raw)
    assert caught.value.code is Problem.EMAIL_INVALID and caught.value.params == {}


@pytest.mark.parametrize(
    ("raw", "code", "params"),
    [
        ("  ", Problem.NAME_EMPTY, {}),
        ("x" * 65, Problem.NAME_TOO_LONG, {"limit": 64}),
        ("Ann\u200b", Problem.NAME_UNPRINTABLE, {"codepoint": 0x200B}),
        ("Ann \u202eevil", Problem.NAME_UNPRINTABLE, {"codepoint": 0x202E}),
        ("\u200dAnn", Problem.NAME_UNPRINTABLE, {"codepoint": 0x200D}),  # joins nothing
    ],
)
def test_bad_names_are_refused_with_a_code(raw: str, code: Problem, params: dict[str, int]) -> None:
    with pytest.raises(InvalidInput) as caught:
        accounts.clean_name(raw)
    assert (caught.value.code, caught.value.params) == (code, params)


def test_names_keep_emoji_sequences_and_joiners_that_spelling_needs() -> None:
    for name in ["Ann 👩\u200d💻", "Mina می\u200cخواهم", "Jo 🏳\ufe0f\u200d🌈"]:
        assert accounts.clean_name(name) == name


LOOK_ALIKES = [
    "\uff53ame@x.org",  # full-width s
    "same\u200b@x.org",  # zero-width space
    "sa\u00adme@x.org",  # soft hyphen
    "s\u200dame@x.org",  # zero-width joiner
    "\ufeffsame@x.org",  # byte order mark
    "SAME@X.ORG",
    "same@\uff58\uff0e\uff4f\uff52\uff47",  # full-width domain and dot
    " same@x.org\u3000",  # ideographic space around it
]


@pytest.mark.parametrize("raw", LOOK_ALIKES)
def test_look_alike_emails_are_one_address(raw: str) -> None:
    assert accounts.clean_email(raw) == "same@x.org"


@pytest.mark.parametrize("raw", LOOK_ALIKES)
async def test_a_look_alike_email_is_taken_and_logs_into_the_account(
    sessions: Sessions, raw: str
) -> None:
    same = await make_user(sessions, "same@x.org", now=NOW)
    with pytest.raises(EmailTaken):
        async with sessions.begin() as session:
            await accounts.create_user(
                session,
                name="Twin",
                email=raw,
                password_hash=FAST_HASH,
                role=Role.CUSTOMER,
                now=NOW,
            )
    async with sessions.begin() as session:
        found = await accounts.find_by_email(session, email=accounts.clean_email(raw))
    assert found is not None and found.id == same.id
    checked = await accounts.check_password(found, password="password123", hasher=HASHER)
    assert checked.id == same.id


def test_the_domain_is_stored_idna_encoded() -> None:
    assert accounts.clean_email("Ann@Bücher.DE") == "ann@xn--bcher-kva.de"
    assert accounts.clean_email("ann@xn--bcher-kva.de") == "ann@xn--bcher-kva.de"
    # a Cyrillic "а" in the domain shows as what it is
    assert accounts.clean_email("ann@\u0430pple.com") == "ann@xn--pple-43d.com"


@pytest.mark.parametrize(
    ("raw", "codepoint"),
    [
        ("same\u202e@x.org", 0x202E),  # right-to-left override
        ("same@x\u200e.org", 0x200E),  # left-to-right mark
        ("\u2066same@x.org", 0x2066),  # left-to-right isolate
        ("sa\x00me@x.org", 0x00),
        ("sa\ue000me@x.org", 0xE000),  # private use
    ],
)
def test_emails_with_direction_or_control_characters_are_refused(raw: str, codepoint: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        accounts.clean_email(raw)
    assert (caught.value.code, caught.value.params) == (
        Problem.EMAIL_INVISIBLE,
        {"codepoint": codepoint},
    )


@pytest.mark.parametrize(
    "raw",
    ["ann@a..bc", "ann@" + "a" * 64 + ".org", "ann@xn--a.org", "ann@x.org.", "a@b@x.org"],
)
def test_domains_idna_refuses_are_invalid(raw: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        accounts.clean_email(raw)
    assert caught.value.code is Problem.EMAIL_INVALID


@given(raw=st.text(max_size=40).map(lambda s: s + "@x.org") | st.emails() | st.text())
def test_a_cleaned_email_cleans_to_itself_and_the_migration_agrees(raw: str) -> None:
    try:
        email = accounts.clean_email(raw)
    except InvalidInput:
        assert MIGRATION.normal_email(raw) is None
        return
    assert accounts.clean_email(email) == email
    assert MIGRATION.normal_email(raw) == email


def test_password_minimum_counts_characters_and_maximum_is_bcrypts_bytes() -> None:
    short = password_problem("short")
    assert short is not None and short.code is Problem.PASSWORD_TOO_SHORT
    assert short.params == {"limit": 8}
    assert password_problem("long enough") is None
    assert password_problem("a b c d ") is None  # spaces are characters too (NIST SP 800-63B)
    two_emoji = password_problem("😀😀")  # 8 bytes, but 2 characters
    assert two_emoji is not None and two_emoji.code is Problem.PASSWORD_TOO_SHORT
    assert password_problem("é" * 36) is None  # 72 bytes
    long = password_problem("é" * 37)  # 74 bytes: bcrypt would refuse it
    assert long is not None and long.code is Problem.PASSWORD_TOO_LONG
    assert long.params == {"limit": 72}


async def test_hash_and_verify_round_trip() -> None:
    hashed = await HASHER.hash("correct horse")
    assert bcrypt.checkpw(b"correct horse", hashed)
    assert await HASHER.verify("correct horse", hashed)
    assert not await HASHER.verify("wrong horse", hashed)
    assert not await HASHER.verify("x" * 100, hashed)
    assert not await HASHER.verify("correct horse", None)  # unknown email: the dummy hash


async def test_wrong_password_and_unknown_email_fail_alike(sessions: Sessions) -> None:
    await make_user(sessions, "ann@example.com", now=NOW)

    async def login(email: str, password: str) -> object:
        async with sessions.begin() as session:
            user = await accounts.find_by_email(session, email=accounts.clean_email(email))
        return await accounts.check_password(user, password=password, hasher=HASHER)

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
