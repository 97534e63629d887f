"""The bytes on the wire: one value of every kind of button (each enum member, each optional
field present and left off, the largest numbers) packs to exactly the data that
bot/ui/callbacks.py packed before it became a package (written down from main at 2d26bb4),
and that data parses back to the value. Buttons already in chats keep working."""

from __future__ import annotations

from dataclasses import fields

import pytest

from bot.ui import callbacks as cb
from bot.ui.callbacks import Callback
from db.models import Role

BIG = 9223372036854775807  # 2**63 - 1, the largest id

WIRE_AT_2D26BB4: list[tuple[Callback, str]] = [
    (cb.Start(cb.StartAction.SIGNUP), "start:signup"),
    (cb.Start(cb.StartAction.LOGIN, 42), "start:login:42"),
    (cb.Start(cb.StartAction.SIGNUP, BIG), "start:signup:9223372036854775807"),
    (cb.RoleChoice(Role.CUSTOMER), "su:role:customer"),
    (cb.RoleChoice(Role.MANAGER), "su:role:manager"),
    (cb.EventList(0), "evl:0"),
    (cb.EventList(999999), "evl:999999"),
    (cb.EventCard(42), "ev:42"),
    (cb.EventCard(42, cb.CardAction.REGISTER), "ev:42:reg"),
    (cb.EventCard(42, cb.CardAction.UNREGISTER_CONFIRMED, from_mine=True), "ev:42:unregy:m"),
    (cb.EventCard(42, list_page=3), "ev:42:l3"),
    (cb.EventCard(42, cb.CardAction.TICKET, list_page=999999), "ev:42:tkt:l999999"),
    (
        cb.EventCard(BIG, cb.CardAction.JOIN_WAITLIST, from_mine=True),
        "ev:9223372036854775807:wait:m",
    ),
    (cb.EventCard(7, cb.CardAction.LEAVE_WAITLIST), "ev:7:unwait"),
    (cb.EventCard(7, cb.CardAction.UNREGISTER, list_page=1), "ev:7:unreg:l1"),
    (cb.MyEvents(), "my:0"),
    (cb.NewEventConfirm(cb.ConfirmAction.CREATE), "ne:create"),
    (cb.NewEventConfirm(cb.ConfirmAction.CANCEL), "ne:cancel"),
    (cb.AttendeePicker(0), "atl:0"),
    (cb.AttendeePicker(5), "atl:5"),
    (cb.Attendees(42), "att:42:0"),
    (cb.Attendees(BIG, 999999), "att:9223372036854775807:999999"),
    (cb.EndOtherSessions(), "ses:others"),
    (cb.PastEvents(0), "atp:0"),
    (cb.PastEvents(9), "atp:9"),
    (cb.ManagerCard(42), "mc:42"),
    (cb.ManagerCard(42, cb.ManageAction.EDIT), "mc:42:ed"),
    (cb.ManagerCard(42, cb.ManageAction.ATTENDEES), "mc:42:att"),
    (cb.ManagerCard(42, cb.ManageAction.MESSAGE), "mc:42:msg"),
    (cb.ManagerCard(42, cb.ManageAction.EXPORT), "mc:42:csv"),
    (cb.ManagerCard(42, cb.ManageAction.POST), "mc:42:post"),
    (cb.ManagerCard(42, cb.ManageAction.CHART), "mc:42:chart"),
    (cb.ManagerCard(42, cb.ManageAction.CANCEL), "mc:42:cx"),
    (cb.ManagerCard(42, cb.ManageAction.CANCEL_CONFIRMED), "mc:42:cxy"),
    (cb.CheckInList(42), "cin:42:0"),
    (cb.CheckInList(42, 3, 17), "cin:42:3:17"),
    (cb.CheckInList(BIG, 999999, BIG), "cin:9223372036854775807:999999:9223372036854775807"),
    (cb.ManagePicker(0), "mgl:0"),
    (cb.ManagePicker(2), "mgl:2"),
    (cb.ManagePast(0), "mgp:0"),
    (cb.ManagePast(11), "mgp:11"),
    (cb.EditField(42, cb.EventField.TITLE), "edf:42:title"),
    (cb.EditField(42, cb.EventField.DESCRIPTION), "edf:42:desc"),
    (cb.EditField(42, cb.EventField.START), "edf:42:start"),
    (cb.EditField(42, cb.EventField.LOCATION), "edf:42:loc"),
    (cb.EditField(42, cb.EventField.CAPACITY), "edf:42:cap"),
    (cb.BroadcastConfirm(cb.BroadcastAction.SEND), "bc:send"),
    (cb.BroadcastConfirm(cb.BroadcastAction.CANCEL), "bc:cancel"),
    (cb.PostTo(42, -1), "pt:42:-1"),
    (cb.PostTo(42, -1001234567890), "pt:42:-1001234567890"),
    (cb.PostTo(BIG, -9999999999999999), "pt:9223372036854775807:-9999999999999999"),
]

