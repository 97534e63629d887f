"""The ticket as a PNG: the event, the attendee's name and the QR code of the check-in link.

Pure drawing (Pillow, segno); the words arrive already translated (``TicketFace``), so this
runs in a worker thread (``bot.transport.offload``): a ticket takes ~20 ms to draw. The font
is DejaVu Sans from matplotlib's data, which covers Latin, Greek, Cyrillic, Arabic, Hebrew
and more (CJK names come out as boxes in the picture; the caption carries them as text).
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont

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


@functools.cache
def _font(bold: bool, size: int) -> Font:
    import matplotlib  # only its data directory: the fonts ship with it

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name), size)


def _wrap(text: str, font: Font, width: int, max_lines: int) -> list[str]:
    """``text`` in lines no wider than ``width`` pixels, at most ``max_lines`` (… at the cut);
    a word too long for a line is broken between characters."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if font.getlength(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        for char in word:
            if font.getlength(current + char) > width and current:
                lines.append(current)
                current = ""
            current += char
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and font.getlength(last + "…") > width:
            last = last[:-1]
        lines = [*lines[: max_lines - 1], last + "…"]
    return lines or [""]


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
    blocks: list[tuple[list[str], Font, int]] = [
        (_wrap(face.heading, _font(False, 22), text_width, 1), _font(False, 22), GREY),
        (_wrap(face.title, _font(True, 34), text_width, 3), _font(True, 34), INK),
        (_wrap(face.when, _font(False, 24), text_width, 2), _font(False, 24), INK),
        (_wrap(face.where, _font(False, 24), text_width, 2), _font(False, 24), INK),
        (_wrap(face.name, _font(True, 30), text_width, 2), _font(True, 30), INK),
    ]
    qr = _qr(face.link)
    footer_font = _font(False, 20)
    footer = _wrap(face.footer, footer_font, text_width, 2)
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
