"""Domain errors (bot.services.errors) in words: every ``Problem`` code and every error class."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from bot.services import errors
from bot.services.errors import InvalidInput, Problem
from bot.ui import common
from bot.ui.fmt import clock_time, month, number, wall_clock
from bot.ui.i18n import _, ngettext

Params = Mapping[str, int]


def codepoint(params: Params) -> str:
    """The refused character of an ``*_UNPRINTABLE`` problem by its code (``U+202E``): it is
    invisible, so its code is the only way to point at it."""
    return f"U+{params.get('codepoint', 0):04X}"


def seats_wanted(low: int, high: int) -> str:
    """The one way a refused number of seats is answered: what to send instead."""
    return _("Please send the number of seats as a whole number from {low} to {high}.").format(
        low=number(low), high=number(high)
    )


def skipped_time(params: Params, zone: str) -> str:
    """A start the clocks skip in ``zone`` (they jump forward over it): which, and why."""
    p = params
    return _(
        "{moment} doesn't exist in {zone}: the clocks jump from {before} to {after}. "
        "Please choose another time."
    ).format(
        moment=wall_clock(datetime(p["year"], p["month"], p["day"], p["hour"], p["minute"])),
        zone=zone,
        before=clock_time(datetime(2000, 1, 1, p["from_hour"], p["from_minute"])),
        after=clock_time(datetime(2000, 1, 1, p["to_hour"], p["to_minute"])),
    )


PROBLEMS: dict[Problem, Callable[[Params], str]] = {
    Problem.NAME_EMPTY: lambda p: _("Your name can't be empty."),
    Problem.NAME_TOO_LONG: lambda p: ngettext(
        "Please keep your name under {count} character.",
        "Please keep your name under {count} characters.",
        p["limit"],
    ).format(count=number(p["limit"])),
    Problem.NAME_UNPRINTABLE: lambda p: _(
        "Your name contains an invisible or control character ({char}) I can't display; "
        "please type it without it."
    ).format(char=codepoint(p)),
    Problem.EMAIL_INVALID: lambda p: _(
        "That doesn't look like an email address (like name@example.com)."
    ),
    Problem.EMAIL_INVISIBLE: lambda p: _(
        "That email contains invisible characters (such as {char}, a text-direction or "
        "control character); please type the address plainly."
    ).format(char=codepoint(p)),
    Problem.PASSWORD_TOO_SHORT: lambda p: ngettext(
        "The password needs at least {count} character, please.",
        "The password needs at least {count} characters, please.",
        p["limit"],
    ).format(count=number(p["limit"])),
    Problem.PASSWORD_TOO_LONG: lambda p: ngettext(
        "The password is too long for the way it is stored (bcrypt takes at most {count} "
        "byte: that many plain letters, fewer with accents or emoji); a shorter one, please.",
        "The password is too long for the way it is stored (bcrypt takes at most {count} "
        "bytes: that many plain letters, fewer with accents or emoji); a shorter one, please.",
        p["limit"],
    ).format(count=number(p["limit"])),
    Problem.TITLE_EMPTY: lambda p: _("The title can't be empty."),
    Problem.TITLE_TOO_LONG: lambda p: ngettext(
        "The title is {length} character; the limit is {limit}.",
        "The title is {length} characters; the limit is {limit}.",
        p["length"],
    ).format(length=number(p["length"]), limit=number(p["limit"])),
    Problem.TITLE_UNPRINTABLE: lambda p: _(
        "The title contains an invisible or control character ({char}); please type it without it."
    ).format(char=codepoint(p)),
    Problem.DESCRIPTION_EMPTY: lambda p: _("The description can't be empty."),
    Problem.DESCRIPTION_TOO_LONG: lambda p: ngettext(
        "The description is {length} character; the limit is {limit}.",
        "The description is {length} characters; the limit is {limit}.",
        p["length"],
    ).format(length=number(p["length"]), limit=number(p["limit"])),
    Problem.DESCRIPTION_UNPRINTABLE: lambda p: _(
        "The description contains an invisible or control character ({char}); please type "
        "it without it."
    ).format(char=codepoint(p)),
    Problem.LOCATION_EMPTY: lambda p: _("The location can't be empty."),
    Problem.LOCATION_TOO_LONG: lambda p: ngettext(
        "The location is {length} character; the limit is {limit}.",
        "The location is {length} characters; the limit is {limit}.",
        p["length"],
    ).format(length=number(p["length"]), limit=number(p["limit"])),
    Problem.LOCATION_UNPRINTABLE: lambda p: _(
        "The location contains an invisible or control character ({char}); please type it "
        "without it."
    ).format(char=codepoint(p)),
    # every refused number of seats reads the same way: what to send, and why when it is
    # the registrations that set the lower end
    Problem.CAPACITY_NOT_A_NUMBER: lambda p: seats_wanted(p["low"], p["high"]),
    Problem.CAPACITY_OUT_OF_RANGE: lambda p: seats_wanted(p["low"], p["high"]),
    Problem.START_MALFORMED: lambda p: _(
        "Please send the date and time as YYYY-MM-DD HH:MM, for example 2030-05-17 19:30."
    ),
    Problem.START_NO_SUCH_MONTH: lambda p: _("There is no month {month}; use 01–12.").format(
        month=p["month"]
    ),
    Problem.START_NO_SUCH_DAY: lambda p: ngettext(
        "{month} has {count} day.", "{month} has {count} days.", p["days"]
    ).format(month=month(p["year"], p["month"]), count=number(p["days"])),
    Problem.START_NO_SUCH_HOUR: lambda p: _("There is no hour {hour}; use 00–23.").format(
        hour=p["hour"]
    ),
    Problem.START_NO_SUCH_MINUTE: lambda p: _("There is no minute {minute}; use 00–59.").format(
        minute=p["minute"]
    ),
    Problem.START_IN_THE_PAST: lambda p: _(
        "That moment has already passed; please pick a time in the future."
    ),
    # raised as StartInGap, whose zone problem_text names; this is for one without it
    Problem.START_IN_GAP: lambda p: skipped_time(p, _("this time zone")),
    Problem.START_TOO_FAR: lambda p: ngettext(
        "That is too far ahead: events can start at most {years} year from now.",
        "That is too far ahead: events can start at most {years} years from now.",
        p["years"],
    ).format(years=number(p["years"])),
    Problem.CAPACITY_BELOW_REGISTERED: lambda p: (
        ngettext(
            "{count} person is registered, so the capacity can't be less than {count}.",
            "{count} people are registered, so the capacity can't be less than {count}.",
            p["registered"],
        ).format(count=number(p["registered"]))
        + " "
        + seats_wanted(p["registered"], p["high"])
    ),
    Problem.MESSAGE_EMPTY: lambda p: _("The message can't be empty."),
    Problem.MESSAGE_TOO_LONG: lambda p: _(
        "The message is {length} characters long; one Telegram message holds {limit} with "
        "the heading I add (some emoji count as two). Please shorten it."
    ).format(length=number(p["length"]), limit=number(p["limit"])),
    Problem.MESSAGE_UNPRINTABLE: lambda p: _(
        "The message contains an invisible or control character ({char}); please type it "
        "without it."
    ).format(char=codepoint(p)),
}


def problem_text(error: InvalidInput) -> str:
    """Why a typed answer was refused, in words."""
    if isinstance(error, errors.StartInGap):  # the one problem that names a time zone
        return skipped_time(error.params, error.zone)
    return PROBLEMS[error.code](error.params)


# Every other domain error: one sentence per class.
ERROR_TEXTS: dict[type[errors.DomainError], Callable[[], str]] = {
    errors.NotLoggedIn: common.login_first,
    errors.NotAuthorized: common.managers_only,
    errors.ManagersDontRegister: lambda: _(
        "Manager accounts organise events; log in as a customer to register."
    ),
    errors.EventNotFound: lambda: _("That event doesn't exist (any more)."),
    errors.EventFull: lambda: _("😔 Sorry, this event is full."),
    errors.EventPast: lambda: _("This event has already started, so registration is closed."),
    errors.AlreadyRegistered: lambda: _("You're already registered for this event."),
    errors.NotRegistered: lambda: _("You're not registered for this event."),
    errors.EventCancelled: lambda: _("This event was cancelled."),
    errors.EventStarted: lambda: _(
        "This event has already started; it can't be changed or cancelled any more."
    ),
    errors.NotWaiting: lambda: _("You're not on the waitlist for this event."),
    errors.AlreadyWaiting: lambda: _("You're already on the waitlist for this event."),
    errors.NobodyRegistered: lambda: _(
        "Nobody is registered for this event yet, so there is nobody to message."
    ),
}


def error_text(error: Exception) -> str:
    """A domain error as the user reads it; anything else is an apology."""
    if isinstance(error, InvalidInput):
        return problem_text(error)
    wording = ERROR_TEXTS.get(type(error)) if isinstance(error, errors.DomainError) else None
    return wording() if wording is not None else common.something_went_wrong()


# posts and roles (/post, /promote, /demote)
ERROR_TEXTS.update(
    {
        errors.EventNotPostable: lambda: _(
            "That event is cancelled or has started, so there's nothing to post."
        ),
        errors.ChatUnavailable: lambda: _(
            "I'm not in that group or channel any more. Add me again to post there."
        ),
        errors.AccountNotFound: lambda: _("No account uses that email."),
        errors.AlreadyManager: lambda: _("That account is already a manager."),
        errors.AlreadyCustomer: lambda: _("That account is already a customer."),
        errors.LastManager: lambda: _(
            "You're the last manager: make someone else a manager first (/promote), "
            "so that somebody can still run the events."
        ),
    }
)
