"""Playwright's WebSocket inspection from Python: `page.on("websocket", handler)` announces every socket the
page opens (native, passed through or routed; from Python or page JS) as an `InspectedWebSocket`.

Timeouts are in milliseconds (Playwright's default 30000; 0 waits forever). Handlers may be `async def`.
Nothing is watched, and no frame costs anything, while no Python or JS code listens.
"""
from __future__ import annotations

import asyncio
import inspect as _pyinspect
import traceback
from collections.abc import Awaitable, Callable, Generator
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

import js  # type: ignore[import-not-found]
from pyodide.ffi import create_proxy  # type: ignore[import-not-found]

if TYPE_CHECKING:
    from . import _wsbridge_js  # the contract: _wsbridge_js.pyi (the JS module is top-level in Pyodide)
else:
    import _wsbridge_js

from . import _lifecycle

__all__ = ["InspectedWebSocket", "InspectionError", "EventInfo", "InspectionScope", "DEFAULT_TIMEOUT"]

DEFAULT_TIMEOUT = 30_000
SocketEvent = Literal["framesent", "framereceived", "close", "socketerror"]
_EVENTS = ("framesent", "framereceived", "close", "socketerror")
T = TypeVar("T")


class InspectionError(Exception):
    """A wait ended because the socket closed ("Socket closed") or failed ("Socket error") first, as in Playwright."""


def _report(error: BaseException, what: str) -> None:
    _lifecycle.report_error(f"wsbridge: exception in {what}:\n" + "".join(traceback.format_exception(error)))


def _call(handler: Callable[..., Any], value: Any, what: str) -> None:
    """Calls a listener; an async one is scheduled; exceptions are reported, never raised into the engine."""
    try:
        result = handler(value)
    except Exception as error:  # noqa: BLE001 - a listener's bug must not stop inspection
        _report(error, what)
        return
    if _pyinspect.isawaitable(result):

        async def run() -> None:
            try:
                await result
            except Exception as error:  # noqa: BLE001
                _report(error, what)

        # Started eagerly: an async listener's code up to its first await runs now, so listeners it adds
        # (ws.on("framereceived", ...)) see the socket's first frames.
        try:
            asyncio.Task(run(), loop=asyncio.get_event_loop(), eager_start=True)  # type: ignore[call-arg]
        except TypeError:  # Python < 3.12: no eager start
            asyncio.ensure_future(run())


def _timeout_ms(timeout: float | None) -> float:
    if timeout is None:
        return DEFAULT_TIMEOUT
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout < 0:
        raise ValueError(f"timeout must be a number of milliseconds >= 0, got {timeout!r}")
    return float(timeout)


def _ms_text(ms: float) -> str:
    return str(int(ms)) if float(ms).is_integer() else str(ms)


class _Listeners:
    """Listeners per event name, with `once`; `changed(event, count)` runs when an event's count changes."""

    def __init__(self, changed: Callable[[str, int], None]) -> None:
        self._by_event: dict[str, list[tuple[Callable[..., Any], bool]]] = {}
        self._changed = changed

    def add(self, event: str, handler: Callable[..., Any], once: bool) -> None:
        if not callable(handler):
            raise TypeError(f"handler must be callable, not {type(handler).__name__}")
        entries = self._by_event.setdefault(event, [])
        entries.append((handler, once))
        self._changed(event, len(entries))

    def remove(self, event: str, handler: Callable[..., Any]) -> None:
        entries = self._by_event.get(event, [])
        for i, (fn, _once) in enumerate(entries):
            if fn is handler or fn == handler:
                del entries[i]
                self._changed(event, len(entries))
                return

    def emit(self, event: str, value: Any, what: str) -> None:
        entries = self._by_event.get(event)
        if not entries:
            return
        for entry in list(entries):
            if entry[1] and entry in entries:
                entries.remove(entry)
                self._changed(event, len(entries))
            _call(entry[0], value, what)

    def clear(self) -> None:
        for event in list(self._by_event):
            self._by_event[event] = []
            self._changed(event, 0)

    def count(self, event: str) -> int:
        return len(self._by_event.get(event, []))


