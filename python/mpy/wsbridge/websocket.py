"""A drop-in for `pyscript.websocket` under MicroPython: the browser's WebSocket, with ordered events and no leaks.

The socket itself is the engine's (src/socket, over src/pyodide/socket-bridge.ts); this face holds it by id. Handler
calls start in event order (see `_flow.Flow`); `WebSocket(..., serial=True)` finishes each async handler before
the next event's. `data` is `str` for text and a `memoryview` for binary, whatever `binaryType`.
"""
import json

from . import _ffi
from ._ffi import JsProxy, call, check_type, engine, on_entry, read, write
from ._flow import Flow

try:
    from typing import TYPE_CHECKING
except ImportError:
    TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import Any, Callable

    Handler = Callable[["WebSocketEvent"], Any]

__all__ = ["WebSocket", "WebSocketEvent", "InvalidStateError"]

HANDLER_NAMES = ("onopen", "onmessage", "onerror", "onclose")
_TYPES = {_ffi.OPEN: "open", _ffi.TEXT: "message", _ffi.BINARY: "message", _ffi.ERROR: "error", _ffi.CLOSE: "close"}
_HANDLERS = {_ffi.OPEN: "onopen", _ffi.TEXT: "onmessage", _ffi.BINARY: "onmessage", _ffi.ERROR: "onerror", _ffi.CLOSE: "onclose"}
#: The browser socket's attributes kept when it is released after its close (the engine forgets it then).
_KEPT = ("url", "protocol", "extensions", "binaryType", "bufferedAmount")


class InvalidStateError(RuntimeError):
    """Raised by `WebSocket.send()` while the socket is still CONNECTING (the browser's InvalidStateError)."""


class WebSocketEvent:
    """One socket event: `type`, `data` (str or memoryview), `target`; a close's `code`, `reason`, `wasClean`.

    A message's `origin` and `lastEventId` are the socket's; other names are read from the browser's open, error
    or close event (a message event does not cross into MicroPython: its data does, through the byte channel)."""

    def __init__(self, kind: int, target: "WebSocket", data: "str | memoryview | None" = None) -> None:
        self._kind = kind
        self.type: str = _TYPES[kind]
        self.data = data
        self.target = target

    def __getattr__(self, name: str) -> "Any":
        if self.type == "message":
            if name == "origin":
                return self.target._origin
            if name == "lastEventId":
                return ""
            raise AttributeError("a message event under MicroPython has type, data, origin, lastEventId and target, not " + name)
        return engine.eventGet(self.target._id, self._kind, name)

    def __repr__(self) -> str:
        return "<WebSocketEvent " + self.type + ">"


#: Live sockets by engine id: the entry point finds a socket's events' target here (dropped at close).
_sockets: "dict[int, WebSocket]" = {}


def _check_url(url: "Any") -> str:
    """The URL as a str; anything else is a TypeError here, before the browser would stringify it."""
    if isinstance(url, str):
        return url
    raise TypeError("WebSocket url must be a str, not " + type(url).__name__)


def _check_protocols(protocols: "Any") -> "str | list[str] | None":
    """None, a str, or a sequence of str; anything else is a TypeError naming the type."""
    if protocols is None or isinstance(protocols, str):
        return protocols
    if isinstance(protocols, (list, tuple)) and all(isinstance(p, str) for p in protocols):
        return list(protocols)
    raise TypeError("WebSocket protocols must be a str or a list of str, not " + type(protocols).__name__)


def _binary(data: "Any") -> "Any":
    """What `send()` writes for non-str data: any buffer as it is; a sized iterable of ints 0-255 as bytes."""
    try:
        memoryview(data)
        return data
    except TypeError:
        pass
    if isinstance(data, (list, tuple)):
        for value in data:
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError("WebSocket.send() takes a sequence of ints 0-255, but this " + type(data).__name__ + " holds other values")
            if not 0 <= value <= 255:
                raise ValueError("WebSocket.send() takes a sequence of ints only in the range 0-255")
        return bytes(data)
    raise TypeError(
        "WebSocket.send() takes str, a bytes-like object (bytes, bytearray, memoryview), a JS ArrayBuffer or "
        "typed array, or a list of ints 0-255, not " + type(data).__name__
    )


def _nbytes(data: "Any") -> int:
    """0 for an empty buffer, else its length in items (the channel counts the bytes)."""
    return len(data) if isinstance(data, (bytes, bytearray)) else len(memoryview(data))


