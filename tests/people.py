"""Test-side people: they type, press buttons and read what the bot shows them."""

from __future__ import annotations

from bot.emulator import BotAPIEmulator, ChatMessage

TIMEOUT = 10.0


class Person:
    """A Telegram user in the emulator, with a cursor over what the bot did in their chat."""

    def __init__(self, emulator: BotAPIEmulator, user_id: int, name: str) -> None:
        self.emulator = emulator
        self.user_id = user_id
        self.name = name
        self.chat_id = user_id
        emulator.add_user(user_id, name)
        self.cursor = len(emulator.events)

    def say(self, text: str, *, chat_id: int | None = None) -> ChatMessage:
        """Type a message into the private chat (or ``chat_id``)."""
        return self.emulator.send_text(self.user_id, text, chat_id=chat_id)

    async def expect(self, fragment: str, *, chat_id: int | None = None) -> ChatMessage:
        """Wait for the bot to send or edit a message containing ``fragment``; move past it."""
        chat = self.chat_id if chat_id is None else chat_id
        found: list[ChatMessage] = []

        def seen() -> bool:
            for event in self.emulator.events[self.cursor :]:
                if (
                    event.kind != "deleted"
                    and event.message.chat_id == chat
                    and fragment in event.message.text
                ):
                    self.cursor = event.seq
                    found.append(event.message)
                    return True
            return False

        try:
            await self.emulator.wait_until(seen, TIMEOUT)
        except TimeoutError:
            recent = [e.message.text for e in self.emulator.events[self.cursor :]][-5:]
            raise AssertionError(f"{self.name} never saw {fragment!r}; recent: {recent}") from None
        return found[0]

    async def ask(self, text: str, fragment: str) -> ChatMessage:
        """Say ``text`` and wait for a reply containing ``fragment``."""
        self.say(text)
        return await self.expect(fragment)

    def message_with_button(self, label: str) -> ChatMessage:
        """The newest bot message in the chat that has a button labelled ``label``."""
        for message in reversed(self.emulator.bot_messages(self.chat_id)):
            if label in message.labels:
                return message
        shown = [m.labels for m in self.emulator.bot_messages(self.chat_id)][-3:]
        raise AssertionError(f"{self.name} has no button {label!r}; last keyboards: {shown}")

    def press(self, label: str, message: ChatMessage | None = None) -> str:
        """Press the button labelled ``label`` (in ``message`` or the newest that has it)."""
        message = message or self.message_with_button(label)
        data = dict(pair for row in message.buttons for pair in row)[label]
        return self.emulator.press(self.user_id, message, data)

    def press_data(self, message: ChatMessage, data: str) -> str:
        """Send a button press with arbitrary callback data (what a forged client does)."""
        return self.emulator.press(self.user_id, message, data)

    async def answer_to(self, query_id: str) -> dict[str, object]:
        """Wait for the bot's answer to a button press."""
        answers = self.emulator.callback_answers

        def answered() -> bool:
            return any(a["id"] == query_id for a in answers)

        await self.emulator.wait_until(answered, TIMEOUT)
        return next(a for a in answers if a["id"] == query_id)

    async def sign_up(self, email: str, password: str, *, manager_code: str | None = None) -> None:
        """Go through /signup as a customer, or as a manager with the invite code."""
        await self.ask("/signup", "What's your name?")
        await self.ask(self.name, "email address")
        await self.ask(email, "Choose a password")
        await self.ask(password, "customer or as an event manager")
        if manager_code is None:
            self.press("🙋 Customer")
        else:
            self.press("🛠 Manager")
            await self.expect("manager invite code")
            self.say(manager_code)
        await self.expect("you're logged in")

    async def log_in(self, email: str, password: str) -> ChatMessage:
        """Go through /login; returns the bot's verdict.

        After a wrong password the bot asks for it again; a new attempt cancels that first.
        """
        mine = self.emulator.bot_messages(self.chat_id)
        waiting = ("send the password again", "then send your password")
        if mine and any(words in mine[-1].text.lower() for words in waiting):
            await self.ask("/cancel", "Cancelled")
        await self.ask("/login", "email address of your account")
        await self.ask(email, "your password")
        self.say(password)
        await self.emulator.wait_until(
            lambda: any(
                e.message.chat_id == self.chat_id
                and any(
                    verdict in e.message.text
                    for verdict in ("Logged in", "don't match", "Too many failed logins")
                )
                for e in self.emulator.events[self.cursor :]
            ),
            TIMEOUT,
        )
        return await self.expect("")