class EventInfo(Generic[T]):
    """What `expect_event` / `expect_websocket` yield: `await info.value` gives the event's value."""

    def __init__(self, future: asyncio.Future[T]) -> None:
        self._future = future

    @property
    def value(self) -> Awaitable[T]:
        """The awaited event's value (raises the wait's error: TimeoutError, InspectionError)."""
        return asyncio.shield(self._future)

    def is_done(self) -> bool:
        return self._future.done()


class _Expectation(Generic[T]):
    """An async context manager that starts waiting on entry and finishes the wait on exit (Playwright's shape)."""

    def __init__(self, start: Callable[[], asyncio.Future[T]]) -> None:
        self._start = start
        self._future: asyncio.Future[T] | None = None

    async def __aenter__(self) -> EventInfo[T]:
        self._future = self._start()
        return EventInfo(self._future)

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        future = self._future
        assert future is not None
        if exc_type is not None:
            if not future.done():
                future.cancel()
            elif not future.cancelled():
                future.exception()  # retrieved: no "never retrieved" warning
            return
        await future


def _wait(
    subscribe: Callable[[str, Callable[[Any], None]], Callable[[], None]],
    event: str,
    predicate: Callable[[Any], Any] | None,
    timeout: float | None,
    fail_on: dict[str, str],
) -> asyncio.Future[Any]:
    """A future for the next `event` passing `predicate`; TimeoutError after `timeout` ms; fails on `fail_on` events."""
    ms = _timeout_ms(timeout)
    loop = asyncio.get_event_loop()
    future: asyncio.Future[Any] = loop.create_future()
    stops: list[Callable[[], None]] = []
    timer: asyncio.TimerHandle | None = None

    def finish() -> None:
        if timer is not None:
            timer.cancel()
        for stop in stops:
            stop()
        stops.clear()

    def on_event(value: Any) -> None:
        if future.done():
            return
        if predicate is not None:
            try:
                verdict = predicate(value)
            except Exception as error:  # noqa: BLE001 - the predicate's error ends the wait
                finish()
                future.set_exception(error)
                return
            if _pyinspect.isawaitable(verdict):

                async def check(awaitable: Any = verdict, v: Any = value) -> None:
                    try:
                        ok = await awaitable
                    except Exception as error:  # noqa: BLE001
                        if not future.done():
                            finish()
                            future.set_exception(error)
                        return
                    if ok and not future.done():
                        finish()
                        future.set_result(v)

                asyncio.ensure_future(check())
                return
            if not verdict:
                return
        finish()
        future.set_result(value)

    def failer(text: str) -> Callable[[Any], None]:
        def fail(_value: Any) -> None:
            if not future.done():
                finish()
                future.set_exception(InspectionError(text))

        return fail

    stops.append(subscribe(event, on_event))
    for other, text in fail_on.items():
        if other != event:
            stops.append(subscribe(other, failer(text)))
    if ms > 0:

        def expire() -> None:
            if not future.done():
                finish()
                future.set_exception(TimeoutError(f'Timeout {_ms_text(ms)}ms exceeded while waiting for event "{event}"'))

        timer = loop.call_later(ms / 1000, expire)
    future.add_done_callback(lambda f: finish() if f.cancelled() else None)
    return future


