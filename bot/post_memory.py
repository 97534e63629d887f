"""What this process remembers about the posts it drew: their last text, and a 429's pause.

The database says which posts are behind their event; only this memory says what a post
shows now, so that an edit is made only when the text really changes (Telegram answers 400
"message is not modified" otherwise). After a restart the memory is empty: the first redraw
of a post whose text did not change gets that 400, which is taken as success.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

MAX_REMEMBERED = 10_000


@dataclass
class PostMemory:
    """Last drawn content per post id, one refresh at a time, and when Telegram lets us go on."""

    shown: dict[int, str] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    paused_until: float = 0.0  # time.monotonic() before which no edit is tried (429)

    def remember(self, post_id: int, content: str) -> None:
        """``post_id`` now shows ``content``."""
        if len(self.shown) >= MAX_REMEMBERED and post_id not in self.shown:
            self.shown.pop(next(iter(self.shown)))
        self.shown[post_id] = content

    def shows(self, post_id: int, content: str) -> bool:
        """Whether ``post_id`` is known to show ``content`` already."""
        return self.shown.get(post_id) == content
