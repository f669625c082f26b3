"""Playwright's `route_web_socket` under MicroPython: mock or intercept the page's WebSockets from Python.

The engine (src/route) matches, validates, routes and forwards; this face holds routed sockets by id and runs the
handlers: `on_message` gets `str` or `bytes`, `on_close` gets `code, reason`; async handlers are awaited one after
the other, in order. What the Pyodide face adds beyond Playwright (awaitable `receive`, Starlette's names,
handshake control, faults) is not here: see `_unsupported`.
"""
import asyncio
import io
import json
import sys

from . import _ffi
from ._ffi import awaitable, call, check_type, engine, on_entry, read, write
from ._flow import Flow

try:
    from typing import TYPE_CHECKING
except ImportError:
    TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import Any, Callable, Generator

    RouteHandler = Callable[["WebSocketRoute"], Any]

__all__ = ["WebSocketRoute", "RouteHandle", "route_web_socket", "unroute_web_socket", "page", "context"]

#: Python registrations by key: (handler, URL matcher or None for a glob). Dropped when the engine lets go.
_registrations: "dict[int, tuple[Any, Any]]" = {}
#: Routed sockets' page sides by engine id. Dropped when the engine releases the socket.
_routes: "dict[int, WebSocketRoute]" = {}
_next_key = [1]


class Done:
    """The result of an action that already happened: usable plain or awaited."""

    def __await__(self) -> "Generator[None, None, None]":
        return
        yield

    __iter__ = __await__  # MicroPython awaits through __iter__


class WebSocketRoute:
    """One routed socket, page side (or, from `connect_to_server()`, its server side), with Playwright's Python API."""

    def __init__(self, id: int, page_side: "WebSocketRoute | None" = None) -> None:
        self._id = id
        self._page_side = page_side  # None for the page side itself
        self._server: "WebSocketRoute | None" = None
        self._handlers: "dict[str, Any]" = {}
        self._runner = Flow(True, "a WebSocketRoute handler") if page_side is None else page_side._runner

    @property
    def _side(self) -> str:
        return "page" if self._page_side is None else "server"

    @property
    def url(self) -> str:
        """The socket's URL, as the page sees it (relative URLs resolved, http(s) → ws(s))."""
        return call(engine.routeUrl, self._id)

    @property
    def protocols(self) -> "list[str]":
        """The protocols the page asked for."""
        return json.loads(call(engine.routeProtocols, self._id))

    @property
    def close_code(self) -> "int | None":
        """The page's close code, once it closed (page side)."""
        return json.loads(engine.routeCloseInfo(self._id))[0]

    @property
    def close_reason(self) -> "str | None":
        """The page's close reason, once it closed (page side)."""
        return json.loads(engine.routeCloseInfo(self._id))[1]

    def on_message(self, handler: "Callable[[str | bytes], Any]") -> None:
        """Handles this side's messages (`str` or `bytes`) instead of forwarding them; may be `async def`."""
        self._listen("message", "on_message", handler)

    def on_close(self, handler: "Callable[[int | None, str | None], Any]") -> None:
        """Handles this side's close (`code, reason`) instead of forwarding it; may be `async def`."""
        self._listen("close", "on_close", handler)

    def send(self, message: "str | bytes | bytearray | memoryview") -> None:
        """Sends to this side: to the page from the page side, to the server from the server side."""
        if isinstance(message, str):
            call(engine.routeSendText, self._id, self._side, message)
            return
        try:
            view = memoryview(message)
        except TypeError:
            raise TypeError("WebSocketRoute.send() takes str or bytes-like data, not " + type(message).__name__)
        size = len(view)
        call(engine.routeArm, self._id, self._side, size)
        if size:
            write(message)  # the engine copies the bytes out of the heap: the one copy
            call(engine.routeWritten)

    def close(self, code: "int | None" = None, reason: "str | None" = None) -> Done:
        """Closes this side with `code` and `reason`; works plain and awaited. Invalid values raise, closing nothing."""
        prefix = "WebSocketRoute.close() on the " + self._side + " side: the close"
        check_type(code, int, prefix + " code", "an int")
        check_type(reason, str, prefix + " reason", "a str")
        call(engine.routeClose, self._id, self._side, code, reason)
        return Done()

    def connect_to_server(self) -> "WebSocketRoute":
        """Connects to the real server (once) and returns its side; forwarding is on until a side's `on_message`."""
        if self._page_side is not None:
            raise RuntimeError("connect_to_server must be called on the page-side WebSocketRoute")
        call(engine.routeConnect, self._id)  # the engine refuses a second
        self._server = WebSocketRoute(self._id, page_side=self)
        return self._server

    def __getattr__(self, name: str) -> "Any":
        alternative = _ROUTE_ALTERNATIVES.get(name)
        if alternative is None:
            raise AttributeError("'WebSocketRoute' object has no attribute '" + name + "'")
        raise NotImplementedError(_unsupported_text("WebSocketRoute." + name, alternative))

    def __repr__(self) -> str:
        return "<WebSocketRoute " + self._side + " " + self.url + ">"

    def _listen(self, kind: str, method: str, handler: "Any") -> None:
        if not callable(handler):
            raise TypeError("WebSocketRoute." + method + "() takes a callable, not " + type(handler).__name__)
        self._handlers[kind] = handler
        call(engine.routeListen, self._id, self._side, kind)


