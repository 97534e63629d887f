"""Buttons as typed values: one small frozen dataclass per kind of button.

Each kind owns its wire format: ``pack()`` writes the callback data, ``parse()`` reads it back,
``pattern()`` is the anchored regex of its prefix for ``CallbackQueryHandler``. Callback data
comes from the client and can be anything, so ``parse()`` validates like any untrusted input
(ASCII digits only, bounded lengths, ids 1..2**63-1, pages 0..999999, known words) and answers
None instead of raising. Formats never change meaning: buttons in old messages keep working.

A kind is declared, not coded: ``wire=`` names the codec of each field (``base``). The kinds
live in ``customer`` (everyone's buttons) and ``organiser`` (managers'); import them from here.

| kind              | data                          |
|-------------------|-------------------------------|
| ``Start``         | ``start:signup``, ``start:login`` (``:ID``: the card to return to) |
| ``RoleChoice``    | ``su:role:customer``, ``su:role:manager`` |
| ``EventList``     | ``evl:PAGE``                  |
| ``EventCard``     | ``ev:ID``, ``ev:ID:reg``, ``ev:ID:unreg`` |
| ``MyEvents``      | ``my:0``                      |
| ``NewEventConfirm`` | ``ne:create``, ``ne:cancel`` |
| ``AttendeePicker``| ``atl:PAGE``                  |
| ``Attendees``     | ``att:ID:PAGE`` (a page holds what fits one message) |
| ``EndOtherSessions`` | ``ses:others``             |
| ``PastEvents``    | ``atp:PAGE``                  |
| ``ManagerCard``   | ``mc:ID``, ``mc:ID:ACTION`` (the organiser's card and its buttons) |
| ``CheckInList``   | ``cin:ID:PAGE`` (who hasn't arrived), ``cin:ID:PAGE:REG`` (check REG in) |
| ``UndoCheckIn``   | ``cun:ID:REG`` (a scan's answer), ``cun:ID:REG:PAGE`` (check-in list) |
| ``CheckInAgain``  | ``cia:ID:REG`` (under a scan's answer whose check-in was undone) |
| ``ManagePicker``  | ``mgl:PAGE``                  |
| ``ManagePast``    | ``mgp:PAGE``                  |
| ``EditField``     | ``edf:ID:FIELD`` (title, desc, start, loc, cap) |
| ``BroadcastConfirm`` | ``bc:send``, ``bc:cancel`` (under a message to attendees) |
| ``PostTo``        | ``pt:ID:CHAT`` (post event ID in group/channel CHAT, a negative id) |
"""

from bot.ui.callbacks.base import (
    ID,
    MAX_ID,
    MAX_PAGE,
    PAGE,
    Callback,
    Choice,
    Codec,
    Fixed,
    Number,
    Omittable,
    Paged,
)
from bot.ui.callbacks.customer import (
    MINE,
    CardAction,
    EndOtherSessions,
    EventCard,
    EventList,
    MyEvents,
    RoleChoice,
    Start,
    StartAction,
)
from bot.ui.callbacks.organiser import (
    AttendeePicker,
    Attendees,
    BroadcastAction,
    BroadcastConfirm,
    CheckInAgain,
    CheckInList,
    ConfirmAction,
    EditField,
    EventField,
    GroupChatId,
    ManageAction,
    ManagePast,
    ManagePicker,
    ManagerCard,
    NewEventConfirm,
    PastEvents,
    PostTo,
    UndoCheckIn,
)

__all__ = [
    "ID",
    "MAX_ID",
    "MAX_PAGE",
    "MINE",
    "PAGE",
    "AttendeePicker",
    "Attendees",
    "BroadcastAction",
    "BroadcastConfirm",
    "Callback",
    "CardAction",
    "CheckInAgain",
    "CheckInList",
    "Choice",
    "Codec",
    "ConfirmAction",
    "EditField",
    "EndOtherSessions",
    "EventCard",
    "EventField",
    "EventList",
    "Fixed",
    "GroupChatId",
    "ManageAction",
    "ManagePast",
    "ManagePicker",
    "ManagerCard",
    "MyEvents",
    "NewEventConfirm",
    "Number",
    "Omittable",
    "Paged",
    "PastEvents",
    "PostTo",
    "RoleChoice",
    "Start",
    "StartAction",
    "UndoCheckIn",
]
