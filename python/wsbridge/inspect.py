"""Playwright's WebSocket inspection from Python: `page.on("websocket", handler)` announces every socket the
page opens (native, passed through or routed; from Python or page JS) as an `InspectedWebSocket`.

Timeouts are in milliseconds (Playwright's default 30000; 0 waits forever). Handlers may be `async def`.
The engine (src/inspect) holds the listeners and runs the waits; this face gives them Python names, Python
values and asyncio. Nothing is watched, and no frame costs anything, while no Python or JS code listens.
"""
from __future__ import annotations

import asyncio
import inspect as _pyinspect
import weakref
from collections.abc import Awaitable, Callable, Coroutine
from types import TracebackType
from typing import Any, Generic, Literal, TypeVar

from . import _lifecycle
from ._js import call, create_proxy, engine, handler_key, js, message, settle
from ._runner import Flow
from .errors import InspectionError

__all__ = ["InspectedWebSocket", "InspectionError", "EventInfo", "InspectionScope", "DEFAULT_TIMEOUT"]

DEFAULT_TIMEOUT = 30_000
SocketEvent = Literal["framesent", "framereceived", "close", "socketerror"]
T = TypeVar("T")


class EventInfo(Generic[T]):
    """`async with x.expect_event(...) as info:` waits from entry to the block's end; `await info.value` gives the value."""

    def __init__(self, start: Callable[[], asyncio.Future[T]]) -> None:
        self._start = start
        self._future: asyncio.Future[T] | None = None

    @property
    def value(self) -> Awaitable[T]:
        """The awaited event's value (raises the wait's error: TimeoutError, InspectionError)."""
        assert self._future is not None, "use `async with ... as info` first"
        return asyncio.shield(self._future)

    def is_done(self) -> bool:
        """True once the awaited event came or the wait failed."""
        return self._future is not None and self._future.done()

    async def __aenter__(self) -> EventInfo[T]:
        self._future = self._start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        future = self._future
        assert future is not None
        if exc_type is None:
            await future
        elif not future.done():
            future.cancel()  # the engine's wait is aborted with it
        elif not future.cancelled():
            future.exception()  # retrieved: no "never retrieved" warning


class _Target:
    """The listener and wait methods shared by a socket and a scope; the engine checks event names (ValueError)."""

    _ref: Any  # what the engine knows this target by: the JS socket, or the scope's name

    def _value(self, event: str, raw: Any) -> Any:
        """The Python value for what JS passed: this socket (close), a socket (websocket), a payload or error text."""
        return self if event == "close" else _socket(raw) if event == "websocket" else message(raw)

    def _add(self, event: str, handler: Callable[[Any], Any], once: bool) -> None:
        if not callable(handler):
            raise TypeError(f"handler must be callable, not {type(handler).__name__}")
        what = f'a {self._ref} "websocket" listener' if isinstance(self._ref, str) else f"a WebSocket {event} listener"
        runner = Flow(False, what)

        def listener(raw: Any) -> None:
            runner.call(handler, self._value(event, raw))

        # The engine holds the listener, removes a `once` one when it fires, and finds it by the handler's key for
        # `remove_listener` (the listener keeps the handler alive, so the key is not reused meanwhile).
        call(engine.inspectOn, self._ref, event, create_proxy(listener), once, handler_key(handler))

    def on(self, event: Any, handler: Callable[[Any], Any]) -> None:
        """Calls `handler(value)` (plain or async) for every `event` from now on."""
        self._add(event, handler, False)

    def once(self, event: Any, handler: Callable[[Any], Any]) -> None:
        """Like `on`, for the next event only."""
        self._add(event, handler, True)

    def remove_listener(self, event: Any, handler: Callable[[Any], Any]) -> None:
        """Removes a listener added with `on` or `once` (the oldest, when added more than once)."""
        call(engine.inspectOff, self._ref, event, handler_key(handler))

    off = remove_listener

    def _start(self, event: str, predicate: Callable[[Any], Any] | None, timeout: float | None) -> Coroutine[Any, Any, Any]:
        """Starts the engine's wait now; the coroutine gives the Python value or raises the mapped engine error."""
        errors: list[BaseException] = []

        def test(raw: Any) -> Any:
            # A predicate's exception ends the wait (truthy to the engine) and is raised from it here.
            try:
                verdict = predicate(self._value(event, raw))  # type: ignore[misc]
                return asyncio.ensure_future(_verdict(verdict, errors)) if _pyinspect.isawaitable(verdict) else bool(verdict)
            except Exception as error:  # noqa: BLE001
                errors.append(error)
                return True

        controller = js.AbortController.new()
        promise = call(engine.inspectWait, self._ref, event, None if predicate is None else create_proxy(test), timeout, controller.signal)

        async def wait() -> Any:
            raw = await settle(promise, controller)
            if errors:
                raise errors[0]
            return self._value(event, raw)

        return wait()

    async def wait_for_event(self, event: Any, predicate: Callable[[Any], Any] | None = None, timeout: float | None = None) -> Any:
        """The next `event` passing `predicate` (plain or async); `TimeoutError` after `timeout` ms (default 30000, 0: none)."""
        # The engine fails a socket's wait with "Socket closed" / "Socket error" (InspectionError) when that happens
        # first, unless it is the awaited event; on a closed socket `close` returns at once, anything else fails.
        return await self._start(event, predicate, timeout)

    def expect_event(self, event: Any, predicate: Callable[[Any], Any] | None = None, timeout: float | None = None) -> EventInfo[Any]:
        """`async with x.expect_event(event) as info: ...` then `await info.value` (an unknown event raises on entry)."""
        return EventInfo(lambda: asyncio.ensure_future(self._start(event, predicate, timeout)))


