"""Fast bulk data for benchmarks: plain executemany on a migrated SQLite file."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import bcrypt

from bot.migrate import upgrade_to_head

PASSWORD = "bench-password"
_HASH_CACHE: dict[int, bytes] = {}


def password_hash(rounds: int) -> bytes:
    """One bcrypt hash of PASSWORD at ``rounds``, computed once."""
    if rounds not in _HASH_CACHE:
        _HASH_CACHE[rounds] = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds))
    return _HASH_CACHE[rounds]


def stored_time(moment: datetime) -> str:
    """A datetime as db.types.UTCDateTime stores it in SQLite."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


class Seeder:
    """Writes rows straight into a freshly migrated database."""

    def __init__(self, path: str) -> None:
        self.url = f"sqlite+aiosqlite:///{path}"
        upgrade_to_head(self.url)
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=OFF")
        self.now = datetime.now(UTC)

    def users(self, first_id: int, count: int, *, rounds: int = 4, role: str = "customer") -> None:
        """Accounts first_id.. with the same password; Telegram id = account id, logged in."""
        pw = password_hash(rounds)
        created = stored_time(self.now)
        expires = stored_time(self.now + timedelta(days=30))
        self.db.executemany(
            "INSERT INTO users (id, name, email, password_hash, role, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                (i, f"User {i}", f"user{i}@example.com", pw, role, created)
                for i in range(first_id, first_id + count)
            ),
        )
        self.db.executemany(
            "INSERT INTO telegram_accounts (telegram_user_id, chat_id, user_id, session_expires_at)"
            " VALUES (?, ?, ?, ?)",
            ((i, i, i, expires) for i in range(first_id, first_id + count)),
        )
        self.db.commit()

    def events(self, first_id: int, count: int, *, capacity: int, creator: int) -> None:
        """Upcoming events, one hour apart, starting in two days."""
        start = self.now + timedelta(days=2)
        self.db.executemany(
            "INSERT INTO events (id, title, description, location, starts_at, capacity, "
            "seats_left, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    i,
                    f"Event {i}",
                    "A benchmark event with a description of ordinary length.",
                    "Main hall",
                    stored_time(start + timedelta(hours=i - first_id)),
                    capacity,
                    capacity,
                    creator,
                    stored_time(self.now),
                )
                for i in range(first_id, first_id + count)
            ),
        )
        self.db.commit()

    def registrations(self, pairs: list[tuple[int, int]], *, reminder_due: datetime | None) -> None:
        """(user, event) seats, seats_left kept right, optionally one reminder each."""
        created = stored_time(self.now)
        self.db.executemany(
            "INSERT INTO registrations (user_id, event_id, chat_id, created_at) "
            "VALUES (?, ?, ?, ?)",
            ((user, event, user, created) for user, event in pairs),
        )
        self.db.execute(
            "UPDATE events SET seats_left = capacity - "
            "(SELECT count(*) FROM registrations r WHERE r.event_id = events.id)"
        )
        if reminder_due is not None:
            self.db.execute(
                "INSERT INTO outbox (kind, chat_id, registration_id, offset_seconds, due_at, "
                "status, attempts) "
                "SELECT 'reminder', chat_id, id, 86400, ?, 'pending', 0 FROM registrations",
                (stored_time(reminder_due),),
            )
        self.db.commit()

    def close(self) -> None:
        """Done writing."""
        self.db.close()
