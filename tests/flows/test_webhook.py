"""Webhook mode: only requests with the secret count, each update is answered 2xx once it is
handled, a repeated delivery changes nothing, and /healthz tells a load balancer the truth."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.app import build_application, start_webhook, stop_webhook
from bot.clock import ShiftableClock
from bot.context import EventBotApp
from bot.emulator import BotAPIEmulator
from bot.transport.webhook import SECRET_HEADER, WebhookServer
from db.models import InboxUpdate, Registration
from tests.conftest import Sessions, make_settings
from tests.flows.helpers import manager_with_event
from tests.people import Person

SECRET = "s3cret_webhook-token"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def webhook_bot(
    database_url: str, emulator: BotAPIEmulator, clock: ShiftableClock
) -> AsyncIterator[tuple[EventBotApp, WebhookServer]]:
    port = free_port()
    settings = make_settings(
        database_url,
        emulator.url,
        webhook_url=f"http://127.0.0.1:{port}/telegram/hook",
        webhook_secret=SECRET,
        webhook_port=port,
    )
    app = build_application(settings, clock=clock)
    server = await start_webhook(app)
    yield app, server
    await stop_webhook(app, server)


def hook_url(server: WebhookServer) -> str:
    return f"http://127.0.0.1:{server.bound_port}{server.path}"


async def test_a_whole_flow_runs_over_the_webhook(
    webhook_bot: tuple[EventBotApp, WebhookServer],
    emulator: BotAPIEmulator,
    clock: ShiftableClock,
    sessions: Sessions,
) -> None:
    _, server = webhook_bot
    assert emulator.webhook is not None and emulator.webhook["url"] == hook_url(server)
    await manager_with_event(emulator, clock, capacity=5)
    ann = Person(emulator, 1001, "Ann")
    await ann.sign_up("ann@example.com", "customer-secret")
    listing = await ann.ask("/events", "Upcoming events")
    ann.press(listing.labels[0])
    card = await ann.expect("📍 Main hall")
    press = ann.press("✅ Register", card)
    await ann.expect("You're registered for Jazz night")
    assert {status for _, _, status in emulator.webhook_deliveries} == {200}
    assert [a["id"] for a in emulator.callback_answers].count(press) == 1
    async with sessions.begin() as session:
        assert await session.scalar(select(func.count()).select_from(Registration)) == 1


async def test_requests_without_the_secret_get_403_and_change_nothing(
    webhook_bot: tuple[EventBotApp, WebhookServer], emulator: BotAPIEmulator, sessions: Sessions
) -> None:
    _, server = webhook_bot
    emulator.add_user(1001, "Ann")
    update: dict[str, Any] = {
        "update_id": 990001,
        "message": {
            "message_id": 1,
            "date": 1,
            "chat": {"id": 1001, "type": "private"},
            "from": {"id": 1001, "is_bot": False, "first_name": "Ann"},
            "text": "/signup",
            "entities": [{"type": "bot_command", "offset": 0, "length": 7}],
        },
    }
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET + "x"}):
            async with http.post(hook_url(server), json=update, headers=headers) as response:
                assert response.status == 403
        async with http.post(
            hook_url(server), data=b"{not json", headers={SECRET_HEADER: SECRET}
        ) as response:
            assert response.status == 400
    async with sessions.begin() as session:
        assert await session.scalar(select(func.count()).select_from(InboxUpdate)) == 0
    assert emulator.bot_messages(1001) == []


async def test_a_repeated_delivery_is_acknowledged_and_changes_nothing(
    webhook_bot: tuple[EventBotApp, WebhookServer],
    emulator: BotAPIEmulator,
    clock: ShiftableClock,
    sessions: Sessions,
) -> None:
    await manager_with_event(emulator, clock, capacity=5)
    ann = Person(emulator, 1001, "Ann")
    await ann.sign_up("ann@example.com", "customer-secret")
    listing = await ann.ask("/events", "Upcoming events")
    ann.press(listing.labels[0])
    card = await ann.expect("📍 Main hall")
    emulator.webhook_repeat.add(emulator.next_update_id())  # its acknowledgement gets lost
    press = ann.press("✅ Register", card)
    await ann.expect("You're registered for Jazz night")
    await emulator.wait_until(
        lambda: [d[0] for d in emulator.webhook_deliveries].count(emulator.last_update_id()) == 2
    )
    await ann.ask("/me", "ann@example.com")
    assert [a["id"] for a in emulator.callback_answers].count(press) == 1
    async with sessions.begin() as session:
        assert await session.scalar(select(func.count()).select_from(Registration)) == 1


async def test_healthz_answers_while_the_database_does(
    webhook_bot: tuple[EventBotApp, WebhookServer],
) -> None:
    _, server = webhook_bot
    url = f"http://127.0.0.1:{server.bound_port}/healthz"
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        assert response.status == 200
        assert await response.text() == "ok"
