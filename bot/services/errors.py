"""Domain errors raised by services and worded for users by bot.ui.errors.

Services never speak English to users: an error carries a class, and an ``InvalidInput`` a
``Problem`` code with its numbers (``InvalidInput(Problem.TITLE_TOO_LONG, limit=100,
length=130)``), so the words can be chosen, and translated, where they are shown.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum


class DomainError(Exception):
    """Base class: something the user asked for cannot be done."""


class Problem(StrEnum):
    """Why a typed answer is refused (the ``code`` of ``InvalidInput``)."""

    NAME_EMPTY = "name_empty"
    NAME_TOO_LONG = "name_too_long"  # limit
    NAME_UNPRINTABLE = "name_unprintable"  # codepoint (of the first refused character)
    EMAIL_INVALID = "email_invalid"
    EMAIL_INVISIBLE = "email_invisible"  # codepoint: a control or direction character
    PASSWORD_TOO_SHORT = "password_too_short"  # limit (bytes)
    PASSWORD_TOO_LONG = "password_too_long"  # limit (bytes)
    TITLE_EMPTY = "title_empty"
    TITLE_TOO_LONG = "title_too_long"  # limit, length
    TITLE_UNPRINTABLE = "title_unprintable"  # codepoint
    DESCRIPTION_EMPTY = "description_empty"
    DESCRIPTION_TOO_LONG = "description_too_long"  # limit, length
    DESCRIPTION_UNPRINTABLE = "description_unprintable"  # codepoint
    LOCATION_EMPTY = "location_empty"
    LOCATION_TOO_LONG = "location_too_long"  # limit, length
    LOCATION_UNPRINTABLE = "location_unprintable"  # codepoint
    CAPACITY_NOT_A_NUMBER = "capacity_not_a_number"  # low, high
    CAPACITY_OUT_OF_RANGE = "capacity_out_of_range"  # low, high
    START_MALFORMED = "start_malformed"  # not YYYY-MM-DD HH:MM at all
    START_NO_SUCH_MONTH = "start_no_such_month"  # month
    START_NO_SUCH_DAY = "start_no_such_day"  # year, month, days (in that month)
    START_NO_SUCH_HOUR = "start_no_such_hour"  # hour
    START_NO_SUCH_MINUTE = "start_no_such_minute"  # minute
    START_IN_THE_PAST = "start_in_the_past"
    # year, month, day, hour, minute (as typed), from_hour, from_minute, to_hour, to_minute
    # (the wall clock jumps from → to there): raised as StartInGap, which names the zone
    START_IN_GAP = "start_in_gap"
    START_TOO_FAR = "start_too_far"  # years
    CAPACITY_BELOW_REGISTERED = "capacity_below_registered"  # registered (seats taken), high
    MESSAGE_EMPTY = "message_empty"
    MESSAGE_TOO_LONG = "message_too_long"  # limit, length (UTF-16 units, as Telegram counts)
    MESSAGE_UNPRINTABLE = "message_unprintable"  # codepoint


class InvalidInput(DomainError):
    """The user typed something we cannot accept: ``code`` says why, ``params`` the numbers."""

    def __init__(self, code: Problem, **params: int) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params


class StartInGap(InvalidInput):
    """A start the clocks skip in ``zone`` (they jump forward there, e.g. 02:00 → 03:00)."""

    def __init__(self, *, zone: str, **params: int) -> None:
        super().__init__(Problem.START_IN_GAP, **params)
        self.zone = zone


class EmailTaken(DomainError):
    """An account with this email already exists."""


class BadCredentials(DomainError):
    """Unknown email or wrong password (deliberately indistinguishable)."""


class LoginLocked(DomainError):
    """Too many failed attempts for this account or email; try again after ``until``."""

    def __init__(self, until: datetime) -> None:
        super().__init__(until)
        self.until = until


class NotLoggedIn(DomainError):
    """The action needs a logged-in account."""


class NotAuthorized(DomainError):
    """The account's role does not allow the action."""


class ManagersDontRegister(DomainError):
    """Manager accounts organise events; they don't take seats."""


class EventNotFound(DomainError):
    """No event with that id."""


class EventFull(DomainError):
    """No seats left."""


class EventPast(DomainError):
    """The event has already started."""


class AlreadyRegistered(DomainError):
    """The user already holds a seat at this event."""


class NotRegistered(DomainError):
    """The user holds no seat at this event."""


class EventCancelled(DomainError):
    """The event was cancelled: nobody can register, wait for a seat, or change it."""


class EventStarted(DomainError):
    """The event has started: its organisers can no longer change or cancel it."""


class NotWaiting(DomainError):
    """The user is not on this event's waitlist."""


class AlreadyWaiting(DomainError):
    """The user is already on this event's waitlist."""


class NobodyRegistered(DomainError):
    """A broadcast needs at least one person registered for the event."""


# ---- posts and roles (promote/demote) ----


class EventNotPostable(DomainError):
    """The event was cancelled or has started: there is nothing to invite people to."""


class ChatUnavailable(DomainError):
    """The bot is no longer in that group or channel."""


class AccountNotFound(DomainError):
    """No account uses that email (only managers, who may see accounts, are told)."""


class AlreadyManager(DomainError):
    """/promote of an account that is a manager already."""


class AlreadyCustomer(DomainError):
    """/demote of an account that is a customer already."""


class LastManager(DomainError):
    """Demoting this account would leave no manager."""
