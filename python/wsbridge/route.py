"""Playwright's `route_web_socket` inside the page: mock or intercept the page's WebSockets from Python.

Code written for Playwright's Python API (async or sync) ports by replacing `page` with `wsbridge.page`:
`route_web_socket` returns a handle that works plain, awaited, and as a `with` / `async with` block, and
`WebSocketRoute.close()` works plain and awaited. Differences from Playwright: binary messages reach handlers
as `bytes` (as in Playwright); async `on_message`/`on_close` handlers are awaited one after the other, in
order; `times` routes only the first N matching sockets; `unroute_web_socket` exists. A route also has awaitable
`receive` / `async for`, Starlette's `WebSocket` names, handshake control (`accept`, `reject`, `terminate`) and
fault injection (`faults`). Timeouts are in ms, as in Playwright; `None` waits while the socket lives.

The engine (src/route) matches, validates, routes, queues frames for `receive` (a timed-out or cancelled wait
takes no frame) and injects faults; this is its Python face.
"""
from __future__ import annotations

import asyncio
import inspect
import json
import re
import sys
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Generator
from types import FrameType
from typing import Any, Literal, Union

from . import _evaluate, _lifecycle
from ._js import JsProxy, block_on, call, can_run_sync, check_type, create_proxy, engine, flat_bytes, handler_key, js, message, options, settle, to_js
from ._runner import Flow
from .errors import FrameTypeError, WebSocketClosed
from .inspect import InspectionScope

__all__ = ["WebSocketRoute", "RouteHandle", "route_web_socket", "unroute_web_socket", "page", "context", "WebSocketClosed", "FrameTypeError", "Done", "Accepted"]

UrlMatch = Union[str, "re.Pattern[str]", Callable[[str], bool]]
RouteHandler = Callable[["WebSocketRoute"], Any]
Message = str | bytes
Direction = Literal["to_page", "from_page", "both"]
_DIRECTIONS = {"to_page": "toPage", "from_page": "fromPage", "both": "both"}
_Settle = Callable[..., None]  # the engine's resolve() / reject(traceback) for a route handler
_route_send = engine.routeSend  # looked up once: each read of an engine attribute makes a new JsProxy


class Done:
    """The result of an action that already happened: usable plain or awaited (Starlette's and Playwright's async shape)."""

    __slots__ = ()

    def __await__(self) -> Generator[None, None, None]:
        return None
        yield  # pragma: no cover - makes this a generator


class Accepted(Done):
    """What `accept()` returns: `Done` that is true when the page opened, false when the handshake failed instead."""

    __slots__ = ("opened",)

    def __init__(self, opened: bool) -> None:
        self.opened = opened

    def __bool__(self) -> bool:
        return self.opened

    def __repr__(self) -> str:
        return f"<Accepted {'opened' if self.opened else 'handshake failed'}>"


def _check_mode(mode: str) -> None:
    if mode not in ("text", "binary"):
        raise ValueError(f'mode must be "text" or "binary", got {mode!r}')


