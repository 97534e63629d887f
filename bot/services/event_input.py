"""What a manager types for an event, read and checked: title, description, location,
capacity and start (a wall-clock time in the bot's zone; one the clocks skip is refused)."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.services.errors import InvalidInput, Problem, StartInGap
from bot.services.text import hidden_character

MAX_TITLE_CHARS = 100
MAX_DESCRIPTION_CHARS = 2000
MAX_LOCATION_CHARS = 200
MIN_CAPACITY = 1
MAX_CAPACITY = 100_000
MAX_YEARS_AHEAD = 5
# YYYY-MM-DD HH:MM (one or two digits for all but the year); whether the numbers name a real
# moment is checked after, so that a wrong day or hour gets its own reason
_START = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2}) ([0-9]{1,2}):([0-9]{1,2})")


def _clean_text(
    raw: str,
    *,
    empty: Problem,
    too_long: Problem,
    unprintable: Problem,
    limit: int,
    multiline: bool = False,
) -> str:
    """Trimmed text others will read: one line with single spaces, or (``multiline``) the
    lines kept, every line break as ``\n`` and tabs as spaces. Control and format characters
    are refused (bot.services.text: emoji joiners and tag sequences pass)."""
    if multiline:
        text = "\n".join(raw.splitlines()).replace("\t", " ").strip()
    else:
        text = " ".join(raw.split())
    if not text:
        raise InvalidInput(empty)
    if len(text) > limit:
        raise InvalidInput(too_long, limit=limit, length=len(text))
    hidden = hidden_character(text, allow="\n" if multiline else "")
    if hidden is not None:
        raise InvalidInput(unprintable, codepoint=ord(hidden))
    return text


def clean_title(raw: str) -> str:
    """A one-line title of at most MAX_TITLE_CHARS."""
    return _clean_text(
        raw,
        empty=Problem.TITLE_EMPTY,
        too_long=Problem.TITLE_TOO_LONG,
        unprintable=Problem.TITLE_UNPRINTABLE,
        limit=MAX_TITLE_CHARS,
    )


def clean_description(raw: str) -> str:
    """A description that may span lines, at most MAX_DESCRIPTION_CHARS."""
    return _clean_text(
        raw,
        empty=Problem.DESCRIPTION_EMPTY,
        too_long=Problem.DESCRIPTION_TOO_LONG,
        unprintable=Problem.DESCRIPTION_UNPRINTABLE,
        limit=MAX_DESCRIPTION_CHARS,
        multiline=True,
    )


def clean_location(raw: str) -> str:
    """A one-line location of at most MAX_LOCATION_CHARS."""
    return _clean_text(
        raw,
        empty=Problem.LOCATION_EMPTY,
        too_long=Problem.LOCATION_TOO_LONG,
        unprintable=Problem.LOCATION_UNPRINTABLE,
        limit=MAX_LOCATION_CHARS,
    )


def parse_capacity(raw: str, *, registered: int = 0) -> int:
    """A whole number of seats between MIN_CAPACITY and MAX_CAPACITY, and not below the
    ``registered`` (editing an event people hold seats at): every refusal names the real
    lower end, the larger of the two."""
    low = max(MIN_CAPACITY, registered)
    text = raw.strip().replace("_", "").replace(",", "").replace(" ", "")
    if not text.isascii() or not text.isdigit() or len(text) > 7:
        raise InvalidInput(Problem.CAPACITY_NOT_A_NUMBER, low=low, high=MAX_CAPACITY)
    value = int(text)
    if MIN_CAPACITY <= value < registered:
        raise InvalidInput(
            Problem.CAPACITY_BELOW_REGISTERED, registered=registered, high=MAX_CAPACITY
        )
    if not low <= value <= MAX_CAPACITY:
        raise InvalidInput(Problem.CAPACITY_OUT_OF_RANGE, low=low, high=MAX_CAPACITY)
    return value


def parse_start(raw: str, *, tz: ZoneInfo, now: datetime) -> datetime:
    """Read ``YYYY-MM-DD HH:MM`` in ``tz``; it must lie in the future. Returns aware UTC.

    Only an answer of another shape is ``START_MALFORMED``; a well-shaped one naming a month,
    day, hour or minute that doesn't exist says which (``2026-02-30``: February has 28 days),
    and one the clocks skip in ``tz`` says so (``StartInGap``), rather than being moved. A time
    that happens twice (the clocks go back) is its first occurrence (``fold=0``).
    """
    shape = _START.fullmatch(" ".join(raw.split()))
    if shape is None:
        raise InvalidInput(Problem.START_MALFORMED)
    year, month, day, hour, minute = (int(part) for part in shape.groups())
    if year < 1:
        raise InvalidInput(Problem.START_MALFORMED)
    if not 1 <= month <= 12:
        raise InvalidInput(Problem.START_NO_SUCH_MONTH, month=month)
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise InvalidInput(Problem.START_NO_SUCH_DAY, year=year, month=month, days=days)
    if hour > 23:
        raise InvalidInput(Problem.START_NO_SUCH_HOUR, hour=hour)
    if minute > 59:
        raise InvalidInput(Problem.START_NO_SUCH_MINUTE, minute=minute)
    if year > now.year + MAX_YEARS_AHEAD:
        raise InvalidInput(Problem.START_TOO_FAR, years=MAX_YEARS_AHEAD)
    local = datetime(year, month, day, hour, minute, tzinfo=tz)
    try:
        starts_at = local.astimezone(now.tzinfo)
        jump = clock_jump(local)
    except OverflowError:  # 0001-01-01 00:00 east of UTC is before the year 1 in UTC
        raise InvalidInput(Problem.START_IN_THE_PAST) from None
    if starts_at <= now:
        raise InvalidInput(Problem.START_IN_THE_PAST)
    if starts_at > latest_start(now):
        raise InvalidInput(Problem.START_TOO_FAR, years=MAX_YEARS_AHEAD)
    if jump is not None:
        before, after = jump
        raise StartInGap(
            zone=str(tz),
            year=year,
            month=month,
            day=day,
            hour=hour,
            minute=minute,
            from_hour=before.hour,
            from_minute=before.minute,
            to_hour=after.hour,
            to_minute=after.minute,
        )
    return starts_at


def clock_jump(local: datetime) -> tuple[datetime, datetime] | None:
    """For a wall-clock time ``local`` (aware, in its zone) that the clocks skip there, the
    wall-clock times (naive) they jump from and to (02:00, 03:00); None when it exists.

    A skipped time doesn't survive the round trip to UTC and back (02:30 comes back 03:30).
    """
    back = local.astimezone(UTC).astimezone(local.tzinfo)
    if back.replace(tzinfo=None) == local.replace(tzinfo=None):
        return None
    # the two readings of a skipped time (fold 0 and 1) lie on either side of the jump:
    # halve the span between them down to the second at which the offset changes
    low, high = sorted(int(local.replace(fold=fold).timestamp()) for fold in (0, 1))

    def shift(second: int) -> timedelta | None:
        return datetime.fromtimestamp(second, UTC).astimezone(local.tzinfo).utcoffset()

    old = shift(low)
    while high - low > 1:
        middle = (low + high) // 2
        if shift(middle) == old:
            low = middle
        else:
            high = middle
    after = datetime.fromtimestamp(high, UTC).astimezone(local.tzinfo)
    new = after.utcoffset()
    assert old is not None and new is not None  # zoneinfo zones always have an offset
    after = after.replace(tzinfo=None)
    return after - (new - old), after


def latest_start(now: datetime) -> datetime:
    """How far ahead an event may start: MAX_YEARS_AHEAD years (dates stay far from the
    calendar's end in every time zone, and nobody plans further)."""
    return now + timedelta(days=365 * MAX_YEARS_AHEAD + 2)
