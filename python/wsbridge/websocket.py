"""A drop-in for `pyscript.websocket`: the browser's WebSocket for Python, with ordered events and no leaks.

Handler calls start in event order. A plain handler runs to completion before the next event's handler; an
`async def` handler (or one returning an awaitable) runs eagerly up to its first `await` that suspends, and then
continues as a task while later events are handled, so a keep-alive loop in `onopen` or an `onmessage` waiting
for a later message never holds the socket up. `WebSocket(..., serial=True)` opts into the strict mode where an
awaitable is finished before the next handler starts (a handler that waits for a later event then deadlocks).
"""
from __future__ import annotations

import asyncio
import collections
import collections.abc
import inspect
import logging
import traceback
import weakref
from collections.abc import Callable
from typing import Any, ClassVar, Final

import js  # type: ignore[import-not-found]
from pyodide.ffi import JsBuffer, JsException, JsProxy, create_proxy, to_js  # type: ignore[import-not-found]

import _wsbridge_js  # type: ignore[import-not-found]

from . import _lifecycle

__all__ = ["WebSocket", "WebSocketEvent", "InvalidStateError"]

logger: Final = logging.getLogger("wsbridge")
# A library must not print through logging's last-resort handler; the console report below is always made.
logger.addHandler(logging.NullHandler())

HANDLER_NAMES: Final = frozenset({"onopen", "onmessage", "onerror", "onclose"})
MAX_REASON_BYTES: Final = 123

Handler = Callable[["WebSocketEvent"], Any]


class InvalidStateError(RuntimeError):
    """Raised by `send()` while the socket is still CONNECTING (the browser's InvalidStateError)."""


class WebSocketEvent:
    """One socket event: `type`, `data` (str or memoryview), close's `code`/`reason`/`wasClean`; other names pass through."""

    __slots__ = ("_event", "type", "data", "target")

    def __init__(self, event: Any, type: str, data: str | memoryview | None, target: WebSocket) -> None:
        self._event = event
        self.type: str = type
        # Converted once here: reading `.data` twice must not copy twice (pyscript converts on every access).
        self.data: str | memoryview | None = data
        self.target: WebSocket = target

    @property
    def code(self) -> int:
        """Close code (close events)."""
        return int(self._event.code)

    @property
    def reason(self) -> str:
        """Close reason (close events)."""
        return str(self._event.reason)

    @property
    def wasClean(self) -> bool:  # noqa: N802 - the browser's name
        """True when the closing handshake completed (close events)."""
        return bool(self._event.wasClean)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._event, name)

    def __repr__(self) -> str:
        return f"<WebSocketEvent {self.type}>"


_live_dispatchers: weakref.WeakSet[_Dispatcher] = weakref.WeakSet()
_open_sockets: set[WebSocket] = set()


class _Dispatcher:
    """The one callable per socket that JS holds (through one `create_proxy`); it only converts and enqueues."""

    __slots__ = ("socket", "__weakref__")

    def __init__(self, socket: WebSocket) -> None:
        self.socket = socket
        _live_dispatchers.add(self)

    def __call__(self, type: str, event: Any, data: Any = None) -> None:
        socket = self.socket
        payload: str | memoryview | bytes | None = None
        if type == "message":
            payload = data if isinstance(data, str) else socket._binary(data)
        if type == "close":
            _open_sockets.discard(socket)
        socket._enqueue(WebSocketEvent(event, type, payload, socket))  # type: ignore[arg-type]


def live_proxies() -> int:
    """Number of socket dispatch proxies whose Python side is still alive (0 once every socket was released)."""
    return len(_live_dispatchers)


def _report(error: BaseException, name: str, socket: WebSocket) -> None:
    """Reports a handler's exception to `logging` and the browser console; the socket carries on."""
    logger.error("exception in WebSocket %s handler (%s)", name, socket.url, exc_info=error)
    text = "".join(traceback.format_exception(error))
    _lifecycle.report_error(f"wsbridge: exception in WebSocket {name} handler ({socket.url}):\n{text}")


def _check_url(url: object) -> str:
    """The URL as a str; anything else is a TypeError here, before the browser would stringify it (None → "/None")."""
    if isinstance(url, str):
        return url
    if isinstance(url, JsProxy) and getattr(url, "constructor", None) is not None and str(url.constructor.name) == "URL":
        return str(url.href)  # a JS URL object, as the browser's constructor accepts
    raise TypeError(f"WebSocket url must be a str, not {type(url).__name__}")


def _resolve_url(url: object) -> str:
    """The absolute ws(s) URL `url` opens (resolved against the page); TypeError/ValueError for a bad one."""
    text = _check_url(url)
    try:
        return str(_wsbridge_js.checkUrl(text))
    except JsException as error:
        if getattr(error, "name", "") == "SyntaxError":
            raise ValueError(str(error.message)) from None
        raise


