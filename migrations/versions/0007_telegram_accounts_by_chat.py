"""telegram accounts by chat

The outbox asks for every message it sends whether the target chat blocked the bot
(``telegram_accounts`` by ``chat_id``); without an index each of those was a scan of every
account (10,000 reminders to 10,000 people: benchmark P3).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 16:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("telegram_accounts", schema=None) as batch_op:
        batch_op.create_index("ix_telegram_accounts_chat_id", ["chat_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("telegram_accounts", schema=None) as batch_op:
        batch_op.drop_index("ix_telegram_accounts_chat_id")