class WebSocketRoute:
    """One routed socket, page side (or, from `connect_to_server()`, its server side), with Playwright's Python API."""

    # Starlette's sending methods are coroutines; these act at once and return `Done`, so both
    # `route.send_text(x)` and `await route.send_text(x)` work.

    def __init__(self, js_route: engine.RoutedSocketHandle, *, page_side: WebSocketRoute | None = None) -> None:
        self._js = js_route
        self._page_side = page_side  # None for the page side itself
        self._server: WebSocketRoute | None = None
        self._handlers: dict[str, Callable[..., Any]] = {}
        # Page side only: the one dispatch proxy of this socket (made on first use); both sides share one runner.
        self._proxy: Any = None
        self._runner: Flow = Flow(True, "a WebSocketRoute handler") if page_side is None else page_side._runner

    @property
    def url(self) -> str:
        """The socket's URL, as the page sees it (relative URLs resolved, http(s) → ws(s))."""
        return self._js.url()

    @property
    def protocols(self) -> list[str]:
        """The protocols the page asked for."""
        protocols: list[str] = self._js.protocols().to_py()
        return protocols

    @property
    def close_code(self) -> int | None:
        """The other side's close code, once it closed."""
        return self._js.closeCode

    @property
    def close_reason(self) -> str | None:
        """The other side's close reason, once it closed."""
        return self._js.closeReason

    def on_message(self, handler: Callable[[str | bytes], Any]) -> None:
        """Handles this side's messages (`str` or `bytes`) instead of forwarding them; may be `async def`."""
        self._listen("message", "on_message", handler)

    def on_close(self, handler: Callable[[int | None, str | None], Any]) -> None:
        """Handles this side's close (`code, reason`) instead of forwarding it; may be `async def`."""
        self._listen("close", "on_close", handler)

    def send(self, message: str | bytes | bytearray | memoryview) -> None:
        """Sends to this side: to the page from the page side, to the server from the server side."""
        if isinstance(message, str):
            return _route_send(self._js, message)
        view = flat_bytes(message)
        if view is None:
            raise TypeError(f"WebSocketRoute.send() takes str or bytes-like data, not {type(message).__name__}")
        # to_js makes the one copy: the engine puts that Uint8Array's buffer on the wire, and the page gets it.
        _route_send(self._js, to_js(view))

    def close(self, code: int | None = None, reason: str | None = None) -> Done:
        """Closes this side with `code` and `reason`; works plain and awaited. Invalid values raise, closing nothing."""
        prefix = f"WebSocketRoute.close() on the {self._side} side: the close"
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

    # --- receiving (Starlette's names too) ---

    async def _receive(self, receive: Callable[[JsProxy | None], Any], timeout: float | None) -> Any:
        """A frame from one of the engine's receive methods (the str or Uint8Array it gives, as a Python message)."""
        controller = js.AbortController.new()
        return message(await settle(call(receive, options(timeout=timeout, cancel=controller.signal)), controller))

    async def receive(self, timeout: float | None = None) -> Message:
        """The next frame from the other side: `str` or `bytes`; `WebSocketClosed` once it closed, `TimeoutError` after `timeout` ms."""
        # On a mocked socket still connecting, the engine opens the page first: it cannot send before.
        return await self._receive(self._js.receive, timeout)  # type: ignore[no-any-return]

    async def receive_text(self, timeout: float | None = None) -> str:
        """The next frame, which must be text (`FrameTypeError` otherwise)."""
        return await self._receive(self._js.receiveText, timeout)  # type: ignore[no-any-return]

    async def receive_bytes(self, timeout: float | None = None) -> bytes:
        """The next frame, which must be binary (`FrameTypeError` otherwise)."""
        return await self._receive(self._js.receiveBytes, timeout)  # type: ignore[no-any-return]

    async def receive_json(self, mode: Literal["text", "binary"] = "text", timeout: float | None = None) -> Any:
        """The next frame parsed as JSON: a text frame, or UTF-8 bytes with `mode="binary"` (Starlette's rule)."""
        _check_mode(mode)
        # Parsed by Python's json, so values keep Python's JSON types (1.0 is a float, big ints stay exact).
        return json.loads(await (self.receive_text(timeout) if mode == "text" else self.receive_bytes(timeout)))

    def __aiter__(self) -> AsyncIterator[Message]:
        """`async for message in route`: frames until the other side closes (then the loop ends cleanly)."""
        return self._iterate(self.receive)

    def iter_text(self) -> AsyncIterator[str]:
        """Text frames until the other side closes (Starlette's name)."""
        return self._iterate(self.receive_text)

    def iter_bytes(self) -> AsyncIterator[bytes]:
        """Binary frames until the other side closes (Starlette's name)."""
        return self._iterate(self.receive_bytes)

    def iter_json(self) -> AsyncIterator[Any]:
        """JSON text frames until the other side closes (Starlette's name)."""
        return self._iterate(self.receive_json)

    @staticmethod
    async def _iterate(next_: Callable[[], Any]) -> AsyncIterator[Any]:
        while True:
            try:
                item = await next_()
            except WebSocketClosed:
                return
            yield item

    # --- sending with Starlette's names: Python types checked here, the frame sent by `send` ---

    def send_json(self, data: Any, mode: Literal["text", "binary"] = "text") -> Done:
        """Sends `data` as compact JSON: a text frame, or UTF-8 bytes with `mode="binary"`."""
        _check_mode(mode)
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        self.send(text if mode == "text" else text.encode("utf-8"))
        return Done()

    def send_text(self, data: str) -> Done:
        """Sends a text frame (Starlette's name); anything but `str` is a TypeError."""
        if not isinstance(data, str):
            raise TypeError(f"send_text() takes str, not {type(data).__name__}")
        self.send(data)
        return Done()

    def send_bytes(self, data: bytes | bytearray | memoryview) -> Done:
        """Sends a binary frame (Starlette's name); `str` is a TypeError."""
        if isinstance(data, str):
            raise TypeError("send_bytes() takes bytes-like data, not str (use send_text)")
        self.send(data)
        return Done()

    # --- handshake and faults (page side) ---

    def accept(self, subprotocol: str | None = None) -> Accepted:
        """Completes the handshake (Starlette's `accept`): the page opens with `subprotocol` as its protocol. As in the
        browser, a subprotocol the page did not offer, or none when it offered some, fails the handshake instead: the
        result is then false (true otherwise, as the JS face's boolean), and usable plain or awaited either way."""
        check_type(subprotocol, str, "subprotocol", "a str or None")
        return Accepted(bool(self._page_js("accept").accept(options(protocol=subprotocol))))

    def reject(self) -> None:
        """Fails the handshake: the page sees `error`, then `close` 1006 (not clean), never `open`."""
        call(self._page_js("reject").reject)

    def terminate(self) -> None:
        """Drops the connection: `close` 1006 (not clean) at the page, no close frame; held delayed frames are lost."""
        self._page_js("terminate").terminate()

    def faults(
        self,
        delay: float | Callable[[Message], float] | None = None,
        drop: Callable[[Message], bool] | None = None,
        direction: Direction = "both",
    ) -> None:
        """Injects faults on frames to and/or from the page: `delay` in ms (fixed, or per message) and `drop`."""
        # The engine keeps each direction's order, holds a close behind held frames and checks the values;
        # callables cross as proxies bound to the route, released with it.
        if direction not in _DIRECTIONS:
            raise ValueError(f'direction must be "to_page", "from_page" or "both", got {direction!r}')
        js_route = self._page_js("faults")

        def crossing(fn: Any, result: type) -> Any:
            if not callable(fn) or isinstance(fn, bool):
                return fn
            proxy = create_proxy(lambda frame, _direction: result(fn(message(frame))))
            engine.routeBind(js_route, proxy)
            return proxy

        call(js_route.faults, options(delay=crossing(delay, float), drop=crossing(drop, bool), direction=_DIRECTIONS[direction]))

    # --- plumbing ---

    @property
    def _side(self) -> str:
        return "page" if self._page_side is None else "server"

    def _page_js(self, name: str) -> engine.RoutedSocketHandle:
        if self._page_side is not None:
            raise RuntimeError(f"{name}() must be called on the page-side WebSocketRoute")
        return self._js

    def __repr__(self) -> str:
        return f"<WebSocketRoute {self._side} {self.url}>"

    def _listen(self, kind: str, method: str, handler: Callable[..., Any]) -> None:
        if not callable(handler):
            raise TypeError(f"WebSocketRoute.{method}() takes a callable, not {type(handler).__name__}")
        self._handlers[kind] = handler
        root = self._page_side or self
        if root._proxy is None:
            root._proxy = create_proxy(root._dispatch)
            engine.routeBind(root._js, root._proxy)
        engine.routeListen(self._js, self._side, kind, root._proxy)

    def _dispatch(self, side: str, kind: str, *args: Any) -> None:
        """Called from JS (through the one proxy) for every message (data) or close (code, reason) of either side."""
        target = self if side == "page" else self._server
        handler = None if target is None else target._handlers.get(kind)
        if handler is not None:
            # JS gives int and str or None for a close; a message's bytes arrive as a Uint8Array.
            self._runner.call(handler, *((message(args[0]),) if kind == "message" else args))


