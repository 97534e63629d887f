"""Button values for tests: every callback kind's representative values and a strategy for each.

Tests import these instead of writing callback data by hand; a new kind of button without
an entry here fails tests/test_callbacks.py.
"""

from __future__ import annotations

from hypothesis import strategies as st

from bot.ui.callbacks import (
    MAX_ID,
    MAX_PAGE,
    AttendeePicker,
    Attendees,
    BroadcastAction,
    BroadcastConfirm,
    Callback,
    CardAction,
    CheckInAgain,
    CheckInList,
    ConfirmAction,
    EditField,
    EndOtherSessions,
    EventCard,
    EventField,
    EventList,
    ManageAction,
    ManagePast,
    ManagePicker,
    ManagerCard,
    MyEvents,
    NewEventConfirm,
    PastEvents,
    PostTo,
    RoleChoice,
    Start,
    StartAction,
    UndoCheckIn,
)
from db.models import Role

IDS = st.integers(1, MAX_ID)
PAGES = st.integers(0, MAX_PAGE)

STRATEGIES: dict[type[Callback], st.SearchStrategy[Callback]] = {
    Start: st.builds(Start, st.sampled_from(StartAction), st.none() | IDS),
    RoleChoice: st.builds(RoleChoice, st.sampled_from(Role)),
    EventList: st.builds(EventList, PAGES),
    EventCard: st.builds(EventCard, IDS, st.sampled_from(CardAction)),
    MyEvents: st.just(MyEvents()),
    NewEventConfirm: st.builds(NewEventConfirm, st.sampled_from(ConfirmAction)),
    AttendeePicker: st.builds(AttendeePicker, PAGES),
    Attendees: st.builds(Attendees, IDS, PAGES),
    EndOtherSessions: st.just(EndOtherSessions()),
    PastEvents: st.builds(PastEvents, PAGES),
    ManagerCard: st.builds(ManagerCard, IDS, st.sampled_from(ManageAction)),
    CheckInList: st.builds(CheckInList, IDS, PAGES, st.none() | IDS),
    ManagePicker: st.builds(ManagePicker, PAGES),
    ManagePast: st.builds(ManagePast, PAGES),
    EditField: st.builds(EditField, IDS, st.sampled_from(EventField)),
    BroadcastConfirm: st.builds(BroadcastConfirm, st.sampled_from(BroadcastAction)),
    PostTo: st.builds(PostTo, IDS, st.integers(-(10**16) + 1, -1)),
    UndoCheckIn: st.builds(UndoCheckIn, IDS, IDS, st.none() | PAGES),
    CheckInAgain: st.builds(CheckInAgain, IDS, IDS),
}
ANY_BUTTON = st.one_of(*STRATEGIES.values())

# every enum value, and the smallest and largest numbers, of each kind
EXAMPLES: dict[type[Callback], list[Callback]] = {
    Start: [
        *(Start(action) for action in StartAction),
        *(Start(action, event_id) for action in StartAction for event_id in (1, MAX_ID)),
    ],
    RoleChoice: [RoleChoice(role) for role in Role],
    EventList: [EventList(0), EventList(1), EventList(MAX_PAGE)],
    EventCard: [EventCard(event_id, a) for a in CardAction for event_id in (1, 2, MAX_ID)],
    MyEvents: [MyEvents()],
    NewEventConfirm: [NewEventConfirm(action) for action in ConfirmAction],
    AttendeePicker: [AttendeePicker(0), AttendeePicker(1), AttendeePicker(MAX_PAGE)],
    Attendees: [Attendees(1, 0), Attendees(2, 1), Attendees(MAX_ID, MAX_PAGE)],
    EndOtherSessions: [EndOtherSessions()],
    PastEvents: [PastEvents(0), PastEvents(1), PastEvents(MAX_PAGE)],
    ManagerCard: [ManagerCard(event_id, a) for a in ManageAction for event_id in (1, MAX_ID)],
    CheckInList: [
        CheckInList(1, 0),
        CheckInList(2, 1, 3),
        CheckInList(MAX_ID, MAX_PAGE),
        CheckInList(MAX_ID, MAX_PAGE, MAX_ID),
    ],
    ManagePicker: [ManagePicker(0), ManagePicker(1), ManagePicker(MAX_PAGE)],
    ManagePast: [ManagePast(0), ManagePast(1), ManagePast(MAX_PAGE)],
    EditField: [EditField(event_id, f) for f in EventField for event_id in (1, MAX_ID)],
    BroadcastConfirm: [BroadcastConfirm(action) for action in BroadcastAction],
    PostTo: [PostTo(1, -1), PostTo(2, -1001234567890), PostTo(MAX_ID, -(10**16) + 1)],
    UndoCheckIn: [
        UndoCheckIn(1, 2),
        UndoCheckIn(2, 3, 0),
        UndoCheckIn(MAX_ID, MAX_ID),
        UndoCheckIn(MAX_ID, MAX_ID, MAX_PAGE),
    ],
    CheckInAgain: [CheckInAgain(1, 2), CheckInAgain(MAX_ID, MAX_ID)],
}