class InspectedWebSocket:
    """One socket the page opened (Playwright's `WebSocket` class): `url`, `is_closed()`, `is_routed`, events."""

    def __init__(self, js_ws: Any, key: int) -> None:
        self._js = js_ws
        self._key = key
        self._url = str(js_ws.url())
        self._closed = False
        self._stops: dict[str, Any] = {}
        self._listeners = _Listeners(self._changed)

    @property
    def url(self) -> str:
        """The socket's URL, as the page's `WebSocket.url`."""
        return self._url

    def is_closed(self) -> bool:
        """True once the socket's `close` event was reported."""
        return self._closed

    @property
    def is_routed(self) -> bool:
        """True when a route handles this socket (Playwright does not show routed sockets; wsbridge does)."""
        return bool(self._js.isRouted())

    def on(self, event: SocketEvent, handler: Callable[[Any], Any]) -> None:
        """`framesent`/`framereceived` → payload (`str` or `bytes`); `close` → this object; `socketerror` → str."""
        self._listeners.add(self._event(event), handler, False)

    def once(self, event: SocketEvent, handler: Callable[[Any], Any]) -> None:
        """Like `on`, for the next event only."""
        self._listeners.add(self._event(event), handler, True)

    def remove_listener(self, event: SocketEvent, handler: Callable[[Any], Any]) -> None:
        """Removes a listener added with `on` or `once`."""
        self._listeners.remove(self._event(event), handler)

    off = remove_listener

    async def wait_for_event(self, event: SocketEvent, predicate: Callable[[Any], Any] | None = None, timeout: float | None = None) -> Any:
        """The next `event` (passing `predicate`); TimeoutError after `timeout` ms (default 30000, 0: none);
        InspectionError("Socket closed" / "Socket error") when that happens first, unless it is the awaited event.
        On a socket already closed: `close` returns at once, anything else raises "Socket closed"."""
        return await self._start_wait(event, predicate, timeout)

    def expect_event(self, event: SocketEvent, predicate: Callable[[Any], Any] | None = None, timeout: float | None = None) -> _Expectation[Any]:
        """`async with ws.expect_event("framereceived") as info: ...` then `await info.value`."""
        self._event(event)
        return _Expectation(lambda: self._start_wait(event, predicate, timeout))

    def __repr__(self) -> str:
        return f"<InspectedWebSocket {self._url}{' routed' if self.is_routed else ''}{' closed' if self._closed else ''}>"

    # --- plumbing ---

    def _start_wait(self, event: str, predicate: Callable[[Any], Any] | None, timeout: float | None) -> asyncio.Future[Any]:
        self._event(event)
        if self._closed:
            future: asyncio.Future[Any] = asyncio.get_event_loop().create_future()
            if event == "close":
                future.set_result(self)
            else:
                future.set_exception(InspectionError("Socket closed"))
            return future
        return _wait(self._subscribe, event, predicate, timeout, {"close": "Socket closed", "socketerror": "Socket error"})

    def _subscribe(self, event: str, fn: Callable[[Any], None]) -> Callable[[], None]:
        self._listeners.add(event, fn, False)
        return lambda: self._listeners.remove(event, fn)

    @staticmethod
    def _event(event: str) -> str:
        if event not in _EVENTS:
            raise ValueError(f"unknown WebSocket event {event!r}: expected one of {', '.join(_EVENTS)}")
        return event

    def _changed(self, event: str, count: int) -> None:
        """Subscribes to the JS event while Python listens to it (no JS→Python call per frame otherwise)."""
        if self._closed:
            return
        if count > 0 and event not in self._stops:
            _ensure_dispatch()
            self._stops[event] = _wsbridge_js.inspectListen(self._js, event, self._key)
        elif count == 0 and event in self._stops:
            stop = self._stops.pop(event)
            stop()

    def _deliver(self, event: str, value: Any) -> None:
        if event == "close":
            self._closed = True
            self._listeners.emit("close", self, "a WebSocket close listener")
            self._release()
            return
        if event in ("framesent", "framereceived") and not isinstance(value, str):
            value = bytes(value.to_bytes())
        self._listeners.emit(event, value if event != "socketerror" else str(value), f"a WebSocket {event} listener")

    def _release(self) -> None:
        """Drops every subscription (the socket closed, or reset)."""
        for stop in self._stops.values():
            stop()
        self._stops.clear()
        _sockets.pop(self._key, None)


_sockets: dict[int, InspectedWebSocket] = {}
_dispatch_proxy: Any = None


def _socket_for(key: int, js_ws: Any) -> InspectedWebSocket:
    socket = _sockets.get(key)
    if socket is None:
        socket = _sockets[key] = InspectedWebSocket(js_ws, key)
    return socket


def _dispatch(kind: str, a: Any, b: Any = None, c: Any = None) -> None:
    """The one function JS calls: ("websocket", scope, key, js_ws) or (event, key, value)."""
    if kind == "websocket":
        scope = _scopes.get(str(a))
        if scope is not None:
            scope._announce(_socket_for(int(b), c))
        return
    socket = _sockets.get(int(a))
    if socket is not None:
        socket._deliver(kind, b)


