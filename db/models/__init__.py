"""The EventBot schema as SQLAlchemy 2 models; Alembic migrations are what create it.

One module a concern; every table and enum is importable from here (``from db.models import
Event``), and importing this package puts every table on ``Base.metadata`` (Alembic's target).
"""

from db.models.accounts import LoginThrottle, Role, TelegramAccount, User
from db.models.base import NAMING_CONVENTION, Base, string_enum
from db.models.events import Event, Registration
from db.models.inbox import InboxUpdate, Lease
from db.models.organisers import BotChat, Broadcast, Cancellation, EventPost, WaitlistEntry
from db.models.outbox import DeliveryStatus, OutboxKind, OutboxMessage
from db.models.state import AppState, FormState

__all__ = [
    "NAMING_CONVENTION",
    "AppState",
    "Base",
    "BotChat",
    "Broadcast",
    "Cancellation",
    "DeliveryStatus",
    "Event",
    "EventPost",
    "FormState",
    "InboxUpdate",
    "Lease",
    "LoginThrottle",
    "OutboxKind",
    "OutboxMessage",
    "Registration",
    "Role",
    "TelegramAccount",
    "User",
    "WaitlistEntry",
    "string_enum",
]
