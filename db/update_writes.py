"""Which update the current task handles, and how many of its write transactions already
committed: what makes a redelivered or replayed update change nothing.

``bot.transport.update_processor`` sets ``current_update`` around each update that came
through the inbox (``bot.transport.inbox``). ``Database.write`` then numbers the update's
write transactions: the k-th one records ``applied_writes = k`` on the update's inbox row
in the same transaction, guarded by ``applied_writes = k - 1``. When that guard fails, the
k-th transaction of this update already committed in an earlier run (a crash between the
commit and the end of handling, or another process handling the same update): the block
still runs, so the handler can answer from what is in the database now, but it is rolled
back instead of committed. Nothing here imports Telegram.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import InboxUpdate

REPLAY = "eventbot_replay"  # Session.info key: True when this transaction only replays


@dataclass
class UpdateWrites:
    """The write transactions of one update: committed in earlier runs, and begun in this one.

    Bound to the task handling the update: a context variable is copied into every task and
    callback started from that task (APScheduler's timer, say, when a handler schedules a
    job), and their transactions are not the update's.
    """

    update_id: int
    applied_before: int = 0
    begun: int = 0
    task: asyncio.Task[Any] | None = field(default_factory=asyncio.current_task)

    @property
    def replayed(self) -> bool:
        """An earlier run of this update already committed at least one write."""
        return self.applied_before > 0


current_update: ContextVar[UpdateWrites | None] = ContextVar("eventbot_update", default=None)


def current_writes() -> UpdateWrites | None:
    """The update the running task handles (not one a parent task was handling)."""
    state = current_update.get()
    if state is None or state.task is not asyncio.current_task():
        return None
    return state


@contextmanager
def unnumbered() -> Iterator[None]:
    """Write transactions in this block are not numbered as the current update's.

    For a write that is idempotent on its own and happens only when the database says so
    (closing a lapsed form): a replay finds it done and skips it, which would shift the
    numbers of the update's later writes and roll back one that never committed.
    """
    token = current_update.set(None)
    try:
        yield
    finally:
        current_update.reset(token)


async def claim_write(session: AsyncSession) -> bool:
    """Number this write transaction within the current update and record it on the update's
    inbox row; False when an earlier run already committed it (the caller rolls back)."""
    state = current_writes()
    if state is None:
        return True
    step = state.begun + 1
    if step <= state.applied_before:
        state.begun = step
        return False
    recorded = await session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.update_id == state.update_id, InboxUpdate.applied_writes == step - 1)
        .values(applied_writes=step)
        .execution_options(synchronize_session=False)
    )
    state.begun = step
    return bool(recorded.rowcount == 1)  # type: ignore[attr-defined]


def release_write() -> None:
    """The transaction numbered by ``claim_write`` rolled back: its number is free again."""
    state = current_writes()
    if state is not None:
        state.begun -= 1


def replaying(session: AsyncSession) -> bool:
    """Whether ``session`` is a transaction of the current update that an earlier run
    already committed (it will be rolled back)."""
    return bool(session.info.get(REPLAY))
