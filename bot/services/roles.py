"""Promoting a customer to manager and back: the role changes at once, for every login."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.accounts import clean_email, find_by_email
from bot.services.errors import AccountNotFound, AlreadyCustomer, AlreadyManager, LastManager
from db.models import Role, TelegramAccount, User


@dataclass(frozen=True)
class RoleChange:
    """Whose role changed, and the private chats logged into that account now."""

    user_id: int
    name: str
    email: str
    role: Role
    chat_ids: list[int]


async def change_role(
    session: AsyncSession, *, email: str, role: Role, now: datetime
) -> RoleChange:
    """Give the account with ``email`` the ``role``.

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
    return RoleChange(user.id, user.name, user.email, role, sorted(set(chats)))
