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
- Sending after the page disconnected raises `Disconnected` (an `OSError`, which Starlette turns into
  `WebSocketDisconnect(1006)`).
"""
from __future__ import annotations

import traceback
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote, urlsplit

import js  # type: ignore[import-not-found]

from ._awaitable import WebSocketClosed

__all__ = ["asgi", "ASGIApp", "Disconnected", "WebSocketDisconnect"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

WebSocketDisconnect = WebSocketClosed
"""Starlette's name: the error a route's `receive_*` raises when the page closed; it carries `code` and `reason`."""


class Disconnected(OSError):
    """`send` after the page disconnected (ASGI asks servers for an OSError subclass here)."""


def _scope(route: Any, client: tuple[str, int], root_path: str, extra_headers: list[tuple[bytes, bytes]]) -> Scope:
    url = urlsplit(route.url)
    secure = url.scheme == "wss"
    port = url.port or (443 if secure else 80)
    raw_path = url.path or "/"
    protocols: list[str] = route.protocols
    headers: list[tuple[bytes, bytes]] = [
        (b"host", url.netloc.encode("latin-1")),
        (b"connection", b"Upgrade"),
        (b"upgrade", b"websocket"),
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
    headers.extend(extra_headers)
    return {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
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
        "state": {},
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
            if self.disconnected is not None:
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
            js.console.error(f"wsbridge.asgi: exception in ASGI app for {self.route.url}:\n" + "".join(traceback.format_exception(error)))
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


def asgi(
    app: ASGIApp,
    *,
    client: tuple[str, int] = ("127.0.0.1", 0),
    root_path: str = "",
    headers: list[tuple[bytes, bytes]] | None = None,
) -> Callable[[Any], Awaitable[None]]:
    """A route handler that serves each matching socket with the ASGI application `app`.

    `client` and `root_path` go into the scope as given; `headers` are added to the handshake headers.
    """
    if not callable(app):
        raise TypeError(f"app must be an ASGI application (async callable), not {type(app).__name__}")
    extra = [(bytes(k).lower(), bytes(v)) for k, v in (headers or [])]

    async def handler(route: Any) -> None:
        await _Connection(app, route, _scope(route, client, root_path, extra)).run()

    handler.__name__ = f"asgi({getattr(app, '__name__', type(app).__name__)})"
    return handler