def _check_protocols(protocols: object) -> str | list[str] | None:
    """None, a str, or a sequence of str; anything else is a TypeError naming the type."""
    if protocols is None or isinstance(protocols, str):
        return protocols
    if isinstance(protocols, (list, tuple)) and all(isinstance(p, str) for p in protocols):
        return list(protocols)
    raise TypeError(f"WebSocket protocols must be a str or a list of str, not {type(protocols).__name__}")


def _binary_payload(data: object) -> Any:
    """What `send()` hands the browser for a non-str payload, or a TypeError/ValueError naming the problem."""
    if isinstance(data, JsBuffer):
        # A JS ArrayBuffer, typed array or DataView: the browser copies its bytes once when sending.
        return data
    try:
        view = memoryview(data)  # type: ignore[arg-type]
    except TypeError:
        view = None
    if view is not None:
        if not view.c_contiguous:
            view = memoryview(view.tobytes())
        # cast("B") sends the raw bytes whatever the item format or shape; to_js copies them into a Uint8Array.
        return to_js(view.cast("B"))
    # As pyscript: a sized iterable of ints (a list, a tuple, a JS array...) is a sequence of byte values.
    # Only sized ones: an int would make bytes(n) zeros, a generator has no length for the browser's buffer.
    if isinstance(data, collections.abc.Sized) and isinstance(data, collections.abc.Iterable) and not isinstance(data, (dict, JsBuffer)):
        try:
            raw = bytes(data)  # type: ignore[call-overload]
        except ValueError:
            raise ValueError("WebSocket.send() takes a sequence of ints only in the range 0-255") from None
        except TypeError:
            raise TypeError(
                f"WebSocket.send() takes a sequence of ints 0-255, but this {type(data).__name__} holds other values"
            ) from None
        return to_js(memoryview(raw))
    raise TypeError(
        "WebSocket.send() takes str, a bytes-like object (bytes, bytearray, memoryview), a JS ArrayBuffer or "
        f"typed array, or a sized iterable of ints 0-255, not {type(data).__name__}"
    )


