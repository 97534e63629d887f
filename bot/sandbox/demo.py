"""Demo data for `eventbot sandbox --demo`: a manager, two customers, a week or two of events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.context import Deps
from bot.sandbox.people import telegram_id_for
from bot.services import accounts, events
from db.models import Role, User


@dataclass(frozen=True)
class DemoAccount:
    """A seeded account and the sandbox name that is logged in as it."""

    sandbox_name: str
    name: str
    email: str
    password: str
    role: Role


DEMO_GROUP = -1001234567890  # "Jazz fans": the bot is a member, so events can be posted there
DEMO_ACCOUNTS = (
    DemoAccount("maya", "Maya", "maya@example.com", "maya-manager", Role.MANAGER),
    DemoAccount("alice", "Alice", "alice@example.com", "alice-pass", Role.CUSTOMER),
    DemoAccount("bob", "Bob", "bob@example.com", "bob-pass", Role.CUSTOMER),
)

# (title, days from today, local start, location, capacity, description)
DEMO_EVENTS = (
    ("Board game night", 1, time(19, 0), "Café Meeple", 16,
     "Bring a friend or meet new ones: 60+ games, snacks included."),
    ("Jazz night", 2, time(19, 30), "Blue Note Club", 40,
     "The Marta Ruiz Trio plays standards and originals. Doors open at 19:00."),
    ("Python meetup", 4, time(18, 30), "Hackerspace, Room 2", 25,
     "Two talks (async Python, packaging), then pizza and chat."),
    ("Sunrise yoga", 6, time(7, 0), "City park, east lawn", 12,
     "One hour of gentle yoga for all levels. Bring a mat."),
    ("Startup pitch evening", 9, time(19, 0), "Innovation Hub", 80,
     "Eight founders, five minutes each, questions from the floor."),
    ("Wine tasting for two", 12, time(20, 0), "Vinoteca Sol", 2,
     "A private tasting of six natural wines. Only two seats!"),
)  # fmt: skip


async def seed_demo(deps: Deps, *, now: datetime) -> bool:
    """Create the demo accounts, log their sandbox people in, add events. False if already there."""
    db, settings = deps.db, deps.settings
    async with db.read() as session:
        if await accounts.email_taken(session, email=DEMO_ACCOUNTS[0].email):
            return False
    hashes = [await deps.passwords.hash(a.password) for a in DEMO_ACCOUNTS]
    async with db.write() as session:
        users: list[User] = []
        for account, password_hash in zip(DEMO_ACCOUNTS, hashes, strict=True):
            user = await accounts.create_user(
                session,
                name=account.name,
                email=account.email,
                password_hash=password_hash,
                role=account.role,
                now=now,
            )
            telegram_id = telegram_id_for(account.sandbox_name)
            await accounts.start_session(
                session,
                telegram_user_id=telegram_id,
                chat_id=telegram_id,
                user=user,
                now=now,
                ttl=settings.session_ttl,
                telegram_name=f"{account.name} (sandbox)",
            )
            users.append(user)
        manager = users[0]
        tz = ZoneInfo(settings.timezone)
        today = now.astimezone(tz).date()
        for title, days, at, location, capacity, description in DEMO_EVENTS:
            starts_at = datetime.combine(today + timedelta(days=days), at, tzinfo=tz)
            draft = events.EventDraft(
                title=title,
                description=description,
                location=location,
                starts_at=starts_at.astimezone(now.tzinfo),
                capacity=capacity,
            )
            await events.create_event(session, manager=manager, draft=draft, now=now)
    return True
