"""What an adversarial probe broke, each closed: parallel guesses, invite-code guessing,
two forms at once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.clock import ShiftableClock
from bot.emulator import BotAPIEmulator
from db.models import LoginThrottle, Role, User
from tests.conftest import INVITE_CODE, RunningBot, Sessions
from tests.people import Person


async def test_parallel_password_guesses_each_cost_one_attempt(
    bot: RunningBot, emulator: BotAPIEmulator, sessions: Sessions
) -> None:
    ann = Person(emulator, 1001, "Ann")
    await ann.sign_up("ann@example.com", "customer-secret")
    guessers = [Person(emulator, 7000 + i, f"G{i}") for i in range(12)]
    for guesser in guessers:
        await guesser.ask("/login", "email address")
        await guesser.ask("ann@example.com", "your password")
    for i, guesser in enumerate(guessers):  # all at once
        guesser.say(f"guess-{i}")
    await asyncio.gather(*(g.expect("don't match") for g in guessers))
    async with sessions.begin() as session:
        failures = await session.scalar(
            select(LoginThrottle.failures).where(LoginThrottle.key == "email:ann@example.com")
        )
    assert failures == 12


async def test_the_invite_code_is_throttled_like_a_password(
    bot: RunningBot, emulator: BotAPIEmulator, clock: ShiftableClock, sessions: Sessions
) -> None:
    eve = Person(emulator, 6666, "Eve")
    await eve.ask("/signup", "What's your name?")
    await eve.ask("Eve", "email address")
    await eve.ask("eve@example.com", "Choose a password")
    await eve.ask("eve-password", "customer or as an event manager")
    eve.press("🛠 Manager")
    await eve.expect("manager invite code")
    for i in range(5):
        wrong = eve.say(f"guess-{i}")
        await eve.expect("invite code isn't right")
        assert wrong.deleted
    right = eve.say(INVITE_CODE)  # even the right code waits out the lock
    await eve.expect("Too many wrong invite codes")
    assert right.deleted
    clock.advance(timedelta(seconds=31))
    await eve.ask(INVITE_CODE, "you're logged in")
    async with sessions.begin() as session:
        role = await session.scalar(select(User.role).where(User.email == "eve@example.com"))
    assert role is Role.MANAGER


async def test_sessions_lists_every_login_and_logs_out_the_others(
    bot: RunningBot, emulator: BotAPIEmulator, sessions: Sessions
) -> None:
    phone = Person(emulator, 1001, "Ann")
    await phone.sign_up("ann@example.com", "customer-secret")
    laptop = Person(emulator, 1002, "Ann on her laptop")
    await laptop.log_in("ann@example.com", "customer-secret")
    # the phone, logged in already, is told of the new login (once), naming it
    told = await phone.expect("New login to your account from Ann on her laptop")
    assert "/password" in told.text and "/sessions" in told.text
    listing = await phone.ask("/sessions", "Where you're logged in")
    assert "This chat</b> (Ann)" in (listing.html or "") or "This chat (Ann)" in listing.text
    assert "Ann on her laptop" in listing.text
    assert listing.labels == ["🚪 Log out the others"]
    query = phone.press("🚪 Log out the others")
    assert "Logged out 1 other" in str((await phone.answer_to(query))["text"])
    await laptop.expect("You were logged out here from another Telegram account")
    await laptop.ask("/me", "You're not logged in")
    await phone.ask("/me", "ann@example.com")
    news = [m for m in emulator.bot_messages(phone.chat_id) if "New login" in m.text]
    assert len(news) == 1
    # a login again from a chat already logged in tells nobody; the laptop, logged out, isn't
    await phone.ask("/logout", "logged out")
    await phone.log_in("ann@example.com", "customer-secret")
    assert not any("New login" in m.text for m in emulator.bot_messages(laptop.chat_id))


async def test_changing_the_password_ends_the_other_sessions(
    bot: RunningBot, emulator: BotAPIEmulator
) -> None:
    phone = Person(emulator, 1001, "Ann")
    await phone.sign_up("ann@example.com", "customer-secret")
    laptop = Person(emulator, 1002, "Laptop")
    await laptop.log_in("ann@example.com", "customer-secret")
    await phone.ask("/password", "your current password")
    wrong = phone.say("not-it")
    await phone.expect("That isn't your current password")
    assert wrong.deleted
    await phone.ask("customer-secret", "Now the new password")
    await phone.ask("a-brand-new-secret", "Your password is changed, and 1 other")
    await laptop.expect("You were logged out here")
    await phone.ask("/logout", "logged out")
    assert "don't match" in (await phone.log_in("ann@example.com", "customer-secret")).text
    await phone.ask("/cancel", "Cancelled")
    assert "Logged in" in (await phone.log_in("ann@example.com", "a-brand-new-secret")).text
