"""wsbridge's exceptions, defined once, and `from_js`: the one mapping from an engine (JS) error to them.

As in Playwright for Python, `Error` (with `.message`) is the base of the errors waits raise and `TimeoutError` its
timeout subclass; wsbridge's own kinds (`InspectionError`, `WebSocketClosed`, `FrameTypeError`) derive from it.
"""
from __future__ import annotations

import builtins
from typing import Any, Final, Literal, cast

__all__ = [
    "Error", "TimeoutError", "InspectionError", "InvalidStateError", "WebSocketClosed", "WebSocketDisconnect",
    "FrameTypeError", "ConnectionClosed", "Disconnected", "from_js",
]

QUEUE_OVERFLOW: Final = 4009
"""Close code the client uses when more than `max_queue` frames wait unread (see client.py)."""

NO_STATUS: Final = 1005
"""The code a close without one reports (a CloseEvent's, and what ASGI servers give the app)."""

_CODE_NAMES: Final = {
    1000: "normal closure",
    1001: "going away",
    NO_STATUS: "no status code",
    1006: "abnormal closure, no close frame",
    1009: "message too big",
    1011: "internal error",
    QUEUE_OVERFLOW: "wsbridge receive queue overflow",
}


class Error(Exception):
    """Playwright's `Error`: `message` is the text; `name` and `stack` are a page error's (None otherwise)."""

    def __init__(self, message: str, *, name: str | None = None, stack: str | None = None) -> None:
        self._message = message
        self._name = name
        self._stack = stack
        super().__init__(message)

    @property
    def message(self) -> str:
        return self._message

    @property
    def name(self) -> str | None:
        return self._name

    @property
    def stack(self) -> str | None:
        return self._stack


class TimeoutError(Error, builtins.TimeoutError):
    """A wait took longer than its timeout (Playwright's `TimeoutError`). Also the built-in `TimeoutError`, so
    `except TimeoutError` catches it whichever of the two the code names."""


class InspectionError(Error):
    """A wait ended because the socket closed ("Socket closed") or failed ("Socket error") first, as in Playwright."""


class InvalidStateError(RuntimeError):
    """Raised by `WebSocket.send()` while the socket is still CONNECTING (the browser's InvalidStateError)."""


class WebSocketClosed(Error):
    """The side a route was receiving from closed, with its `code` and `reason` (1005 and "" when it gave none).

    Starlette's `WebSocketDisconnect` has the same attributes and defaults: `WebSocketDisconnect` is this class."""

    def __init__(self, code: int = 1000, reason: str | None = None) -> None:
        self.code: int = code
        self.reason: str = reason or ""
        super().__init__(f"WebSocket closed with code {code}" + (f": {self.reason}" if self.reason else ""))


WebSocketDisconnect = WebSocketClosed
"""Starlette's name: what a route's `receive_*` (Starlette's `WebSocket` names) raises once the page closed."""


class FrameTypeError(Error, TypeError):
    """`receive_text` got a binary frame, or `receive_bytes` a text frame; the (consumed) frame is `frame`."""

    def __init__(self, expected: Literal["text", "binary"], frame: str | bytes) -> None:
        self.expected = expected
        self.frame: str | bytes = frame
        got = f"a text frame ({len(frame)} characters)" if isinstance(frame, str) else f"a binary frame ({len(frame)} bytes)"
        super().__init__(f"expected a {expected} frame, got {got}")


class ConnectionClosed(Exception):
    """The client's connection is closed; `code` and `reason` are the close event's."""

    def __init__(self, code: int, reason: str = "") -> None:
        self.code: int = code
        self.reason: str = reason
        name = _CODE_NAMES.get(code)
        text = f"connection closed with code {code}" + (f" ({name})" if name else "")
        super().__init__(text + (f": {reason}" if reason else ""))


class Disconnected(OSError):
    """An ASGI app's `websocket.send` after the page disconnected (ASGI asks servers for an OSError subclass here;
    Starlette turns it into `WebSocketDisconnect(1006)`)."""


#: The Python class for each engine error name: a value out of range or unparsable is Python's ValueError.
_BY_NAME: Final[dict[str, type[Exception]]] = {
    "InspectionError": InspectionError, "TimeoutError": TimeoutError, "TypeError": TypeError,
    "RangeError": ValueError, "SyntaxError": ValueError, "Error": RuntimeError,
}


def from_js(error: Any) -> BaseException:
    """The Python exception for an engine error (a JsException), chosen by the JS error's `name`."""
    name = str(getattr(error, "name", "") or "")
    if name == "WebSocketClosed":
        # The engine leaves out what the close did not give (undefined): the code is then 1005, as a server reports it.
        code = error.code
        return WebSocketClosed(NO_STATUS if code is None else int(code), error.reason)
    if name == "FrameTypeError":
        frame = error.frame
        return FrameTypeError(str(error.expected), frame if isinstance(frame, str) else bytes(frame.to_bytes()))  # type: ignore[arg-type]
    kind = _BY_NAME.get(name)
    # Anything else came as it is: a Python exception that crossed JS (PythonError), or an unexpected JS error.
    return cast(BaseException, error) if kind is None else kind(str(getattr(error, "message", "") or error))
