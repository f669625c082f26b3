"""An asyncio WebSocket client shaped like the `websockets` library, over the browser's WebSocket.

The browser cannot pause reading a WebSocket (there is no backpressure on receive), so frames the server sends
are queued in Python until `recv()` takes them. By default that queue is unbounded: a reader slower than the
server makes it grow. Pass `max_queue=N` to cap it: when a frame arrives while N frames wait unread, the
connection is closed with code 4009 (`QUEUE_OVERFLOW`), that frame and any later ones are dropped, the N
queued frames can still be read, and the next `recv()` raises `ConnectionClosed(4009, ...)`. (1009, "message too
big", is what a server would use, but a page may only close with 1000 or 3000-4999.) See docs/socket.md.
"""
from __future__ import annotations

import asyncio
import collections
from collections.abc import AsyncIterator, Generator
from types import TracebackType
from typing import Any, Final

from ._js import call, check_type, engine
from .errors import QUEUE_OVERFLOW, ConnectionClosed
from .websocket import WebSocket, WebSocketEvent, _check_protocols, _check_url

__all__ = ["connect", "ClientConnection", "ConnectionClosed", "QUEUE_OVERFLOW"]

# As in the `websockets` library: normal closure, going away, and a close frame without a status code.
_CLEAN_CODES: Final = frozenset({1000, 1001, 1005})


class ClientConnection:
    """An open connection: `send`, `recv`, `async for`, `close`; `close_code`/`close_reason` once closed."""

    def __init__(self, url: str, protocols: str | list[str] | None, max_queue: int | None) -> None:
        loop = asyncio.get_event_loop()
        self.url: str = url
        self.max_queue: int | None = max_queue
        self.close_code: int | None = None
        self.close_reason: str | None = None
        self._messages: collections.deque[str | bytes] = collections.deque()
        self._opened: asyncio.Future[None] = loop.create_future()
        self._closed: asyncio.Future[None] = loop.create_future()
        self._waiter: asyncio.Future[None] | None = None
        self._overflowed = False
        self._socket = WebSocket(url, protocols, onopen=self._on_open, onclose=self._on_close)
        # Each frame's data goes straight to _on_data, binary as `bytes` (one copy, no event); set before any event.
        self._socket._flow.as_bytes = True
        self._socket._flow.raw = self._on_data

    # -- events (plain handlers: they run as the events arrive, in order)

    def _on_open(self, _event: WebSocketEvent) -> None:
        if not self._opened.done():
            self._opened.set_result(None)

    def _on_data(self, data: str | bytes) -> None:
        if self._overflowed:
            return
        if self.max_queue is not None and len(self._messages) >= self.max_queue:
            # The browser cannot stop reading: fail loudly rather than buffer without bound.
            self._overflowed = True
            self.close_code = QUEUE_OVERFLOW
            self.close_reason = f"more than max_queue={self.max_queue} messages waiting"
            self._socket.close(QUEUE_OVERFLOW, self.close_reason)
            self._wake()
            return
        self._messages.append(data)
        self._wake()

    def _on_close(self, event: WebSocketEvent) -> None:
        if self.close_code is None:
            self.close_code = event.code
            self.close_reason = event.reason
        if not self._opened.done():
            self._opened.set_exception(
                ConnectionError(
                    f"could not connect to {self.url}: the WebSocket handshake failed (close code {event.code}); "
                    "the browser does not say why: check that the server is up and accepts WebSocket upgrades"
                )
            )
        if not self._closed.done():
            self._closed.set_result(None)
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- public API

    @property
    def protocol(self) -> str:
        """The subprotocol the server chose ("" when none)."""
        return str(self._socket.protocol)

    @property
    def state(self) -> int:
        """The browser socket's readyState (0 CONNECTING, 1 OPEN, 2 CLOSING, 3 CLOSED)."""
        return int(self._socket.readyState)

    def _closed_error(self) -> ConnectionClosed:
        return ConnectionClosed(self.close_code if self.close_code is not None else 1006, self.close_reason or "")

    async def send(self, message: str | bytes | bytearray | memoryview) -> None:
        """Sends a text (`str`) or binary (bytes-like) message; raises ConnectionClosed once closing has begun."""
        if self.close_code is not None or self.state != WebSocket.OPEN:
            raise self._closed_error()
        self._socket.send(message)

    async def recv(self, timeout: float | None = None) -> str | bytes:
        """Returns the next message (`str` or `bytes`); raises ConnectionClosed after the last one, TimeoutError on timeout."""
        while not self._messages:
            if self._closed.done() or self._overflowed:
                raise self._closed_error()
            waiter = asyncio.get_event_loop().create_future()
            self._waiter = waiter
            try:
                await asyncio.wait_for(waiter, timeout)  # None: no limit
            except (TimeoutError, asyncio.TimeoutError):
                raise TimeoutError(f"no message from {self.url} within {timeout} s") from None
            finally:
                self._waiter = None
        return self._messages.popleft()

    def __aiter__(self) -> AsyncIterator[str | bytes]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[str | bytes]:
        while True:
            try:
                yield await self.recv()
            except ConnectionClosed as closed:
                if closed.code in _CLEAN_CODES:
                    return
                raise

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Closes the connection and waits for the closing handshake to finish."""
        if not self._closed.done():
            if self.state in (WebSocket.CONNECTING, WebSocket.OPEN):
                self._socket.close(code, reason)
            await asyncio.shield(self._closed)

    async def wait_closed(self) -> None:
        """Waits until the connection is closed."""
        await asyncio.shield(self._closed)

    async def _open(self, timeout: float | None) -> ClientConnection:
        try:
            await asyncio.wait_for(asyncio.shield(self._opened), timeout)
        except (TimeoutError, asyncio.TimeoutError):
            self._socket._abort()
            raise TimeoutError(f"could not connect to {self.url} within {timeout} s") from None
        return self

    def __repr__(self) -> str:
        return f"<wsbridge.ClientConnection {self.url} state={self.state}>"


class connect:  # noqa: N801 - used like a function, as in `websockets`
    """`async with connect(url) as ws:` or `ws = await connect(url)`; raises ConnectionError if the handshake fails."""

    def __init__(
        self,
        url: str,
        protocols: str | list[str] | None = None,
        *,
        open_timeout: float | None = 10,
        max_queue: int | None = None,
    ) -> None:
        # Checked here, at the call, so a bad argument never becomes a socket to some other URL or a hang.
        call(engine.checkUrl, _check_url(url))  # TypeError, or ValueError for a URL the browser refuses
        protocols = _check_protocols(protocols)
        check_type(open_timeout, (int, float), "open_timeout", "None or a number of seconds")
        if open_timeout is not None and not open_timeout > 0:  # also refuses NaN
            raise ValueError(f"open_timeout must be None or more than 0 seconds, got {open_timeout}")
        check_type(max_queue, int, "max_queue", "None or an int")
        if max_queue is not None and max_queue < 1:
            raise ValueError(f"max_queue must be None or at least 1, got {max_queue}")
        self._args = (url, protocols, max_queue)
        self._open_timeout = open_timeout
        self._connection: ClientConnection | None = None

    async def _connect(self) -> ClientConnection:
        connection = ClientConnection(*self._args)
        self._connection = connection
        return await connection._open(self._open_timeout)

    def __await__(self) -> Generator[Any, None, ClientConnection]:
        return self._connect().__await__()

    async def __aenter__(self) -> ClientConnection:
        return await self._connect()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._connection is not None:
            await self._connection.close()
