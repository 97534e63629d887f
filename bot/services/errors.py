"""Domain errors raised by services and turned into friendly texts by handlers."""

from __future__ import annotations

from datetime import datetime


class DomainError(Exception):
    """Base class: something the user asked for cannot be done."""


class InvalidInput(DomainError):
    """The user typed something we cannot accept; the message says why."""


class EmailTaken(DomainError):
    """An account with this email already exists."""


class BadCredentials(DomainError):
    """Unknown email or wrong password (deliberately indistinguishable)."""


class BadInviteCode(DomainError):
    """The manager invite code is wrong or manager sign-up is disabled."""


class LoginLocked(DomainError):
    """Too many failed logins for this email; try again after ``until``."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"locked until {until.isoformat()}")
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
