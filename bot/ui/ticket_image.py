"""The ticket as a PNG: the event, the attendee's name and the QR code of the check-in link.

Pure drawing (Pillow, segno); the words arrive already translated (``TicketFace``), so this
runs in a worker thread (``bot.transport.offload``): a ticket takes ~20 ms to draw. The font
is DejaVu Sans from matplotlib's data, which covers Latin, Greek, Cyrillic, Arabic, Hebrew
and more. Characters it has no glyph for (emoji, CJK) are left out of the picture rather than
drawn as empty boxes (``bot.ui.glyphs``); the caption carries the full text. Lines wrap
between words; a word is broken between characters only when it alone is wider than a line.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont

from bot.ui import glyphs

WIDTH = 640
MARGIN = 40
QR_SIDE = 400  # about this many pixels: phones read it from a screen at arm's length
INK = 0
GREY = 110
PAPER = 255

Font = ImageFont.FreeTypeFont


@dataclass(frozen=True)
class TicketFace:
    """What the picture says, each line already in the reader's language."""

    heading: str
    title: str
    when: str
    where: str
    name: str
    footer: str
    link: str  # what the QR code encodes


def _font_path(bold: bool) -> str:
    import matplotlib  # only its data directory: the fonts ship with it

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name)


@functools.cache
def load_font(bold: bool, size: int) -> Font:
    """DejaVu Sans (``bold``: its bold face) at ``size`` pixels."""
    return ImageFont.truetype(_font_path(bold), size)


def printable(text: str, bold: bool) -> str:
    """``text`` as the picture shows it: on one line, without the characters the font can't
    draw (they would be empty boxes)."""
    return glyphs.drawable(text, glyphs.font_glyphs(_font_path(bold)))


def wrap(text: str, font: Font, width: int, max_lines: int) -> list[str]:
    """``text`` in lines no wider than ``width`` pixels, at most ``max_lines``.

    Lines break between words; a word is broken between characters only when it alone is
    wider than a line. Past ``max_lines`` the last line ends with "…" after its last whole
    word that leaves room for it (or inside a word that fills the line alone).
    """
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if font.getlength(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        *full, current = _pieces(word, font, width)
        lines += full
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], _ellipsis(lines[max_lines - 1], font, width)]
    return lines or [""]


def _pieces(word: str, font: Font, width: int) -> list[str]:
    """``word`` itself if it fits a line, else cut into the widest pieces that fit."""
    if font.getlength(word) <= width:
        return [word]
    pieces = [""]
    for char in word:
        if pieces[-1] and font.getlength(pieces[-1] + char) > width:
            pieces.append("")
        pieces[-1] += char
    return pieces


def _ellipsis(line: str, font: Font, width: int) -> str:
    """``line`` shortened to end in "…" within ``width``: whole words dropped from its end,
    characters only when a single word is left."""
    words = line.split(" ")
    while len(words) > 1 and font.getlength(" ".join(words) + "…") > width:
        words.pop()
    last = " ".join(words)
    while last and font.getlength(last + "…") > width:
        last = last[:-1]
    return last + "…"


def _qr(link: str) -> Image.Image:
    code = segno.make(link, error="m", micro=False)
    modules = code.symbol_size(scale=1, border=4)[0]
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=max(4, QR_SIDE // modules), border=4)
    buffer.seek(0)
    return Image.open(buffer).convert("L")


def render_ticket(face: TicketFace) -> bytes:
    """The ticket as PNG bytes: heading, title, date, place, name, QR code, footer."""
    text_width = WIDTH - 2 * MARGIN
    fields = [  # text, bold, size in pixels, ink, lines at most
        (face.heading, False, 22, GREY, 1),
        (face.title, True, 34, INK, 3),
        (face.when, False, 24, INK, 2),
        (face.where, False, 24, INK, 2),
        (face.name, True, 30, INK, 3),
    ]
    blocks: list[tuple[list[str], Font, int]] = []
    for text, bold, size, ink, most in fields:
        font = load_font(bold, size)
        blocks.append((wrap(printable(text, bold), font, text_width, most), font, ink))
    qr = _qr(face.link)
    footer_font = load_font(False, 20)
    footer = wrap(printable(face.footer, False), footer_font, text_width, 2)
    line_gap = 8
    text_height = (
        sum(len(lines) * (int(font.size) + line_gap) + 14 for lines, font, _ink in blocks) + 24
    )  # the rule above the name
    height = MARGIN + text_height + qr.height + len(footer) * (int(footer_font.size) + line_gap)
    image = Image.new("L", (WIDTH, height + MARGIN), PAPER)
    draw = ImageDraw.Draw(image)
    y = MARGIN
    for index, (lines, font, ink) in enumerate(blocks):
        if index == len(blocks) - 1:  # a dashed rule between the event and the attendee
            for x in range(MARGIN, WIDTH - MARGIN, 16):
                draw.line([(x, y + 8), (x + 8, y + 8)], fill=GREY, width=2)
            y += 24
        for line in lines:
            draw.text((MARGIN, y), line, font=font, fill=ink)
            y += int(font.size) + line_gap
        y += 14
    image.paste(qr, ((WIDTH - qr.width) // 2, y))
    y += qr.height
    for line in footer:
        width = footer_font.getlength(line)
        draw.text(((WIDTH - width) / 2, y), line, font=footer_font, fill=GREY)
        y += int(footer_font.size) + line_gap
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
