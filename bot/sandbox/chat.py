"""The sandbox's conversation logic: who you are, what a line means, what the bot showed."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.context import Deps, EventBotApp
from bot.emulator import BotAPIEmulator, ChatEvent, ChatMessage
from bot.forms.engine import awaiting_secret
from bot.forms.wiring import sweep_now
from bot.outbox import dispatch_now
from bot.sandbox.buttons import URL_BUTTON, button_number, hash_press_hint, keyboard_of, open_link
from bot.sandbox.commands import HELP, how_far
from bot.sandbox.files import save_attachment
from bot.sandbox.keep import restore_people, state_of, write_atomically
from bot.sandbox.people import People, SandboxPerson
from bot.sandbox.render import Output
from bot.sandbox.scan import holds_ticket_code, start_payload
from bot.services import app_state
from bot.services import forms as form_rows

SETTLE_CAP = 30.0

log = logging.getLogger(__name__)


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
        state_file: Path | None = None,
    ) -> None:
        self.emulator = emulator
        self.app = app
        self.deps: Deps = app.deps
        self.output = output
        self.files_dir = files_dir
        self.people = People(emulator)
        self.current: SandboxPerson = self.people.get_or_create(start_as)
        self.running = True
        self._secret = False
        self.last_picture: Path | None = None  # the newest ticket saved, for a bare :scan
        # where the Telegram side is kept between runs (bot.sandbox.keep); None: not kept
        self.state_file = state_file
        self._save_pending = False
        emulator.event_listeners.append(self._on_event)
        emulator.answer_listeners.append(self._on_answer)

    # ---- prompt --------------------------------------------------------------------------

    @property
    def prompt(self) -> str:
        """Who is typing."""
        return f"{self.current.name.lower()}> "

    @property
    def expects_secret(self) -> bool:
        """True while the current person's open form waits for a secret answer (a password,
        an invite code): the prompt hides the typing. Decided by the form's own declaration,
        read from the database after every exchange (``refresh_secret``)."""
        return self._secret

    async def refresh_secret(self) -> None:
        """Read the current person's open form and whether its step is secret."""
        person = self.current
        async with self.deps.db.query() as conn:
            state = await form_rows.load(conn, chat_id=person.chat_id, user_id=person.user_id)
        self._secret = awaiting_secret(state)

    # ---- input ---------------------------------------------------------------------------

    async def handle(self, line: str) -> None:
        """Act on one typed line and wait until the bot has finished reacting."""
        text = line.strip()
        if not text:
            return
        try:
            if text.startswith(":"):
                await self._command(text)
                return
            number = button_number(text, self.current.last_shown)  # the bottom bubble, edits too
            if number is not None:
                self._press(number)
            else:
                self.emulator.send_text(self.current.user_id, line.rstrip("\n"))
                hint = hash_press_hint(text, len(self.current.keyboard))
                if hint is not None:
                    self.output.info(hint)
            await self.settle()
        except Exception as exc:  # a typo must never end the session
            # never the text of a secret answer (it may be a password) in sandbox.log
            shown = "(hidden: a secret answer)" if self._secret else repr(text[:200])
            log.exception("sandbox input %s failed", shown)
            self.output.info(f"sandbox error: {type(exc).__name__}: {str(exc)[:200]}")
        finally:
            self.save_state()  # who is typing, what was read

    def _press(self, digits: str) -> None:
        person = self.current
        number = int(digits) if len(digits) <= 6 else 0  # int() refuses over 4300 digits
        if not 1 <= number <= len(person.keyboard) or person.keyboard_message is None:
            shown = len(person.keyboard)
            self.output.info(
                f"there is no button {digits if len(digits) <= 20 else digits[:20] + '…'}"
                + (f" (the last keyboard has 1–{shown})" if shown else " (no keyboard shown)")
            )
            return
        label, data = person.keyboard[number - 1]
        if data.startswith(URL_BUTTON):
            self._open_link(label, data.removeprefix(URL_BUTTON))
            return
        self.output.info(f"{person.name} pressed “{label}”")
        self.emulator.press(person.user_id, person.keyboard_message, data)

    def _open_link(self, label: str, url: str) -> None:
        """A URL button: say where it leads, and open this bot's chat when it links there."""
        person = self.current
        opened = open_link(label, url, who=person.name)
        self.output.info(opened.note)
        if opened.start_payload is not None:
            self.emulator.send_text(person.user_id, f"/start {opened.start_payload}")

    async def _command(self, text: str) -> None:
        name, _, arg = text[1:].partition(" ")
        arg = arg.strip()
        if name in {"quit", "q", "exit"}:
            self.running = False
        elif name == "help":
            self.output.info(HELP)
        elif name == "who":
            self._who()
        elif name == "as":
            if not arg:
                self.output.info("use :as NAME to become NAME (created on first use); :who lists")
                return
            self._switch(arg)
            await self.refresh_secret()
        elif name == "clock":
            await self._clock(arg)
        elif name == "scan":
            await self._scan(arg)
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
        for entry in unread:
            self._show(entry.message, edited=entry.edited, at=entry.at)

    async def _clock(self, arg: str) -> None:
        clock = self.deps.clock
        delta = await how_far(arg, self.deps)
        if delta is None:
            self.output.info(f"the bot's time is {self._time()}")
            return
        if isinstance(delta, str):  # what is wrong with the argument
            self.output.info(delta)
            return
        advance = getattr(clock, "advance", None)
        if advance is None:
            self.output.info("this clock can't be moved")
            return
        advance(delta)
        async with self.deps.db.write() as session:
            await app_state.save_clock_offset(session, getattr(clock, "offset", timedelta()))
        self.output.info(f"clock moved forward; the bot's time is now {self._time()}")
        await sweep_now(self.deps)  # forms left alone past their time out close, and say so
        await dispatch_now(self.app)
        await self.settle()

    async def _scan(self, arg: str) -> None:
        path = arg or self.last_picture
        if path is None:
            self.output.info("no picture saved yet; try :scan PATH")
            return
        try:
            payload = start_payload(path)
        except ValueError as exc:
            self.output.info(str(exc))
            return
        self.output.info(f"{self.current.name} scanned {path}: /start {payload[:12]}…")
        self.emulator.send_text(self.current.user_id, f"/start {payload}")
        await self.settle()

    def _time(self) -> str:
        return self._format(self.deps.clock.now())

    def _format(self, moment: datetime) -> str:
        local = moment.astimezone(self.deps.settings.tz)
        return f"{local:%a %d %b %Y %H:%M} {local.tzname()}"

    # ---- output --------------------------------------------------------------------------

    def _on_event(self, event: ChatEvent) -> None:
        # the bot's time now, while the bot sends: with a moved clock, the emulator's wall-clock
        # ChatMessage.date would be off by the clock's offset
        at = self.deps.clock.now()
        message = event.message
        owner = self.people.by_chat(message.chat_id)
        self._schedule_save()
        if event.kind == "deleted":
            if not message.from_bot and message.chat_id == self.current.chat_id:
                self.output.info("🔒 the bot deleted your message")
            elif owner is not None:
                owner.forget_unread(message)
            return
        if owner is None:
            if message.chat.get("type") != "private" and message.from_bot:
                # a post in a group or channel: shown to everyone, as its members see it
                title = message.chat.get("title", "a group")
                header = f"👥 {title} · {self._format(at)}" + (
                    " · edited" if event.kind == "edited" else ""
                )
                self.output.bubble(message, header=header, note=None)
            return
        if owner is not self.current:
            owner.keep_unread(message, at=at, edited=event.kind == "edited")
            self.output.info(f"💬 new message for {owner.name} (:as {owner.name.lower()} to read)")
            return
        self._show(message, edited=event.kind == "edited", at=at)

    def _on_answer(self, answer: dict[str, Any]) -> None:
        if answer.get("user_id") != self.current.user_id or not answer.get("text"):
            return
        prefix = "⚠ " if answer.get("show_alert") else "↳ "
        self.output.info(prefix + str(answer["text"]))

    def _show(self, message: ChatMessage, *, edited: bool, at: datetime) -> None:
        person = self.people.by_chat(message.chat_id)
        note = None
        if message.document is not None and message.document_bytes is not None:
            note = f"📎 saved to {save_attachment(self.files_dir, message)}"
        elif message.photo_bytes is not None:
            picture = save_attachment(self.files_dir, message)
            note = f"🖼 saved to {picture}"
            if holds_ticket_code(picture):  # a ticket: :scan plays the door's phone
                self.last_picture = picture
                note += " (:scan reads the QR code in it)"
        header = f"EventBot · {self._format(at)}" + (" · edited" if edited else "")
        self.output.bubble(message, header=header, note=note)
        if person is None:
            return
        person.last_shown, person.last_shown_at = message, at
        if message.buttons:
            person.keyboard, person.keyboard_message = keyboard_of(message), message
        elif person.keyboard_message is message:
            person.keyboard, person.keyboard_message = [], None

    # ---- kept between runs (bot.sandbox.keep) -------------------------------------------

    def save_state(self) -> None:
        """Write the Telegram side and everyone's unread messages to ``state_file``."""
        self._save_pending = False
        if self.state_file is None:
            return
        state = state_of(self.emulator, self.people, self.current, self.last_picture)
        write_atomically(self.state_file, state)

    def _schedule_save(self) -> None:
        """Save once the bot's current burst of calls is through (a broadcast: one write)."""
        if self.state_file is None or self._save_pending:
            return
        self._save_pending = True
        asyncio.get_running_loop().call_soon(self.save_state)

    def restore_people(self, state: dict[str, Any]) -> None:
        """Bring back who was in the sandbox, their unread messages and keyboards, and who
        was typing (the emulator already holds the kept chats)."""
        current, self.last_picture = restore_people(self.people, state)
        if current is not None and current in self.people.by_name:
            self.current = self.people.by_name[current]

    def show_where_we_left_off(self) -> bool:
        """After a restart: the current person's last bot message again (a number presses
        its buttons), and who has unread messages. False when there is nothing to show."""
        for person in self.people.by_name.values():
            if person.unread and person is not self.current:
                count = len(person.unread)
                self.output.info(
                    f"💬 {count} unread for {person.name} (:as {person.name.lower()} to read)"
                )
        unread, self.current.unread = self.current.unread, []
        for entry in unread:
            self._show(entry.message, edited=entry.edited, at=entry.at)
        last = self.current.last_shown
        if unread or last is None or last.deleted:
            return bool(unread)
        at = self.current.last_shown_at or self.deps.clock.now()
        header = f"EventBot · {self._format(at)} · before the restart"
        self.output.bubble(last, header=header, note=None)
        return True

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
                break
            await asyncio.sleep(0.01)
        await self.refresh_secret()
