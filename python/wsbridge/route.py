"""Playwright's `route_web_socket` inside the page: mock or intercept the page's WebSockets from Python.

Code written for Playwright's Python API (async or sync) ports by replacing `page` with `wsbridge.page`:
`route_web_socket` returns a handle that works plain, awaited, and as a `with` / `async with` block, and
`WebSocketRoute.close()` works plain and awaited. Differences from Playwright: binary messages reach handlers
as `bytes` (as in Playwright); async `on_message`/`on_close` handlers are awaited one after the other, in
order; `times` routes only the first N matching sockets; `unroute_web_socket` exists.
"""
from __future__ import annotations

import asyncio
import collections
import inspect
import re
import traceback
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Union

import js  # type: ignore[import-not-found]
from pyodide.ffi import create_proxy, to_js  # type: ignore[import-not-found]

if TYPE_CHECKING:
    from . import _wsbridge_js  # the contract: _wsbridge_js.pyi (the JS module is top-level in Pyodide)
else:
    import _wsbridge_js

from . import _lifecycle
from ._awaitable import AwaitableRoute
from .inspect import InspectionScope

__all__ = ["WebSocketRoute", "RouteHandle", "route_web_socket", "unroute_web_socket", "page", "context"]

UrlMatch = Union[str, "re.Pattern[str]", Callable[[str], bool]]
RouteHandler = Callable[["WebSocketRoute"], Any]


def _report(error: BaseException) -> None:
    """Shows a handler's exception in the browser console, as an uncaught error would be."""
    _lifecycle.report_error("".join(traceback.format_exception(error)))


class _Done:
    """The result of an action that already happened: awaiting it returns at once (Playwright's async API shape)."""

    __slots__ = ("_value",)

    def __init__(self, value: Any = None) -> None:
        self._value = value

    def __await__(self):  # type: ignore[no-untyped-def]
        return self._value
        yield  # pragma: no cover - makes this a generator


