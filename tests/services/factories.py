"""Rows for service tests, made through the services themselves."""

from __future__ import annotations

from datetime import datetime, timedelta

import bcrypt

from bot.services import accounts, events
from db.models import Event, Role, User
from tests.conftest import Sessions

FAST_HASH = bcrypt.hashpw(b"password123", bcrypt.gensalt(4))


async def make_user(
    sessions: Sessions,
    email: str,
    *,
    role: Role = Role.CUSTOMER,
    now: datetime,
) -> User:
    """A committed account whose password is ``password123``."""
    async with sessions.begin() as session:
        return await accounts.create_user(
            session,
            name=email.split("@")[0],
            email=email,
            password_hash=FAST_HASH,
            role=role,
            now=now,
        )


async def make_event(
    sessions: Sessions,
    manager: User,
    *,
    now: datetime,
    capacity: int = 10,
    starts_in: timedelta = timedelta(days=3),
    title: str = "Jazz night",
) -> Event:
    """A committed event starting ``starts_in`` from ``now``."""
    draft = events.EventDraft(
        title=title,
        description="Live music.",
        location="Main hall",
        starts_at=now + starts_in,
        capacity=capacity,
    )
    async with sessions.begin() as session:
        return await events.create_event(session, manager=manager, draft=draft, now=now)
