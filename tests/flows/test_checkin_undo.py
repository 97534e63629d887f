"""Undoing a check-in made by mistake, as a door app does: *↩ Undo check-in* under a scan's
answer, *↩ Undo: <name>* on the check-in list after a tap. Whole flows through the emulator;
the database says whether anything changed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot import ui
from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator
from bot.ui.callbacks import CheckInAgain, UndoCheckIn
from db.models import Event
from tests.conftest import RunningBot, Sessions
from tests.flows.helpers import AT_THE_DOOR, BERLIN, manager_with_event, seat_customer
from tests.flows.test_tickets import checked_in_rows, event_start, register, ticket_of
from tests.people import Person


async def only_event(sessions: Sessions) -> int:
    async with sessions.begin() as session:
        event_id = await session.scalar(select(Event.id))
        assert event_id is not None
        return event_id


def registration_of(payload: str) -> int:
    """The registration id a ticket's ``ci_<id>_<secret>`` payload carries."""
    return int(payload[3:].split("_", 1)[0])


async def test_a_scan_is_undone_and_scanning_again_counts_again(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await manager_with_event(emulator, clock, capacity=50, starts_in=AT_THE_DOOR)
    ann = Person(emulator, 1001, "Ann <b>")
    await register(ann, "ann@example.com")
    _, payload = await ticket_of(ann, emulator)
    event_id = await only_event(sessions)
    rid = registration_of(payload)
    when = ui.fmt.when(await event_start(sessions), BERLIN)

    scan = await boss.ask(f"/start {payload}", "checked in")
    assert scan.text.split("\n") == ["✅ Ann <b> checked in (1/1)", f"🎟 Jazz night · {when}"]
    assert scan.labels == ["↩ Undo check-in"]
    [(_, at, by)] = await checked_in_rows(sessions)
    assert at is not None and by is not None

    query = boss.press("↩ Undo check-in", scan)
    undone = await boss.expect("is no longer checked in")
    assert undone.message_id == scan.message_id  # the scan's answer, edited
    assert undone.text == "↩ Ann <b> is no longer checked in (0/1)"
    assert undone.labels == ["✅ Check in again"]
    assert (await boss.answer_to(query)).get("show_alert") in (None, False)
    assert await checked_in_rows(sessions) == [(rid, None, None)]
    picker = await boss.ask("/attendees", "Whose attendees?")
    boss.press(picker.labels[0])
    listing = await boss.expect("1 of 50 seats taken")
    assert "✅" not in listing.text

    # a second press of the same undo (a double tap, an old message): nothing to undo
    again = await boss.answer_to(boss.press_data(undone, UndoCheckIn(event_id, rid).pack()))
    assert again["text"] == "Ann <b> wasn't checked in: nothing to undo." and again["show_alert"]
    assert await checked_in_rows(sessions) == [(rid, None, None)]

    # scanning the ticket again counts her again
    clock.advance(timedelta(minutes=3))
    rescan = await boss.ask(f"/start {payload}", "checked in")
    assert rescan.text.split("\n") == ["✅ Ann <b> checked in (1/1)", f"🎟 Jazz night · {when}"]
    [(_, at_again, by_again)] = await checked_in_rows(sessions)
    assert at_again is not None and at_again > at and by_again == by

    # "already checked in" offers no undo: a second scan (a shared screenshot, say) can't
    # take back the check-in of the one who came first
    clock.advance(timedelta(minutes=5))
    already = await boss.ask(f"/start {payload}", "Already checked in")
    assert already.text == (
        f"☑ Already checked in at {at_again.astimezone(BERLIN):%H:%M}: Ann <b>\n"
        f"🎟 Jazz night · {when}"
    )
    assert already.labels == []
    # the answer that checked her in still undoes it; then ✅ Check in again restores it
    boss.press("↩ Undo check-in", rescan)
    undone = await boss.expect("is no longer checked in (0/1)")
    assert await checked_in_rows(sessions) == [(rid, None, None)]
    boss.press("✅ Check in again", undone)
    restored = await boss.expect("checked in (1/1)")
    assert restored.message_id == rescan.message_id
    assert restored.text.split("\n") == ["✅ Ann <b> checked in (1/1)", f"🎟 Jazz night · {when}"]
    assert restored.labels == ["↩ Undo check-in"]
    [(_, at_last, _)] = await checked_in_rows(sessions)
    assert at_last is not None and at_last > at_again  # checked in anew
    # pressing ✅ Check in again on a stale copy only says when she arrived
    stale = await boss.answer_to(boss.press_data(restored, CheckInAgain(event_id, rid).pack()))
    assert str(stale["text"]).startswith("☑ Already checked in at ")
    assert await checked_in_rows(sessions) == [(rid, at_last, by)]


async def _guests(sessions: Sessions, clock: ShiftableClock, names: list[str]) -> dict[str, int]:
    """Register ``names`` for the one event; their registration ids by name."""
    ids = {}
    async with sessions.begin() as session:
        event_id = await session.scalar(select(Event.id))
        assert event_id is not None
        for i, name in enumerate(names):
            email, chat_id = f"guest{i}@example.com", 5000 + i
            ids[name] = await seat_customer(
                session, clock, event_id=event_id, name=name, email=email, chat_id=chat_id
            )
    return ids


async def test_the_door_list_undoes_the_last_check_in(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await manager_with_event(emulator, clock, capacity=20)
    ids = await _guests(sessions, clock, ["Guest A", "Guest B", "Guest C"])
    event_id = await only_event(sessions)
    picker = await boss.ask("/attendees", "Whose attendees?")
    boss.press(picker.labels[0])
    await boss.expect("3 of 20 seats taken")
    boss.press("☑ Check in…")
    door = await boss.expect("Tap who has arrived")
    assert not any(label.startswith("↩") for label in door.labels)

    boss.press("Guest B · guest1@example.com", door)
    door = await boss.expect("1 of 3 checked in")
    assert door.labels == [
        "Guest A · guest0@example.com",
        "Guest C · guest2@example.com",
        "↩ Undo: Guest B",
        "« Attendees",
    ]
    boss.press("Guest A · guest0@example.com", door)
    door = await boss.expect("2 of 3 checked in")
    assert door.labels == ["Guest C · guest2@example.com", "↩ Undo: Guest A", "« Attendees"]

    query = boss.press("↩ Undo: Guest A", door)
    assert (await boss.answer_to(query))["text"] == "↩ Guest A is no longer checked in"
    door = await boss.expect("1 of 3 checked in")
    assert door.labels == [
        "Guest A · guest0@example.com",
        "Guest C · guest2@example.com",
        "« Attendees",
    ]
    rows = {rid: (at, by) for rid, at, by in await checked_in_rows(sessions)}
    assert rows[ids["Guest A"]] == (None, None)
    assert rows[ids["Guest B"]][0] is not None  # the earlier check-in stays
    assert rows[ids["Guest C"]] == (None, None)

    # the same undo pressed again (a double tap): refused, nothing changes
    before = await checked_in_rows(sessions)
    data = UndoCheckIn(event_id, ids["Guest A"], 0).pack()
    answer = await boss.answer_to(boss.press_data(door, data))
    assert answer["text"] == "Guest A wasn't checked in: nothing to undo." and answer["show_alert"]
    assert await checked_in_rows(sessions) == before

    # an undo forged for another event's id, or a registration of another event: nothing
    for forged in [UndoCheckIn(event_id + 1, ids["Guest B"], 0), UndoCheckIn(event_id, 10**9)]:
        answer = await boss.answer_to(boss.press_data(door, forged.pack()))
        assert answer["show_alert"], forged
    assert await checked_in_rows(sessions) == before

    # tapping her in again works as before
    boss.press("Guest A · guest0@example.com", door)
    door = await boss.expect("2 of 3 checked in")
    assert door.labels == ["Guest C · guest2@example.com", "↩ Undo: Guest A", "« Attendees"]


async def test_undo_is_refused_to_customers_for_gone_attendees_and_cancelled_events(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    boss = await manager_with_event(emulator, clock, capacity=10, starts_in=AT_THE_DOOR)
    ann = Person(emulator, 1001, "Ann")
    await register(ann, "ann@example.com")
    _, anns = await ticket_of(ann, emulator)
    bob = Person(emulator, 1002, "Bob")
    await register(bob, "bob@example.com")
    _, bobs = await ticket_of(bob, emulator)
    event_id = await only_event(sessions)
    await boss.ask(f"/start {anns}", "✅ Ann checked in")
    await boss.ask(f"/start {bobs}", "✅ Bob checked in")
    before = await checked_in_rows(sessions)
    assert all(at is not None for _, at, _ in before)

    # a customer (the attendee herself) and a logged-out user forging the undo: refused
    stranger = Person(emulator, 1003, "Stranger")
    listing = await stranger.ask("/events", "Upcoming events")
    for person, message, refusal in [
        (ann, ann.message_with_button("🎟 My ticket"), ui.common.managers_only()),
        (stranger, listing, ui.common.login_first()),
    ]:
        for data in [
            UndoCheckIn(event_id, registration_of(anns)).pack(),
            UndoCheckIn(event_id, registration_of(anns), 0).pack(),
            CheckInAgain(event_id, registration_of(anns)).pack(),
        ]:
            answer = await person.answer_to(person.press_data(message, data))
            assert answer["text"] == refusal and answer["show_alert"], (person.name, data)
    assert await checked_in_rows(sessions) == before

    # Bob cancels his registration: undoing his check-in says he is gone
    bob.press("❌ Cancel registration", bob.message_with_button("❌ Cancel registration"))
    await bob.expect("Cancel your registration")
    bob.press("Yes, cancel it")
    await bob.expect("is cancelled")
    bobs_scan = boss.message_with_button("↩ Undo check-in")
    answer = await boss.answer_to(boss.press("↩ Undo check-in", bobs_scan))
    assert answer["text"] == ui.checkin.attendee_gone() and answer["show_alert"]

    # the event is cancelled: its check-ins stay as they were
    async with sessions.begin() as session:
        await session.execute(update(Event).values(cancelled_at=clock.now()))
    left = await checked_in_rows(sessions)
    assert left == [row for row in before if row[0] == registration_of(anns)]
    for data in [
        UndoCheckIn(event_id, registration_of(anns)).pack(),
        UndoCheckIn(event_id, registration_of(anns), 0).pack(),
    ]:
        answer = await boss.answer_to(boss.press_data(bobs_scan, data))
        assert answer["text"] == "❌ Jazz night was cancelled: this ticket is no longer valid."
        assert answer["show_alert"]
    assert await checked_in_rows(sessions) == left
