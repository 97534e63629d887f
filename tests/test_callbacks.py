"""Buttons as typed values: every kind round-trips, old data keeps its meaning, forged data
parses to nothing and never raises."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.ui.callbacks import (
    MAX_ID,
    AttendeePicker,
    Attendees,
    Callback,
    CardAction,
    ConfirmAction,
    EventCard,
    EventList,
    MyEvents,
    NewEventConfirm,
    PastEvents,
    RoleChoice,
    Start,
    StartAction,
)
from bot.ui.limits import MAX_CALLBACK_DATA
from db.models import Role
from tests.buttons import ANY_BUTTON, EXAMPLES, STRATEGIES


def test_every_kind_has_test_values() -> None:
    assert set(STRATEGIES) == set(EXAMPLES) == set(Callback.kinds())


@given(button=ANY_BUTTON)
def test_every_button_round_trips_within_64_bytes(button: Callback) -> None:
    data = button.pack()
    assert len(data.encode()) <= MAX_CALLBACK_DATA
    assert type(button).parse(data) == button
    assert Callback.kind_of(data) is type(button)
    assert button.exact().match(data)
    # exactly one kind's handler pattern claims it
    assert [kind for kind in Callback.kinds() if kind.pattern().match(data)] == [type(button)]


# the callback data in users' chats today: it must keep its meaning
OLD_FORMATS = {
    "evl:0": EventList(0),
    "evl:12": EventList(12),
    "ev:42": EventCard(42),
    "ev:42:reg": EventCard(42, CardAction.REGISTER),
    "ev:42:unreg": EventCard(42, CardAction.UNREGISTER),
    "my:0": MyEvents(),
    "start:signup": Start(StartAction.SIGNUP),
    "start:login": Start(StartAction.LOGIN),
    "start:signup:42": Start(StartAction.SIGNUP, 42),
    "start:login:42": Start(StartAction.LOGIN, 42),
    "su:role:customer": RoleChoice(Role.CUSTOMER),
    "su:role:manager": RoleChoice(Role.MANAGER),
    "ne:create": NewEventConfirm(ConfirmAction.CREATE),
    "ne:cancel": NewEventConfirm(ConfirmAction.CANCEL),
    "atl:3": AttendeePicker(3),
    "att:42:0": Attendees(42, 0),
    "att:42:7": Attendees(42, 7),
    f"ev:{MAX_ID}": EventCard(MAX_ID),
    "atp:0": PastEvents(0),
    "atp:4": PastEvents(4),
}


@pytest.mark.parametrize(("data", "value"), OLD_FORMATS.items())
def test_old_callback_data_keeps_its_meaning(data: str, value: Callback) -> None:
    kind = Callback.kind_of(data)
    assert kind is type(value)
    assert kind.parse(data) == value
    assert value.pack() == data


FORGED = [
    "",
    "ev",
    "ev:",
    "ev:0",
    "ev:-1",
    "ev:+1",
    "ev: 1",
    "ev:1 ",
    "ev:1\n",
    "ev:１",  # a fullwidth digit: str.isdigit() says yes
    "ev:٣",  # an Arabic-Indic digit
    f"ev:{MAX_ID + 1}",
    "ev:00000000000000000001",  # 20 digits
    "ev:1:open",
    "ev:1:x",
    "ev:1:reg:1",
    "ev:1:",
    "ev::reg",
    "evl:",
    "evl:1000000",
    "evl:-1",
    "evl:1:2",
    "my",
    "my:1",
    "my:0:0",
    "start",
    "start:",
    "start:admin",
    "start:signup:0",
    "start:signup:x",
    "start:login:1:2",
    "su:role",
    "su:role:",
    "su:role:admin",
    "su:role:Customer",
    "ne:",
    "ne:maybe",
    "ne:create:1",
    "atl:x",
    "att:1",
    "att:1:",
    "att:0:0",
    "att:1:1000000",
    "att:1:2:3",
    "atp",
    "atp:",
    "atp:x",
    "atp:-1",
    "atp:1000000",
    "atp:1:2",
    "EV:1",
    " ev:1",
    "ev:1" + "0" * 70,
]


@pytest.mark.parametrize("data", FORGED)
def test_forged_data_parses_to_nothing(data: str) -> None:
    assert all(kind.parse(data) is None for kind in Callback.kinds())


@given(
    data=st.one_of(
        st.text(max_size=80),
        st.builds(
            lambda kind, rest: f"{kind.prefix}{rest}",
            st.sampled_from(Callback.kinds()),
            st.text(alphabet=":0123456789-+ reguncatmoisl\n１", max_size=30),
        ),
    )
)
def test_parsing_never_raises_and_what_parses_is_canonical(data: str) -> None:
    for kind in Callback.kinds():
        value = kind.parse(data)
        if value is not None:
            assert kind.parse(value.pack()) == value


def test_non_text_data_parses_to_nothing() -> None:
    assert EventCard.parse(None) is None
    assert EventCard.parse(b"ev:1") is None
    assert Callback.kind_of(42) is None


def test_prefixes_are_checked_when_a_kind_is_declared() -> None:
    with pytest.raises(ValueError, match="overlaps"):

        @dataclass(frozen=True)
        class Clash(Callback, prefix="su"):  # would swallow su:role:...
            pass

    with pytest.raises(ValueError, match="bad callback prefix"):

        @dataclass(frozen=True)
        class Bad(Callback, prefix="Ev 1"):
            pass

    assert "su" not in {kind.prefix for kind in Callback.kinds()}
