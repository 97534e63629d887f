"""Event posts in groups, channels and inline messages, and the chats the bot belongs to.

A post is one ``event_posts`` row: ``chat_id`` + ``message_id`` for a message the bot sent, or
the ``inline_message_id`` of an inline result someone sent. It is re-drawn while its
``shown_revision`` is behind the event's ``revision``, at most once per quiet period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import EventNotFound, EventNotPostable
from db.inline_reads import Reader, reused
from db.models import Broadcast, Event, EventPost, WaitlistEntry

# a post drawn before its event started is redrawn as "Started" if the start is this recent
STARTED_REDRAW_WINDOW = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class PostView:
    """What a post shows of an event."""

    id: int
    title: str
    location: str
    starts_at: datetime
    capacity: int
    seats_left: int
    revision: int
    cancelled: bool
    waiting: int


@dataclass(frozen=True, slots=True)
class StalePost:
    """A post whose event changed since it was drawn."""

    id: int
    chat_id: int | None
    message_id: int | None
    inline_message_id: str | None
    view: PostView


_WAITING = (
    select(func.count())
    .where(WaitlistEntry.event_id == Event.id)
    .correlate(Event)
    .scalar_subquery()
    .label("waiting")
)
_VIEW_COLUMNS = (
    Event.id,
    Event.title,
    Event.location,
    Event.starts_at,
    Event.capacity,
    Event.seats_left,
    Event.revision,
    Event.cancelled_at,
    _WAITING,
)


_POST_VIEW = reused(select(*_VIEW_COLUMNS).where(Event.id == bindparam("event_id")))


def _view(row: object) -> PostView:
    return PostView(
        id=row.id,  # type: ignore[attr-defined]
        title=row.title,  # type: ignore[attr-defined]
        location=row.location,  # type: ignore[attr-defined]
        starts_at=row.starts_at,  # type: ignore[attr-defined]
        capacity=row.capacity,  # type: ignore[attr-defined]
        seats_left=row.seats_left,  # type: ignore[attr-defined]
        revision=row.revision,  # type: ignore[attr-defined]
        cancelled=row.cancelled_at is not None,  # type: ignore[attr-defined]
        waiting=int(row.waiting or 0),  # type: ignore[attr-defined]
    )


async def post_view(conn: Reader, *, event_id: int) -> PostView:
    """The event as a post shows it, or raise EventNotFound."""
    row = (await conn.execute(_POST_VIEW, {"event_id": event_id})).first()
    if row is None:
        raise EventNotFound()
    return _view(row)


async def postable_view(conn: Reader, *, event_id: int, now: datetime) -> PostView:
    """The event to post: it must exist, not be cancelled and not have started."""
    view = await post_view(conn, event_id=event_id)
    if view.cancelled or view.starts_at <= now:
        raise EventNotPostable()
    return view


async def search_upcoming(
    conn: Reader, *, query: str, now: datetime, offset: int, limit: int
) -> tuple[list[PostView], bool]:
    """Upcoming, not cancelled events whose title contains ``query`` (case-insensitive;
    an empty query matches all), soonest first; and whether more follow."""
    statement = select(*_VIEW_COLUMNS).where(Event.starts_at > now, Event.cancelled_at.is_(None))
    words = query.strip()
    if words:
        statement = statement.where(
            func.lower(Event.title).contains(words.lower(), autoescape=True)
        )
    statement = statement.order_by(Event.starts_at, Event.id).offset(offset).limit(limit + 1)
    rows = (await conn.execute(statement)).all()
    return [_view(row) for row in rows[:limit]], len(rows) > limit


# ---- posts ---------------------------------------------------------------------------------


async def record_post(
    session: AsyncSession,
    *,
    event_id: int,
    revision: int,
    now: datetime,
    drawn_at: datetime | None = None,
    chat_id: int | None = None,
    message_id: int | None = None,
    inline_message_id: str | None = None,
) -> int:
    """Remember a post drawn at ``revision`` at ``drawn_at`` (default ``now``: a chat
    message or an inline message); an inline message seen before is not recorded twice.
    Returns the post's id."""
    if inline_message_id is not None:
        known = await session.scalar(
            select(EventPost.id).where(EventPost.inline_message_id == inline_message_id)
        )
        if known is not None:
            return known
    post = EventPost(
        event_id=event_id,
        chat_id=chat_id,
        message_id=message_id,
        inline_message_id=inline_message_id,
        shown_revision=revision,
        edited_at=drawn_at or now,
        created_at=now,
    )
    session.add(post)
    await session.flush()
    return post.id


async def stale_posts(
    session: AsyncSession, *, quiet_since: datetime, now: datetime, limit: int
) -> list[StalePost]:
    """Posts behind their event's revision, or drawn before their event started and it has
    (they must say so), and not drawn since ``quiet_since``."""
    drawn_at = func.coalesce(EventPost.edited_at, EventPost.created_at)
    started_since = (
        (Event.starts_at <= now)
        & (Event.starts_at > now - STARTED_REDRAW_WINDOW)  # not last year's posts
        & (drawn_at < Event.starts_at)
    )
    rows = await session.execute(
        select(
            EventPost.id.label("post_id"),
            EventPost.chat_id,
            EventPost.message_id,
            EventPost.inline_message_id,
            *_VIEW_COLUMNS,
        )
        .join(Event, Event.id == EventPost.event_id)
        .where(
            EventPost.gone_at.is_(None),
            (EventPost.shown_revision < Event.revision)
            | (started_since & Event.cancelled_at.is_(None)),
            (EventPost.edited_at.is_(None)) | (EventPost.edited_at <= quiet_since),
        )
        .order_by(EventPost.id)
        .limit(limit)
    )
    return [
        StalePost(row.post_id, row.chat_id, row.message_id, row.inline_message_id, _view(row))
        for row in rows
    ]


async def mark_shown(
    session: AsyncSession, *, post_id: int, revision: int, edited_at: datetime | None
) -> None:
    """The post now shows ``revision`` (``edited_at``: when it was drawn, None if it needed
    no edit); never moved back to an older revision."""
    values: dict[str, object] = {"shown_revision": revision}
    if edited_at is not None:
        values["edited_at"] = edited_at
    await session.execute(
        update(EventPost)
        .where(EventPost.id == post_id, EventPost.shown_revision <= revision)
        .values(**values)
    )


async def highest_message_id(session: AsyncSession) -> int:
    """The highest message id the bot has stored (its posts, broadcast status messages)."""
    posts = await session.scalar(select(func.max(EventPost.message_id)))
    statuses = await session.scalar(select(func.max(Broadcast.status_message_id)))
    return max(posts or 0, statuses or 0)


async def mark_gone(session: AsyncSession, *, post_id: int, now: datetime) -> None:
    """The post can no longer be edited (deleted, or its chat is closed to the bot)."""
    await session.execute(
        update(EventPost)
        .where(EventPost.id == post_id, EventPost.gone_at.is_(None))
        .values(gone_at=now)
    )
