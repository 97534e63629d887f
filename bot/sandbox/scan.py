"""``:scan``: read a ticket's QR code from a saved picture, as a manager's phone would."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import zxingcpp
from PIL import Image, UnidentifiedImageError


def start_payload(where: str | Path) -> str:
    """The ``/start`` payload of the Telegram deep link in the QR code of the picture at
    ``where``; ValueError (saying what is wrong, for the terminal) when there is none."""
    path = Path(where).expanduser()
    try:
        with Image.open(path) as image:
            found = zxingcpp.read_barcodes(image.convert("L"))
    except (OSError, UnidentifiedImageError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ValueError(f"can't read a picture from {path}: {reason}") from None
    links = [result.text for result in found if result.valid]
    if not links:
        raise ValueError(f"no QR code found in {path}")
    parts = urlsplit(links[0])
    payload = parse_qs(parts.query).get("start", [""])[0]
    if parts.hostname != "t.me" or not payload:
        raise ValueError(f"the QR code in {path} is not a link to the bot: {links[0][:100]}")
    return payload
