"""Everything users see: wording (through gettext), formats, limits, buttons and keyboards.

``i18n`` sets up gettext; ``limits`` holds Telegram's limits and ``fit``; ``fmt`` formats dates,
durations, numbers and lists; ``callbacks`` are the buttons as typed values; ``keyboards``
builds inline keyboards from them. The wording lives by feature: ``common``, ``accounts``,
``events``, ``my_events``, ``manage``, ``forms``, ``reminders``, ``errors`` (domain errors) and
``menu_commands``. Handlers import the package and call ``ui.events.event_card(...)``.
"""

from bot.ui import (
    accounts,
    callbacks,
    common,
    errors,
    events,
    fmt,
    forms,
    i18n,
    keyboards,
    limits,
    manage,
    menu_commands,
    my_events,
    reminders,
)

__all__ = [
    "accounts",
    "callbacks",
    "common",
    "errors",
    "events",
    "fmt",
    "forms",
    "i18n",
    "keyboards",
    "limits",
    "manage",
    "menu_commands",
    "my_events",
    "reminders",
]
