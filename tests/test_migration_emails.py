"""Migration 0004 brings stored emails to the form sign-up and login now use, and reports the
accounts it can't (a clash with another account, an address the new rules refuse)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from bot.migrate import alembic_config

STORED = {
    1: "same@x.org",
    2: "\uff53ame@x.org",  # full-width s: same@x.org is taken by 1
    3: "same\u200b@x.org",  # zero-width space: taken by 1
    4: "sa\u00adme@x.org",  # soft hyphen: taken by 1
    5: "ann@b\u00fccher.de",  # IDNA
    6: "\uff42ob@x.org",  # full-width b; nobody has bob@x.org yet: it takes it
    7: "bob\u200b@x.org",  # then this one clashes with 6
    8: "\uff43arl@x.org",  # 8 needs changing, but 9 already is carl@x.org: 9 keeps it
    9: "carl@x.org",
    10: "bad\u202e@x.org",  # the new rules refuse it
    11: "ok@example.com",
}
AFTER = {
    **STORED,
    5: "ann@xn--bcher-kva.de",
    6: "bob@x.org",
}


pytestmark = pytest.mark.sqlite_only  # data migrations checked on SQLite files


def test_stored_emails_are_normalised_and_clashes_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    config = alembic_config(url)
    command.upgrade(config, "0003")
    sync = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    with sync.begin() as conn:
        for user_id, email in STORED.items():
            conn.execute(
                text(
                    "INSERT INTO users (id, name, email, password_hash, role, created_at) VALUES "
                    "(:id, 'P', :email, x'00', 'customer', '2029-01-01 00:00:00.000000')"
                ),
                {"id": user_id, "email": email},
            )
    with caplog.at_level(logging.WARNING):
        command.upgrade(config, "head")
    with sync.connect() as conn:
        emails = {row.id: row.email for row in conn.execute(text("SELECT id, email FROM users"))}
    assert emails == AFTER
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    for clash, keeper in [(2, 1), (3, 1), (4, 1), (7, 6), (8, 9)]:
        assert any(
            f"users.id={clash}: the email address normalises to the one of users.id={keeper}" in w
            and "left unchanged" in w
            for w in warnings
        ), (clash, warnings)
    assert any(w.startswith("users.id=10: the email address is refused") for w in warnings)
    assert len(warnings) == 6
    # downgrade keeps the normal forms (the old rules accept them), and upgrading again is calm
    command.downgrade(config, "0003")
    caplog.clear()
    command.upgrade(config, "head")
    with sync.connect() as conn:
        again = {row.id: row.email for row in conn.execute(text("SELECT id, email FROM users"))}
    sync.dispose()
    assert again == AFTER
