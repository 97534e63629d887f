"""Who sent an update: their account (if logged in) and their open form, in one statement.

Every update that needs either reads this once (``bot.handlers.visit`` caches it per update).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, literal, select

from bot.services.forms import OpenForm
from bot.services.views import Viewer
from db.inline_reads import Reader, reused
from db.models import FormState, TelegramAccount, User


@dataclass(frozen=True, slots=True)
class Visit:
    """The sender of one update as the bot knows them."""

    account: Viewer | None
    form: OpenForm | None


_ONE = select(literal(1).label("one")).subquery("one")
_VISIT = reused(
    select(
        User.id.label("account_id"),
        User.name.label("account_name"),
        User.email.label("account_email"),
        User.role.label("account_role"),
        TelegramAccount.session_expires_at,
        FormState.form,
        FormState.step,
        FormState.answers,
        FormState.version,
        FormState.updated_at,
    )
    .select_from(_ONE)
    .outerjoin(TelegramAccount, TelegramAccount.telegram_user_id == bindparam("user_id"))
    .outerjoin(User, User.id == TelegramAccount.user_id)
    .outerjoin(
        FormState,
        (FormState.chat_id == bindparam("chat_id")) & (FormState.user_id == bindparam("user_id")),
    )
)


async def load_visit(
    conn: Reader, *, telegram_user_id: int, chat_id: int | None, now: datetime
) -> Visit:
    """The account this Telegram user is logged in as (None when not, or expired) and the
    form they have open in ``chat_id`` (None outside private chats)."""
    params = {"user_id": telegram_user_id, "chat_id": chat_id if chat_id is not None else 0}
    row = (await conn.execute(_VISIT, params)).one()
    account = None
    expires_at = row.session_expires_at
    if row.account_id is not None and expires_at is not None and expires_at > now:
        account = Viewer(
            id=row.account_id,
            name=row.account_name,
            role=row.account_role,
            email=row.account_email,
        )
    form = None
    if row.form is not None and chat_id is not None:
        form = OpenForm(
            chat_id=chat_id,
            user_id=telegram_user_id,
            form=row.form,
            step=row.step,
            answers=dict(row.answers or {}),
            version=row.version,
            updated_at=row.updated_at,
        )
    return Visit(account=account, form=form)
