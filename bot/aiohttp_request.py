"""A python-telegram-bot request backend on aiohttp's client.

PTB's default backend is httpx. Profiling the P1 benchmark showed each Bot API call costing
~0.85 ms of CPU, most of it inside httpx/httpcore/h11; aiohttp's client (C-accelerated HTTP
parser, already a dependency for the emulator) does the same work for less. PTB supports
replacing the backend through ``BaseRequest``; errors are mapped as in PTB's HTTPXRequest:
time-outs become ``TimedOut``, other transport failures ``NetworkError``.
"""

from __future__ import annotations

import asyncio

import aiohttp
from telegram._utils.defaultvalue import DEFAULT_NONE, DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


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
        data: aiohttp.FormData | dict[str, str] | None = None
        if request_data is not None:
            if request_data.contains_files:
                form = aiohttp.FormData()
                for name, value in request_data.json_parameters.items():
                    form.add_field(name, value)
                for name, (filename, content, mime) in request_data.multipart_data.items():
                    form.add_field(name, content, filename=filename, content_type=mime)
                data = form
            else:
                data = request_data.json_parameters
        try:
            async with self._session.request(method, url, data=data, timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except asyncio.CancelledError:
            raise
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp: {exc!r}") from exc