async def _verdict(awaitable: Any, errors: list[BaseException]) -> bool:
    """An async predicate's verdict for the engine; its exception, like a plain one's, ends the wait."""
    try:
        return bool(await awaitable)
    except Exception as error:  # noqa: BLE001
        errors.append(error)
        return True


class InspectedWebSocket(_Target):
    """One socket the page opened (Playwright's `WebSocket` class): `url`, `is_closed()`, `is_routed`, events."""

    # `framesent`/`framereceived` give the payload (`str` or `bytes`), `close` this object, `socketerror` a str.

    def __init__(self, js_ws: engine.InspectHandle) -> None:
        self._js = self._ref = js_ws
        self._url = js_ws.url()

    @property
    def url(self) -> str:
        """The socket's URL, as the page's `WebSocket.url`."""
        return self._url

    def is_closed(self) -> bool:
        """True once the socket's `close` event was reported."""
        return self._js.isClosed()

    @property
    def is_routed(self) -> bool:
        """True when a route handles this socket (Playwright does not show routed sockets; wsbridge does)."""
        return self._js.isRouted()

    def __repr__(self) -> str:
        return f"<WebSocket url={self._url!r}>"  # Playwright's, so that ported tests and their output read the same


# One Python object per inspected socket, while anything (user code, a listener JS holds) keeps it.
_sockets: weakref.WeakValueDictionary[int, InspectedWebSocket] = weakref.WeakValueDictionary()


def _socket(js_ws: engine.InspectHandle) -> InspectedWebSocket:
    """The one InspectedWebSocket of an engine socket, while anything keeps it."""
    key = engine.inspectKey(js_ws)
    socket = _sockets.get(key)
    if socket is None:
        socket = _sockets[key] = InspectedWebSocket(js_ws)
    return socket


class InspectionScope(_Target):
    """`on("websocket", handler)`, `wait_for_event("websocket")` and `expect_websocket()` of `page` or `context`."""

    def __init__(self, scope: str) -> None:
        self._ref = self._scope = scope

    def expect_websocket(self, predicate: Callable[[InspectedWebSocket], Any] | None = None, timeout: float | None = None) -> EventInfo[InspectedWebSocket]:
        """`async with page.expect_websocket() as info: <open a socket>` then `ws = await info.value`."""
        return self.expect_event("websocket", predicate, timeout)


@_lifecycle.on_reset
def _reset() -> None:
    """Drops every Python inspection listener and wait (the engine releases their proxies)."""
    _sockets.clear()
    engine.inspectReset()
