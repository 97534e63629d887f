"""Promoting a customer to manager and back: the role changes at once, for every login, and
every chat logged into the account is told once (an outbox notice)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.accounts import clean_email, find_by_email
from bot.services.errors import AccountNotFound, AlreadyCustomer, AlreadyManager, LastManager
from bot.services.outbox import add_notices
from db.models import Role, TelegramAccount, User

ROLE_CHANGED_NOTICE = "role_changed"  # params: role (the new one: "manager" or "customer")


@dataclass(frozen=True)
class RoleChange:
    """Whose role changed, and the private chats logged into that account now."""

    user_id: int
    name: str
    email: str
    role: Role
    chat_ids: list[int]


async def change_role(
    session: AsyncSession,
    *,
    email: str,
    role: Role,
    now: datetime,
    answered_chat_id: int | None = None,
) -> RoleChange:
    """Give the account with ``email`` the ``role`` and owe each chat logged into it a
    notice saying so, in the same transaction (so exactly once); ``answered_chat_id``, the
    chat the command came from, sees the answer instead (a manager demoting themselves).

    Raises InvalidInput for a malformed email, AccountNotFound, AlreadyManager or
    AlreadyCustomer, and
    LastManager when the account is the only manager left: the demotion is a guarded UPDATE
    that counts the managers in the same statement, so it never leaves none.
    """
    user = await find_by_email(session, email=clean_email(email))
    if user is None:
        raise AccountNotFound()
    if user.role is role:
        raise AlreadyManager() if role is Role.MANAGER else AlreadyCustomer()
    statement = update(User).where(User.id == user.id, User.role == user.role)
    if role is not Role.MANAGER:
        # PostgreSQL: lock the managers' rows first, so two managers demoting each other at
        # once queue here and the second counts one manager (a no-op on SQLite, whose writes
        # are serialised anyway)
        await session.execute(select(User.id).where(User.role == Role.MANAGER).with_for_update())
        managers = (
            select(func.count()).select_from(User).where(User.role == Role.MANAGER)
        ).scalar_subquery()
        statement = statement.where(managers > 1)
    changed = await session.execute(
        statement.values(role=role).execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise LastManager()
    chats = await session.scalars(
        select(TelegramAccount.chat_id).where(
            TelegramAccount.user_id == user.id, TelegramAccount.session_expires_at > now
        )
    )
    chat_ids = sorted(set(chats))
    await add_notices(
        session,
        chat_ids=[chat_id for chat_id in chat_ids if chat_id != answered_chat_id],
        notice=ROLE_CHANGED_NOTICE,
        now=now,
        params={"role": role.value},
    )
    return RoleChange(user.id, user.name, user.email, role, chat_ids)
