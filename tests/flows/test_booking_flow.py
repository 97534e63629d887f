"""Whole flows through the real Application and the Bot API emulator over HTTP."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot import ui
from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator
from bot.ui.callbacks import CardAction, EventCard
from db.models import Event, Registration
from tests.conftest import BotFactory, RunningBot, Sessions
from tests.flows.helpers import manager_with_event
from tests.people import Person


async def test_manager_creates_event_and_customers_book_it_until_full(
    bot: RunningBot,
    emulator: BotAPIEmulator,
    clock: ShiftableClock,
    sessions: Sessions,
) -> None:
    boss = await manager_with_event(emulator, clock, capacity=2)
    assert "newevent" in emulator.commands_for({"type": "chat", "chat_id": boss.chat_id})

    ann, bob, cid = (Person(emulator, 1001 + i, n) for i, n in enumerate(["Ann", "Bob", "Cid"]))
    for person in (ann, bob, cid):
        await person.sign_up(f"{person.name.lower()}@example.com", "customer-secret")
    # log out and back in, as a returning customer does
    await ann.ask("/logout", "You're logged out")
    await ann.ask("/me", "You're not logged in")
    verdict = await ann.log_in("ANN@example.com", "customer-secret")
    assert "Logged in as Ann" in verdict.text

    listing = await ann.ask("/events", "Upcoming events")
    assert "Jazz night" in listing.text and "2 seats left" in listing.text
    ann.press(listing.labels[0])
    card = await ann.expect("📍 Main hall")
    assert card.message_id == listing.message_id  # opened in place
    assert card.labels == ["✅ Register", "🔗 Share", "« All events"]
    query = ann.press("✅ Register")
    assert (await ann.answer_to(query))["text"] == "✅ You're registered!"
    confirmation = await ann.expect("You're registered for Jazz night")
    assert "remind you 24 hours and 1 hour before" in confirmation.text
    assert ann.message_with_button("❌ Cancel registration").message_id == card.message_id

    # pressing the stale Register button again is idempotent
    shown = EventCard.parse(card.buttons[0][0][1])
    assert shown is not None and shown.action is CardAction.UNREGISTER
    query = ann.press_data(card, EventCard(shown.event_id, CardAction.REGISTER).pack())
    assert (await ann.answer_to(query))["text"] == "You're already registered for this event."

    bob_list = await bob.ask("/events", "Upcoming events")
    bob.press(bob_list.labels[0])
    await bob.expect("1 seat left")
    bob.press("✅ Register")
    await bob.expect("You're registered for Jazz night")

    cid_list = await cid.ask("/events", "full")
    cid.press(cid_list.labels[0])
    full = await cid.expect("Full: all 2 seats are taken")
    # a full event says so and offers no Register; a Register press from an older card is refused
    assert "😔 This event is full." in full.text
    assert full.labels == ["⏳ Join waitlist", "🔗 Share", "« All events"]
    query = cid.press_data(full, EventCard(shown.event_id, CardAction.REGISTER).pack())
    answer = await cid.answer_to(query)
    assert answer["text"] == "😔 Sorry, this event is full." and answer["show_alert"]

    mine = await ann.ask("/myevents", "Your upcoming events")
    assert "Jazz night" in mine.text and len(mine.labels) == 1
    ann.press(mine.labels[0])
    held = await ann.expect("You're registered.")
    # holding a seat of a full event: no "full" notice, and Cancel registration is still there
    assert "This event is full" not in held.text
    assert held.labels == ["❌ Cancel registration", "🎟 My ticket", "🔗 Share", "« My events"]
    ann.press("« My events")  # back where the card was opened from
    back = await ann.expect("Your upcoming events")
    assert back.message_id == held.message_id
    empty = await cid.ask("/myevents", "not registered for any upcoming events")
    assert empty.labels == []

    picker = await boss.ask("/attendees", "Whose attendees?")
    boss.press(picker.labels[0])
    attendees = await boss.expect("2 of 2 seats taken")
    assert "1. Ann — ann@example.com" in attendees.text
    assert "2. Bob — bob@example.com" in attendees.text

    async with sessions.begin() as session:
        event = await session.scalar(select(Event))
        assert event is not None and event.seats_left == 0
        assert await session.scalar(select(func.count()).select_from(Registration)) == 2


async def test_cancelling_frees_the_seat(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock
) -> None:
    await manager_with_event(emulator, clock, capacity=1)
    ann = Person(emulator, 1001, "Ann")
    await ann.sign_up("ann@example.com", "customer-secret")
    listing = await ann.ask("/events", "1 seat left")
    ann.press(listing.labels[0])
    await ann.expect("📍 Main hall")
    ann.press("✅ Register")
    await ann.expect("You're registered for Jazz night")
    ann.press("❌ Cancel registration")
    asked = await ann.expect("Cancel your registration for Jazz night")
    assert asked.labels == ["Yes, cancel it", "Keep it"]
    ann.press("Keep it")  # a stray tap loses nothing
    kept = await ann.expect("You're registered.")
    assert kept.message_id == asked.message_id
    ann.press("❌ Cancel registration")
    await ann.expect("Cancel your registration for Jazz night")
    ann.press("Yes, cancel it")
    await ann.expect("Your registration for Jazz night is cancelled")
    card = ann.message_with_button("✅ Register")
    assert "1 seat left" in card.text


async def test_register_while_logged_out_logs_in_and_comes_back_to_the_card(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock
) -> None:
    await manager_with_event(emulator, clock, capacity=3)
    ann = Person(emulator, 1001, "Ann")
    await ann.sign_up("ann@example.com", "customer-secret")
    await ann.ask("/logout", "logged out")
    listing = await ann.ask("/events", "Upcoming events")
    ann.press(listing.labels[0])
    await ann.expect("📍 Main hall")
    ann.press("✅ Register")
    offer = await ann.expect("To register for Jazz night, log in")
    assert offer.labels == ["🔑 Log in", "📝 Sign up"]
    ann.press("🔑 Log in")
    await ann.ask("ann@example.com", "your password")
    ann.say("customer-secret")
    await ann.expect("Logged in as Ann")
    card = await ann.expect("📍 Main hall")  # brought back to the event
    assert "✅ Register" in card.labels
    ann.press("✅ Register", card)
    await ann.expect("You're registered for Jazz night")


async def test_events_pages_five_at_a_time_in_place(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock
) -> None:
    from tests.flows.helpers import create_event

    boss = await manager_with_event(emulator, clock, title="Event 1", starts_in=timedelta(days=1))
    for day in range(2, 8):
        await create_event(
            boss, clock, title=f"Event {day}", capacity=5, starts_in=timedelta(days=day)
        )
    ann = Person(emulator, 1001, "Ann")
    first = await ann.ask("/events", "page 1 of 2")
    # soonest first
    assert [label.split(" · ")[0] for label in first.labels[:5]] == [
        "Event 1", "Event 2", "Event 3", "Event 4", "Event 5",
    ]  # fmt: skip
    assert first.labels[-1] == "Next ▶"
    ann.press("Next ▶")
    second = await ann.expect("page 2 of 2")
    assert second.message_id == first.message_id
    assert [label.split(" · ")[0] for label in second.labels[:2]] == ["Event 6", "Event 7"]
    assert second.labels[-1] == "◀ Prev"


async def test_register_needs_login(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock
) -> None:
    await manager_with_event(emulator, clock)
    guest = Person(emulator, 1001, "Guest")
    listing = await guest.ask("/events", "Upcoming events")
    guest.press(listing.labels[0])
    await guest.expect("📍 Main hall")
    query = guest.press("✅ Register")
    answer = await guest.answer_to(query)
    assert answer["text"] == "Please log in first: /login (or /signup if you're new)."


async def test_customer_cannot_use_manager_commands_or_forged_buttons(
    bot: RunningBot,
    emulator: BotAPIEmulator,
    clock: ShiftableClock,
    sessions: Sessions,
) -> None:
    await manager_with_event(emulator, clock, capacity=2)
    ann = Person(emulator, 1001, "Ann")
    await ann.sign_up("ann@example.com", "customer-secret")
    await ann.ask("/newevent", "only managers can do that")
    await ann.ask("/attendees", "only managers can do that")
    listing = await ann.ask("/events", "Upcoming events")
    assert "👥 Attendees" not in listing.labels
    for forged in ["att:1:0", "atl:0", "ne:create"]:
        query = ann.press_data(listing, forged)
        answer = await ann.answer_to(query)
        assert answer["text"] == "Sorry, only managers can do that." and answer["show_alert"]
    async with sessions.begin() as session:
        assert await session.scalar(select(func.count()).select_from(Event)) == 1
    # nothing but the refusals reached the customer's chat
    assert not any("ann@example.com —" in m.text for m in emulator.bot_messages(ann.chat_id))


async def test_signup_rejects_bad_answers_and_deletes_the_password(
    bot: RunningBot, emulator: BotAPIEmulator
) -> None:
    ann = Person(emulator, 1001, "Ann")
    await ann.ask("/signup", "What's your name?")
    await ann.ask("Ann", "email address")
    await ann.ask("not-an-email", "doesn't look like an email")
    await ann.ask("ann@example.com", "Choose a password")
    short = ann.say("short")
    await ann.expect("at least 8 characters")
    assert emulator.find_message(ann.chat_id, short.message_id).deleted  # type: ignore[union-attr]
    secret = ann.say("a much better secret")
    await ann.expect("customer or as an event manager")
    assert emulator.find_message(ann.chat_id, secret.message_id).deleted  # type: ignore[union-attr]
    ann.press("🛠 Manager")
    await ann.expect("manager invite code")
    ann.say("guess")
    await ann.expect("That invite code isn't right")
    ann.press("🙋 Continue as customer")
    await ann.expect("Your customer account is ready")
    await ann.ask("/me", "Role: Customer")
    assert not any("a much better secret" in m.text for m in emulator.chat(ann.chat_id))


async def test_wrong_password_and_unknown_email_look_the_same(
    bot: RunningBot, emulator: BotAPIEmulator
) -> None:
    ann = Person(emulator, 1001, "Ann")
    await ann.sign_up("ann@example.com", "customer-secret")
    await ann.ask("/logout", "logged out")
    wrong = await ann.log_in("ann@example.com", "not-the-password")
    unknown = await ann.log_in("nobody@example.com", "customer-secret")
    assert wrong.text == unknown.text == ui.accounts.login_try_again()
    await ann.ask("/me", "Please answer the question below")  # the password is asked again
    ann.say("customer-secret")  # ... for nobody@example.com, which has no account
    assert (await ann.expect("don't match")).text == ui.accounts.login_try_again()
    await ann.ask("/cancel", "Cancelled")
    await ann.ask("/me", "You're not logged in")


async def test_a_wrong_password_is_asked_again_and_the_right_one_then_logs_in(
    bot: RunningBot, emulator: BotAPIEmulator
) -> None:
    ann = Person(emulator, 1001, "Ann")
    await ann.sign_up("ann@example.com", "customer-secret")
    await ann.ask("/logout", "logged out")
    wrong = await ann.log_in("ann@example.com", "not-the-password")
    assert "Send the password again" in wrong.text
    ann.say("customer-secret")
    await ann.expect("Logged in as Ann")


async def test_cancel_leaves_a_conversation_and_group_chats_get_a_pointer(
    bot: RunningBot, emulator: BotAPIEmulator
) -> None:
    ann = Person(emulator, 1001, "Ann")
    await ann.ask("/newevent", "Please log in first")
    await ann.ask("/signup", "What's your name?")
    await ann.ask("/events", "Please answer the question below, or send /cancel")
    await ann.ask("/cancel", "Cancelled. Nothing was saved.")
    await ann.ask("/cancel", "There's nothing to cancel.")
    emulator.add_group(-500, "Friends")
    ann.say("/signup", chat_id=-500)
    pointer = await ann.expect("private chat", chat_id=-500)
    assert "t.me/EventBot_test_bot" in (pointer.html or "")


async def test_newevent_rejects_bad_answers_and_asks_again(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock
) -> None:
    from tests.conftest import INVITE_CODE
    from tests.flows.helpers import local_text

    boss = Person(emulator, 9000, "Boss")
    await boss.sign_up("boss@example.com", "manager-secret", manager_code=INVITE_CODE)
    await boss.ask("/newevent", "What's the title?")
    await boss.ask("x" * 101, "the limit is 100")
    await boss.ask("Jazz night", "Describe the event")
    await boss.ask("Live music.", "When does it start?")
    # a malformed answer gets the format; a well-formed impossible one its precise reason
    for typed, reason in [
        ("next friday", "Please send the date and time as YYYY-MM-DD HH:MM"),
        ("2031-02-30 19:00", "February 2031 has 28 days."),
        ("2032-02-30 19:00", "February 2032 has 29 days."),
        ("2031-05-17 25:00", "There is no hour 25; use 00–23."),
        ("2031-05-17 19:60", "There is no minute 60; use 00–59."),
        ("2031-13-01 19:00", "There is no month 13; use 01–12."),
    ]:
        refusal = await boss.ask(typed, "When does it start?")
        assert refusal.text.startswith(f"⚠️ {reason}"), refusal.text
    await boss.ask(local_text(clock.now() - timedelta(hours=1)), "already passed")
    await boss.ask(local_text(clock.now() + timedelta(days=3)), "Where does it take place?")
    await boss.ask("Main hall", "How many seats")
    for bad in ["0", "-5", "100001", "ten", "1e3"]:  # out of range or not a number: one answer
        refusal = await boss.ask(bad, "How many seats")
        assert refusal.text.startswith(
            "⚠️ Please send the number of seats as a whole number from 1 to 100,000."
        ), refusal.text
    summary = await boss.ask("1,000", "Please check the event")
    assert "1,000 seats" in summary.text
    boss.press("✖ Cancel")
    await boss.expect("Discarded")
    await boss.ask("/events", "no upcoming events")
    await boss.ask("/newevent", "What's the title?")
    await boss.ask("Big night", "Describe the event")
    await boss.ask("All welcome.", "When does it start?")
    await boss.ask(local_text(clock.now() + timedelta(days=3)), "Where does it take place?")
    await boss.ask("Main hall", "How many seats")
    boss.press("✅ Create", await boss.ask("1000", "Please check the event"))
    created = await boss.expect("Created Big night")
    assert "with 1,000 seats" in created.text


async def test_a_guesser_locks_only_their_own_telegram_account(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock
) -> None:
    ann = Person(emulator, 1001, "Ann")
    await ann.sign_up("ann@example.com", "customer-secret")
    await ann.ask("/logout", "logged out")
    mallory, trudy = Person(emulator, 6666, "Mallory"), Person(emulator, 6667, "Trudy")
    seen = {
        "ann@example.com": [
            (await mallory.log_in("ann@example.com", f"g{i}")).text for i in range(5)
        ],
        "nobody@example.com": [
            (await trudy.log_in("nobody@example.com", f"g{i}")).text for i in range(5)
        ],
    }
    # the same answers for a real and an unknown account, the fifth announcing the lock
    assert seen["ann@example.com"] == seen["nobody@example.com"]
    assert "wait 30 seconds" in seen["ann@example.com"][4]
    # the locked form waits at the password: a guess sent meanwhile is deleted and refused
    guess = mallory.say("g5")
    await mallory.expect("Too many failed logins")
    assert guess.deleted
    # Mallory is locked out, whatever email she tries ...
    await mallory.ask("/cancel", "Cancelled")
    await mallory.ask("/login", "email address")
    locked = await mallory.ask("bob@example.com", "Too many failed logins")
    assert "wait" in locked.text and "then send your password" in locked.text
    # locked at the email, the form still goes on to the password: what she types next (a
    # password, most likely) is deleted, and refused while the lock lasts
    guess = mallory.say("g6")
    again = await mallory.expect("Too many failed logins")
    assert guess.deleted and "send the password again" in again.text
    # ... while the owner, on her own Telegram account, logs in at once
    verdict = await ann.log_in("ann@example.com", "customer-secret")
    assert "Logged in as Ann" in verdict.text


async def test_many_guessers_lock_the_email_and_the_lock_can_fall_between_steps(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock
) -> None:
    ann = Person(emulator, 1001, "Ann")
    await ann.sign_up("ann@example.com", "customer-secret")
    await ann.ask("/logout", "logged out")
    await ann.ask("/login", "email address")
    await ann.ask("ann@example.com", "your password")
    for i in range(20):  # twenty strangers, one guess each: the email's threshold
        await Person(emulator, 7000 + i, f"Guesser{i}").log_in("ann@example.com", "guess")
    typed = ann.say("customer-secret")
    locked = await ann.expect("Too many failed logins")
    assert typed.deleted and "send the password again" in locked.text
    # the form waits at the password step: after the lock, the same password goes through
    clock.advance(timedelta(seconds=31))
    await ann.ask("customer-secret", "Logged in as Ann")


async def test_secrets_typed_in_a_group_are_deleted_and_never_used(
    bot: RunningBot, emulator: BotAPIEmulator
) -> None:
    ann = Person(emulator, 1001, "Ann")
    await ann.sign_up("ann@example.com", "customer-secret")
    await ann.ask("/logout", "logged out")
    emulator.add_group(-500, "Friends", bot_is_admin=True)
    emulator.add_group(-600, "Strangers")  # the bot may not delete here
    leaked = ann.say("/login ann@example.com customer-secret", chat_id=-500)
    pointer = await ann.expect("never type a password in a group", chat_id=-500)
    assert emulator.find_message(-500, leaked.message_id).deleted  # type: ignore[union-attr]
    reply = emulator.send_text(ann.user_id, "customer-secret", chat_id=-500, reply_to=pointer)
    await ann.expect("never type a password in a group", chat_id=-500)
    assert emulator.find_message(-500, reply.message_id).deleted  # type: ignore[union-attr]
    kept = ann.say("/signup Ann ann@example.com", chat_id=-600)
    answer = await ann.expect("private chat only", chat_id=-600)
    assert "deleted" not in answer.text
    assert not emulator.find_message(-600, kept.message_id).deleted  # type: ignore[union-attr]
    await ann.ask("/me", "You're not logged in")  # nothing typed in a group was used


async def test_sessions_expire_after_their_ttl(
    start_bot: BotFactory, emulator: BotAPIEmulator, clock: ShiftableClock
) -> None:
    await start_bot(session_ttl="2h")
    ann = Person(emulator, 1001, "Ann")
    await ann.sign_up("ann@example.com", "customer-secret")
    clock.advance(timedelta(hours=1, minutes=59))
    await ann.ask("/me", "ann@example.com")
    clock.advance(timedelta(minutes=2))
    await ann.ask("/me", "You're not logged in")
    await ann.ask("/myevents", "Please log in first")


async def test_an_event_too_long_for_one_message_is_shortened_with_a_note(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock
) -> None:
    from tests.flows.helpers import local_text

    boss = await manager_with_event(emulator, clock)
    await boss.ask("/newevent", "What's the title?")
    await boss.ask("🎉" * 100, "Describe the event")
    await boss.ask("🎶" * 2000, "When does it start?")  # 4000 UTF-16 units
    await boss.ask(local_text(clock.now() + timedelta(days=5)), "Where does it take place?")
    await boss.ask("📍" * 200, "How many seats")
    summary = await boss.ask("10", "Please check the event")
    assert summary.text.endswith(ui.limits.shortened_note())
    boss.press("✅ Create")
    await boss.expect("Created")
    ann = Person(emulator, 1001, "Ann")
    listing = await ann.ask("/events", "Upcoming events")
    ann.press(next(label for label in listing.labels if label.startswith("🎉")))
    card = await ann.expect(ui.limits.shortened_note())
    assert card.message_id == listing.message_id and ui.limits.tg_len(card.text) <= 4096
    assert card.labels == ["✅ Register", "🔗 Share", "« All events"]


async def test_help_and_the_end_of_sign_up_speak_to_each_role(
    bot: RunningBot, emulator: BotAPIEmulator
) -> None:
    from tests.conftest import INVITE_CODE

    def signed_up(person: Person) -> str:
        return next(
            m.text
            for m in reversed(emulator.bot_messages(person.chat_id))
            if "account is ready" in m.text
        )

    boss = Person(emulator, 9000, "Boss")
    await boss.sign_up("boss@example.com", "manager-secret", manager_code=INVITE_CODE)
    assert "/newevent" in signed_up(boss) and "/attendees" in signed_up(boss)
    assert "Try /events to find something to join" not in signed_up(boss)
    manager_help = await boss.ask("/help", "What I can do")
    assert "/events – browse upcoming events and see their attendees" in manager_help.text
    assert "/myevents" not in manager_help.text and "and register" not in manager_help.text
    assert "/newevent – create an event" in manager_help.text

    ann = Person(emulator, 1001, "Ann")
    await ann.sign_up("ann@example.com", "customer-secret")
    assert "Try /events to find something to join" in signed_up(ann)
    assert "/newevent" not in signed_up(ann)
    customer_help = await ann.ask("/help", "What I can do")
    assert "/events – browse upcoming events and register" in customer_help.text
    assert "/myevents – the events you're registered for" in customer_help.text
    assert "/newevent" not in customer_help.text


async def test_the_right_password_after_a_lock_is_over_leaves_no_lock_behind(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock
) -> None:
    ann = Person(emulator, 1001, "Ann")
    await ann.sign_up("ann@example.com", "customer-secret")
    await ann.ask("/logout", "logged out")
    for i in range(5):
        await ann.log_in("ann@example.com", f"typo{i}")
    clock.advance(timedelta(minutes=2))
    assert "Logged in as Ann" in (await ann.log_in("ann@example.com", "customer-secret")).text
    await ann.ask("/password", "your current password")
    await ann.ask("customer-secret", "Now the new password")  # not "Too many failed logins"