class Handle:
    """A registration: `.unroute()`, a `with`/`async with` block (unrouted at its end), and awaitable (gives None)."""

    # Awaiting gives None, as Playwright's `await page.route_web_socket(...)` does. It must not give the handle back:
    # Pyodide makes awaitable objects thenable in JS, and a thenable that resolves to itself never settles.

    _token: int  # the engine's token for the registration, read and removed by these two engine functions
    _alive: Callable[[int], bool] = staticmethod(engine.routeAlive)
    _remove: Callable[[int], None] = staticmethod(engine.routeRemove)

    @property
    def active(self) -> bool:
        """True while it routes (not unrouted, `times` not used up, no reset; a HAR from a URL: once loaded)."""
        return self._alive(self._token)

    def unroute(self) -> None:
        """Removes the route for sockets created from now on (idempotent)."""
        self._remove(self._token)

    def __await__(self) -> Generator[Any, None, None]:
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
    """What `route_web_socket` returns (see `Handle`)."""

    def __init__(self, scope: str, url: UrlMatch, handler: RouteHandler, token: int) -> None:
        self.scope = scope
        self.url = url
        self.handler = handler
        self._token = token

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


def _failure(error: BaseException) -> str:
    """A failed route handler's traceback: the engine reports it and fails the handshake."""
    return "".join(traceback.format_exception(error)).rstrip()


