"""Messages the bot sends on its own: reminders before an event, and notices from the outbox."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from bot.services.event_changes import CANCELLED_NOTICE, MOVED_NOTICE
from bot.services.forms import TIMED_OUT_NOTICE
from bot.services.login_notice import NEW_LOGIN
from bot.services.roles import ROLE_CHANGED_NOTICE
from bot.services.sessions import LOGGED_OUT_ELSEWHERE
from bot.services.waitlist import PROMOTED_NOTICE
from bot.ui import common, roles, sessions
from bot.ui.fmt import about, duration, when
from bot.ui.i18n import _

# A reminder sent this close to its planned time names the planned lead ("24 hours");
# later (the bot was down) it says how long is really left.
ON_TIME = timedelta(minutes=1)


def reminder(
    title: str,
    location: str,
    starts_at: datetime,
    offset: timedelta,
    tz: ZoneInfo,
    *,
    now: datetime | None = None,
) -> str:
    """The reminder message, worded from the time really left when it is sent (``now``)."""
    left = offset if now is None else starts_at - now
    lead = duration(offset) if abs(left - offset) <= ON_TIME else about(left)
    return _("⏰ Reminder: <b>{title}</b> starts in {offset}.\n🗓 {when}\n📍 {location}").format(
        title=escape(title),
        offset=lead,
        when=when(starts_at, tz),
        location=escape(location),
    )


# The notices services can owe a chat (bot.services.outbox.add_notices), by name.
NOTICES: dict[str, Callable[[Mapping[str, object]], str]] = {
    TIMED_OUT_NOTICE: lambda _params: common.timed_out(),
    LOGGED_OUT_ELSEWHERE: lambda _params: sessions.logged_out_elsewhere(),
    ROLE_CHANGED_NOTICE: roles.role_notice,
}


def notice(name: str, params: Mapping[str, object], tz: ZoneInfo | None = None) -> str:
    """The wording of the notice called ``name`` (an apology for a name nobody words);
    dates in it are shown in ``tz`` (the bot's zone; UTC when not given)."""
    dated = EVENT_NOTICES.get(name)
    if dated is not None:
        return dated(params, tz or ZoneInfo("UTC"))
    wording = NOTICES.get(name)
    return wording(params) if wording is not None else common.something_went_wrong()


# ---- notices about an event's life: a seat from the waitlist, a move, a cancellation --------


def _moment(value: object) -> datetime:
    return datetime.fromisoformat(str(value))


def promoted(params: Mapping[str, object], tz: ZoneInfo) -> str:
    """The first person waiting got a seat (someone gave theirs back, or the organisers
    added seats: the words fit both)."""
    return _(
        "🎉 A seat is yours now: you're registered for <b>{title}</b> on {when}. "
        "If you can't come after all, cancel it from the event's card in /myevents."
    ).format(
        title=escape(str(params.get("title", ""))), when=when(_moment(params["starts_at"]), tz)
    )


def moved(params: Mapping[str, object], tz: ZoneInfo) -> str:
    """The organisers changed when or where an event takes place."""
    title = escape(str(params.get("title", "")))
    if params.get("field") == "starts_at":
        return _("🗓 <b>{title}</b> moved: {old} → {new}").format(
            title=title,
            old=when(_moment(params["old"]), tz),
            new=when(_moment(params["new"]), tz),
        )
    return _("📍 <b>{title}</b> moved: {old} → {new}").format(
        title=title, old=escape(str(params.get("old", ""))), new=escape(str(params.get("new", "")))
    )


def event_cancelled(params: Mapping[str, object], tz: ZoneInfo) -> str:
    """The organisers cancelled an event this person was registered for, or waiting for."""
    title = escape(str(params.get("title", "")))
    starts = when(_moment(params["starts_at"]), tz)
    if params.get("waiting"):
        return _(
            "✖ <b>{title}</b> on {when} is cancelled, so the waitlist you were on is closed."
        ).format(title=title, when=starts)
    return _("✖ <b>{title}</b> on {when} is cancelled. Sorry! Your registration is void.").format(
        title=title, when=starts
    )


# notices worded with dates in the bot's zone, by name (services.waitlist, event_changes)
EVENT_NOTICES: dict[str, Callable[[Mapping[str, object], ZoneInfo], str]] = {
    PROMOTED_NOTICE: promoted,
    MOVED_NOTICE: moved,
    CANCELLED_NOTICE: event_cancelled,
    NEW_LOGIN: sessions.new_login,
}
