"""A python-telegram-bot request backend on aiohttp.

Why: profiling the bot under load showed more than half of its CPU in
httpx/httpcore/anyio bookkeeping (locks, cancel scopes, task lookups) for
each Bot API call. aiohttp's C HTTP parser and simpler connection pool do
the same work for much less, which is what lets one process keep up with
hundreds of updates a second. Errors map to PTB's own: a request sent
without an answer in time raises `TimedOut` (it may have arrived), one
never sent (no connection in time, connection problems) `NetworkError`, so
callers can tell a safe retry from one that may double a message.
"""

from __future__ import annotations

from typing import cast

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """One aiohttp session with a bounded connection pool."""

    def __init__(
        self,
        connection_pool_size: int = 8,
        timeout: float = 10.0,
        media_write_timeout: float = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._timeout = timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        read = self._pick(read_timeout, self._timeout)
        write = self._pick(write_timeout, self._media_write_timeout if files else self._timeout)
        connect = self._pick(connect_timeout, self._timeout)
        pool = self._pick(pool_timeout, self._timeout)
        # aiohttp has no separate write timeout: the read budget starts after the body is sent.
        timeout = aiohttp.ClientTimeout(
            connect=(pool or 0) + (connect or 0) or None,
            sock_connect=connect,
            sock_read=max(read or 0, write or 0) or None,
        )
        body: aiohttp.FormData | bytes | None = None
        headers: dict[str, str] = {}
        if files:
            form = aiohttp.FormData()
            for name, value in request_data.json_parameters.items() if request_data else ():
                form.add_field(name, value)
            for name, (filename, content, mimetype) in files.items():
                form.add_field(name, content, filename=filename, content_type=mimetype)
            body = form
        elif request_data is not None:
            body = self.json_body(request_data)
            headers["Content-Type"] = "application/json"
        try:
            async with self._session.request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as err:  # never sent: safe to try again
            raise NetworkError("no connection to the Bot API in time") from err
        except TimeoutError as err:  # sent, no answer in time: it may have arrived
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err

    def json_body(self, request_data: RequestData) -> bytes:
        """The JSON body of a call; a subclass may adjust the parameters first."""
        return request_data.json_payload

    @staticmethod
    def _pick(value: object, default: float) -> float | None:
        """PTB passes DEFAULT_NONE for "not given"; None means "no timeout"."""
        if isinstance(value, type(BaseRequest.DEFAULT_NONE)):  # PTB's DefaultValue
            return default
        return cast(float | None, value)
