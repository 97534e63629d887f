"""Dates, durations, numbers and lists as people read them, in the current language."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, parse_pattern
from babel.lists import format_list
from babel.numbers import format_decimal

from bot.ui.i18n import current, language, ngettext, pgettext


def when(moment: datetime, tz: ZoneInfo) -> str:
    """A start time as people read it, in the bot's zone: ``Sat 17 May 2030, 19:30 CEST``."""
    local = _local(moment, tz)
    # TRANSLATORS: a CLDR date pattern (EEE weekday, d day, MMM month, y year, HH:mm time);
    # the zone's abbreviation (CET, UTC ...) follows it.
    pattern = pgettext("date pattern", "EEE d MMM y, HH:mm")
    return f"{_apply(pattern, local)} {local.tzname()}"


def short_when(moment: datetime, tz: ZoneInfo) -> str:
    """A start time on a button: ``17 May 19:30``."""
    # TRANSLATORS: a CLDR date pattern for buttons (d day, MMM month, HH:mm time)
    pattern = pgettext("date pattern", "d MMM HH:mm")
    return _apply(pattern, _local(moment, tz))


def _local(moment: datetime, tz: ZoneInfo) -> datetime:
    """``moment`` in ``tz``; a stored value at the calendar's very edge (year 9999 east of
    UTC) is shown in UTC rather than breaking the screen it is on."""
    try:
        return moment.astimezone(tz)
    except OverflowError:
        return moment


def _apply(pattern: str, local: datetime) -> str:
    # babel.dates.format_datetime without its per-call argument handling (parse_pattern is
    # cached): the /events page formats ten dates
    return _formatted(pattern, local, str(local.tzinfo), current().code)


@functools.lru_cache(maxsize=8192)
def _formatted(pattern: str, local: datetime, zone: str, language_code: str) -> str:
    # Browsing shows the same few dozen start times over and over: Babel's pattern walk was
    # ~40 % of rendering a page and a card, a cache hit costs a dict lookup. ``zone`` is part
    # of the key because aware datetimes are equal by instant, whatever their zone.
    del zone
    return str(parse_pattern(pattern).apply(local, language(language_code).locale))


def month(year: int, month_number: int) -> str:
    """A month of a year: ``February 2026``."""
    # TRANSLATORS: a CLDR date pattern (MMMM month name, y year)
    pattern = pgettext("date pattern", "MMMM y")
    return format_date(date(year, month_number, 1), pattern, locale=current().locale)


def duration(offset: timedelta) -> str:
    """Exactly ``offset``: ``24 hours``, ``2 days``, ``1 minute and 30 seconds``.

    Whole days from two days on ("24 hours" reads better than "1 day" for the usual
    REMINDER_OFFSETS=24h); otherwise hours, minutes and seconds, leaving out the zeros.
    """
    total = max(0, int(offset.total_seconds()))
    if total >= 2 * 86400 and total % 86400 == 0:
        return _count("day", total // 86400)
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [
        _count(unit, amount)
        for unit, amount in (("hour", hours), ("minute", minutes), ("second", seconds))
        if amount
    ]
    return all_of(parts) if parts else _count("second", 0)


def about(span: timedelta) -> str:
    """Roughly ``span``, for a time that is not a round offset: ``40 minutes``, ``3 hours``,
    ``less than a minute``."""
    seconds = span.total_seconds()
    if seconds < 60:
        return pgettext("time left", "less than a minute")
    minutes = round(seconds / 60)
    if minutes < 60:
        return _count("minute", minutes)
    if minutes < 600:
        hours, rest = divmod(minutes, 60)
        return all_of([_count("hour", hours)] + ([_count("minute", rest)] if rest else []))
    hours = round(minutes / 60)
    if hours < 48:
        return _count("hour", hours)
    return _count("day", round(hours / 24))


def _count(unit: str, amount: int) -> str:
    forms = {
        "day": lambda n: ngettext("{count} day", "{count} days", n),
        "hour": lambda n: ngettext("{count} hour", "{count} hours", n),
        "minute": lambda n: ngettext("{count} minute", "{count} minutes", n),
        "second": lambda n: ngettext("{count} second", "{count} seconds", n),
    }
    return forms[unit](amount).format(count=amount)


def all_of(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return format_list(list(items), locale=current().list_locale) if items else ""


def number(value: int) -> str:
    """A number with the language's grouping: ``100,000``."""
    return _grouped(value, current().code)


@functools.lru_cache(maxsize=8192)
def _grouped(value: int, language_code: str) -> str:
    # counts are on the busiest screens (seats on every card and /events line): Babel's
    # formatting costs tens of microseconds, a cache hit a dict lookup
    return format_decimal(value, locale=language(language_code).locale)


def time_of_day(moment: datetime, tz: ZoneInfo) -> str:
    """A time of day in the bot's zone: ``19:02``."""
    # TRANSLATORS: a CLDR time pattern (HH hours, mm minutes)
    pattern = pgettext("date pattern", "HH:mm")
    return _apply(pattern, _local(moment, tz))


def wall_clock(local: datetime) -> str:
    """A date and time as a clock on the wall shows it, no zone: ``28 Mar 2027 02:30``."""
    # TRANSLATORS: a CLDR date pattern (d day, MMM month, y year, HH:mm time)
    pattern = pgettext("date pattern", "d MMM y HH:mm")
    return _apply(pattern, local)


def clock_time(local: datetime) -> str:
    """A time of day as a clock on the wall shows it, no zone: ``02:00``."""
    # TRANSLATORS: a CLDR time pattern (HH hours, mm minutes)
    pattern = pgettext("date pattern", "HH:mm")
    return _apply(pattern, local)
