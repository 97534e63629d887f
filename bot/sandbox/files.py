"""Files the bot sends in the sandbox (documents, photos), written to a folder to open."""

from __future__ import annotations

from pathlib import Path

from bot.emulator import ChatMessage


def save_attachment(files_dir: Path, message: ChatMessage) -> Path:
    """Write a document (under its file name) or a photo (Telegram keeps no name: PNG is what
    the emulator accepts) into ``files_dir``, next to earlier files, and say where."""
    if message.document is not None and message.document_bytes is not None:
        name, content = (
            str(message.document.get("file_name") or "document"),
            message.document_bytes,
        )
    else:
        assert message.photo_bytes is not None
        name, content = "photo.png", message.photo_bytes
    files_dir.mkdir(parents=True, exist_ok=True)
    path = files_dir / f"{message.chat_id}-{message.message_id}-{Path(name).name}"
    copy = 1
    while path.exists():  # message ids start again with each run: keep earlier files
        copy += 1
        stem = f"{message.chat_id}-{message.message_id}-{Path(name).stem}-{copy}"
        path = files_dir / f"{stem}{Path(name).suffix}"
    path.write_bytes(content)
    return path