def _on_route_event(kind: int, id: int, side: "Any", a: "Any", b: "Any") -> None:
    """A routed socket's message or close from the engine, to the side's handler (bytes read from the channel first)."""
    data = bytes(read(a)) if kind == _ffi.ROUTE_BINARY else a
    route = _routes.get(id)
    target = route if route is None or side == "page" else route._server
    if target is None:
        return
    if kind == _ffi.ROUTE_CLOSE:
        handler = target._handlers.get("close")
        if handler is not None:
            target._runner.call(handler, a, b)
    else:
        handler = target._handlers.get("message")
        if handler is not None:
            target._runner.call(handler, data)


def _traceback(error: BaseException) -> str:
    text = io.StringIO()
    sys.print_exception(error, text)
    return text.getvalue().rstrip()


async def _finish(result: "Any", id: int) -> None:
    """Awaits an async route handler, then settles it in the engine (a traceback fails the handshake)."""
    try:
        await result
    except Exception as error:  # noqa: BLE001
        engine.routeSettle(id, _traceback(error))
        return
    engine.routeSettle(id, None)


def _on_route_socket(kind: int, key: int, id: int, _b: "Any", _c: "Any") -> "Any":
    """Registration `key` takes a new socket: runs its handler; True when done, a traceback, None while it runs."""
    registration = _registrations.get(key)
    if registration is None:
        return "wsbridge: the route's Python handler is gone"
    route = _routes[id] = WebSocketRoute(id)
    try:
        result = registration[0](route)
    except Exception as error:  # noqa: BLE001
        return _traceback(error)
    if awaitable(result):
        asyncio.create_task(_finish(result, id))
        return None
    return True


def _on_route_match(kind: int, key: int, href: str, _b: "Any", _c: "Any") -> bool:
    registration = _registrations.get(key)
    return registration is not None and bool(registration[1](href))


def _on_route_forget(kind: int, id: int, _a: "Any", _b: "Any", _c: "Any") -> None:
    (_routes if kind == _ffi.ROUTE_RELEASED else _registrations).pop(id, None)


on_entry((_ffi.ROUTE_TEXT, _ffi.ROUTE_BINARY, _ffi.ROUTE_CLOSE), _on_route_event)
on_entry((_ffi.ROUTE_SOCKET,), _on_route_socket)
on_entry((_ffi.ROUTE_MATCH,), _on_route_match)
on_entry((_ffi.ROUTE_RELEASED, _ffi.ROUTE_GONE), _on_route_forget)


class RouteHandle:
    """What `route_web_socket` returns: `.unroute()`, a `with`/`async with` block (unrouted at its end), and awaitable."""

    def __init__(self, scope: str, url: "Any", handler: "Any", token: int) -> None:
        self.scope = scope
        self.url = url
        self.handler = handler
        self._token = token

    @property
    def active(self) -> bool:
        """True while it routes (not unrouted, `times` not used up)."""
        return bool(engine.routeAlive(self._token))

    def unroute(self) -> None:
        """Removes the route for sockets created from now on (idempotent)."""
        engine.routeRemove(self._token)

    def __await__(self) -> "Generator[None, None, None]":
        return Done().__await__()

    __iter__ = __await__

    def __enter__(self) -> "RouteHandle":
        return self

    def __exit__(self, *exc: object) -> None:
        self.unroute()

    async def __aenter__(self) -> "RouteHandle":
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.unroute()

    def __repr__(self) -> str:
        return "<RouteHandle " + self.scope + " " + repr(self.url) + ("" if self.active else " (removed)") + ">"


