"""Inline mode: ``@bot jazz`` offers matching upcoming events; a sent result keeps its count."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator
from bot.post_refresh import refresh_now
from db.models import Event, EventPost, Role
from tests.conftest import BotFactory, Sessions
from tests.flows.test_posts import QUIET, eventually, register_customers
from tests.people import Person
from tests.services.factories import make_event, make_user

USER = 1001


async def seed(sessions: Sessions, clock: ShiftableClock) -> dict[str, int]:
    """Events of every kind: upcoming, matching or not, cancelled, past."""
    boss = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=clock.now())
    ids = {}
    for title, days in [
        ("Rock show", 5),
        ("Late JAZZ jam", 3),
        ("Jazz night", 2),
        ("Cancelled jazz", 1),
        ("Old jazz", -1),
        ("100% fun", 4),
    ]:
        event = await make_event(
            sessions, boss, now=clock.now() - timedelta(days=2), title=title, capacity=50,
            starts_in=timedelta(days=days + 2),
        )  # fmt: skip
        ids[title] = event.id
    async with sessions.begin() as session:
        await session.execute(
            update(Event)
            .where(Event.id == ids["Cancelled jazz"])
            .values(cancelled_at=clock.now(), revision=Event.revision + 1)
        )
    return ids


async def test_inline_queries_find_upcoming_events_by_title(
    start_bot: BotFactory, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    await start_bot()
    ids = await seed(sessions, clock)
    Person(emulator, USER, "Ann")

    answer = await emulator.inline_answer(emulator.inline_query(USER, "jazz"))
    assert [r["title"] for r in answer["results"]] == ["Jazz night", "Late JAZZ jam"]
    assert answer["next_offset"] == "" and answer["is_personal"] is False
    assert answer["cache_time"] <= 60
    first = answer["results"][0]
    assert first["type"] == "article"
    content = first["input_message_content"]["message_text"]
    assert "<b>Jazz night</b>" in content and "0/50 going" in content
    link = f"https://t.me/EventBot_test_bot?start=ev_{ids['Jazz night']}"
    assert first["reply_markup"] == {"inline_keyboard": [[{"text": "🎟 Register", "url": link}]]}

    everything = await emulator.inline_answer(emulator.inline_query(USER, ""))
    assert [r["title"] for r in everything["results"]] == [
        "Jazz night", "Late JAZZ jam", "100% fun", "Rock show",
    ]  # fmt: skip
    percent = await emulator.inline_answer(emulator.inline_query(USER, "0%"))
    assert [r["title"] for r in percent["results"]] == ["100% fun"]  # % is no wildcard
    none = await emulator.inline_answer(emulator.inline_query(USER, "polka"))
    assert none["results"] == []


async def test_inline_results_page_with_next_offset(
    start_bot: BotFactory, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    await start_bot()
    boss = await make_user(sessions, "boss@example.com", role=Role.MANAGER, now=clock.now())
    for day in range(1, 46):
        await make_event(
            sessions, boss, now=clock.now(), title=f"Jazz {day:02}", starts_in=timedelta(days=day)
        )
    Person(emulator, USER, "Ann")
    seen: list[str] = []
    offset = ""
    for _ in range(5):
        answer = await emulator.inline_answer(emulator.inline_query(USER, "jazz", offset=offset))
        assert len(answer["results"]) <= 50
        seen += [r["title"] for r in answer["results"]]
        offset = answer["next_offset"]
        if not offset:
            break
    assert seen == [f"Jazz {day:02}" for day in range(1, 46)]
    nonsense = await emulator.inline_answer(emulator.inline_query(USER, "jazz", offset="x;1"))
    assert nonsense["results"][0]["title"] == "Jazz 01"  # a forged offset starts over


async def test_a_sent_inline_result_keeps_its_count(
    start_bot: BotFactory, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    bot = await start_bot(post_refresh_seconds=QUIET.total_seconds())
    ids = await seed(sessions, clock)
    Person(emulator, USER, "Ann")
    query = emulator.inline_query(USER, "jazz night")
    answer = await emulator.inline_answer(query)
    message = emulator.choose_inline_result(USER, query, answer["results"][0]["id"])
    assert "0/50 going" in message.text

    async def recorded() -> bool:
        async with sessions.begin() as session:
            return await session.scalar(select(EventPost.inline_message_id)) is not None

    await eventually(recorded)
    async with sessions.begin() as session:
        post = await session.scalar(select(EventPost))
    assert post is not None and post.event_id == ids["Jazz night"] and post.chat_id is None

    await register_customers(sessions, clock, ids["Jazz night"], range(1, 4))
    clock.advance(QUIET)
    stats = await refresh_now(bot.app)
    assert stats.edited == 1 and "3/50 going" in message.text
    assert message.urls  # the button stays

    # another sent result is another post; the same one delivered again is not
    query = emulator.inline_query(USER, "rock")
    answer = await emulator.inline_answer(query)
    emulator.choose_inline_result(USER, query, answer["results"][0]["id"])
    chosen = emulator.updates[-1]
    assert "chosen_inline_result" in chosen
    emulator.updates.append({**chosen, "update_id": chosen["update_id"] + 1})

    async def two() -> bool:
        async with sessions.begin() as session:
            return len((await session.scalars(select(EventPost.id))).all()) == 2

    await eventually(two)


async def test_an_inline_card_sent_after_the_start_is_redrawn_as_under_way(
    start_bot: BotFactory, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    bot = await start_bot(post_refresh_seconds=QUIET.total_seconds())
    ids = await seed(sessions, clock)
    Person(emulator, USER, "Ann")
    query = emulator.inline_query(USER, "jazz night")
    answer = await emulator.inline_answer(query)  # drawn before the start (Telegram caches it)
    async with sessions.begin() as session:
        starts = await session.scalar(select(Event.starts_at).where(Event.id == ids["Jazz night"]))
    assert starts is not None
    clock.advance(starts - clock.now())  # ... and sent once the concert has begun
    message = emulator.choose_inline_result(USER, query, answer["results"][0]["id"])

    async def recorded() -> bool:
        async with sessions.begin() as session:
            return await session.scalar(select(EventPost.inline_message_id)) is not None

    await eventually(recorded)
    clock.advance(QUIET)
    assert (await refresh_now(bot.app)).edited == 1
    assert "Started · 0 registered" in message.text, message.text
    clock.advance(QUIET)
    assert (await refresh_now(bot.app)).edited == 0  # and left alone after that
