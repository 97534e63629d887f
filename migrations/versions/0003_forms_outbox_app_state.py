"""forms in the database, reminders become a general outbox, app state

Conversation state moves from process memory to ``forms``; the ``reminders`` table becomes
``outbox`` (reminders are one kind of message the bot owes; notices and broadcasts are others).
Existing reminder rows are copied with the chat their registration names, ids kept.
Telegram accounts remember since when and from which Telegram name they are logged in
(/sessions). Login throttles are counted per key (Telegram account, email, invite code) from
now on; the old per-email counters are dropped (they expire within a day anyway).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 10:26:48.310832
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = ("pending", "sending", "sent", "skipped", "expired", "failed")


def _status(name: str) -> sa.Enum:
    return sa.Enum(*STATUSES, name=name, native_enum=False, create_constraint=True, length=16)


def _throttles(key: str, length: int, *, window: bool) -> None:
    op.create_table(
        "login_throttles",
        sa.Column(key, sa.String(length=length), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        *(
            [sa.Column("window_start", sa.DateTime(timezone=True), nullable=False)]
            if window
            else []
        ),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint(key, name=op.f("pk_login_throttles")),
    )


def upgrade() -> None:
    with op.batch_alter_table("telegram_accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("logged_in_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("telegram_name", sa.String(length=200), nullable=True))
    op.drop_table("login_throttles")
    _throttles("key", 300, window=True)
    op.create_table(
        "app_state",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_app_state")),
    )
    op.create_table(
        "forms",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("form", sa.String(length=32), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "user_id", name="pk_forms"),
    )
    with op.batch_alter_table("forms", schema=None) as batch_op:
        batch_op.create_index("ix_forms_updated_at", ["updated_at"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "reminder",
                "notice",
                name="outbox_kind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=True),
        sa.Column("offset_seconds", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", _status("delivery_status"), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_outbox_registration_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint(
            "registration_id", "offset_seconds", name="uq_outbox_registration_offset"
        ),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_status_due_at", ["status", "due_at"], unique=False)

    op.execute(
        "INSERT INTO outbox (id, kind, chat_id, registration_id, offset_seconds, payload, "
        "due_at, status, attempts, claimed_at, sent_at) "
        "SELECT r.id, 'reminder', g.chat_id, r.registration_id, r.offset_seconds, NULL, "
        "r.due_at, r.status, r.attempts, r.claimed_at, r.sent_at "
        "FROM reminders r JOIN registrations g ON g.id = r.registration_id"
    )
    _restart_id_sequence("outbox")
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_reminders_status_due_at")
    op.drop_table("reminders")


def downgrade() -> None:
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("offset_seconds", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", _status("reminder_status"), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_reminders_registration_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
        sa.UniqueConstraint(
            "registration_id", "offset_seconds", name="uq_reminders_registration_offset"
        ),
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_index("ix_reminders_status_due_at", ["status", "due_at"], unique=False)
    # only reminders existed before this revision; other kinds of message have nowhere to go
    op.execute(
        "INSERT INTO reminders (id, registration_id, offset_seconds, due_at, status, attempts, "
        "claimed_at, sent_at) SELECT id, registration_id, offset_seconds, due_at, status, "
        "attempts, claimed_at, sent_at FROM outbox WHERE kind = 'reminder'"
    )
    _restart_id_sequence("reminders")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_status_due_at")
    op.drop_table("outbox")
    with op.batch_alter_table("forms", schema=None) as batch_op:
        batch_op.drop_index("ix_forms_updated_at")
    op.drop_table("forms")
    op.drop_table("app_state")
    op.drop_table("login_throttles")
    _throttles("email", 254, window=False)
    with op.batch_alter_table("telegram_accounts", schema=None) as batch_op:
        batch_op.drop_column("telegram_name")
        batch_op.drop_column("logged_in_at")


def _restart_id_sequence(table: str) -> None:
    """PostgreSQL: rows were copied with their ids, so move the id sequence past them."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        )