def _url_key(url: "Any") -> str:
    """What the engine compares for `unroute_web_socket`: equal globs, else the same pattern or callable object."""
    return "glob:" + url if isinstance(url, str) else "object:" + str(id(url))


def _handler_key(handler: "Any") -> str:
    """The same handler object (a bound method: the same function on the same object)."""
    self = getattr(handler, "__self__", None)
    if self is not None:
        return "method:" + str(id(self)) + ":" + str(getattr(handler, "__name__", ""))
    return "object:" + str(id(handler))


def _matcher(url: "Any") -> "Any":
    """None for a glob (the engine matches it); a pattern's `search` or a predicate, called with the URL string."""
    if isinstance(url, str):
        return None
    search = getattr(url, "search", None)
    if search is not None and not callable(url):
        return lambda href: search(href) is not None
    if callable(url):
        return url
    raise TypeError("url must be a glob str, an re pattern or a callable, not " + type(url).__name__)


class _Scope:
    """`route_web_socket` / `unroute_web_socket` of the page or the context."""

    def __init__(self, scope: str) -> None:
        self._scope = scope

    def route_web_socket(self, url: "Any", handler: "RouteHandler", times: "int | None" = None) -> RouteHandle:
        """Routes sockets whose URL matches `url` to `handler(route)` (plain or async); the last registered match wins."""
        if not callable(handler):
            raise TypeError("handler must be callable, not " + type(handler).__name__)
        check_type(times, int, "times", "an int or None")
        matcher = _matcher(url)
        key = _next_key[0]
        _next_key[0] += 1
        _registrations[key] = (handler, matcher)
        try:
            token = call(engine.routeAdd, self._scope, url if matcher is None else None, key, times, _url_key(url), _handler_key(handler))
        except BaseException:
            _registrations.pop(key, None)
            raise
        return RouteHandle(self._scope, url, handler, token)

    def unroute_web_socket(self, url: "Any", handler: "Any" = None) -> Done:
        """Removes this scope's routes registered with `url` (and `handler`, when given); live sockets keep theirs."""
        engine.routeUnroute(self._scope, _url_key(url), None if handler is None else _handler_key(handler))
        return Done()

    def __getattr__(self, name: str) -> "Any":
        alternative = _SCOPE_ALTERNATIVES.get(name)
        if alternative is None:
            raise AttributeError("'" + self._scope + "' has no attribute '" + name + "'")
        raise NotImplementedError(_unsupported_text(self._scope + "." + name, alternative))

    def __repr__(self) -> str:
        return "<wsbridge " + self._scope + ">"


def _unsupported_text(name: str, alternative: str) -> str:
    return name + " is not available under MicroPython (wsbridge's MicroPython face has the socket and routing only): " + alternative


_ROUTE_ALTERNATIVES = {
    name: "use on_message() and on_close() handlers, or a <script type=\"py\"> (Pyodide) for awaitable receiving"
    for name in ("receive", "receive_text", "receive_bytes", "receive_json", "iter_text", "iter_bytes", "iter_json")
}
_ROUTE_ALTERNATIVES.update({
    name: "send() with str or bytes (json.dumps for JSON), or a <script type=\"py\"> (Pyodide) for Starlette's names"
    for name in ("send_text", "send_bytes", "send_json")
})
_ROUTE_ALTERNATIVES.update({
    name: "use a <script type=\"py\"> (Pyodide), or JS routeWebSocket from wsbridge.mjs, for handshake control and faults"
    for name in ("accept", "reject", "terminate", "faults")
})
_SCOPE_ALTERNATIVES = {
    "on": "inspect sockets from JS (page.on(\"websocket\") in wsbridge.mjs) or from a <script type=\"py\"> (Pyodide)",
    "expect_websocket": "inspect sockets from JS (wsbridge.mjs) or from a <script type=\"py\"> (Pyodide)",
    "evaluate": "call JS through the js module (js.eval, js.window...)",
    "wait_for_timeout": "await asyncio.sleep(seconds)",
}

page = _Scope("page")
context = _Scope("context")
route_web_socket = page.route_web_socket
unroute_web_socket = page.unroute_web_socket


def reset() -> None:
    """Removes every route and closes every live routed socket."""
    engine.routeReset()
