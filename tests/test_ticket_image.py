"""The ticket picture: whatever the event and the name, a PNG Telegram takes whose QR code
reads back as the link."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from bot.emulator.methods import MAX_PHOTO_BYTES, MAX_PHOTO_SIDES, png_size
from bot.ui.ticket_image import TicketFace, render_ticket

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
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert [code.text for code in found] == [LINK]
