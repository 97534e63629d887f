"""The sandbox's own ``:`` commands: their help, and how far ``:clock`` moves the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.context import Deps
from bot.durations import parse_duration
from bot.services import outbox

HELP = """Sandbox commands:
  :as NAME        switch to (or create) the person NAME, with their own Telegram chat
  :who            list the people in this sandbox
  :clock          show the bot's time
  :clock +1h      move the bot's clock forward (s, m, h, d, w) and send what falls due
  :clock next     jump to the next pending reminder
  :scan [PATH]    scan a ticket's QR code (the picture saved at PATH, else the last one):
                  its link is opened as the current person, as a phone camera would
  :help           this list
  :quit           leave (Ctrl-D too); the database and the chats stay as they are
  2               press button 2 of the bot's latest message (sent or edited), if it has buttons
  #2              press button 2 of the last keyboard shown, even with newer messages below it
Any other line is sent to the bot as a message, and so is a number when the bot's latest
message has no buttons (an answer to "How many seats?")."""

# the clock stops ten years before datetime's end: the bot still adds days to "now"
LAST_DAY = datetime.max.replace(tzinfo=UTC) - timedelta(days=3660)


async def how_far(arg: str, deps: Deps) -> timedelta | str | None:
    """How far ``:clock ARG`` moves the clock (``next``: just past the next pending
    reminder; ``+1h``: that long); None for a bare ``:clock`` (say the time), or what to say
    when the argument can't be used."""
    clock = deps.clock
    if arg == "next":
        async with deps.db.read() as session:
            due = await outbox.next_due_at(session)
        if due is None:
            return "no reminders are pending"
        return max(due - clock.now(), timedelta()) + timedelta(seconds=1)
    if arg.startswith("+"):
        try:
            delta = parse_duration(arg[1:])
        except ValueError as exc:
            return f"{str(exc)[:100]}; try :clock +1h"
        except OverflowError:  # more days than a timedelta holds
            delta = timedelta.max
        if delta > LAST_DAY - clock.now():
            return "that is too far: the bot's calendar ends in the year 9999"
        return delta
    if arg:
        return "use :clock +1h (forward only) or :clock next"
    return None
