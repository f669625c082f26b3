"""wsbridge's exceptions, defined once, and `from_js`: the one mapping from an engine (JS) error to them."""
from __future__ import annotations

from typing import Any, Final, Literal, cast

__all__ = ["InspectionError", "InvalidStateError", "WebSocketClosed", "FrameTypeError", "ConnectionClosed", "from_js"]

QUEUE_OVERFLOW: Final = 4009
"""Close code the client uses when more than `max_queue` frames wait unread (see client.py)."""

_CODE_NAMES: Final = {
    1000: "normal closure",
    1001: "going away",
    1005: "no status code",
    1006: "abnormal closure, no close frame",
    1009: "message too big",
    1011: "internal error",
    QUEUE_OVERFLOW: "wsbridge receive queue overflow",
}


class InspectionError(Exception):
    """A wait ended because the socket closed ("Socket closed") or failed ("Socket error") first, as in Playwright."""


class InvalidStateError(RuntimeError):
    """Raised by `WebSocket.send()` while the socket is still CONNECTING (the browser's InvalidStateError)."""


class WebSocketClosed(Exception):
    """The side a route was receiving from closed; `code` and `reason` are its close's (None when not given)."""

    # Starlette's `WebSocketDisconnect` has the same two attributes (`wsbridge.asgi.WebSocketDisconnect` is this class).

    def __init__(self, code: int | None = None, reason: str | None = None) -> None:
        self.code: int | None = code
        self.reason: str | None = reason
        super().__init__(f"WebSocket closed with code {'(none)' if code is None else code}" + (f": {reason}" if reason else ""))


class FrameTypeError(TypeError):
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


#: The Python class for each engine error name: a value out of range or unparsable is Python's ValueError.
_BY_NAME: Final[dict[str, type[Exception]]] = {
    "InspectionError": InspectionError, "TimeoutError": TimeoutError, "TypeError": TypeError,
    "RangeError": ValueError, "SyntaxError": ValueError, "Error": RuntimeError,
}


def from_js(error: Any) -> BaseException:
    """The Python exception for an engine error (a JsException), chosen by the JS error's `name`."""
    name = str(getattr(error, "name", "") or "")
    if name == "WebSocketClosed":
        return WebSocketClosed(error.code, error.reason)  # int and str, or None (undefined)
    if name == "FrameTypeError":
        frame = error.frame
        return FrameTypeError(str(error.expected), frame if isinstance(frame, str) else bytes(frame.to_bytes()))  # type: ignore[arg-type]
    kind = _BY_NAME.get(name)
    # Anything else came as it is: a Python exception that crossed JS (PythonError), or an unexpected JS error.
    return cast(BaseException, error) if kind is None else kind(str(getattr(error, "message", "") or error))
