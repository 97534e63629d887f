"""Migration 0003 carries pending reminders into the outbox and back, ids and chats kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from bot.migrate import alembic_config

pytestmark = pytest.mark.sqlite_only  # data migrations checked on SQLite files

ROWS = [
    (1, 1, 86400, "2030-01-01 19:00:00.000000", "pending", 0),
    (2, 1, 3600, "2030-01-02 18:00:00.000000", "sent", 1),
]


def test_reminders_become_outbox_rows_and_come_back(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    config = alembic_config(url)
    command.upgrade(config, "0002")
    sync = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    with sync.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (id, name, email, password_hash, role, created_at) VALUES "
                "(1, 'Ann', 'ann@example.com', x'00', 'customer', '2029-01-01 00:00:00.000000')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO events (id, title, description, location, starts_at, capacity, "
                "seats_left, created_by, created_at) VALUES (1, 'Jazz', 'd', 'l', "
                "'2030-01-02 19:00:00.000000', 10, 9, 1, '2029-01-01 00:00:00.000000')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO registrations (id, user_id, event_id, chat_id, created_at) VALUES "
                "(1, 1, 1, 555, '2029-01-01 00:00:00.000000')"
            )
        )
        for row in ROWS:
            conn.execute(
                text(
                    "INSERT INTO reminders (id, registration_id, offset_seconds, due_at, status, "
                    "attempts) VALUES (:id, :reg, :off, :due, :status, :attempts)"
                ),
                dict(zip(("id", "reg", "off", "due", "status", "attempts"), row, strict=True)),
            )
    command.upgrade(config, "head")
    with sync.connect() as conn:
        moved = conn.execute(
            text(
                "SELECT id, kind, chat_id, registration_id, offset_seconds, status FROM outbox "
                "ORDER BY id"
            )
        ).all()
    assert [tuple(r) for r in moved] == [
        (1, "reminder", 555, 1, 86400, "pending"),
        (2, "reminder", 555, 1, 3600, "sent"),
    ]
    command.downgrade(config, "0002")
    with sync.connect() as conn:
        back = conn.execute(
            text(
                "SELECT id, registration_id, offset_seconds, due_at, status, attempts "
                "FROM reminders ORDER BY id"
            )
        ).all()
    sync.dispose()
    assert [tuple(r) for r in back] == ROWS
