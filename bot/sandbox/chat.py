"""The sandbox's conversation logic: who you are, what a line means, what the bot showed."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.context import DEPS_KEY, Deps, EventBotApp
from bot.durations import parse_duration
from bot.emulator import BotAPIEmulator, ChatEvent, ChatMessage
from bot.reminders import dispatch_now
from bot.sandbox.people import People, SandboxPerson
from bot.sandbox.render import Output
from bot.services import reminders

HELP = """Sandbox commands:
  :as NAME        switch to (or create) the person NAME, with their own Telegram chat
  :who            list the people in this sandbox
  :clock          show the bot's time
  :clock +1h      move the bot's clock forward (s, m, h, d, w) and send what falls due
  :clock next     jump to the next pending reminder
  :help           this list
  :quit           leave (Ctrl-D too); the database stays as it is
A number presses that button of the last keyboard shown; any other line is sent as a message."""

SECRET_HINT = "I'll delete your message"
SETTLE_CAP = 30.0


class SandboxChat:
    """Turns typed lines into Telegram updates and bot activity into terminal output."""

    def __init__(
        self,
        *,
        emulator: BotAPIEmulator,
        app: EventBotApp,
        output: Output,
        files_dir: Path,
        start_as: str,
    ) -> None:
        self.emulator = emulator
        self.app = app
        self.deps: Deps = app.bot_data[DEPS_KEY]
        self.output = output
        self.files_dir = files_dir
        self.people = People(emulator)
        self.current: SandboxPerson = self.people.get_or_create(start_as)
        self.running = True
        emulator.event_listeners.append(self._on_event)
        emulator.answer_listeners.append(self._on_answer)

    # ---- prompt --------------------------------------------------------------------------

    @property
    def prompt(self) -> str:
        """Who is typing."""
        return f"{self.current.name.lower()}> "

    @property
    def expects_secret(self) -> bool:
        """True when the bot just asked for a password or code (the prompt hides the input)."""
        messages = self.emulator.bot_messages(self.current.chat_id)
        return bool(messages) and SECRET_HINT in messages[-1].text

    # ---- input ---------------------------------------------------------------------------

    async def handle(self, line: str) -> None:
        """Act on one typed line and wait until the bot has finished reacting."""
        text = line.strip()
        if not text:
            return
        if text.startswith(":"):
            await self._command(text)
            return
        if text.isdigit() and len(text) <= 3:
            self._press(int(text))
        else:
            self.emulator.send_text(self.current.user_id, line.rstrip("\n"))
        await self.settle()

    def _press(self, number: int) -> None:
        person = self.current
        if not 1 <= number <= len(person.keyboard) or person.keyboard_message is None:
            shown = len(person.keyboard)
            self.output.info(
                f"there is no button {number}"
                + (f" (the last keyboard has 1–{shown})" if shown else " (no keyboard shown)")
            )
            return
        label, data = person.keyboard[number - 1]
        self.output.info(f"{person.name} pressed “{label}”")
        self.emulator.press(person.user_id, person.keyboard_message, data)

    async def _command(self, text: str) -> None:
        name, _, arg = text[1:].partition(" ")
        arg = arg.strip()
        if name in {"quit", "q", "exit"}:
            self.running = False
        elif name == "help":
            self.output.info(HELP)
        elif name == "who":
            self._who()
        elif name == "as" and arg:
            self._switch(arg)
        elif name == "clock":
            await self._clock(arg)
        else:
            self.output.info(f"unknown sandbox command {text!r}; :help lists them")

    def _who(self) -> None:
        for person in self.people.by_name.values():
            marker = "→" if person is self.current else " "
            unread = f", {len(person.unread)} unread" if person.unread else ""
            self.output.info(f"{marker} {person.name} (Telegram id {person.user_id}{unread})")

    def _switch(self, name: str) -> None:
        try:
            person = self.people.get_or_create(name)
        except ValueError as exc:
            self.output.info(str(exc))
            return
        self.current = person
        self.output.info(f"you are now {person.name} (Telegram id {person.user_id})")
        unread, person.unread = person.unread, []
        for message in unread:
            self._show(message, edited=message.edits > 0)

    async def _clock(self, arg: str) -> None:
        clock = self.deps.clock
        if arg == "next":
            async with self.deps.db.read() as session:
                due = await reminders.next_due_at(session)
            if due is None:
                self.output.info("no reminders are pending")
                return
            delta = max(due - clock.now(), timedelta()) + timedelta(seconds=1)
        elif arg.startswith("+"):
            try:
                delta = parse_duration(arg[1:])
            except ValueError as exc:
                self.output.info(f"{exc}; try :clock +1h")
                return
        elif arg:
            self.output.info("use :clock +1h (forward only) or :clock next")
            return
        else:
            self.output.info(f"the bot's time is {self._time()}")
            return
        advance = getattr(clock, "advance", None)
        if advance is None:
            self.output.info("this clock can't be moved")
            return
        advance(delta)
        self.output.info(f"clock moved forward; the bot's time is now {self._time()}")
        await dispatch_now(self.app)
        await self.settle()

    def _time(self) -> str:
        local = self.deps.clock.now().astimezone(self.deps.settings.tz)
        return f"{local:%a %d %b %Y %H:%M} {local.tzname()}"

    # ---- output --------------------------------------------------------------------------

    def _on_event(self, event: ChatEvent) -> None:
        message = event.message
        if event.kind == "deleted":
            if not message.from_bot and message.chat_id == self.current.chat_id:
                self.output.info("🔒 the bot deleted your message")
            return
        owner = self.people.by_chat(message.chat_id)
        if owner is None:
            return
        if owner is not self.current:
            owner.unread.append(message)
            self.output.info(f"💬 new message for {owner.name} (:as {owner.name.lower()} to read)")
            return
        self._show(message, edited=event.kind == "edited")

    def _on_answer(self, answer: dict[str, Any]) -> None:
        if answer.get("user_id") != self.current.user_id or not answer.get("text"):
            return
        prefix = "⚠ " if answer.get("show_alert") else "↳ "
        self.output.info(prefix + str(answer["text"]))

    def _show(self, message: ChatMessage, *, edited: bool) -> None:
        person = self.people.by_chat(message.chat_id)
        note = None
        if message.document is not None and message.document_bytes is not None:
            note = f"📎 saved to {self._save(message)}"
        header = f"EventBot · {self._time()}" + (" · edited" if edited else "")
        self.output.bubble(message, header=header, note=note)
        if person is None:
            return
        if message.buttons:
            person.keyboard = [pair for row in message.buttons for pair in row]
            person.keyboard_message = message
        elif person.keyboard_message is message:
            person.keyboard, person.keyboard_message = [], None

    def _save(self, message: ChatMessage) -> Path:
        assert message.document is not None and message.document_bytes is not None
        self.files_dir.mkdir(parents=True, exist_ok=True)
        name = Path(str(message.document.get("file_name") or "document")).name
        path = self.files_dir / f"{message.chat_id}-{message.message_id}-{name}"
        path.write_bytes(message.document_bytes)
        return path

    async def settle(self) -> None:
        """Wait until every update sent so far is handled and the bot has gone quiet."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_CAP
        quiet_since: float | None = None
        seen = -1
        while loop.time() < deadline:
            busy = (
                bool(self.emulator.updates)
                or self.app.update_queue.qsize() > 0
                or self.app.update_processor.current_concurrent_updates > 0
            )
            count = len(self.emulator.events) + len(self.emulator.callback_answers)
            if busy or count != seen:
                quiet_since, seen = None, count
            elif quiet_since is None:
                quiet_since = loop.time()
            elif loop.time() - quiet_since >= 0.05:
                return
            await asyncio.sleep(0.01)
