"""The one module of the MicroPython face that imports the browser (`js`), MicroPython's FFI and the engine.

What crosses, and why (src/pyodide/micropython/contract.ts): only str, int, float, bool and None. MicroPython 1.27
keeps every JS object that reaches Python in its proxy table for the interpreter's life, and a JS exception thrown
into it unwinds the whole interpreter call instead of raising here. So sockets and routes are ids, JS calls one
entry point (`_entry`) with an entry kind, engine functions return `FAILED` instead of throwing (`call` raises the
Python exception), and bytes go through the byte channel, a device file: one copy each way, no proxy.
"""
import io
import sys

import js
import jsffi
import _wsbridge_mpy as engine

try:
    from typing import TYPE_CHECKING
except ImportError:  # MicroPython has no typing module: annotations are never evaluated there
    TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import Any, Callable

JsProxy = jsffi.JsProxy

#: What an engine function returns instead of throwing (contract.ts `FAILED`).
FAILED = "\x00wsbridge:failed"

# Entry kinds (contract.ts `ENTRY`): the first argument of each call JS makes to `_entry`.
OPEN = 0
TEXT = 1
ERROR = 2
CLOSE = 3
BINARY = 4
ROUTE_MATCH = 10
ROUTE_SOCKET = 11
ROUTE_TEXT = 12
ROUTE_BINARY = 13
ROUTE_CLOSE = 14
ROUTE_RELEASED = 15
ROUTE_GONE = 16

#: The engine's error names → Python classes: a value out of range or unparsable is Python's ValueError.
_BY_NAME = {"TypeError": TypeError, "RangeError": ValueError, "SyntaxError": ValueError, "InvalidAccessError": ValueError}

# The byte channel (src/pyodide/micropython/channel.ts): unbuffered, so each read and write reaches the device.
_channel = open("/dev/wsbridge", "r+b")


def error_from(text: str) -> BaseException:
    """The Python exception for an engine error given as "Name\\nmessage"."""
    name, _, message = text.partition("\n")
    return _BY_NAME.get(name, RuntimeError)(message)


def check(result: "Any") -> "Any":
    """`result`, or the engine's error raised when it is `FAILED`."""
    if isinstance(result, str) and result == FAILED:
        raise error_from(engine.takeError())
    return result


def call(fn: "Callable[..., Any]", *args: "Any") -> "Any":
    """Calls an engine function; its failure is raised as the Python exception it maps to."""
    return check(fn(*args))


def read(length: int) -> bytearray:
    """The bytes JS offered in the channel for this call (a frame of `length` bytes), copied once into Python."""
    buffer = bytearray(length)
    if length:
        _channel.readinto(buffer)
    return buffer


def write(data: "Any") -> None:
    """Hands the raw bytes of `data` (any buffer) to the sink JS armed for this write, where they lie."""
    _channel.write(data)


def report(error: BaseException, what: str) -> None:
    """Reports an exception from user code to the browser console; the caller carries on."""
    text = io.StringIO()
    sys.print_exception(error, text)
    js.console.error("wsbridge: exception in " + what + ":\n" + text.getvalue())


def check_type(value: "Any", kinds: "Any", what: str, expected: str) -> None:
    """TypeError "`what` must be `expected`, not <type>" when `value` is given and not one of `kinds` (a bool is no number)."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, kinds)):
        raise TypeError(what + " must be " + expected + ", not " + type(value).__name__)


_GENERATOR = type((lambda: (yield))())


def awaitable(value: "Any") -> bool:
    """True for what a handler gives to be awaited: a coroutine (a generator in MicroPython) or an awaitable object."""
    return isinstance(value, _GENERATOR) or hasattr(value, "__await__")


#: Entry kind → its handler(id, a, b, c), registered by websocket.py and route.py.
_handlers: "dict[int, Callable[..., Any]]" = {}


def on_entry(kinds: "tuple[int, ...]", handler: "Callable[..., Any]") -> None:
    """Makes `handler` take the calls of these entry kinds."""
    for kind in kinds:
        _handlers[kind] = handler


def _entry(kind: int, id: int, a: "Any" = None, b: "Any" = None, c: "Any" = None) -> "Any":
    """JS's one way into Python: never raises (an exception here would surface in the engine's event code)."""
    handler = _handlers.get(kind)
    if handler is None:
        return None
    try:
        return handler(kind, id, a, b, c)
    except Exception as error:  # noqa: BLE001 - reported; the engine carries on
        report(error, "wsbridge's entry point")
        return None


engine.useEntry(_entry)