class WebSocket:
    """The browser's WebSocket for Python; handler calls start in event order and async ones never block later events."""

    CONNECTING: ClassVar[int] = 0
    OPEN: ClassVar[int] = 1
    CLOSING: ClassVar[int] = 2
    CLOSED: ClassVar[int] = 3

    # Annotations only (no class values), so reads still reach __getattr__.
    onopen: Handler | None
    onmessage: Handler | None
    onerror: Handler | None
    onclose: Handler | None
    _handlers: dict[str, Handler | None]
    _queue: collections.deque[WebSocketEvent]
    _draining: bool
    _serial: bool
    _task: asyncio.Future[None] | None  # serial mode: the task finishing the current awaitable, then the queue
    _tasks: set[asyncio.Task[Any]]  # concurrent mode: async handler calls still running
    _bridge: Any  # the JS BridgeSocket
    _js: Any  # the browser's WebSocket, for pass-through attributes

    def __init__(
        self, url: str, protocols: str | list[str] | None = None, *, serial: bool = False, **handlers: Any
    ) -> None:
        url = _check_url(url)
        protocols = _check_protocols(protocols)
        set_ = object.__setattr__
        set_(self, "_handlers", dict.fromkeys(HANDLER_NAMES))
        set_(self, "_queue", collections.deque())
        set_(self, "_draining", False)
        set_(self, "_serial", bool(serial))
        set_(self, "_task", None)
        set_(self, "_tasks", set())
        dispatcher = _Dispatcher(self)
        proxy = create_proxy(dispatcher)
        # Like pyscript: empty protocols mean none; a list crosses as a JS array.
        js_protocols = (protocols if isinstance(protocols, str) else to_js(list(protocols))) if protocols else None
        try:
            bridge = _wsbridge_js.openSocket(url, js_protocols, proxy)
        except JsException as error:
            # openSocket destroyed the proxy already; the browser's SyntaxError (bad URL or protocols) is a ValueError.
            if getattr(error, "name", "") == "SyntaxError":
                raise ValueError(str(error.message)) from None
            raise
        set_(self, "_bridge", bridge)
        set_(self, "_js", bridge.socket)
        _open_sockets.add(self)
        for name, value in handlers.items():
            setattr(self, name, value)

    def _binary(self, data: Any) -> memoryview | bytes:
        """Converts an ArrayBuffer frame: one copy into a memoryview."""
        return data.to_py()

    @property
    def _js_websocket(self) -> Any:
        """The browser's WebSocket object, as pyscript.websocket documents it."""
        return object.__getattribute__(self, "_js")

    # -- attributes: handlers are Python state, everything else is the browser socket's

    def __getattr__(self, name: str) -> Any:
        if name in HANDLER_NAMES:
            return self._handlers[name]
        return getattr(object.__getattribute__(self, "_js"), name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in HANDLER_NAMES:
            if value is not None and not callable(value):
                raise TypeError(f"{name} must be callable or None, not {type(value).__name__}")
            # No proxy per handler: JS calls one dispatcher, which looks the handler up when the event's turn comes.
            self._handlers[name] = value
        else:
            setattr(self._js, name, value)

    def __delattr__(self, name: str) -> None:
        if name in HANDLER_NAMES:
            self._handlers[name] = None
        else:
            object.__delattr__(self, name)

    # -- sending and closing

    def send(self, data: str | bytes | bytearray | memoryview | Any) -> None:
        """Sends `str` as a text frame; bytes-like, a JS buffer or a sized iterable of ints 0-255 as one binary frame."""
        payload: Any = data if isinstance(data, str) else _binary_payload(data)
        # The browser throws a DOMException here; a named Python error says what to do instead.
        if self._js.readyState == self.CONNECTING:
            raise InvalidStateError("WebSocket.send() called while the socket is still CONNECTING; wait for onopen")
        self._bridge.send(payload)

    def close(self, code: int | None = None, reason: str | None = None) -> None:
        """Starts the closing handshake; a reason without a code is sent with code 1000."""
        if code is not None:
            if isinstance(code, bool) or not isinstance(code, int):
                raise TypeError(f"close code must be an int, not {type(code).__name__}")
            if code != 1000 and not 3000 <= code <= 4999:
                raise ValueError(f"close code must be 1000 or in the range 3000-4999, got {code}")
        if reason is not None:
            if not isinstance(reason, str):
                raise TypeError(f"close reason must be a str, not {type(reason).__name__}")
            size = len(reason.encode("utf-8"))
            if size > MAX_REASON_BYTES:
                raise ValueError(f"close reason must be at most {MAX_REASON_BYTES} UTF-8 bytes, got {size}")
            if code is None:
                code = 1000
        self._bridge.close(code, reason)

    def _abort(self) -> None:
        """Closes and releases at once: no more events, pending handlers cancelled (used by `_lifecycle.reset`)."""
        _open_sockets.discard(self)
        self._queue.clear()
        task = self._task
        if task is not None and not task.done():
            task.cancel()
        for running in list(self._tasks):
            running.cancel()
        self._bridge.abort(1000, "wsbridge reset")

    # -- ordered handler execution

    def _enqueue(self, event: WebSocketEvent) -> None:
        self._queue.append(event)
        if not self._draining:
            self._drain()

    def _run(self, event: WebSocketEvent) -> Any:
        """Calls the current handler for `event`; returns its awaitable if it gave one, else None."""
        name = "on" + event.type
        handler = self._handlers.get(name)
        if handler is None:
            return None
        try:
            result = handler(event)
        except Exception as error:  # noqa: BLE001 - a handler's bug must not stop the socket
            _report(error, name, self)
            return None
        return (result, name) if inspect.isawaitable(result) else None

    def _drain(self) -> None:
        """Starts queued handlers in order; an awaitable runs eagerly to its first suspension, then as a task."""
        set_ = object.__setattr__
        set_(self, "_draining", True)
        try:
            while self._queue:
                pending = self._run(self._queue.popleft())
                if pending is None:
                    continue
                if self._serial:
                    set_(self, "_task", asyncio.ensure_future(self._drain_async(*pending)))
                    return
                self._start(*pending)
        except BaseException:
            # Only non-Exception errors get here (SystemExit...); later events must still be delivered.
            set_(self, "_draining", False)
            raise
        set_(self, "_draining", False)

    def _start(self, awaitable: Any, name: str) -> None:
        """Runs `awaitable` as an eager task: its code up to the first real suspension runs now, in event order."""
        coroutine = awaitable if inspect.iscoroutine(awaitable) else _await(awaitable)
        # Events that arrive during the eager step are queued (`_draining` is set) and started after it, in order.
        task = asyncio.Task(coroutine, loop=asyncio.get_event_loop(), eager_start=True)
        if task.done():
            self._finished(task, name)
            return
        self._tasks.add(task)
        task.add_done_callback(lambda done: self._finished(done, name))

    def _finished(self, task: asyncio.Task[Any], name: str) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if isinstance(error, Exception):
            _report(error, name, self)

    async def _drain_async(self, awaitable: Any, name: str) -> None:
        set_ = object.__setattr__
        try:
            while True:
                try:
                    await awaitable
                except Exception as error:  # noqa: BLE001 - as in _run
                    _report(error, name, self)
                awaitable = None
                while self._queue and awaitable is None:
                    pending = self._run(self._queue.popleft())
                    if pending is not None:
                        awaitable, name = pending
                if awaitable is None:
                    return
        finally:
            set_(self, "_task", None)
            set_(self, "_draining", False)

    def __repr__(self) -> str:
        return f"<wsbridge.WebSocket {self.url} readyState={self.readyState}>"


async def _await(awaitable: Any) -> Any:
    """A coroutine around any awaitable (a Future, an object with __await__), so it can start eagerly."""
    return await awaitable


@_lifecycle.on_reset
def _close_all() -> None:
    """Closes every socket still open and drops its handlers' pending work."""
    for socket in list(_open_sockets):
        try:
            socket._abort()
        except Exception:  # noqa: BLE001 - keep closing the others
            logger.exception("could not close %r on reset", socket)
