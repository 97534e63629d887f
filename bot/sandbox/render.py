"""How the sandbox shows a chat: rich bubbles on a terminal, plain text otherwise."""

from __future__ import annotations

import sys
from html.parser import HTMLParser
from typing import Protocol, TextIO

from rich.console import Console, Group
from rich.panel import Panel
from rich.text import Text

from bot.emulator import ChatMessage

STYLES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strike", "strike": "strike", "del": "strike", "code": "cyan",
    "pre": "cyan", "a": "underline blue", "tg-spoiler": "reverse", "blockquote": "italic",
}  # fmt: skip


class _RichHTML(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text = Text()
        self.styles: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.styles.append(STYLES.get(tag, ""))

    def handle_endtag(self, tag: str) -> None:
        if self.styles:
            self.styles.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data, style=" ".join(s for s in self.styles if s) or None)


def rich_text(message: ChatMessage) -> Text:
    """The message with its HTML formatting as rich styles."""
    if message.html is None:
        return Text(message.text)
    parser = _RichHTML()
    parser.feed(message.html)
    parser.close()
    return parser.text


def button_lines(buttons: list[list[tuple[str, str]]]) -> list[str]:
    """Keyboard rows as ``[1] Label   [2] Label``, numbered left to right, top to bottom."""
    lines, number = [], 0
    for row in buttons:
        cells = []
        for label, _data in row:
            number += 1
            cells.append(f"[{number}] {label}")
        lines.append("   ".join(cells))
    return lines


class Output(Protocol):
    """Where the sandbox writes."""

    def bubble(self, message: ChatMessage, *, header: str, note: str | None = None) -> None:
        """Show a message from the bot (buttons numbered)."""

    def info(self, text: str) -> None:
        """Show a line from the sandbox itself."""

    def echo(self, who: str, text: str) -> None:
        """Repeat what a person typed (when the terminal doesn't show it)."""


class PlainOutput:
    """Plain text for pipes and files: no colours, no boxes."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def _write(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def bubble(self, message: ChatMessage, *, header: str, note: str | None = None) -> None:
        """Show a message from the bot (buttons numbered)."""
        lines = [f"┌─ {header}"]
        lines += [f"│ {line}" for line in message.text.splitlines() or [""]]
        lines += [f"│   {line}" for line in button_lines(message.buttons)]
        if note:
            lines.append(f"│ {note}")
        lines.append("└─")
        self._write("\n".join(lines))

    def info(self, text: str) -> None:
        """Show a line from the sandbox itself."""
        self._write(f"· {text}")

    def echo(self, who: str, text: str) -> None:
        """Repeat what a person typed."""
        self._write(f"{who}> {text}")


class RichOutput:
    """Chat bubbles for a real terminal."""

    def __init__(self) -> None:
        self.console = Console(force_terminal=True, highlight=False, soft_wrap=False)

    def bubble(self, message: ChatMessage, *, header: str, note: str | None = None) -> None:
        """Show a message from the bot (buttons numbered)."""
        parts: list[Text] = [rich_text(message)]
        buttons = button_lines(message.buttons)
        if buttons:
            parts.append(Text("\n".join(buttons), style="bold magenta"))
        if note:
            parts.append(Text(note, style="yellow"))
        self.console.print(
            Panel(
                Group(*parts),
                title=header,
                title_align="left",
                border_style="cyan",
                expand=False,  # as wide as the text, like a chat bubble
            )
        )

    def info(self, text: str) -> None:
        """Show a line from the sandbox itself."""
        self.console.print(Text(f"· {text}", style="dim"))

    def echo(self, who: str, text: str) -> None:
        """The terminal already shows what was typed."""
