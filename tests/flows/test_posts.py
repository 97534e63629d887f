"""Posting events where the community is: groups and channels the bot is in, live counts
that follow registrations (coalesced, only real changes), and chats that removed the bot."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy import select, update

from bot import ui
from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator, ChatMessage
from bot.post_refresh import refresh_now
from bot.services import accounts, waitlist
from bot.services.posts import STARTED_REDRAW_WINDOW
from bot.ui.callbacks import ManageAction, ManagerCard, PostTo
from db.models import BotChat, Event, EventPost, Role
from tests.conftest import BotFactory, RunningBot, Sessions
from tests.flows.helpers import manager_with_event, seat_customer
from tests.people import Person
from tests.services.factories import FAST_HASH

GROUP = -1001000000001
CHANNEL = -1001000000002
QUIET = timedelta(seconds=600)  # POST_REFRESH_SECONDS here: the job never fires by itself


async def eventually(check: Callable[[], Awaitable[bool]]) -> None:
    """Wait (up to 10 s) until ``check`` holds: for effects with no message to wait for."""
    for _ in range(200):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition never held")


async def event_id(sessions: Sessions, title: str = "Jazz night") -> int:
    async with sessions.begin() as session:
        found = await session.scalar(select(Event.id).where(Event.title == title))
    assert found is not None
    return found


async def chat_row(sessions: Sessions, chat_id: int) -> BotChat | None:
    async with sessions.begin() as session:
        return await session.get(BotChat, chat_id)


async def joined(sessions: Sessions, chat_id: int) -> None:
    async def member() -> bool:
        row = await chat_row(sessions, chat_id)
        return row is not None and row.left_at is None

    await eventually(member)


async def register_customers(
    sessions: Sessions, clock: ShiftableClock, event: int, names: range
) -> None:
    """Customers take seats through the booking service (each bumps the event's revision)."""
    for i in names:
        async with sessions.begin() as session:
            email, chat_id = f"guest{i}@example.com", 7000 + i
            await seat_customer(
                session, clock, event_id=event, name=f"Guest {i}", email=email, chat_id=chat_id
            )


async def recorded(sessions: Sessions, count: int) -> None:
    """Wait until the bot has recorded ``count`` posts (it does so right after sending)."""

    async def done() -> bool:
        async with sessions.begin() as session:
            rows = (await session.scalars(select(EventPost.id))).all()
        return len(rows) >= count

    await eventually(done)


def edits_of(emulator: BotAPIEmulator, message: ChatMessage) -> int:
    return sum(1 for e in emulator.events if e.kind == "edited" and e.message is message)


async def test_a_group_post_keeps_its_count_with_few_edits(
    start_bot: BotFactory, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    bot = await start_bot(post_refresh_seconds=QUIET.total_seconds())
    boss = await manager_with_event(emulator, clock, capacity=10)
    event = await event_id(sessions)
    emulator.add_bot_to_chat(GROUP, "Jazz fans", by=boss.user_id, kind="supergroup")
    await joined(sessions, GROUP)
    row = await chat_row(sessions, GROUP)
    assert row is not None and row.added_by == boss.user_id and row.type == "supergroup"

    boss.say(f"/post {event}", chat_id=GROUP)
    post = await boss.expect("0/10 going", chat_id=GROUP)
    await recorded(sessions, 1)
    assert "Jazz night" in post.text and "Main hall" in post.text
    assert post.urls == {"🎟 Register": f"https://t.me/EventBot_test_bot?start=ev_{event}"}
    assert len(emulator.chat(GROUP)) == 2  # the command and the post: no pointer, no chatter

    await register_customers(sessions, clock, event, range(1, 6))
    assert (await refresh_now(bot.app)).edited == 0  # drawn a moment ago: wait for quiet
    clock.advance(QUIET)
    stats = await refresh_now(bot.app)
    assert stats.edited == 1
    assert "5/10 going" in post.text and edits_of(emulator, post) == 1

    await register_customers(sessions, clock, event, range(6, 7))
    assert (await refresh_now(bot.app)).edited == 0
    clock.advance(QUIET)
    await refresh_now(bot.app)
    assert "6/10 going" in post.text and edits_of(emulator, post) == 2

    # a change the post doesn't show (a description edit bumps the revision too): no edit
    calls = emulator.calls["editMessageText"]
    async with sessions.begin() as session:
        await session.execute(
            update(Event).where(Event.id == event).values(revision=Event.revision + 1)
        )
    clock.advance(QUIET)
    stats = await refresh_now(bot.app)
    assert (stats.edited, stats.unchanged) == (0, 1)
    assert emulator.calls["editMessageText"] == calls
    assert (await refresh_now(bot.app)).unchanged == 0  # and it is up to date now

    # full, then people join the waitlist and leave it (through the service, which must
    # say the post changed), then cancelled
    await register_customers(sessions, clock, event, range(7, 11))
    waiting = []
    async with sessions.begin() as session:
        for i in (11, 12):
            user = await accounts.create_user(
                session,
                name=f"Guest {i}",
                email=f"guest{i}@example.com",
                password_hash=FAST_HASH,
                role=Role.CUSTOMER,
                now=clock.now(),
            )
            waiting.append(user)
    for user in waiting:
        async with sessions.begin() as session:
            await waitlist.join(
                session,
                user=user,
                event_id=event,
                chat_id=8000 + user.id,
                now=clock.now(),
                reminder_offsets=[],
            )
    clock.advance(QUIET)
    await refresh_now(bot.app)
    assert "Full · 2 waiting" in post.text
    async with sessions.begin() as session:
        await waitlist.leave(session, user=waiting[0], event_id=event)
    clock.advance(QUIET)
    await refresh_now(bot.app)
    assert "Full · 1 waiting" in post.text
    assert post.urls == {"🎟 Details": f"https://t.me/EventBot_test_bot?start=ev_{event}"}
    async with sessions.begin() as session:
        await session.execute(
            update(Event)
            .where(Event.id == event)
            .values(cancelled_at=clock.now(), revision=Event.revision + 1)
        )
    clock.advance(QUIET)
    await refresh_now(bot.app)
    assert "❌ Cancelled" in post.text and post.reply_markup is None


async def test_the_job_redraws_posts_by_itself(
    start_bot: BotFactory, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    await start_bot(post_refresh_seconds=0.2)
    boss = await manager_with_event(emulator, clock, capacity=10)
    event = await event_id(sessions)
    emulator.add_bot_to_chat(GROUP, "Jazz fans", by=boss.user_id)
    await joined(sessions, GROUP)
    boss.say(f"/post {event}", chat_id=GROUP)
    post = await boss.expect("0/10 going", chat_id=GROUP)
    await recorded(sessions, 1)
    await register_customers(sessions, clock, event, range(1, 4))
    await boss.expect("3/10 going", chat_id=GROUP)
    assert edits_of(emulator, post) <= 3


async def test_managers_pick_a_group_or_channel_and_a_removed_one_is_handled(
    start_bot: BotFactory, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    bot = await start_bot(post_refresh_seconds=QUIET.total_seconds())
    boss = await manager_with_event(emulator, clock, capacity=10)
    event = await event_id(sessions)
    emulator.add_bot_to_chat(GROUP, "Jazz fans", by=boss.user_id, kind="supergroup")
    emulator.add_bot_to_chat(CHANNEL, "City news", by=boss.user_id, kind="channel", admin=True)
    await joined(sessions, GROUP)
    await joined(sessions, CHANNEL)

    menu = await boss.ask("/post", "Which event do you want to post")
    boss.press(menu.labels[0])
    picker = await boss.expect("Where shall I post")
    assert picker.labels == ["📢 City news", "👥 Jazz fans", "« Event"]
    boss.press("📢 City news")
    channel_post = await boss.expect("0/10 going", chat_id=CHANNEL)
    await boss.expect("✅ Posted Jazz night in City news")
    await recorded(sessions, 1)

    # the manager's card button opens the same picker
    boss.press_data(picker, ManagerCard(event, ManageAction.POST).pack())
    await boss.expect("Where shall I post")

    # removed from the group: the update arrives, the group leaves the list
    emulator.remove_bot_from_chat(GROUP, by=boss.user_id)

    async def left() -> bool:
        row = await chat_row(sessions, GROUP)
        return row is not None and row.left_at is not None

    await eventually(left)
    refused = await boss.answer_to(boss.press_data(picker, PostTo(event, GROUP).pack()))
    assert "not in that group or channel any more" in str(refused["text"])
    assert not emulator.bot_messages(GROUP)

    # removed from the channel while the bot wasn't told: Telegram's 403 says so
    emulator.bot_status[CHANNEL] = "kicked"
    boss.press_data(picker, PostTo(event, CHANNEL).pack())
    await boss.expect("I couldn't post in City news")
    row = await chat_row(sessions, CHANNEL)
    assert row is not None and row.left_at is not None
    boss.press_data(picker, ManagerCard(event, ManageAction.POST).pack())
    await boss.expect("I'm not in any group or channel yet")
    # and its old post is no longer edited
    await register_customers(sessions, clock, event, range(1, 2))
    clock.advance(QUIET)
    await refresh_now(bot.app)
    assert "0/10 going" in channel_post.text
    async with sessions.begin() as session:
        gone = await session.scalar(select(EventPost.gone_at).where(EventPost.chat_id == CHANNEL))
    assert gone is not None


async def test_a_post_whose_chat_vanished_is_retired_on_its_403(
    start_bot: BotFactory, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    bot = await start_bot(post_refresh_seconds=QUIET.total_seconds())
    boss = await manager_with_event(emulator, clock, capacity=10)
    event = await event_id(sessions)
    emulator.add_bot_to_chat(GROUP, "Jazz fans", by=boss.user_id)
    await joined(sessions, GROUP)
    boss.say(f"/post {event}", chat_id=GROUP)
    await boss.expect("0/10 going", chat_id=GROUP)
    await recorded(sessions, 1)
    emulator.bot_status[GROUP] = "kicked"  # the my_chat_member update was never received
    await register_customers(sessions, clock, event, range(1, 2))
    clock.advance(QUIET)
    stats = await refresh_now(bot.app)
    assert (stats.edited, stats.gone) == (0, 1)
    row = await chat_row(sessions, GROUP)
    assert row is not None and row.left_at is not None
    await register_customers(sessions, clock, event, range(2, 3))
    clock.advance(QUIET)
    assert (await refresh_now(bot.app)).gone == 0  # never tried again


async def test_a_bare_post_in_a_group_sends_the_manager_a_private_list(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await manager_with_event(emulator, clock, capacity=10)
    emulator.add_group(GROUP, "Old group")  # the bot was in it before chats were tracked
    boss.say("/post", chat_id=GROUP)
    choice = await boss.expect("Which event shall I post in Old group?")
    await boss.expect("I sent you the list", chat_id=GROUP)
    boss.press(choice.labels[0])
    await boss.expect("0/10 going", chat_id=GROUP)
    await boss.expect("✅ Posted Jazz night in Old group")
    boss.say("/post soon", chat_id=GROUP)
    await boss.expect("/post followed by its number", chat_id=GROUP)


async def test_customers_and_strangers_cannot_post_in_a_group(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await manager_with_event(emulator, clock, capacity=10)
    event = await event_id(sessions)
    emulator.add_bot_to_chat(GROUP, "Jazz fans", by=boss.user_id)
    ann = Person(emulator, 1001, "Ann")
    await ann.sign_up("ann@example.com", "customer-secret")
    stranger = Person(emulator, 1002, "Stranger")
    for person in (ann, stranger):
        person.say(f"/post {event}", chat_id=GROUP)
        reply = await person.expect("", chat_id=GROUP)
        assert reply.text in {ui.common.managers_only(), ui.common.login_first()}
    assert all("going" not in m.text for m in emulator.bot_messages(GROUP))
    async with sessions.begin() as session:
        assert await session.scalar(select(EventPost.id)) is None


async def test_a_429_on_a_redraw_is_waited_out_and_the_post_is_edited_once(
    start_bot: BotFactory, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    bot = await start_bot(post_refresh_seconds=QUIET.total_seconds())
    boss = await manager_with_event(emulator, clock, capacity=10)
    event = await event_id(sessions)
    emulator.add_bot_to_chat(GROUP, "Jazz fans", by=boss.user_id)
    await joined(sessions, GROUP)
    boss.say(f"/post {event}", chat_id=GROUP)
    post = await boss.expect("0/10 going", chat_id=GROUP)
    await recorded(sessions, 1)
    await register_customers(sessions, clock, event, range(1, 3))
    emulator.inject_fault("editMessageText", status=429, retry_after=1)
    calls = emulator.calls["editMessageText"]
    clock.advance(QUIET)
    stats = await refresh_now(bot.app)
    assert stats.edited == 1 and "2/10 going" in post.text
    assert emulator.calls["editMessageText"] == calls + 2  # the refused call, then the edit
    assert edits_of(emulator, post) == 1


async def posted_soon(
    emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> tuple[int, ChatMessage]:
    """A manager's event of 10 seats starting in 2 hours, posted in GROUP: its id and post."""
    boss = await manager_with_event(emulator, clock, capacity=10, starts_in=timedelta(hours=2))
    event = await event_id(sessions)
    emulator.add_bot_to_chat(GROUP, "Jazz fans", by=boss.user_id, kind="supergroup")
    await joined(sessions, GROUP)
    boss.say(f"/post {event}", chat_id=GROUP)
    post = await boss.expect("0/10 going", chat_id=GROUP)
    await recorded(sessions, 1)
    return event, post


async def test_a_post_says_when_its_event_is_under_way_with_one_edit(
    start_bot: BotFactory, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    bot = await start_bot(post_refresh_seconds=QUIET.total_seconds())
    event, post = await posted_soon(emulator, clock, sessions)
    await register_customers(sessions, clock, event, range(1, 4))
    clock.advance(QUIET)
    await refresh_now(bot.app)
    assert "3/10 going" in post.text and edits_of(emulator, post) == 1

    clock.advance(timedelta(hours=2))  # the concert starts: nothing about it changed
    assert (await refresh_now(bot.app)).edited == 1
    assert "🎟 Started · 3 registered" in post.text
    assert post.urls == {"🎟 Details": f"https://t.me/EventBot_test_bot?start=ev_{event}"}
    clock.advance(QUIET)
    stats = await refresh_now(bot.app)  # drawn as it is now: not picked up again
    assert (stats.edited, stats.unchanged) == (0, 0) and edits_of(emulator, post) == 2


async def test_posts_of_events_long_over_are_left_alone(
    start_bot: BotFactory, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    bot = await start_bot(post_refresh_seconds=QUIET.total_seconds())
    _event, post = await posted_soon(emulator, clock, sessions)
    # the bot was down from before the start until a day after it: last year's posts (and
    # this one) are not all edited at once when it comes back
    clock.advance(timedelta(hours=2) + STARTED_REDRAW_WINDOW + timedelta(minutes=1))
    assert (await refresh_now(bot.app)).edited == 0
    assert "0/10 going" in post.text and edits_of(emulator, post) == 0