# values added since, pinned the same way from the commit that added them
WIRE_ADDED: list[tuple[Callback, str]] = [
    (cb.ManagerCard(42, cb.ManageAction.OPEN_BELOW), "mc:42:new"),  # fix/ui-polish
    # undo: undoing a check-in from a scan's answer or the check-in list, and checking in again
    (cb.UndoCheckIn(42, 17), "cun:42:17"),
    (cb.UndoCheckIn(42, 17, 0), "cun:42:17:0"),
    (cb.UndoCheckIn(42, 17, 3), "cun:42:17:3"),
    (
        cb.UndoCheckIn(BIG, BIG, 999999),
        "cun:9223372036854775807:9223372036854775807:999999",
    ),
    (cb.CheckInAgain(42, 17), "cia:42:17"),
    (cb.CheckInAgain(BIG, BIG), "cia:9223372036854775807:9223372036854775807"),
]

# the handler patterns at 2d26bb4: a kind's prefix, and each action of the manager's card
PATTERNS_AT_2D26BB4 = {
    cb.Start: r"^start(?::|$)",
    cb.RoleChoice: r"^su:role(?::|$)",
    cb.EventList: r"^evl(?::|$)",
    cb.EventCard: r"^ev(?::|$)",
    cb.MyEvents: r"^my(?::|$)",
    cb.NewEventConfirm: r"^ne(?::|$)",
    cb.AttendeePicker: r"^atl(?::|$)",
    cb.Attendees: r"^att(?::|$)",
    cb.EndOtherSessions: r"^ses(?::|$)",
    cb.PastEvents: r"^atp(?::|$)",
    cb.ManagerCard: r"^mc(?::|$)",
    cb.CheckInList: r"^cin(?::|$)",
    cb.ManagePicker: r"^mgl(?::|$)",
    cb.ManagePast: r"^mgp(?::|$)",
    cb.EditField: r"^edf(?::|$)",
    cb.BroadcastConfirm: r"^bc(?::|$)",
    cb.PostTo: r"^pt(?::|$)",
}


def test_the_table_has_every_kind_of_2d26bb4_and_every_member_of_its_enums() -> None:
    kinds = {type(value) for value, _ in WIRE_AT_2D26BB4}
    assert kinds == set(PATTERNS_AT_2D26BB4) and kinds <= set(Callback.kinds())
    shown = {
        (type(held), held)  # by type: CardAction.OPEN == ManageAction.OPEN == "open"
        for value, _ in WIRE_AT_2D26BB4 + WIRE_ADDED
        for held in (getattr(value, field.name) for field in fields(value))
    }
    enums = [cb.StartAction, Role, cb.CardAction, cb.ConfirmAction, cb.ManageAction]
    for enum in [*enums, cb.EventField, cb.BroadcastAction]:
        assert {(enum, member) for member in enum} <= shown, enum


@pytest.mark.parametrize(("value", "data"), WIRE_AT_2D26BB4 + WIRE_ADDED, ids=lambda x: str(x)[:40])
def test_every_kind_packs_to_the_bytes_it_always_did(value: Callback, data: str) -> None:
    assert value.pack().encode() == data.encode()
    assert type(value).parse(data) == value
    assert Callback.kind_of(data) is type(value)


def test_handler_patterns_are_unchanged() -> None:
    for kind, pattern in PATTERNS_AT_2D26BB4.items():
        assert kind.pattern().pattern == pattern
    assert cb.ManagerCard.action_pattern(cb.ManageAction.OPEN).pattern == "^mc:[^:]*$"
    assert cb.ManagerCard.action_pattern(cb.ManageAction.CANCEL).pattern == "^mc:[^:]*:cx$"
    assert cb.ManagerCard.action_pattern(cb.ManageAction.OPEN_BELOW).pattern == "^mc:[^:]*:new$"
    assert cb.UndoCheckIn.pattern().pattern == r"^cun(?::|$)"  # undo
    assert cb.CheckInAgain.pattern().pattern == r"^cia(?::|$)"
