"""Keep secrets out of logs: the token is redacted everywhere, chatty libraries are capped.

Passwords are never logged by our code; the places that could log them are libraries that
print whole updates or requests at DEBUG (PTB) or INFO (httpx prints URLs, which contain the
token), so those are capped whatever LOG_LEVEL says. The bot token is additionally replaced
in every record, exception text included, by a log-record factory.
"""

from __future__ import annotations

import logging
from typing import Any

REDACTED = "<BOT_TOKEN>"
CAPPED = {
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "telegram": logging.INFO,  # DEBUG prints every update, passwords included
    "apscheduler": logging.WARNING,
    "aiosqlite": logging.WARNING,
    "sqlalchemy": logging.WARNING,
    "aiohttp.access": logging.WARNING,
}
_secrets: set[str] = set()


def _redact(text: str) -> str:
    for secret in _secrets:
        text = text.replace(secret, REDACTED)
    return text


def _install_factory() -> None:
    base = logging.getLogRecordFactory()
    if getattr(base, "redacting", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        if not _secrets:
            return record
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        redacted = _redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        if record.exc_text:
            record.exc_text = _redact(record.exc_text)
        return record

    factory.redacting = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def protect_logs(token: str | None) -> None:
    """Cap the chatty libraries and redact ``token`` from every log record from now on."""
    for name, level in CAPPED.items():
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET or logger.level < level:
            logger.setLevel(level)
    if token:
        _secrets.add(token)
        _install_factory()
