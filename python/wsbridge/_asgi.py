"""Serve routed sockets with an ASGI WebSocket application: `route_web_socket(url, asgi(app))`.

`asgi` is this module's public function; the package exports it as `wsbridge.asgi` (docs/asgi.md says what the
app sees). The errors an app meets, `WebSocketDisconnect` and `Disconnected`, live in `wsbridge.errors`.

Each matching socket the page opens runs the app once, inside the page, as a server would: `_Connection` keeps
the client's (the page's) and the application's states with Starlette's `WebSocketState` names and turns the app's
messages into the route's accept, send, close and reject; `_Lifespan` runs the app's lifespan around its
connections; anyio's worker threads run inline (`_threads`).
"""
from __future__ import annotations

import asyncio
import base64
import enum
import os
import traceback
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from . import _lifecycle, _threads
from ._js import js
from .errors import Disconnected, WebSocketClosed

if TYPE_CHECKING:
    from .route import WebSocketRoute

__all__ = ["asgi", "ASGIApp", "ASGIHandler", "WebSocketState"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_ASGI_VERSION = {"version": "3.0", "spec_version": "2.4"}


def _page_cookies(socket_host: str) -> str:
    """document.cookie when the socket goes to the page's own host name (cookies ignore ports), else ""."""
    try:
        if str(js.location.hostname).lower() != socket_host.lower():
            return ""
        return str(js.document.cookie)
    except Exception:  # noqa: BLE001 - a worker has no document: no cookies the page could see
        return ""


def _scope(
    route: WebSocketRoute, client: tuple[str, int], root_path: str, extra_headers: list[tuple[bytes, bytes]], state: dict[str, Any]
) -> Scope:
    url = urlsplit(route.url)
    secure = url.scheme == "wss"
    port = url.port or (443 if secure else 80)
    raw_path = url.path or "/"
    protocols: list[str] = route.protocols
    headers: list[tuple[bytes, bytes]] = [
        (b"host", url.netloc.encode("latin-1")),
        (b"connection", b"Upgrade"),
        (b"upgrade", b"websocket"),
        # A fresh random key per socket, as the browser sends (the app never needs it, but may log or check it).
        (b"sec-websocket-key", base64.b64encode(os.urandom(16))),
        (b"sec-websocket-version", b"13"),
    ]
    try:
        origin = str(js.location.origin)
    except Exception:  # noqa: BLE001 - no location (a worker without one): no Origin header
        origin = ""
    if origin and origin != "null":
        headers.append((b"origin", origin.encode("latin-1")))
    try:
        headers.append((b"user-agent", str(js.navigator.userAgent).encode("latin-1", "replace")))
    except Exception:  # noqa: BLE001
        pass
    if protocols:
        headers.append((b"sec-websocket-protocol", ", ".join(protocols).encode("latin-1")))
    cookies = _page_cookies(url.hostname or "")
    if cookies:
        headers.append((b"cookie", cookies.encode("latin-1", "replace")))
    headers.extend(extra_headers)
    return {
        "type": "websocket",
        "asgi": dict(_ASGI_VERSION),
        "http_version": "1.1",
        "scheme": url.scheme,
        "server": (url.hostname or "", port),
        "client": client,
        "root_path": root_path,
        "path": unquote(raw_path),
        "raw_path": raw_path.encode("latin-1"),
        "query_string": url.query.encode("latin-1"),
        "headers": headers,
        "subprotocols": list(protocols),
        # A shallow copy per connection, as uvicorn does: the lifespan's objects are shared, the dict is not.
        "state": dict(state),
        "extensions": {"websocket.http.response": {}},
    }


class WebSocketState(enum.Enum):
    """Where one side of a served connection is, with Starlette's names (`starlette.websockets.WebSocketState`)."""

    CONNECTING = 0
    CONNECTED = 1
    DISCONNECTED = 2
    RESPONSE = 3


class _Connection:
    """One page socket served by one run of the app, kept as a server keeps it: the client's state (the page, as the
    app has been told of it) and the application's state (as its messages set it)."""

    def __init__(self, app: ASGIApp, route: WebSocketRoute, scope: Scope) -> None:
        self.app = app
        self.route = route
        self.scope = scope
        # CONNECTING until the app got websocket.connect; DISCONNECTED once the page is gone (it closed, or the
        # handshake failed), from when on every receive() gives `disconnect`.
        self.client_state = WebSocketState.CONNECTING
        # CONNECTED after websocket.accept, RESPONSE during a denial response; DISCONNECTED once the app closed, its
        # denial ended or it returned.
        self.application_state = WebSocketState.CONNECTING
        self.disconnect: Message = {}

    def _client_gone(self, code: int, reason: str = "") -> None:
        """The page is gone: from now on receive() gives websocket.disconnect with this code and reason."""
        if self.client_state is not WebSocketState.DISCONNECTED:
            self.client_state = WebSocketState.DISCONNECTED
            self.disconnect = {"type": "websocket.disconnect", "code": code, "reason": reason}

    def _fail_handshake(self) -> None:
        """The app closed, denied or ended before accepting: the page sees error, then close 1006; a server then
        reports the lost connection to the app (1006)."""
        self.application_state = WebSocketState.DISCONNECTED
        self.route.reject()
        self._client_gone(1006)

    async def receive(self) -> Message:
        if self.client_state is WebSocketState.CONNECTING:
            self.client_state = WebSocketState.CONNECTED
            return {"type": "websocket.connect"}
        if self.client_state is WebSocketState.DISCONNECTED:
            return dict(self.disconnect)
        if self.application_state in (WebSocketState.CONNECTING, WebSocketState.RESPONSE):
            raise RuntimeError("receive() before websocket.accept: the page cannot send before the handshake completes")
        # CONNECTED, or DISCONNECTED by the app's own close: a server reads on until the page's close comes.
        try:
            message = await self.route.receive()
        except WebSocketClosed as closed:
            self._client_gone(closed.code, closed.reason)
            return dict(self.disconnect)
        if isinstance(message, str):
            return {"type": "websocket.receive", "text": message}
        return {"type": "websocket.receive", "bytes": message}

    async def send(self, message: Message) -> None:
        kind = message.get("type")
        if self.application_state is WebSocketState.DISCONNECTED:
            raise RuntimeError(f"cannot send {kind!r} after the connection was closed")
        if kind == "websocket.accept":
            if self.application_state is WebSocketState.CONNECTED:
                raise RuntimeError("websocket.accept sent twice")
            if self.application_state is WebSocketState.RESPONSE:
                raise RuntimeError("websocket.accept after a denial response started")
            self.application_state = WebSocketState.CONNECTED
            if not self.route.accept(message.get("subprotocol")):
                # The browser's subprotocol rule failed the handshake: for the app, the client is gone.
                self._client_gone(1006)
        elif kind == "websocket.send":
            if self.application_state is not WebSocketState.CONNECTED:
                raise RuntimeError("websocket.send before websocket.accept")
            if self.client_state is WebSocketState.DISCONNECTED or self.route.close_code is not None:
                # The page closed, even if the app has not received the close yet: a push-only app must stop.
                raise Disconnected("the page socket is closed")
            text, data = message.get("text"), message.get("bytes")
            if text is not None:
                self.route.send(str(text))
            elif data is not None:
                self.route.send(bytes(data))
            else:
                raise ValueError("websocket.send needs 'text' or 'bytes'")
        elif kind == "websocket.close":
            if self.application_state is not WebSocketState.CONNECTED:
                self._fail_handshake()
                return
            self.application_state = WebSocketState.DISCONNECTED
            if self.client_state is not WebSocketState.DISCONNECTED:
                self.route.close(int(message.get("code") or 1000), str(message.get("reason") or ""))
        elif kind == "websocket.http.response.start":
            if self.application_state is not WebSocketState.CONNECTING:
                raise RuntimeError("a denial response must start before websocket.accept, and once")
            self.application_state = WebSocketState.RESPONSE
        elif kind == "websocket.http.response.body":
            if self.application_state is not WebSocketState.RESPONSE:
                raise RuntimeError("websocket.http.response.body before websocket.http.response.start")
            if not message.get("more_body", False):
                self._fail_handshake()
        else:
            raise ValueError(f"unexpected ASGI message type {kind!r} for a WebSocket connection")

    async def run(self) -> None:
        try:
            await self.app(self.scope, self.receive, self.send)
        except Exception as error:  # noqa: BLE001 - as a server: report, then close (1011) or fail the handshake
            _lifecycle.report_error(f"wsbridge.asgi: exception in ASGI app for {self.route.url}:\n" + "".join(traceback.format_exception(error)))
            self._end(1011)
            return
        self._end(1000)

    def _end(self, code: int) -> None:
        """The app returned (1000) or raised (1011): fail a handshake it left open, or close the socket it accepted."""
        if self.application_state in (WebSocketState.CONNECTING, WebSocketState.RESPONSE):
            self._fail_handshake()
        elif self.application_state is WebSocketState.CONNECTED:
            self.application_state = WebSocketState.DISCONNECTED
            if self.client_state is not WebSocketState.DISCONNECTED:
                self.route.close(code, "")


class _Lifespan:
    """The app's lifespan: started once before the first connection, shut down on reset or `shutdown()`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.state: dict[str, Any] = {}
        self.started: asyncio.Future[None] | None = None
        self.supported = True
        self.failure: str | None = None
        self.messages: asyncio.Queue[Message] | None = None
        self.task: asyncio.Task[None] | None = None
        self.stopped: asyncio.Future[None] | None = None

    async def startup(self) -> None:
        if self.started is None:
            loop = asyncio.get_event_loop()
            self.started = loop.create_future()
            self.stopped = loop.create_future()
            self.messages = asyncio.Queue()
            self.messages.put_nowait({"type": "lifespan.startup"})
            self.task = asyncio.ensure_future(self._run())
        await asyncio.shield(self.started)

    async def _run(self) -> None:
        scope: Scope = {"type": "lifespan", "asgi": dict(_ASGI_VERSION), "state": self.state}
        try:
            await self.app(scope, self._receive, self._send)
        except BaseException as error:  # noqa: BLE001 - as uvicorn's "auto": an app without lifespan is still served
            if self.started is not None and not self.started.done():
                self.supported = False
                self.started.set_result(None)
            elif not isinstance(error, asyncio.CancelledError):
                _lifecycle.report_error("wsbridge.asgi: exception in the app's lifespan:\n" + "".join(traceback.format_exception(error)))
        finally:
            if self.started is not None and not self.started.done():
                self.started.set_result(None)
            if self.stopped is not None and not self.stopped.done():
                self.stopped.set_result(None)

    async def _receive(self) -> Message:
        assert self.messages is not None
        return await self.messages.get()

    async def _send(self, message: Message) -> None:
        kind = message.get("type")
        if not isinstance(kind, str) or not kind.startswith("lifespan."):
            # As uvicorn: an app that answers the lifespan scope with something else does not support lifespan.
            raise RuntimeError(f"unexpected ASGI message type {kind!r} for the lifespan scope")
        if kind in ("lifespan.startup.complete", "lifespan.startup.failed"):
            if kind == "lifespan.startup.failed":
                self.failure = str(message.get("message") or "lifespan startup failed")
                _lifecycle.report_error(f"wsbridge.asgi: the app's lifespan startup failed: {self.failure}")
            if self.started is not None and not self.started.done():
                self.started.set_result(None)
        elif kind in ("lifespan.shutdown.complete", "lifespan.shutdown.failed"):
            if kind == "lifespan.shutdown.failed":
                _lifecycle.report_error(f"wsbridge.asgi: the app's lifespan shutdown failed: {message.get('message')}")
            if self.stopped is not None and not self.stopped.done():
                self.stopped.set_result(None)

    def begin_shutdown(self) -> asyncio.Future[None] | None:
        """Sends lifespan.shutdown (once); returns what completes when the app has shut down, if it started."""
        if self.started is None or self.stopped is None or self.messages is None:
            return None
        stopped = self.stopped
        if self.supported and self.failure is None and not stopped.done():
            self.messages.put_nowait({"type": "lifespan.shutdown"})
        # The next connection (after a reset, say) starts the app's lifespan afresh.
        self.started = None
        self.state = {}
        return stopped


_lifespans: list[_Lifespan] = []


@_lifecycle.on_reset
def _shutdown_all() -> None:
    """Reset: every app whose lifespan started gets lifespan.shutdown (it runs on the loop, after reset returns)."""
    for lifespan in list(_lifespans):
        lifespan.begin_shutdown()
    _lifespans.clear()


class ASGIHandler:
    """What `asgi(app)` returns: a route handler that serves each matching socket with `app`."""

    def __init__(
        self, app: ASGIApp, client: tuple[str, int], root_path: str, headers: list[tuple[bytes, bytes]]
    ) -> None:
        self.app = app
        self.client = client
        self.root_path = root_path
        self.headers = headers
        self._lifespan = _Lifespan(app)
        self.__name__ = f"asgi({getattr(app, '__name__', type(app).__name__)})"

    async def __call__(self, route: WebSocketRoute) -> None:
        _threads.install()
        lifespan = self._lifespan
        if lifespan.started is None and lifespan not in _lifespans:
            _lifespans.append(lifespan)
        await lifespan.startup()
        _threads.install()  # the lifespan may have imported anyio
        if lifespan.failure is not None:
            route.reject()  # uvicorn would not be serving at all: the page's handshake fails
            return
        scope = _scope(route, self.client, self.root_path, self.headers, lifespan.state)
        await _Connection(self.app, route, scope).run()

    async def startup(self) -> None:
        """Runs the app's lifespan startup now instead of at the first connection."""
        if self._lifespan not in _lifespans:
            _lifespans.append(self._lifespan)
        await self._lifespan.startup()

    async def shutdown(self) -> None:
        """Sends the app lifespan.shutdown and waits for it (unrouting and reset start it too, without waiting)."""
        stopped = self._lifespan.begin_shutdown()
        if self._lifespan in _lifespans:
            _lifespans.remove(self._lifespan)
        if stopped is not None:
            await asyncio.shield(stopped)

    def _unrouted(self) -> None:
        """Called by `RouteHandle.unroute()`: the app's lifespan gets lifespan.shutdown (it runs on the loop)."""
        self._lifespan.begin_shutdown()
        if self._lifespan in _lifespans:
            _lifespans.remove(self._lifespan)

    def __repr__(self) -> str:
        return f"<wsbridge {self.__name__}>"


def asgi(
    app: ASGIApp,
    *,
    client: tuple[str, int] = ("127.0.0.1", 0),
    root_path: str = "",
    headers: list[tuple[bytes, bytes]] | None = None,
) -> ASGIHandler:
    """A route handler that serves each matching socket with the ASGI application `app`.

    `client` and `root_path` go into the scope as given; `headers` are added to the handshake headers.
    """
    if not callable(app):
        raise TypeError(f"app must be an ASGI application (async callable), not {type(app).__name__}")
    extra = [(bytes(k).lower(), bytes(v)) for k, v in (headers or [])]
    return ASGIHandler(app, client, root_path, extra)
