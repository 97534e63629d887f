"""The ticket picture: whatever the event and the name, a PNG Telegram takes whose QR code
reads back as the link."""

from __future__ import annotations

import io
import itertools

import pytest
from PIL import Image

from bot.emulator.methods import MAX_PHOTO_BYTES, MAX_PHOTO_SIDES, png_size
from bot.sandbox.scan import qr_texts
from bot.ui.ticket_image import (
    MARGIN,
    WIDTH,
    TicketFace,
    load_font,
    printable,
    render_ticket,
    wrap,
)

LINK = "https://t.me/eventbot?start=ci_9223372036854775807_" + "x" * 22


@pytest.mark.parametrize(
    ("title", "location", "name"),
    [
        ("Jazz night", "Blue Note Club", "Alice Smith"),
        ("🎷" * 100, "📍" * 200, "😀" * 64),  # the longest of each, nothing but emoji
        ("W" * 100, "M" * 200, "W" * 64),  # no spaces to wrap at
        ("Вечер джаза", "Клуб «Синяя нота»", "Алиса Смирнова"),
        ("ليلة الجاز", "نادي النوتة الزرقاء", "أليس سميث"),
        ("爵士之夜", "蓝调俱乐部", "李小龙"),
    ],
)
def test_any_ticket_is_a_png_telegram_takes_and_its_code_reads_back(
    title: str, location: str, name: str
) -> None:
    face = TicketFace("Ticket", title, "Sat 28 Nov 2026, 19:30 CET", location, name, "Door", LINK)
    png = render_ticket(face)
    size = png_size(png)
    assert size is not None and sum(size) <= MAX_PHOTO_SIDES and len(png) <= MAX_PHOTO_BYTES
    assert qr_texts(Image.open(io.BytesIO(png))) == [LINK]


def face_with(title: str, name: str) -> TicketFace:
    when = "Sat 28 Nov 2026, 19:30 CET"
    return TicketFace("Ticket", title, when, "Blue Note", name, "Door", LINK)


def test_characters_the_font_lacks_are_left_out_rather_than_drawn_as_boxes() -> None:
    assert printable("Jazz 🎷 night", bold=True) == "Jazz night"
    assert printable("Jazz🎷night", bold=True) == "Jazz night"  # words stay apart
    assert printable("👩‍👩‍👧 Zoë Ørsted-Łukasz 👍🏽", bold=False) == "Zoë Ørsted-Łukasz"
    assert printable("爵士之夜", bold=True) == ""
    # what DejaVu does draw stays: symbols and the few emoji it has, accents, in black and white
    assert printable("☕ Café ★ 😀", bold=True) == "☕ Café ★ 😀"
    assert printable("Zoe\u0308", bold=False) == "Zoe\u0308"
    assert printable("Вечер джаза", bold=True) == "Вечер джаза"
    # the picture is the one drawn without them: no box, no gap
    with_emoji = render_ticket(face_with("🎷 Jazz 🎷 night 🎺", "Alice 🎉 Smith"))
    assert with_emoji == render_ticket(face_with("Jazz night", "Alice Smith"))
    assert render_ticket(face_with("🎷" * 100, "Alice")) == render_ticket(face_with("", "Alice"))
    # and a box would have shown: a character outside the font draws ink of its own
    font = load_font(True, 34)
    assert font.getbbox("\U0001f3b7") != font.getbbox("")


NAME = load_font(True, 30)  # the name's font on the ticket
LINE = WIDTH - 2 * MARGIN


def test_a_long_unspaced_name_is_broken_only_because_it_is_wider_than_a_line() -> None:
    name = "Wolfeschlegelsteinhausenbergerdorffvoralternwarengewissenhaf"
    assert len(name) == 60 and NAME.getlength(name) > LINE
    lines = wrap(name, NAME, LINE, 3)
    assert "".join(lines) == name  # every character, in order
    assert len(lines) > 1
    assert all(NAME.getlength(line) <= LINE for line in lines)
    # each piece but the last is as long as a line allows
    for line, following in itertools.pairwise(lines):
        assert NAME.getlength(line + following[0]) > LINE


def test_long_names_wrap_between_words() -> None:
    name = "Maximiliane Alexandra Konstantinopolitanische von Wolkenkratzerhausen"
    lines = wrap(name, NAME, LINE, 3)
    assert len(lines) > 1 and " ".join(lines) == name
    words = set(name.split())
    assert all(set(line.split()) <= words for line in lines)  # no word was cut
    # a line never leaves room for the next word
    for line, following in itertools.pairwise(lines):
        assert NAME.getlength(f"{line} {following.split()[0]}") > LINE
    # past the last line allowed, "…" follows the last whole word that leaves room for it
    many = " ".join(["Alexandra"] * 20)
    cut = wrap(many, NAME, LINE, 2)
    assert len(cut) == 2 and cut[-1].endswith("…")
    assert set(cut[-1].removesuffix("…").split()) == {"Alexandra"}
    assert NAME.getlength(cut[-1]) <= LINE
