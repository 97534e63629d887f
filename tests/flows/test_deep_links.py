"""Deep links: ``https://t.me/<bot>?start=ev_<id>`` opens the event's card in the private chat;
the card's 🔗 Share button carries that link."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from sqlalchemy import select

from bot import ui
from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator
from bot.ui import posts as post_ui
from db.models import Event
from tests.conftest import RunningBot, Sessions
from tests.flows.helpers import manager_with_event
from tests.people import Person


async def test_a_link_opens_the_card_for_anyone_and_the_card_shares_it(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    await manager_with_event(emulator, clock, capacity=3)
    async with sessions.begin() as session:
        event = await session.scalar(select(Event.id).where(Event.title == "Jazz night"))
    link = f"https://t.me/EventBot_test_bot?start=ev_{event}"

    stranger = Person(emulator, 1002, "Stranger")
    card = await stranger.ask(f"/start ev_{event}", "📍 Main hall")
    assert "Jazz night" in card.text and "3 seats left" in card.text
    assert card.labels == ["✅ Register", "🔗 Share", "« All events"]
    share = urlparse(card.urls["🔗 Share"])
    assert (share.netloc, share.path) == ("t.me", "/share/url")
    assert parse_qs(share.query) == {"url": [link], "text": ["Jazz night"]}
    stranger.press("✅ Register")
    await stranger.expect("To register for Jazz night, log in")

    ann = Person(emulator, 1001, "Ann")
    await ann.sign_up("ann@example.com", "customer-secret")
    await ann.ask(f"/start ev_{event}", "3 seats left")
    ann.press("✅ Register")
    await ann.expect("You're registered for Jazz night")


async def test_bad_and_unknown_links_are_answered_politely(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock
) -> None:
    ann = Person(emulator, 1001, "Ann")
    for payload in ("ev_", "ev_abc", "ev_0", "ev_-5", "ev_1x", "ev_" + "9" * 40, "ev_١٢"):
        reply = await ann.ask(f"/start {payload}", "")
        assert reply.text == post_ui.bad_event_link(), payload
    reply = await ann.ask("/start ev_424242", "")
    assert reply.text == "That event doesn't exist (any more)."
    greeting = await ann.ask("/start hi", "Welcome to EventBot")  # the group pointer's link
    assert greeting.text == ui.common.welcome(None).replace("<b>", "").replace("</b>", "")
