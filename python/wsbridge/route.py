"""Playwright's `route_web_socket` inside the page: mock or intercept the page's WebSockets from Python.

Code written for Playwright's Python API (async or sync) ports by replacing `page` with `wsbridge.page`:
`route_web_socket` returns a handle that works plain, awaited, and as a `with` / `async with` block, and
`WebSocketRoute.close()` works plain and awaited. Differences from Playwright: binary messages reach handlers
as `bytes` (as in Playwright); async `on_message`/`on_close` handlers are awaited one after the other, in
order; `times` routes only the first N matching sockets; `unroute_web_socket` exists. The engine (src/route)
matches, validates and routes; this is its Python face.
"""
from __future__ import annotations

import asyncio
import inspect
import re
import traceback
from collections.abc import Callable, Generator
from typing import Any, Union

from . import _lifecycle
from ._awaitable import AwaitableRoute, Done
from ._js import call, check_type, create_proxy, engine, flat_bytes, handler_key, message, to_js
from ._runner import Runner
from .inspect import InspectionScope

__all__ = ["WebSocketRoute", "RouteHandle", "route_web_socket", "unroute_web_socket", "page", "context"]

UrlMatch = Union[str, "re.Pattern[str]", Callable[[str], bool]]
RouteHandler = Callable[["WebSocketRoute"], Any]


class WebSocketRoute(AwaitableRoute):
    """One routed socket, page side (or, from `connect_to_server()`, its server side), with Playwright's Python API."""

    def __init__(self, js_route: Any, *, page_side: WebSocketRoute | None = None) -> None:
        self._js = js_route
        self._page_side = page_side  # None for the page side itself
        self._server: WebSocketRoute | None = None
        self._handlers: dict[str, Callable[..., Any]] = {}
        # Page side only: the one dispatch proxy of this socket (made on first use); both sides share one runner.
        self._proxy: Any = None
        self._runner: Runner = Runner("a WebSocketRoute handler", serial=True) if page_side is None else page_side._runner

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
        self._listen("message", "on_message", handler)

    def on_close(self, handler: Callable[[int | None, str | None], Any]) -> None:
        """Handles this side's close (`code, reason`) instead of forwarding it; may be `async def`."""
        self._listen("close", "on_close", handler)

    def send(self, message: str | bytes | bytearray | memoryview) -> None:
        """Sends to this side: to the page from the page side, to the server from the server side."""
        if isinstance(message, str):
            return engine.routeSend(self._js, message)
        view = flat_bytes(message)
        if view is None:
            raise TypeError(f"WebSocketRoute.send() takes str or bytes-like data, not {type(message).__name__}")
        # to_js makes the one copy: the engine puts that Uint8Array's buffer on the wire, and the page gets it.
        engine.routeSend(self._js, to_js(view))

    def close(self, code: int | None = None, reason: str | None = None) -> Done:
        """Closes this side with `code` and `reason`; works plain and awaited. Invalid values raise, closing nothing."""
        prefix = f"WebSocketRoute.close() on the {'page' if self._page_side is None else 'server'} side: the close"
        check_type(code, int, f"{prefix} code", "an int")
        check_type(reason, str, f"{prefix} reason", "a str")
        call(engine.routeClose, self._js, code, reason)
        return Done()

    def connect_to_server(self) -> WebSocketRoute:
        """Connects to the real server (once) and returns its side; forwarding is on until a side's `on_message`."""
        if self._page_side is not None:
            raise RuntimeError("connect_to_server must be called on the page-side WebSocketRoute")
        self._server = WebSocketRoute(call(self._js.connectToServer), page_side=self)  # the engine refuses a second
        return self._server

    def __repr__(self) -> str:
        return f"<WebSocketRoute {'page' if self._page_side is None else 'server'} {self.url}>"

    def _listen(self, kind: str, method: str, handler: Callable[..., Any]) -> None:
        if not callable(handler):
            raise TypeError(f"WebSocketRoute.{method}() takes a callable, not {type(handler).__name__}")
        self._handlers[kind] = handler
        root = self if self._page_side is None else self._page_side
        if root._proxy is None:
            root._proxy = create_proxy(root._dispatch)
            engine.routeBind(root._js, root._proxy)
        engine.routeListen(self._js, "page" if self is root else "server", kind, root._proxy)

    def _dispatch(self, side: str, kind: str, a: Any = None, b: Any = None) -> None:
        """Called from JS (through the one proxy) for every message or close of either side; runs handlers in order."""
        target = self if side == "page" else self._server
        handler = None if target is None else target._handlers.get(kind)
        if handler is None:
            return
        if kind == "message":
            self._runner.call(handler, message(a))
        else:
            self._runner.call(handler, None if a is None else int(a), None if b is None else str(b))


