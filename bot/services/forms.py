"""Where each person is in a form (sign-up, login, new event ...), kept in the database.

One row per (chat, user): at most one open form per chat. A save is a compare-and-set on
``version``, so two processes handling the same person can never both advance the form; a
stale one gets ``FormChanged`` and its transaction rolls back. Secrets never reach a row in
plain text: a password is stored as its bcrypt hash, an invite code as ``True``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import outbox
from bot.services.errors import DomainError
from db.inline_reads import Reader, reused
from db.models import FormState

# Forms left alone this long are closed (the person is told, through the outbox).
FORM_TIMEOUT = timedelta(minutes=15)
TIMED_OUT_NOTICE = "form_timed_out"


class FormChanged(DomainError):
    """The form moved on (another process, or it timed out) since it was read."""


@dataclass(frozen=True)
class OpenForm:
    """A person's place in a form."""

    chat_id: int
    user_id: int
    form: str
    step: str
    answers: Mapping[str, Any] = field(default_factory=dict)
    version: int = 1
    updated_at: datetime | None = None

    def expired(self, now: datetime) -> bool:
        """Left alone longer than FORM_TIMEOUT."""
        return self.updated_at is not None and now - self.updated_at >= FORM_TIMEOUT


_OPEN_FORM = reused(
    select(FormState.form, FormState.updated_at).where(
        FormState.chat_id == bindparam("chat_id"), FormState.user_id == bindparam("user_id")
    )
)


async def open_form_name(conn: Reader, *, chat_id: int, user_id: int, now: datetime) -> str | None:
    """The name of the form open in this chat for this person, unless it lapsed: one indexed
    Core read, cheap enough to ask on every button press."""
    row = (await conn.execute(_OPEN_FORM, {"chat_id": chat_id, "user_id": user_id})).first()
    if row is None or now - row.updated_at >= FORM_TIMEOUT:
        return None
    return str(row.form)


_COLUMNS = (
    FormState.chat_id,
    FormState.user_id,
    FormState.form,
    FormState.step,
    FormState.answers,
    FormState.version,
    FormState.updated_at,
)
_LOAD = reused(
    select(*_COLUMNS).where(
        FormState.chat_id == bindparam("chat_id"), FormState.user_id == bindparam("user_id")
    )
)


def _from_row(row: Any) -> OpenForm:
    return OpenForm(
        chat_id=row.chat_id,
        user_id=row.user_id,
        form=row.form,
        step=row.step,
        answers=dict(row.answers or {}),
        version=row.version,
        updated_at=row.updated_at,
    )


async def load(conn: Reader, *, chat_id: int, user_id: int) -> OpenForm | None:
    """The open form of this person in this chat, if any (one primary-key read)."""
    row = (await conn.execute(_LOAD, {"chat_id": chat_id, "user_id": user_id})).first()
    return None if row is None else _from_row(row)


async def open_form(
    session: AsyncSession,
    *,
    chat_id: int,
    user_id: int,
    form: str,
    step: str,
    now: datetime,
    answers: Mapping[str, Any] | None = None,
) -> OpenForm:
    """Start ``form`` at ``step``, replacing whatever form this person had open."""
    await session.execute(
        delete(FormState).where(FormState.chat_id == chat_id, FormState.user_id == user_id)
    )
    state = FormState(
        chat_id=chat_id,
        user_id=user_id,
        form=form,
        step=step,
        answers=dict(answers or {}),
        version=1,
        updated_at=now,
    )
    session.add(state)
    await session.flush()
    return OpenForm(chat_id, user_id, form, step, dict(answers or {}), 1, now)


async def advance(
    session: AsyncSession,
    *,
    state: OpenForm,
    step: str,
    answers: Mapping[str, Any],
    now: datetime,
) -> OpenForm:
    """Move ``state`` to ``step`` with ``answers``; FormChanged if it moved on meanwhile."""
    result = await session.execute(
        update(FormState)
        .where(
            FormState.chat_id == state.chat_id,
            FormState.user_id == state.user_id,
            FormState.version == state.version,
        )
        .values(step=step, answers=dict(answers), version=state.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if not getattr(result, "rowcount", 0):
        raise FormChanged()
    return OpenForm(
        state.chat_id, state.user_id, state.form, step, dict(answers), state.version + 1, now
    )


async def touch(session: AsyncSession, *, state: OpenForm, now: datetime) -> None:
    """Restart the time-out of ``state`` (an answer was refused: the person is still at it).
    A form that moved on meanwhile is left alone."""
    await session.execute(
        update(FormState)
        .where(
            FormState.chat_id == state.chat_id,
            FormState.user_id == state.user_id,
            FormState.version == state.version,
        )
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )


async def close(session: AsyncSession, *, state: OpenForm) -> None:
    """Close the form (finished or cancelled); FormChanged if it moved on meanwhile."""
    result = await session.execute(
        delete(FormState).where(
            FormState.chat_id == state.chat_id,
            FormState.user_id == state.user_id,
            FormState.version == state.version,
        )
    )
    if not getattr(result, "rowcount", 0):
        raise FormChanged()


async def close_expired(session: AsyncSession, *, now: datetime) -> int:
    """Close every form left alone past FORM_TIMEOUT and owe each person a "timed out" notice.

    Both happen in the caller's transaction, so each person is told exactly once, even with
    several processes sweeping at the same time (the outbox delivers the notices).
    """
    cutoff = now - FORM_TIMEOUT
    rows = (
        await session.execute(
            delete(FormState).where(FormState.updated_at <= cutoff).returning(FormState.chat_id)
        )
    ).all()
    chats = [row.chat_id for row in rows]
    await outbox.add_notices(session, chat_ids=chats, notice=TIMED_OUT_NOTICE, now=now)
    return len(chats)
