"""The sandbox's conversation logic: who you are, what a line means, what the bot showed."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot.context import Deps, EventBotApp
from bot.durations import parse_duration
from bot.emulator import BotAPIEmulator, ChatEvent, ChatMessage
from bot.forms.engine import awaiting_secret
from bot.forms.wiring import sweep_now
from bot.outbox import dispatch_now
from bot.sandbox.people import People, SandboxPerson
from bot.sandbox.render import Output
from bot.sandbox.scan import start_payload
from bot.services import app_state, outbox
from bot.services import forms as form_rows

HELP = """Sandbox commands:
  :as NAME        switch to (or create) the person NAME, with their own Telegram chat
  :who            list the people in this sandbox
  :clock          show the bot's time
  :clock +1h      move the bot's clock forward (s, m, h, d, w) and send what falls due
  :clock next     jump to the next pending reminder
  :scan [PATH]    scan a ticket's QR code (the picture saved at PATH, else the last one):
                  its link is opened as the current person, as a phone camera would
  :help           this list
  :quit           leave (Ctrl-D too); the database stays as it is
  2               press button 2 of the bot's latest message (sent or edited), if it has buttons
  #2              press button 2 of the last keyboard shown, even with newer messages below it
Any other line is sent to the bot as a message, and so is a number when the bot's latest
message has no buttons (an answer to "How many seats?")."""

SETTLE_CAP = 30.0
# a button number: ASCII digits only ("²".isdigit() is True, int("²") fails), "#" to insist
BUTTON = re.compile(r"(#?)([0-9]+)")
URL_BUTTON = "\x00url:"  # keyboard entries of URL buttons (no callback data can start so)
MAX_BARE_DIGITS = 3  # longer numbers are answers ("1000" seats), not buttons

# the clock stops ten years before datetime's end: the bot still adds days to "now"
LAST_DAY = datetime.max.replace(tzinfo=UTC) - timedelta(days=3660)

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
        self.last_picture: Path | None = None  # the newest photo saved, for a bare :scan
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
            number = self._button_number(text)
            if number is not None:
                self._press(number)
            else:
                self.emulator.send_text(self.current.user_id, line.rstrip("\n"))
                self._hint_hash_press(text)
            await self.settle()
        except Exception as exc:  # a typo must never end the session
            # never the text of a secret answer (it may be a password) in sandbox.log
            shown = "(hidden: a secret answer)" if self._secret else repr(text[:200])
            log.exception("sandbox input %s failed", shown)
            self.output.info(f"sandbox error: {type(exc).__name__}: {str(exc)[:200]}")

    def _button_number(self, text: str) -> str | None:
        """The digits of a button press (``2`` or ``#2``), or None when ``text`` is a message."""
        match = BUTTON.fullmatch(text)
        if match is None:
            return None
        insist, digits = match.groups()
        if insist:
            return digits
        latest = self.current.last_shown  # the bubble at the bottom, edits included
        latest_has_buttons = latest is not None and not latest.deleted and bool(latest.buttons)
        return digits if latest_has_buttons and len(digits) <= MAX_BARE_DIGITS else None

    def _hint_hash_press(self, text: str) -> None:
        """A bare number sent as a message while an older keyboard is on screen: say how to
        press that keyboard's button instead (the number may well have meant it)."""
        match = BUTTON.fullmatch(text)
        person = self.current
        if match is None or match.group(1) or not person.keyboard:
            return
        digits = match.group(2)
        if len(digits) <= MAX_BARE_DIGITS and 1 <= int(digits) <= len(person.keyboard):
            self.output.info(
                f"sent “{digits}” as a message (the newest message has no buttons); "
                f"#{digits} presses button {digits} of the keyboard above"
            )

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
        """A URL button: a link to this bot opens its chat with /start <payload>, as Telegram
        does; Telegram's share sheet (t.me/share) would let you pick a chat to send it to."""
        person = self.current
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        if parts.hostname == "t.me" and parts.path == "/share/url":
            shared = query.get("url", [""])[0]
            self.output.info(
                f"“{label}” opens Telegram's share sheet to send {shared} to a chat; "
                "here, anyone who opens that link gets the card"
            )
            return
        payload = query.get("start", [""])[0]
        if parts.hostname == "t.me" and payload:
            self.output.info(f"{person.name} opened {url}")
            self.emulator.send_text(person.user_id, f"/start {payload}")
            return
        self.output.info(f"“{label}” opens {url} (outside the sandbox)")

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
        if arg == "next":
            async with self.deps.db.read() as session:
                due = await outbox.next_due_at(session)
            if due is None:
                self.output.info("no reminders are pending")
                return
            delta = max(due - clock.now(), timedelta()) + timedelta(seconds=1)
        elif arg.startswith("+"):
            try:
                delta = parse_duration(arg[1:])
            except ValueError as exc:
                self.output.info(f"{str(exc)[:100]}; try :clock +1h")
                return
            except OverflowError:  # more days than a timedelta holds
                delta = timedelta.max
            if delta > LAST_DAY - clock.now():
                self.output.info("that is too far: the bot's calendar ends in the year 9999")
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
            note = f"📎 saved to {self._save(message)}"
        elif message.photo_bytes is not None:
            self.last_picture = self._save(message)
            note = f"🖼 saved to {self.last_picture} (:scan reads a QR code in it)"
        header = f"EventBot · {self._format(at)}" + (" · edited" if edited else "")
        self.output.bubble(message, header=header, note=note)
        if person is None:
            return
        person.last_shown = message
        if message.buttons:
            urls = message.urls
            person.keyboard = [
                (label, data or URL_BUTTON + urls.get(label, ""))
                for row in message.buttons
                for label, data in row
            ]
            person.keyboard_message = message
        elif person.keyboard_message is message:
            person.keyboard, person.keyboard_message = [], None

    def _save(self, message: ChatMessage) -> Path:
        """Write a document (under its file name) or a photo (Telegram keeps no name: PNG is
        what the emulator accepts) into the files directory."""
        if message.document is not None and message.document_bytes is not None:
            name, content = (
                str(message.document.get("file_name") or "document"),
                message.document_bytes,
            )
        else:
            assert message.photo_bytes is not None
            name, content = "photo.png", message.photo_bytes
        self.files_dir.mkdir(parents=True, exist_ok=True)
        path = self.files_dir / f"{message.chat_id}-{message.message_id}-{Path(name).name}"
        copy = 1
        while path.exists():  # message ids start again with each run: keep earlier files
            copy += 1
            stem = f"{message.chat_id}-{message.message_id}-{Path(name).stem}-{copy}"
            path = self.files_dir / f"{stem}{Path(name).suffix}"
        path.write_bytes(content)
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
                break
            await asyncio.sleep(0.01)
        await self.refresh_secret()
