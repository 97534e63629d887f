"""Every screen reached from the organiser's card leads back to it: the broadcast's status
message (through all its progress edits; the card comes below it, so it stays readable), the
"not sent" after Cancel at the preview, the
📌 Post to a chat picker (also when the bot is in no chat yet) and what follows a pick."""

from __future__ import annotations

from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator, ChatMessage
from db.models import FormState
from tests.conftest import RunningBot, Sessions
from tests.flows.helpers import manager_with_event
from tests.flows.test_broadcast import count, event_id_of, open_preview, received, seat
from tests.flows.test_posts import GROUP, joined
from tests.people import Person


async def card_of(boss: Person) -> ChatMessage:
    """/manage, then the first event: its organiser's card."""
    picker = await boss.ask("/manage", "Which event?")
    boss.press(picker.labels[0])
    return await boss.expect("🎟 Registered")


async def back_to_the_card(boss: Person, message: ChatMessage) -> None:
    """Press « Event under ``message``: the organiser's card, with its buttons."""
    assert message.labels[-1] == "« Event"
    boss.press("« Event", message)
    card = await boss.expect("🎟 Registered")
    assert "📣 Message attendees" in card.labels


async def test_cancel_at_the_preview_leads_back_to_the_card(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await manager_with_event(emulator, clock, capacity=10)
    event_id = await event_id_of(sessions)
    chats = await seat(sessions, emulator, event_id, 2)
    preview = await open_preview(emulator, boss, event_id)
    boss.press("✖ Cancel", preview)
    not_sent = await boss.expect("Not sent. Nobody got the message.")
    assert not_sent.message_id == preview.message_id and not_sent.labels == ["« Event"]
    await back_to_the_card(boss, not_sent)
    assert received(emulator, chats).total() == 0 and await count(sessions, FormState) == 0


async def test_the_status_of_a_sent_message_leads_back_to_the_card(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await manager_with_event(emulator, clock, capacity=10)
    event_id = await event_id_of(sessions)
    await seat(sessions, emulator, event_id, 3)
    preview = await open_preview(emulator, boss, event_id)
    boss.press("📣 Send to 3 people", preview)
    status = await boss.expect("Jazz night: sent to 3 of 3 people.")
    assert status.message_id == preview.message_id and status.labels == ["« Event"]
    boss.press("« Event", status)
    card = await boss.expect("🎟 Registered 3/10")
    assert "📣 Message attendees" in card.labels
    # the card comes below: the status (still edited while sending) keeps its result
    assert card.message_id != status.message_id
    assert status.text == "📣 Jazz night: sent to 3 of 3 people." and status.labels == ["« Event"]


async def test_the_post_picker_and_its_result_lead_back_to_the_card(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await manager_with_event(emulator, clock, capacity=10)
    # in no group yet: the picker says so, and still leads back
    boss.press("📌 Post to a chat", await card_of(boss))
    nowhere = await boss.expect("I'm not in any group or channel yet")
    assert nowhere.labels == ["« Event"]
    await back_to_the_card(boss, nowhere)

    emulator.add_bot_to_chat(GROUP, "Jazz fans", by=boss.user_id, kind="supergroup")
    await joined(sessions, GROUP)
    boss.press("📌 Post to a chat", await card_of(boss))
    picker = await boss.expect("Where shall I post")
    assert picker.labels == ["👥 Jazz fans", "« Event"]
    await back_to_the_card(boss, picker)

    boss.press("📌 Post to a chat", await card_of(boss))
    boss.press("👥 Jazz fans", await boss.expect("Where shall I post"))
    await boss.expect("0/10 going", chat_id=GROUP)
    posted = await boss.expect("✅ Posted Jazz night in Jazz fans")
    await back_to_the_card(boss, posted)