class WebSocket:
    """The browser's WebSocket for Python under MicroPython; handler calls start in event order."""

    CONNECTING = 0
    OPEN = 1
    CLOSING = 2
    CLOSED = 3

    def __init__(self, url: str, protocols: "str | list[str] | None" = None, serial: bool = False, **handlers: "Any") -> None:
        url = _check_url(url)
        protocols = _check_protocols(protocols)
        set_ = object.__setattr__
        set_(self, "_handlers", {name: None for name in HANDLER_NAMES})
        set_(self, "_flow", Flow(bool(serial), "a WebSocket handler"))
        set_(self, "_released", None)  # the kept attributes, once the engine released the socket
        # Like pyscript: empty protocols mean none.
        id = call(engine.openSocket, url, json.dumps(protocols or None))
        set_(self, "_id", id)
        set_(self, "_origin", engine.socketOrigin(id))
        _sockets[id] = self
        for name, value in handlers.items():
            setattr(self, name, value)

    @property
    def _js_websocket(self) -> "Any":
        """The browser's WebSocket object, as pyscript.websocket documents it (None once released after close).

        Under MicroPython a JS object that reaches Python is never freed: reach it only when needed."""
        return engine.socketObject(self._id)

    # -- attributes: handlers are Python state, everything else is the browser socket's

    def __getattr__(self, name: str) -> "Any":
        if name in HANDLER_NAMES:
            return self._handlers[name]
        kept = self._released
        if kept is not None:
            if name in kept:
                return kept[name]
            raise AttributeError("the WebSocket is closed and released: only readyState and " + ", ".join(_KEPT) + " remain, not " + name)
        return engine.socketGet(self._id, name)

    def __setattr__(self, name: str, value: "Any") -> None:
        if name in HANDLER_NAMES:
            if value is not None and not callable(value):
                raise TypeError(name + " must be callable or None, not " + type(value).__name__)
            self._handlers[name] = value
        elif self._released is not None:
            self._released[name] = value
        else:
            call(engine.socketSet, self._id, name, value)

    def __delattr__(self, name: str) -> None:
        if name in HANDLER_NAMES:
            self._handlers[name] = None
        else:
            raise AttributeError(name)

    # -- sending and closing

    def send(self, data: "str | bytes | bytearray | memoryview | Any") -> None:
        """Sends `str` as a text frame; bytes-like, a JS buffer or a list of ints 0-255 as one binary frame."""
        if isinstance(data, str):
            state = engine.sendText(self._id, data)
        elif isinstance(data, JsProxy):
            state = engine.sendJs(self._id, data)
        else:
            payload = _binary(data)
            size = _nbytes(payload)
            state = engine.sendArm(self._id, size)
            if state != 0 and size:
                write(payload)  # the engine sends the bytes where they lie; the browser copies them
        if state == 0:
            raise InvalidStateError("WebSocket.send() called while the socket is still CONNECTING; wait for onopen")

    def close(self, code: "int | None" = None, reason: "str | None" = None) -> None:
        """Starts the closing handshake; a reason without a code is sent with code 1000. A code or reason the page
        may not send (code 1000 or 3000-4999, reason at most 123 UTF-8 bytes) raises, closing nothing."""
        check_type(code, int, "WebSocket.close(): the close code", "an int")
        check_type(reason, str, "WebSocket.close(): the close reason", "a str")
        call(engine.closeSocket, self._id, code, reason)

    def _abort(self) -> None:
        """Closes and releases at once: no more events, pending handlers cancelled."""
        self._release()
        self._flow.abort()
        engine.abortSocket(self._id)

    def _release(self) -> None:
        """Keeps what remains readable after the engine forgets the socket, and forgets it here."""
        if self._released is None:
            kept = {name: engine.socketGet(self._id, name) for name in _KEPT}
            kept["readyState"] = WebSocket.CLOSED
            object.__setattr__(self, "_released", kept)
        _sockets.pop(self._id, None)

    def _fire(self, name: str, event: WebSocketEvent) -> "Any":
        """Calls the handler set for `name` now (at the event's turn), if any."""
        handler = self._handlers[name]
        return None if handler is None else handler(event)

    def __repr__(self) -> str:
        return "<wsbridge.WebSocket " + str(self.url) + " readyState=" + str(self.readyState) + ">"


def _on_socket_event(kind: int, id: int, a: "Any", b: "Any", c: "Any") -> None:
    """A socket event from the engine: the event made here (a binary frame read from the channel first)."""
    data = memoryview(read(a)) if kind == _ffi.BINARY else a
    socket = _sockets.get(id)
    if socket is None:
        return
    event = WebSocketEvent(kind, socket, data if kind in (_ffi.TEXT, _ffi.BINARY) else None)
    if kind == _ffi.CLOSE:
        event.code, event.reason, event.wasClean = a, b, c
        socket._release()
    socket._flow.call(socket._fire, _HANDLERS[kind], event)


on_entry((_ffi.OPEN, _ffi.TEXT, _ffi.ERROR, _ffi.CLOSE, _ffi.BINARY), _on_socket_event)


def live_sockets() -> int:
    """Sockets this face still holds (0 once every socket closed or was aborted)."""
    return len(_sockets)