def _ensure_dispatch() -> None:
    global _dispatch_proxy
    if _dispatch_proxy is None:
        _dispatch_proxy = create_proxy(_dispatch)
        _wsbridge_js.inspectInit(_dispatch_proxy)


class InspectionScope:
    """`on("websocket", handler)`, `wait_for_event("websocket")` and `expect_websocket()` of one scope.

    Mixed into `wsbridge.page` and `wsbridge.context`; page listeners are told before context listeners."""

    _scope: str

    def _inspection(self) -> _Listeners:
        listeners: _Listeners | None = getattr(self, "_ws_listeners", None)
        if listeners is None:
            listeners = _Listeners(self._scope_changed)
            object.__setattr__(self, "_ws_listeners", listeners)
            _scopes[self._scope] = self
        return listeners

    def on(self, event: Literal["websocket"], handler: Callable[[InspectedWebSocket], Any]) -> None:
        """Calls `handler(ws)` (plain or async) for every socket the page opens from now on."""
        self._inspection().add(self._check(event), handler, False)

    def once(self, event: Literal["websocket"], handler: Callable[[InspectedWebSocket], Any]) -> None:
        """Like `on`, for the next socket only."""
        self._inspection().add(self._check(event), handler, True)

    def remove_listener(self, event: Literal["websocket"], handler: Callable[[InspectedWebSocket], Any]) -> None:
        """Removes a listener added with `on` or `once`."""
        self._inspection().remove(self._check(event), handler)

    def off(self, event: Literal["websocket"], handler: Callable[[InspectedWebSocket], Any]) -> None:
        """Same as `remove_listener`."""
        self.remove_listener(event, handler)

    async def wait_for_event(self, event: Literal["websocket"], predicate: Callable[[InspectedWebSocket], Any] | None = None, timeout: float | None = None) -> InspectedWebSocket:
        """The next socket opened (passing `predicate`); TimeoutError after `timeout` ms (default 30000)."""
        self._check(event)
        result: InspectedWebSocket = await _wait(self._subscribe, "websocket", predicate, timeout, {})
        return result

    def expect_websocket(self, predicate: Callable[[InspectedWebSocket], Any] | None = None, timeout: float | None = None) -> _Expectation[InspectedWebSocket]:
        """`async with page.expect_websocket() as info: <open a socket>` then `ws = await info.value`."""
        _timeout_ms(timeout)
        return _Expectation(lambda: _wait(self._subscribe, "websocket", predicate, timeout, {}))

    def expect_event(self, event: Literal["websocket"], predicate: Callable[[InspectedWebSocket], Any] | None = None, timeout: float | None = None) -> _Expectation[InspectedWebSocket]:
        """Same as `expect_websocket` (Playwright's generic name)."""
        self._check(event)
        return self.expect_websocket(predicate, timeout)

    def _subscribe(self, event: str, fn: Callable[[Any], None]) -> Callable[[], None]:
        listeners = self._inspection()
        listeners.add(event, fn, False)
        return lambda: listeners.remove(event, fn)

    @staticmethod
    def _check(event: str) -> str:
        if event != "websocket":
            raise ValueError(f'unknown event {event!r}: only "websocket"')
        return event

    def _scope_changed(self, _event: str, count: int) -> None:
        if count > 0:
            _ensure_dispatch()
        _wsbridge_js.inspectScope(self._scope, count > 0)

    def _announce(self, socket: InspectedWebSocket) -> None:
        self._inspection().emit("websocket", socket, f'a {self._scope} "websocket" listener')


_scopes: dict[str, InspectionScope] = {}


@_lifecycle.on_reset
def _reset() -> None:
    """Drops every Python inspection listener and subscription."""
    for scope in list(_scopes.values()):
        scope._inspection().clear()
    for socket in list(_sockets.values()):
        socket._listeners = _Listeners(socket._changed)
        socket._release()
    _sockets.clear()
    _wsbridge_js.inspectReset()
