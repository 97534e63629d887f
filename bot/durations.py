"""Parse human durations such as ``24h``, ``30m``, ``7d`` or ``90s``."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_PART = re.compile(r"(\d+)\s*([smhdw])")


def parse_duration(text: str) -> timedelta:
    """Return the timedelta for ``text`` like ``1h30m``; raise ValueError when malformed."""
    compact = text.strip().lower().replace(" ", "")
    if not compact:
        raise ValueError("empty duration")
    pos = 0
    total = timedelta()
    for match in _PART.finditer(compact):
        if match.start() != pos:
            break
        digits = match.group(1)
        try:
            if len(digits) > 9:
                raise OverflowError
            total += timedelta(**{_UNITS[match.group(2)]: int(digits)})
        except OverflowError:
            raise ValueError(f"{text!r} is far too long a duration") from None
        pos = match.end()
    if pos != len(compact):
        raise ValueError(f"{text!r} is not a duration like 24h, 30m or 7d")
    if total <= timedelta():
        raise ValueError(f"{text!r} must be longer than zero")
    return total
