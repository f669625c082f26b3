"""Serve routed sockets with an ASGI WebSocket application: `route_web_socket(url, asgi(app))`.

`app` is any `async def app(scope, receive, send)` that speaks the ASGI WebSocket protocol (Starlette's and
FastAPI's applications are ones; wsbridge does not depend on them). Each matching socket the page opens runs
the app once, inside the page:

- `receive()` gives `websocket.connect` first, then `websocket.receive` (`text` or `bytes`) for every frame the
  page sends, and `websocket.disconnect` (with the page's `code` and `reason`) once it closes.
- `websocket.accept` opens the page socket; its `subprotocol` becomes the page's `protocol`. As in the browser,
  a subprotocol the page did not offer (or none when it offered some) fails the handshake.
- `websocket.send` (`text` or `bytes`) delivers a message to the page.
- `websocket.close` before accept, or a denial response (`websocket.http.response.start` / `.body`, the
  extension announced in the scope), fails the handshake: the page sees `error`, then `close` 1006.
- `websocket.close` after accept closes the page socket with its `code` (default 1000) and `reason`.
- Returning without accepting fails the handshake; returning after accept closes with 1000; an exception
  closes with 1011 (or fails the handshake before accept) and is reported to the console.
- After the app closed or denied the handshake, `receive()` gives `websocket.disconnect` with code 1006.
- Sending after the page closed (whether or not the app has read the close yet) raises `Disconnected` (an
  `OSError`, as ASGI 2.4 asks; Starlette turns it into `WebSocketDisconnect(1006)`), so a push-only endpoint ends.
- The scope's headers are what the browser would send: host, upgrade, `sec-websocket-key` (random, per socket),
  `sec-websocket-version: 13`, `origin`, `user-agent`, `sec-websocket-protocol` when the page offered some, and
  `cookie` with the page's cookies when the socket goes to the page's own host name. Only cookies that
  `document.cookie` can read are there: HttpOnly cookies are invisible to the page, so they never reach the app.
- Lifespan: before the first connection, the app gets a `lifespan` scope and `lifespan.startup`; connections wait
  for it and get a copy of the lifespan `state` (so Starlette's `websocket.state` sees what the lifespan stored).
  Unrouting the route (`handle.unroute()`, or leaving its `with` block), `wsbridge._lifecycle.reset()` (done
  after every test by `wsbridge test`) and `await handler.shutdown()` (where `handler = asgi(app)`; it also
  waits for the app) send `lifespan.shutdown`. An app that does not support lifespan (raises on the lifespan scope or
  answers it with a non-lifespan message, as uvicorn's "auto" mode judges) is served without it; a failed
  startup (`lifespan.startup.failed`) fails every handshake, since uvicorn would not be serving at all.
- Pyodide has no threads: while an app runs, `anyio.to_thread.run_sync` (behind Starlette's `run_in_threadpool`
  and FastAPI's sync dependencies) calls the function inline in the page, blocking the page while it runs.

`wsbridge.asgi` is this module and is also callable: `from wsbridge import asgi` then `asgi(app)`, and
`wsbridge.asgi.WebSocketDisconnect` / `wsbridge.asgi.Disconnected` both work.
"""
from __future__ import annotations

import asyncio
import base64
import os
import sys
import traceback
import types
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote, urlsplit

import js  # type: ignore[import-not-found]

from . import _lifecycle
from .errors import WebSocketClosed

