"""Messages the bot sends on its own: reminders before an event, and notices from the outbox."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from bot.services.forms import TIMED_OUT_NOTICE
from bot.services.sessions import LOGGED_OUT_ELSEWHERE
from bot.ui import common, sessions
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
}


def notice(name: str, params: Mapping[str, object]) -> str:
    """The wording of the notice called ``name`` (an apology for a name nobody words)."""
    wording = NOTICES.get(name)
    return wording(params) if wording is not None else common.something_went_wrong()