class _Scope(InspectionScope):
    """`route_web_socket` / `unroute_web_socket` (and, from inspect.py, inspection) of the page or the context."""

    def route_web_socket(self, url: UrlMatch, handler: RouteHandler, times: int | None = None) -> RouteHandle:
        """Routes sockets whose URL matches `url` to `handler(route)` (plain or async); the last registered match wins."""
        if not callable(handler):
            raise TypeError(f"handler must be callable, not {type(handler).__name__}")

        async def finish(result: Any, resolve: _Settle, reject: _Settle) -> None:
            try:
                await result
            except Exception as error:  # noqa: BLE001
                return reject(_failure(error))
            resolve()

        def on_socket(js_route: engine.RoutedSocketHandle, resolve: _Settle, reject: _Settle) -> None:
            # A plain handler runs within the engine's call; an async one from the next loop turn (timing apps rely on).
            try:
                result = handler(WebSocketRoute(js_route))
            except Exception as error:  # noqa: BLE001
                return reject(_failure(error))
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


def _awaited(caller: FrameType | None) -> bool:
    """True when the calling code is an `async def` (Playwright's async API: the call is awaited there), False in a
    plain function (its sync API: the call gives the result)."""
    return caller is not None and bool(caller.f_code.co_flags & (inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR))


def _block(what: str, awaitable: Coroutine[Any, Any, Any]) -> Any:
    """Waits for `awaitable` in plain code, the page's loop running meanwhile (Pyodide's run_sync)."""
    if not can_run_sync():
        awaitable.close()
        raise RuntimeError(
            f"{what} cannot wait in this plain function: Pyodide can suspend only code entered through "
            "runPythonAsync, a task or a test (JSPI); call it from an async def and await it"
        )
    return block_on(awaitable)


async def _settled(outcome: Any) -> Any:
    """The value of `pageEvaluate`'s outcome, awaiting it when it is a Promise."""
    return _evaluate.outcome(outcome if isinstance(outcome, str) else await settle(outcome))


class _Page(_Scope):
    """`page`: the scope's routing and inspection, and Playwright's `evaluate` and `wait_for_timeout`.

    Either is written as in Playwright's async API (`await page.evaluate(...)` in an `async def`, which gets an
    awaitable) or its sync API (`page.evaluate(...)` in a plain function, which gets the result: it waits with the
    page's loop running, as `page.wait_for_timeout` must let the page run)."""

    def evaluate(self, expression: str, arg: Any = None) -> Any:
        """Runs `expression` in the page's global scope: a function expression is called with `arg`, anything else
        is evaluated; the result (a Promise's, once it settles) comes back as Playwright converts it (see
        `_evaluate`). What it throws is raised as `wsbridge.Error`. It runs at the call, awaited or not."""
        if not isinstance(expression, str):
            raise TypeError(f"expression must be a str, not {type(expression).__name__}")
        outcome = call(engine.pageEvaluate, expression, _evaluate.argument(arg))  # JSON, or a Promise of it
        if _awaited(sys._getframe(1)):
            return _settled(outcome)
        return _evaluate.outcome(outcome if isinstance(outcome, str) else _block("page.evaluate()", settle(outcome)))

    def wait_for_timeout(self, timeout: float) -> Awaitable[None] | None:
        """Waits `timeout` milliseconds while the page runs (its sockets, routes and timers)."""
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
            raise TypeError(f"timeout must be a number of milliseconds, not {type(timeout).__name__}")
        pause = asyncio.sleep(timeout / 1000)
        if _awaited(sys._getframe(1)):
            return pause
        _block("page.wait_for_timeout()", pause)
        return None


page = _Page("page")  # Playwright's `page` routing and inspection methods, evaluate and wait_for_timeout
context = _Scope("context")  # the same for `context`, consulted (and told) after the page
route_web_socket = page.route_web_socket
unroute_web_socket = page.unroute_web_socket
_lifecycle.on_reset(lambda: engine.routeReset())  # removes every route and closes every live routed socket
