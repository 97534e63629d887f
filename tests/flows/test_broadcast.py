"""*Message attendees*: the manager writes a message, sees it as attendees will, and sends it
to everyone registered, exactly once each, watching one status message count up to the result.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from bot import ui
from bot.broadcast_status import PROGRESS_EVERY
from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator, ChatEvent, ChatMessage
from bot.services import accounts, booking, broadcasts
from bot.ui import broadcast as ui_broadcast
from bot.ui.callbacks import BroadcastAction, BroadcastConfirm, ManageAction, ManagerCard
from db.models import (
    Broadcast,
    DeliveryStatus,
    Event,
    FormState,
    OutboxKind,
    OutboxMessage,
    Role,
    User,
)
from tests.conftest import BotFactory, RunningBot, Sessions
from tests.flows.helpers import manager_with_event
from tests.flows.processes import (
    assert_once_after_a_kill,
    kill_hard,
    outbox_states,
    seed_people,
    spawn_bot,
    stop,
)
from tests.people import Person
from tests.services.factories import make_user

FIRST_ATTENDEE = 20_000
TEXT = "Doors open at 19:00.\nBring your ticket & a <friend>!"


async def event_id_of(sessions: Sessions, title: str = "Jazz night") -> int:
    async with sessions.begin() as session:
        found = await session.scalar(select(Event.id).where(Event.title == title))
    assert found is not None
    return found


async def seat(
    sessions: Sessions,
    emulator: BotAPIEmulator,
    event_id: int,
    count: int,
    *,
    reminder: bool = False,
) -> list[int]:
    """``count`` customers logged in from their own chats, registered for the event (with a
    reminder due now when ``reminder``); their chat ids."""
    now = datetime.now(UTC)
    chats = list(range(FIRST_ATTENDEE, FIRST_ATTENDEE + count))
    for chat_id in chats:
        user = await make_user(sessions, f"a{chat_id}@example.com", now=now)
        emulator.add_user(chat_id, f"A{chat_id}")
        async with sessions.begin() as session:
            await accounts.start_session(
                session, telegram_user_id=chat_id, chat_id=chat_id, user=user, now=now,
                ttl=timedelta(days=1),
            )  # fmt: skip
            registered_at = now - timedelta(days=2) if reminder else now
            await booking.register(
                session, user=user, event_id=event_id, chat_id=chat_id, now=registered_at,
                reminder_offsets=(timedelta(hours=24),) if reminder else (),
            )  # fmt: skip
    return chats


def manager_card(emulator: BotAPIEmulator, boss: Person) -> ChatMessage:
    """The manager's card of an event (drawn by another screen; here, a message to press on)."""
    return emulator.post_as_bot(boss.chat_id, "Jazz night (manager's card)")


async def open_preview(
    emulator: BotAPIEmulator, boss: Person, event_id: int, text: str = TEXT
) -> ChatMessage:
    """Press *Message attendees*, type ``text``; the preview."""
    boss.press_data(
        manager_card(emulator, boss), ManagerCard(event_id, ManageAction.MESSAGE).pack()
    )
    await boss.expect("Message to the attendees of Jazz night")
    return await boss.ask(text, "Preview: this is what")


def received(emulator: BotAPIEmulator, chats: list[int]) -> Counter[int]:
    """How many broadcast messages each chat got."""
    return Counter(
        chat for chat in chats for m in emulator.bot_messages(chat) if m.text.startswith("📣")
    )


async def rows(sessions: Sessions) -> list[tuple[int, DeliveryStatus, int]]:
    async with sessions.begin() as session:
        result = await session.execute(
            select(OutboxMessage.chat_id, OutboxMessage.status, OutboxMessage.attempts).where(
                OutboxMessage.kind == OutboxKind.BROADCAST
            )
        )
        return [(chat, status, attempts) for chat, status, attempts in result]