class Handle:
    """A registration: `.unroute()`, a `with`/`async with` block (unrouted at its end), and awaitable (gives None)."""

    # Awaiting gives None, as Playwright's `await page.route_web_socket(...)` does. It must not give the handle back:
    # Pyodide makes awaitable objects thenable in JS, and a thenable that resolves to itself never settles.

    def unroute(self) -> None:
        raise NotImplementedError

    def __await__(self) -> Generator[None, None, None]:
        return Done().__await__()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.unroute()

    async def __aenter__(self) -> Any:
        await self
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.unroute()


class RouteHandle(Handle):
    """What `route_web_socket` returns (see `Handle`); `active` says whether it still routes."""

    def __init__(self, scope: str, url: UrlMatch, handler: RouteHandler, token: int) -> None:
        self.scope = scope
        self.url = url
        self.handler = handler
        self._token = token

    @property
    def active(self) -> bool:
        """True while the route is registered (not unrouted, `times` not used up, no reset)."""
        return bool(engine.routeAlive(self._token))

    def unroute(self) -> None:
        """Removes this route for sockets created from now on (idempotent)."""
        engine.routeRemove(self._token)

    def __repr__(self) -> str:
        return f"<RouteHandle {self.scope} {self.url!r}{'' if self.active else ' (removed)'}>"


def _url_key(url: UrlMatch) -> str:
    """What the engine compares for `unroute_web_socket`: equal globs, equal patterns (pattern and flags), the same
    callable (as `handler_key` finds it)."""
    if isinstance(url, str):
        return f"glob:{url}"
    if isinstance(url, re.Pattern):
        return f"re:{url.flags}:{url.pattern!r}"
    return f"callable:{handler_key(url)}"  # the route's predicate keeps it alive, so the key is not reused meanwhile


def _matcher(url: Any) -> Any:
    """The engine's matcher for a Python `url`: a glob as it is; a pattern or callable as one predicate proxy."""
    if isinstance(url, str):
        return url
    if isinstance(url, re.Pattern):
        return create_proxy(lambda href, pattern=url: pattern.search(href) is not None)
    if callable(url):
        return create_proxy(lambda href: bool(url(href)))
    raise TypeError(f"url must be a glob str, an re.Pattern or a callable, not {type(url).__name__}")


class _Scope(InspectionScope):
    """`route_web_socket` / `unroute_web_socket` (and, from inspect.py, inspection) of the page or the context."""

    def __init__(self, scope: str) -> None:
        self._scope = scope

    def route_web_socket(self, url: UrlMatch, handler: RouteHandler, times: int | None = None) -> RouteHandle:
        """Routes sockets whose URL matches `url` to `handler(route)` (plain or async); the last registered match wins."""
        if not callable(handler):
            raise TypeError(f"handler must be callable, not {type(handler).__name__}")

        def failed(reject: Any, error: BaseException) -> None:
            # The engine reports it (with this traceback) and fails the handshake.
            reject(engine.routeError("".join(traceback.format_exception(error)).rstrip()))

        async def finish(result: Any, resolve: Any, reject: Any) -> None:
            try:
                await result
            except Exception as error:  # noqa: BLE001
                return failed(reject, error)
            resolve()

        def on_socket(js_route: Any, resolve: Any, reject: Any) -> None:
            # A plain handler runs within the engine's call; an async one from the next loop turn (timing apps rely on).
            try:
                result = handler(WebSocketRoute(js_route))
            except Exception as error:  # noqa: BLE001
                return failed(reject, error)
            if inspect.isawaitable(result):
                asyncio.ensure_future(finish(result, resolve, reject))
            else:
                resolve()

        matcher = _matcher(url)  # checks `url` first: nothing is made for a bad one
        # A handler that holds resources (an ASGI app's lifespan) is told when it is unrouted.
        unrouted = getattr(handler, "_unrouted", None)
        on_unroute = create_proxy(unrouted) if callable(unrouted) else None
        token = call(engine.routeAdd, self._scope, matcher, times, create_proxy(on_socket), _url_key(url), handler_key(handler), on_unroute)
        return RouteHandle(self._scope, url, handler, int(token))

    def unroute_web_socket(self, url: UrlMatch, handler: RouteHandler | None = None) -> Done:
        """Removes this scope's routes registered with `url` (and `handler`, when given); live sockets keep theirs."""
        engine.routeUnroute(self._scope, _url_key(url), None if handler is None else handler_key(handler))
        return Done()

    def __repr__(self) -> str:
        return f"<wsbridge {self._scope}>"


page = _Scope("page")  # Playwright's `page` routing and inspection methods
context = _Scope("context")  # the same for `context`, consulted (and told) after the page
route_web_socket = page.route_web_socket
unroute_web_socket = page.unroute_web_socket


@_lifecycle.on_reset
def _reset() -> None:
    """Removes every route (Python's and JS's) and closes every live routed socket, releasing their proxies."""
    engine.routeReset()
