"""``:scan``: read a ticket's QR code from a saved picture, as a manager's phone would."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import zxingcpp
from PIL import Image, UnidentifiedImageError

QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


def qr_texts(image: Image.Image) -> list[str]:
    """What the QR codes in ``image`` say, each once, in the order found. Only QR codes are
    looked for, as a phone's camera does: with every format on, zxing-cpp once reported two
    codes in a ticket that holds one (a CI run; not reproduced here in 13,000 renderings)."""
    found = zxingcpp.read_barcodes(image, formats=QR_ONLY)
    return list(dict.fromkeys(code.text for code in found if code.valid))


def start_payload(where: str | Path) -> str:
    """The ``/start`` payload of the Telegram deep link in the QR code of the picture at
    ``where``; ValueError (saying what is wrong, for the terminal) when there is none."""
    path = Path(where).expanduser()
    try:
        with Image.open(path) as image:
            links = qr_texts(image.convert("L"))
    except (OSError, UnidentifiedImageError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ValueError(f"can't read a picture from {path}: {reason}") from None
    if not links:
        raise ValueError(f"no QR code found in {path}")
    parts = urlsplit(links[0])
    payload = parse_qs(parts.query).get("start", [""])[0]
    if parts.hostname != "t.me" or not payload:
        raise ValueError(f"the QR code in {path} is not a link to the bot: {links[0][:100]}")
    return payload


def holds_ticket_code(where: str | Path) -> bool:
    """Whether the picture at ``where`` holds a QR link to the bot (a ticket, not a chart)."""
    try:
        start_payload(where)
    except ValueError:
        return False
    return True