async def count(sessions: Sessions, model: type) -> int:
    async with sessions.begin() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_the_preview_shows_the_message_and_the_count_and_cancel_sends_nothing(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await manager_with_event(emulator, clock, capacity=10)
    event_id = await event_id_of(sessions)
    chats = await seat(sessions, emulator, event_id, 3)
    preview = await open_preview(emulator, boss, event_id)
    attendee_sees = ui_broadcast.message("Jazz night", TEXT)
    assert "Preview: this is what 3 people will get." in preview.text
    assert preview.html is not None and preview.html.endswith(attendee_sees)
    assert "Doors open at 19:00.\nBring your ticket & a <friend>!" in preview.text  # lines kept
    assert preview.labels == ["📣 Send to 3 people", "✖ Cancel"]
    boss.press("✖ Cancel")
    await boss.expect("Not sent. Nobody got the message.")
    await asyncio.sleep(1)  # the dispatcher polls every 0.2 s: anything sent would be here
    assert received(emulator, chats) == Counter()
    assert await count(sessions, Broadcast) == 0 and await rows(sessions) == []
    assert await count(sessions, FormState) == 0


async def test_send_reaches_every_attendee_exactly_once_and_a_second_press_does_nothing(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await manager_with_event(emulator, clock, capacity=10)
    event_id = await event_id_of(sessions)
    chats = await seat(sessions, emulator, event_id, 5)
    preview = await open_preview(emulator, boss, event_id)
    send = dict(pair for row in preview.buttons for pair in row)["📣 Send to 5 people"]
    first = boss.press_data(preview, send)
    second = boss.press_data(preview, send)  # a double tap
    await boss.expect("Jazz night: sent to 5 of 5 people.")
    assert (await boss.answer_to(second))["text"] == ui.common.stale_button(manager=True)
    assert (await boss.answer_to(first))["text"] is None
    status = emulator.find_message(boss.chat_id, preview.message_id)
    assert status is not None and status.text == "📣 Jazz night: sent to 5 of 5 people."
    assert status.labels == ["« Event"]  # the preview became the status message
    await asyncio.sleep(1)
    assert received(emulator, chats) == Counter({chat: 1 for chat in chats})
    for chat in chats:
        (message,) = emulator.bot_messages(chat)
        assert message.html == ui_broadcast.message("Jazz night", TEXT)
    assert await count(sessions, Broadcast) == 1
    assert sorted(await rows(sessions)) == [(c, DeliveryStatus.SENT, 1) for c in chats]


async def test_hidden_characters_and_messages_too_long_are_refused(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await manager_with_event(emulator, clock, capacity=10)
    event_id = await event_id_of(sessions)
    await seat(sessions, emulator, event_id, 1)
    boss.press_data(
        manager_card(emulator, boss), ManagerCard(event_id, ManageAction.MESSAGE).pack()
    )
    await boss.expect("Message to the attendees of Jazz night (1 person registered)")
    refused = await boss.ask("Meet at gate \u202e3", "invisible or control character (U+202E)")
    assert "Send the text" in refused.text  # and the question again
    too_long = "🎷" * (broadcasts.MAX_MESSAGE_UNITS // 2 + 1)
    await boss.ask(too_long, "The message is 3,502 characters long; one Telegram message holds")
    longest = "🎷" * (broadcasts.MAX_MESSAGE_UNITS // 2)
    preview = await boss.ask(longest, "Preview: this is what 1 person will get.")
    assert longest in preview.text
    assert await count(sessions, Broadcast) == 0


async def test_an_event_nobody_registered_for_says_so(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await manager_with_event(emulator, clock, capacity=10)
    event_id = await event_id_of(sessions)
    boss.press_data(
        manager_card(emulator, boss), ManagerCard(event_id, ManageAction.MESSAGE).pack()
    )
    await boss.expect("Nobody is registered for Jazz night yet, so there is nobody to message.")
    assert await count(sessions, FormState) == 0
    await boss.ask("/me", "Role: Manager")  # no form was opened: commands work as before
    # in a group, where forms can't read answers, the manager is pointed to the private chat
    emulator.add_group(-500, "Fans")
    in_group = emulator.post_as_bot(-500, "Jazz night")
    data = ManagerCard(event_id, ManageAction.MESSAGE).pack()
    answer = await boss.answer_to(emulator.press(boss.user_id, in_group, data))
    assert answer["text"] == ui_broadcast.private_chat_only() and answer["show_alert"]
    assert await count(sessions, FormState) == 0


async def test_blocked_users_are_reported_and_not_retried(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await manager_with_event(emulator, clock, capacity=10)
    event_id = await event_id_of(sessions)
    chats = await seat(sessions, emulator, event_id, 4)
    emulator.block(chats[0])
    emulator.block(chats[1])
    await open_preview(emulator, boss, event_id)
    boss.press("📣 Send to 4 people")
    result = await boss.expect("sent to 2 of 4 people.")
    assert result.text == (
        "📣 Jazz night: sent to 2 of 4 people.\n2 couldn't be reached: they blocked the bot."
    )
    await asyncio.sleep(1)  # a retry would come now
    assert received(emulator, chats) == Counter({chats[2]: 1, chats[3]: 1})
    statuses = {chat: (status, attempts) for chat, status, attempts in await rows(sessions)}
    assert statuses[chats[0]] == statuses[chats[1]] == (DeliveryStatus.SKIPPED, 1)


async def test_flood_control_is_waited_out_and_nobody_gets_it_twice(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await manager_with_event(emulator, clock, capacity=10)
    event_id = await event_id_of(sessions)
    chats = await seat(sessions, emulator, event_id, 6)
    await open_preview(emulator, boss, event_id)
    sends_before = emulator.calls["sendMessage"]
    emulator.inject_fault("sendMessage", status=429, retry_after=1, times=3)
    boss.press("📣 Send to 6 people")
    await boss.expect("Jazz night: sent to 6 of 6 people.")
    await asyncio.sleep(1)
    assert received(emulator, chats) == Counter({chat: 1 for chat in chats})
    assert emulator.calls["sendMessage"] - sends_before == 6 + 3  # the refused ones, again


async def test_progress_is_edited_every_few_seconds_and_only_when_it_changes(
    start_bot: BotFactory, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    await start_bot(send_rate_limit=5)  # 30 messages take six seconds
    boss = await manager_with_event(emulator, clock, capacity=40)
    event_id = await event_id_of(sessions)
    chats = await seat(sessions, emulator, event_id, 30)
    preview = await open_preview(emulator, boss, event_id)
    shown: list[tuple[float, str]] = []
    buttons: list[list[str]] = []

    def watch(event: ChatEvent) -> None:
        if event.message.chat_id == boss.chat_id and event.message.message_id == preview.message_id:
            shown.append((event.at, event.message.text))
            buttons.append(event.message.labels)

    emulator.event_listeners.append(watch)
    edits_before = emulator.calls["editMessageText"]
    boss.press("📣 Send to 30 people")
    await boss.expect("Jazz night: sent to 30 of 30 people.")
    texts = [text for _, text in shown]
    assert texts[0].startswith("📣 Jazz night: sending to 30 people… sent ")
    assert texts[-1] == "📣 Jazz night: sent to 30 of 30 people."
    middle = [t for t in texts[1:-1] if "sending to 30 people… sent " in t]
    assert middle, texts  # at least one count on the way
    assert all(a != b for a, b in itertools.pairwise(texts))  # each edit changed it
    assert buttons == [["« Event"]] * len(shown)  # the way back to the card survives each edit
    # every editMessageText call succeeded: none was refused as "message is not modified"
    assert emulator.calls["editMessageText"] - edits_before == len(shown)
    progress_times = [at for at, text in shown[:-1]]
    gaps = [b - a for a, b in itertools.pairwise(progress_times)]
    assert all(gap >= PROGRESS_EVERY.total_seconds() - 1 for gap in gaps), gaps
    assert received(emulator, chats) == Counter({chat: 1 for chat in chats})


async def test_a_reminder_due_with_a_broadcast_goes_first_and_a_second_apart(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await manager_with_event(emulator, clock, capacity=10, starts_in=timedelta(hours=23))
    event_id = await event_id_of(sessions)
    now = clock.now()
    people = [await make_user(sessions, f"r{i}@example.com", now=now) for i in range(3)]
    chats = [FIRST_ATTENDEE + i for i in range(3)]
    status = emulator.post_as_bot(boss.chat_id, "preview")
    # one transaction: the dispatcher finds each person's 24-hour reminder (due an hour ago)
    # and the broadcast (older still) pending together
    async with sessions.begin() as session:
        for user, chat_id in zip(people, chats, strict=True):
            emulator.add_user(chat_id, f"R{chat_id}")
            await accounts.start_session(
                session,
                telegram_user_id=chat_id,
                chat_id=chat_id,
                user=user,
                now=now,
                ttl=timedelta(days=1),
            )
            await booking.register(
                session,
                user=user,
                event_id=event_id,
                chat_id=chat_id,
                now=now - timedelta(days=2),
                reminder_offsets=(timedelta(hours=24),),
            )
        manager = await accounts.current_user(session, telegram_user_id=boss.user_id, now=now)
        assert manager is not None
        await broadcasts.start_broadcast(
            session, event_id=event_id, author_id=manager.id, text="Parking is free tonight.",
            status_chat_id=boss.chat_id, status_message_id=status.message_id,
            now=now - timedelta(hours=2),
        )  # fmt: skip
    await boss.expect("sent to 3 of 3 people.")
    for chat in chats:
        sent = [e for e in emulator.events if e.message.chat_id == chat and e.kind == "sent"]
        assert [e.message.text[:2] for e in sent] == ["⏰ ", "📣 "]  # the reminder first
        assert sent[1].at - sent[0].at >= 0.95  # and one message a second to a chat


async def test_customers_and_strangers_cannot_message_attendees(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await manager_with_event(emulator, clock, capacity=10)
    event_id = await event_id_of(sessions)
    chats = await seat(sessions, emulator, event_id, 2)
    customer = Person(emulator, chats[0], "A20000")  # logged in as a customer
    stranger = Person(emulator, 1002, "Stranger")
    forged = [
        ManagerCard(event_id, ManageAction.MESSAGE).pack(),
        BroadcastConfirm(BroadcastAction.SEND).pack(),
    ]
    for person in (customer, stranger):
        message = emulator.post_as_bot(person.chat_id, "anything")
        for data in forged:
            answer = await person.answer_to(person.press_data(message, data))
            refusals = {ui.common.managers_only(), ui.common.login_first()}
            assert answer["show_alert"] and answer["text"] in refusals, answer
    # a manager who is no longer one when pressing Send (the role is checked again) can't
    preview = await open_preview(emulator, boss, event_id)
    async with sessions.begin() as session:
        await session.execute(
            update(User).where(User.email == "boss@example.com").values(role=Role.CUSTOMER)
        )
    answer = await boss.answer_to(boss.press("📣 Send to 2 people", preview))
    assert answer["show_alert"] and answer["text"] == ui.common.managers_only()
    await asyncio.sleep(1)
    assert await count(sessions, Broadcast) == 0
    assert received(emulator, chats) == Counter()


async def test_a_restart_mid_delivery_sends_the_rest_exactly_once(
    start_bot: BotFactory, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    first = await start_bot(send_rate_limit=20)
    boss = await manager_with_event(emulator, clock, capacity=100)
    event_id = await event_id_of(sessions)
    chats = await seat(sessions, emulator, event_id, 60)
    await open_preview(emulator, boss, event_id)
    boss.press("📣 Send to 60 people")
    await emulator.wait_until(lambda: sum(received(emulator, chats).values()) >= 10, 30)
    await first.__aexit__(None, None, None)
    assert sum(received(emulator, chats).values()) < 60, "stopped too late to test anything"
    await start_bot(send_rate_limit=20)
    await boss.expect("Jazz night: sent to 60 of 60 people.")
    await asyncio.sleep(1)
    assert received(emulator, chats) == Counter({chat: 1 for chat in chats})


async def test_kill_during_a_broadcast_then_restart(
    emulator: BotAPIEmulator, sessions: Sessions, database_url: str
) -> None:
    people = 500
    event_id, chats = await seed_people(sessions, emulator, people)
    now = datetime.now(UTC)
    boss = await make_user(sessions, "organiser@example.com", role=Role.MANAGER, now=now)
    emulator.add_user(9000, "Boss")
    status = emulator.post_as_bot(9000, "preview")
    async with sessions.begin() as session:
        for chat_id in chats:
            user = await accounts.current_user(session, telegram_user_id=chat_id, now=now)
            assert user is not None
            await booking.register(
                session, user=user, event_id=event_id, chat_id=chat_id, now=now,
                reminder_offsets=(),
            )  # fmt: skip
        await broadcasts.start_broadcast(
            session, event_id=event_id, author_id=boss.id, text="See you soon!",
            status_chat_id=9000, status_message_id=status.message_id, now=now,
        )  # fmt: skip

    first = await spawn_bot(database_url, emulator, SEND_RATE_LIMIT="150")
    await emulator.wait_until(lambda: sum(received(emulator, chats).values()) >= people // 4, 60)
    await kill_hard(first)
    at_kill = sum(received(emulator, chats).values())
    assert at_kill < people, "the kill came too late to test anything"
    shown_at_kill = status.text
    assert shown_at_kill.startswith("📣 Jazz night: sending to 500 people… sent ")

    second = await spawn_bot(database_url, emulator, SEND_RATE_LIMIT="150")
    await emulator.wait_until(lambda: "sent to 500 of 500 people" in status.text, 60)
    await asyncio.sleep(1)  # anything doubled would arrive now
    stderr = await stop(second, emulator)
    assert "Traceback" not in stderr, stderr

    counts = received(emulator, chats)
    in_flight = assert_once_after_a_kill(
        chats, counts, await outbox_states(sessions, OutboxKind.BROADCAST)
    )
    lost = set(chats) - set(counts)
    assert status.text == "📣 Jazz night: sent to 500 of 500 people."  # the same message, edited
    async with sessions.begin() as session:
        finished = await session.scalar(select(Broadcast.finished_at))
    assert finished is not None
    print(f"\nkilled after {at_kill}/{people}; in flight {len(in_flight)}, lost {len(lost)}")
