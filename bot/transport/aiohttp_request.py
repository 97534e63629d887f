"""A python-telegram-bot request backend on aiohttp's client.

PTB's default backend is httpx. Profiling the P1 benchmark showed each Bot API call costing
~0.85 ms of CPU, most of it inside httpx/httpcore/h11; aiohttp's client (C-accelerated HTTP
parser, already a dependency for the emulator) does the same work for less. PTB supports
replacing the backend through ``BaseRequest``; errors are mapped as in PTB's HTTPXRequest:
time-outs become ``TimedOut``, other transport failures ``NetworkError``.

Two more savings, both measured on the P1 benchmark (see README, Performance):

* Calls without files go out as one JSON body (the Bot API accepts ``application/json``)
  instead of a URL-encoded form, which cost a ``quote_plus`` per parameter.
* Replies are *slimmed* before PTB turns them into objects: the message a button belongs to
  (``callback_query.message``) and the message returned by sendMessage / editMessageText lose
  their ``reply_markup`` and ``entities``. PTB builds a frozen object for every keyboard
  button and entity, and for an /events page that was more than half the cost of parsing a
  button press. EventBot never reads them back: a button's meaning travels in its
  callback data, and edits address a message by chat and id only. Incoming user messages keep
  their entities (commands are found through them).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DEFAULT_NONE, DefaultValue
from telegram._utils.types import JSONDict, ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_JSON_HEADERS = {"Content-Type": "application/json"}
_READ_BACK_NEVER = ("reply_markup", "entities")


def _slim(message: Any) -> None:
    if isinstance(message, dict):
        for key in _READ_BACK_NEVER:
            message.pop(key, None)


def slim_reply(reply: JSONDict) -> JSONDict:
    """Drop what EventBot never reads from the messages in a Bot API reply (in place)."""
    result = reply.get("result")
    if isinstance(result, list):  # getUpdates
        for update in result:
            query = update.get("callback_query") if isinstance(update, dict) else None
            if isinstance(query, dict):
                _slim(query.get("message"))
    elif isinstance(result, dict) and "message_id" in result and "chat" in result:
        _slim(result)  # a sent or edited message
    return reply


class AiohttpRequest(BaseRequest):
    """Bot API calls over one pooled ``aiohttp.ClientSession``."""

    def __init__(
        self,
        *,
        connection_pool_size: int = 8,
        read_timeout: float | None = 10.0,
        write_timeout: float | None = 10.0,
        connect_timeout: float | None = 10.0,
        pool_timeout: float | None = 10.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """The default read time-out."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the connection pool."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size, force_close=False),
                skip_auto_headers=("User-Agent",),
                headers={"User-Agent": "EventBot (python-telegram-bot, aiohttp)"},
            )

    async def shutdown(self) -> None:
        """Close the connection pool."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def parse_json_payload(self, payload: bytes) -> JSONDict:  # type: ignore[override]
        """Parse a reply (PTB's way for anything that is not clean JSON) and slim it."""
        try:
            reply = json.loads(payload)
        except ValueError:
            reply = BaseRequest.parse_json_payload(payload)
        return slim_reply(reply) if isinstance(reply, dict) else reply

    @staticmethod
    def _pick(value: ODVInput[float], default: float | None) -> float | None:
        return default if isinstance(value, DefaultValue) else value

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send the call and return the HTTP status and body."""
        if self._session is None:
            await self.initialize()
        assert self._session is not None
        read = self._pick(read_timeout, self._read_timeout)
        # aiohttp has no write time-out of its own; a stalled upload trips sock_read
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=self._pick(pool_timeout, self._pool_timeout),
            sock_connect=self._pick(connect_timeout, self._connect_timeout),
            sock_read=read,
        )
        data: aiohttp.FormData | bytes | None = None
        headers = None
        if request_data is not None:
            if request_data.contains_files:
                # file names as UTF-8, like PTB's httpx backend: Telegram shows a
                # percent-encoded name (aiohttp's default) as it is, "%F0%9F%8E%B7.csv"
                form = aiohttp.FormData(quote_fields=False)
                for name, value in request_data.json_parameters.items():
                    form.add_field(name, value)
                for name, (filename, content, mime) in request_data.multipart_data.items():
                    form.add_field(name, content, filename=filename, content_type=mime)
                data = form
            else:
                data = json.dumps(request_data.parameters, ensure_ascii=False).encode()
                headers = _JSON_HEADERS
        try:
            async with self._session.request(
                method, url, data=data, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except asyncio.CancelledError:
            raise
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp: {exc!r}") from exc