__all__ = ["asgi", "ASGIApp", "ASGIHandler", "Disconnected", "WebSocketDisconnect"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

WebSocketDisconnect = WebSocketClosed
"""Starlette's name: the error a route's `receive_*` raises when the page closed; it carries `code` and `reason`."""


class Disconnected(OSError):
    """`send` after the page disconnected (ASGI asks servers for an OSError subclass here)."""


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
    route: Any, client: tuple[str, int], root_path: str, extra_headers: list[tuple[bytes, bytes]], state: dict[str, Any]
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


class _Connection:
    """One page socket served by one run of the app."""

    def __init__(self, app: ASGIApp, route: Any, scope: Scope) -> None:
        self.app = app
        self.route = route
        self.scope = scope
        self.connect_sent = False
        self.accepted = False
        self.closed = False  # the app closed (or the handshake failed)
        self.disconnected: dict[str, Any] | None = None  # the page closed
        self.denial_started = False
        self.failed = False  # the handshake failed after accept (subprotocol rule)

    async def receive(self) -> Message:
        if not self.connect_sent:
            self.connect_sent = True
            return {"type": "websocket.connect"}
        if self.disconnected is not None:
            return dict(self.disconnected)
        if self.closed and (not self.accepted or self.failed):
            # The app closed or denied the handshake (or it failed): a server then reports the lost connection.
            self.disconnected = {"type": "websocket.disconnect", "code": 1006, "reason": ""}
            return dict(self.disconnected)
        if not self.accepted:
            raise RuntimeError("receive() before websocket.accept: the page cannot send before the handshake completes")
        try:
            message = await self.route.receive()
        except WebSocketClosed as closed:
            self.disconnected = {
                "type": "websocket.disconnect",
                "code": 1005 if closed.code is None else closed.code,
                "reason": closed.reason or "",
            }
            return dict(self.disconnected)
        if isinstance(message, str):
            return {"type": "websocket.receive", "text": message}
        return {"type": "websocket.receive", "bytes": message}

    async def send(self, message: Message) -> None:
        kind = message.get("type")
        if self.closed:
            if kind == "websocket.send" and self.failed:
                raise Disconnected("the handshake failed: the page socket is closed")
            raise RuntimeError(f"cannot send {kind!r} after the connection was closed")
        if kind == "websocket.accept":
            if self.accepted:
                raise RuntimeError("websocket.accept sent twice")
            if self.denial_started:
                raise RuntimeError("websocket.accept after a denial response started")
            self.accepted = True
            if not self.route._accept(message.get("subprotocol")):  # the browser's subprotocol rule failed it
                self.closed = self.failed = True
            return
        if kind == "websocket.send":
            if not self.accepted:
                raise RuntimeError("websocket.send before websocket.accept")
            if self.disconnected is not None or self.route.close_code is not None:
                # The page closed, even if the app has not received the close yet: a push-only app must stop.
                raise Disconnected("the page socket is closed")
            text, data = message.get("text"), message.get("bytes")
            if text is not None:
                self.route.send(str(text))
            elif data is not None:
                self.route.send(bytes(data))
            else:
                raise ValueError("websocket.send needs 'text' or 'bytes'")
            return
        if kind == "websocket.close":
            self.closed = True
            if not self.accepted:
                self.route.reject()
            elif self.disconnected is None:
                self.route.close(int(message.get("code") or 1000), str(message.get("reason") or ""))
            return
        if kind == "websocket.http.response.start":
            if self.accepted:
                raise RuntimeError("a denial response must come before websocket.accept")
            self.denial_started = True
            return
        if kind == "websocket.http.response.body":
            if not self.denial_started:
                raise RuntimeError("websocket.http.response.body before websocket.http.response.start")
            if not message.get("more_body", False):
                self.closed = True
                self.route.reject()
            return
        raise ValueError(f"unexpected ASGI message type {kind!r} for a WebSocket connection")

    async def run(self) -> None:
        try:
            await self.app(self.scope, self.receive, self.send)
        except Exception as error:  # noqa: BLE001 - as a server: report, then close (1011) or fail the handshake
            _lifecycle.report_error(f"wsbridge.asgi: exception in ASGI app for {self.route.url}:\n" + "".join(traceback.format_exception(error)))
            if not self.closed:
                self.closed = True
                if self.accepted and self.disconnected is None:
                    self.route.close(1011, "")
                elif not self.accepted:
                    self.route.reject()
            return
        if self.closed:
            return
        self.closed = True
        if not self.accepted:
            self.route.reject()
        elif self.disconnected is None:
            self.route.close(1000, "")


def _inline_threads() -> None:
    """Makes anyio's worker-thread call run the function inline: Pyodide cannot start threads."""
    to_thread = sys.modules.get("anyio.to_thread")
    if to_thread is None or getattr(to_thread.run_sync, "_wsbridge_inline", False):
        return

    async def run_sync(func: Callable[..., Any], *args: Any, **_options: Any) -> Any:
        # Same signature as anyio's (abandon_on_cancel, cancellable, limiter are meaningless without threads).
        return func(*args)

    run_sync._wsbridge_inline = True  # type: ignore[attr-defined]
    setattr(to_thread, "run_sync", run_sync)  # noqa: B010 - replaces a module function mypy knows


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

    async def __call__(self, route: Any) -> None:
        _inline_threads()
        lifespan = self._lifespan
        if lifespan.started is None and lifespan not in _lifespans:
            _lifespans.append(lifespan)
        await lifespan.startup()
        _inline_threads()  # the lifespan may have imported anyio
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


class _CallableModule(types.ModuleType):
    """`wsbridge.asgi` is both this module (its names reachable as attributes) and the `asgi()` function."""

    def __call__(
        self,
        app: ASGIApp,
        *,
        client: tuple[str, int] = ("127.0.0.1", 0),
        root_path: str = "",
        headers: list[tuple[bytes, bytes]] | None = None,
    ) -> ASGIHandler:
        return asgi(app, client=client, root_path=root_path, headers=headers)


sys.modules[__name__].__class__ = _CallableModule