class _Serial:
    """Runs one socket's handlers in order: an async handler is awaited before the next handler starts."""

    __slots__ = ("_queue", "_busy")

    def __init__(self) -> None:
        self._queue: collections.deque[tuple[Callable[..., Any], tuple[Any, ...]]] = collections.deque()
        self._busy = False

    def call(self, fn: Callable[..., Any], *args: Any) -> None:
        """Runs `fn(*args)` now when nothing is pending, else after everything queued before it."""
        if self._busy:
            self._queue.append((fn, args))
            return
        result = self._run(fn, args)
        if inspect.isawaitable(result):
            self._busy = True
            asyncio.ensure_future(self._drain(result))

    @staticmethod
    def _run(fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
        try:
            return fn(*args)
        except Exception as error:  # noqa: BLE001 - reported like an uncaught error, routing goes on
            _report(error)
            return None

    async def _drain(self, pending: Awaitable[Any]) -> None:
        try:
            while True:
                try:
                    await pending
                except Exception as error:  # noqa: BLE001
                    _report(error)
                if not self._queue:
                    return
                fn, args = self._queue.popleft()
                pending = self._run(fn, args)
                if not inspect.isawaitable(pending):
                    pending = asyncio.sleep(0)
        finally:
            self._busy = False


def _to_wire(message: Any) -> Any:
    """A `send()` argument for JS: `str` as text, any contiguous buffer as binary, anything else a TypeError."""
    if isinstance(message, str):
        return message
    try:
        view = memoryview(message)
    except TypeError:
        raise TypeError(f"WebSocketRoute.send() takes str or bytes-like data, not {type(message).__name__}") from None
    return to_js(view.cast("B") if view.format != "B" or view.ndim != 1 else view)


MAX_REASON_BYTES = 123
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _code_allowed(side: str, code: int) -> bool:
    """Codes a server may send (page side: the route plays the server) or a page may send (server side)."""
    if side == "page":
        return 1000 <= code <= 1003 or 1007 <= code <= 1014 or 3000 <= code <= 4999
    return code == 1000 or 3000 <= code <= 4999


def _check_close(side: str, code: object, reason: object) -> None:
    """Raises TypeError/ValueError naming the rule when the route may not close `side` with `code` and `reason`."""
    prefix = f"WebSocketRoute.close() on the {side} side:"
    if code is not None:
        if isinstance(code, bool) or not isinstance(code, int):
            raise TypeError(f"{prefix} the close code must be an int, not {type(code).__name__}")
        if not _code_allowed(side, code):
            rule = (
                "1000-1003, 1007-1014 or 3000-4999 (a code a server may send to the page)"
                if side == "page"
                else "1000 or 3000-4999 (a code a page may send to the server)"
            )
            raise ValueError(f"{prefix} the close code must be {rule}, got {code}")
    if reason is not None:
        if not isinstance(reason, str):
            raise TypeError(f"{prefix} the close reason must be a str, not {type(reason).__name__}")
        # Python str has no surrogate pairs: any surrogate is one with no UTF-8 form.
        if _LONE_SURROGATE.search(reason):
            raise ValueError(f"{prefix} the close reason must not contain lone surrogates (it is sent as UTF-8)")
        size = len(reason.encode("utf-8"))
        if size > MAX_REASON_BYTES:
            raise ValueError(f"{prefix} the close reason must be at most {MAX_REASON_BYTES} UTF-8 bytes, got {size}")


def _check_handler(method: str, handler: object) -> None:
    """Raises TypeError when a handler given to `on_message`/`on_close` cannot be called."""
    if not callable(handler):
        raise TypeError(f"WebSocketRoute.{method}() takes a callable, not {type(handler).__name__}")


def _from_wire(message: Any) -> str | bytes:
    """A message from JS for a handler: `str` for text, `bytes` for binary."""
    return message if isinstance(message, str) else bytes(message.to_bytes())


class WebSocketRoute(AwaitableRoute):
    """One routed socket, page side (or, from `connect_to_server()`, its server side), with Playwright's Python API."""

    def __init__(self, js_route: Any, *, page_side: WebSocketRoute | None = None) -> None:
        self._js = js_route
        self._page_side = page_side  # None for the page side itself
        self._server: WebSocketRoute | None = None
        self._on_message: Callable[[str | bytes], Any] | None = None
        self._on_close: Callable[[int | None, str | None], Any] | None = None
        # Page side only: the one dispatch proxy of this socket (made on first use) and the ordered runner.
        self._proxy: Any = None
        self._serial = _Serial() if page_side is None else page_side._serial

    @property
    def url(self) -> str:
        """The socket's URL, as the page sees it (relative URLs resolved, http(s) → ws(s))."""
        return str(self._js.url())

    @property
    def protocols(self) -> list[str]:
        """The protocols the page asked for."""
        return [str(p) for p in self._js.protocols()]

    def on_message(self, handler: Callable[[str | bytes], Any]) -> None:
        """Handles this side's messages (`str` or `bytes`) instead of forwarding them; may be `async def`."""
        _check_handler("on_message", handler)
        self._on_message = handler
        self._listen("message")

    def on_close(self, handler: Callable[[int | None, str | None], Any]) -> None:
        """Handles this side's close (`code, reason`) instead of forwarding it; may be `async def`."""
        _check_handler("on_close", handler)
        self._on_close = handler
        self._listen("close")

    def send(self, message: str | bytes | bytearray | memoryview) -> None:
        """Sends to this side: to the page from the page side, to the server from the server side."""
        self._js.send(_to_wire(message))

    def close(self, code: int | None = None, reason: str | None = None) -> _Done:
        """Closes this side with `code` and `reason`; works plain and awaited. Invalid values raise, closing nothing."""
        _check_close("page" if self._page_side is None else "server", code, reason)
        _wsbridge_js.routeClose(self._js, code, reason)
        return _Done()

    def connect_to_server(self) -> WebSocketRoute:
        """Connects to the real server (once) and returns its side; forwarding is on until a side's `on_message`."""
        if self._page_side is not None:
            raise RuntimeError("connect_to_server must be called on the page-side WebSocketRoute")
        if self._server is not None:
            raise RuntimeError("Already connected to the server")
        self._server = WebSocketRoute(self._js.connectToServer(), page_side=self)
        return self._server

    def __repr__(self) -> str:
        side = "page" if self._page_side is None else "server"
        return f"<WebSocketRoute {side} {self.url}>"

    # --- plumbing ---

    def _root(self) -> WebSocketRoute:
        return self if self._page_side is None else self._page_side

    def _listen(self, kind: str) -> None:
        root = self._root()
        if root._proxy is None:
            root._proxy = create_proxy(root._dispatch)
            _wsbridge_js.routeBind(root._js, root._proxy)
        _wsbridge_js.routeListen(self._js, "page" if self is root else "server", kind, root._proxy)

    def _dispatch(self, side: str, kind: str, a: Any = None, b: Any = None) -> None:
        """Called from JS (through the one proxy) for every message or close of either side; runs handlers in order."""
        target = self if side == "page" else self._server
        if target is None:
            return
        if kind == "message" and target._on_message is not None:
            self._serial.call(target._on_message, _from_wire(a))
        elif kind == "close" and target._on_close is not None:
            self._serial.call(target._on_close, None if a is None else int(a), None if b is None else str(b))


class RouteHandle:
    """What `route_web_socket` returns: `.unroute()`, a `with`/`async with` block, and awaitable (gives None).

    Awaiting gives None, as Playwright's `await page.route_web_socket(...)` does. It must not give the handle back:
    Pyodide makes awaitable objects thenable in JS, and a thenable that resolves to itself never settles.
    """

    def __init__(self, scope: str, url: UrlMatch, handler: RouteHandler, token: int) -> None:
        self.scope = scope
        self.url = url
        self.handler = handler
        self._token = token

    @property
    def active(self) -> bool:
        """True while the route is registered (not unrouted, `times` not used up, no reset)."""
        return bool(_wsbridge_js.routeAlive(self._token))

    def unroute(self) -> None:
        """Removes this route for sockets created from now on (idempotent)."""
        _wsbridge_js.routeRemove(self._token)
        if self in _handles:
            _handles.remove(self)
            # A handler that holds resources (an ASGI app's lifespan) is told it is no longer routed.
            unrouted = getattr(self.handler, "_unrouted", None)
            if callable(unrouted):
                unrouted()

    def __await__(self):  # type: ignore[no-untyped-def]
        return None
        yield  # pragma: no cover - makes this a generator

    def __enter__(self) -> RouteHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.unroute()

    async def __aenter__(self) -> RouteHandle:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.unroute()

    def __repr__(self) -> str:
        return f"<RouteHandle {self.scope} {self.url!r}{'' if self.active else ' (removed)'}>"


_handles: list[RouteHandle] = []


def _matcher(url: Any) -> Any:
    """The JS-side matcher for a Python `url`: globs go as they are; patterns and callables become one predicate proxy."""
    if isinstance(url, str):
        return url
    if isinstance(url, re.Pattern):
        pattern = url
        return create_proxy(lambda href: pattern.search(href) is not None)
    if callable(url):
        predicate = url
        return create_proxy(lambda href: bool(predicate(href)))
    raise TypeError(f"url must be a glob str, an re.Pattern or a callable, not {type(url).__name__}")


def _handler_error(error: BaseException) -> Any:
    """A JS Error whose message is the Python traceback of a failed route handler."""
    return _wsbridge_js.routeError("".join(traceback.format_exception(error)).rstrip())


def _same_url(a: Any, b: Any) -> bool:
    """Equality for unroute: equal strings or patterns (pattern and flags), or the same callable."""
    if isinstance(a, (str, re.Pattern)) and type(a) is type(b):
        return bool(a == b)
    return a is b


def _route(scope: str, url: UrlMatch, handler: RouteHandler, times: int | None) -> RouteHandle:
    if not callable(handler):
        raise TypeError(f"handler must be callable, not {type(handler).__name__}")
    if times is not None and (not isinstance(times, int) or times < 1):
        raise ValueError(f"times must be a positive int, got {times!r}")

    def on_socket(js_route: Any, resolve: Any, reject: Any) -> None:
        route = WebSocketRoute(js_route)
        try:
            result = handler(route)
        except Exception as error:  # noqa: BLE001 - JS reports it (with this traceback) and fails the handshake
            reject(_handler_error(error))
            return
        if not inspect.isawaitable(result):
            resolve()
            return

        async def finish() -> None:
            try:
                await result
            except Exception as error:  # noqa: BLE001
                reject(_handler_error(error))
                return
            resolve()

        asyncio.ensure_future(finish())

    try:
        token = _wsbridge_js.routeAdd(scope, _matcher(url), times, create_proxy(on_socket))
    except Exception as error:
        message = getattr(error, "message", None) or str(error)
        raise ValueError(message) from None
    handle = RouteHandle(scope, url, handler, int(token))
    _handles.append(handle)
    return handle


def _unroute(scope: str, url: UrlMatch, handler: RouteHandler | None) -> _Done:
    for handle in [h for h in _handles if h.scope == scope and _same_url(h.url, url)]:
        if handler is None or handle.handler is handler:
            handle.unroute()
    return _Done()


class _Scope(InspectionScope):
    """`route_web_socket` / `unroute_web_socket` of one scope; page routes are consulted before context routes.

    Inspection (`on("websocket", ...)`, `expect_websocket()`) comes from `InspectionScope` (inspect.py)."""

    def __init__(self, scope: str) -> None:
        self._scope = scope

    def route_web_socket(self, url: UrlMatch, handler: RouteHandler, times: int | None = None) -> RouteHandle:
        """Routes sockets whose URL matches `url` to `handler(route)` (plain or async); the last registered match wins."""
        return _route(self._scope, url, handler, times)

    def unroute_web_socket(self, url: UrlMatch, handler: RouteHandler | None = None) -> _Done:
        """Removes this scope's routes registered with `url` (and `handler`, when given); live sockets keep theirs."""
        return _unroute(self._scope, url, handler)

    def __repr__(self) -> str:
        return f"<wsbridge {self._scope}>"


class _Page(_Scope):
    """The page facade: Playwright's `page` routing methods."""


class _Context(_Scope):
    """The context facade: Playwright's `context` routing methods, consulted after the page's."""


page = _Page("page")
context = _Context("context")


def route_web_socket(url: UrlMatch, handler: RouteHandler, times: int | None = None) -> RouteHandle:
    """Same as `page.route_web_socket`."""
    return _route("page", url, handler, times)


def unroute_web_socket(url: UrlMatch, handler: RouteHandler | None = None) -> _Done:
    """Same as `page.unroute_web_socket`."""
    return _unroute("page", url, handler)


@_lifecycle.on_reset
def _reset() -> None:
    """Removes every route (Python's and JS's) and closes every live routed socket, releasing their proxies."""
    _handles.clear()
    _wsbridge_js.routeReset()
