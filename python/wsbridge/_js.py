"""The one module that imports the browser (`js`), Pyodide's FFI and the engine (`_wsbridge_js`); others import from here.

`run_sync` blocks on an awaitable while the page's loop keeps running (JSPI stack switching); it works where
`can_run_sync()` is true: code entered through `runPythonAsync`, an asyncio task, or a test `wsbridge test` runs.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, TypeVar

import js  # type: ignore[import-not-found]
from pyodide.code import run_js  # type: ignore[import-not-found]
from pyodide.ffi import JsBuffer, JsException, JsProxy, can_run_sync, create_proxy, run_sync, to_js  # type: ignore[import-not-found]

try:
    from pyodide.ffi import jsnull
except ImportError:  # Pyodide 0.27: JS null arrives as None, so nothing is ever `jsnull`
    jsnull = object()

if TYPE_CHECKING:
    from . import _wsbridge_js as engine  # the contract: _wsbridge_js.pyi (the JS module is top-level in Pyodide)
else:
    import _wsbridge_js as engine

from .errors import from_js

__all__ = ["js", "engine", "create_proxy", "to_js", "run_sync", "run_js", "can_run_sync", "JsBuffer", "JsException", "JsProxy", "jsnull", "options", "message", "flat_bytes", "check_type", "handler_key", "call", "settle", "block_on"]

T = TypeVar("T")


def options(**values: Any) -> Any:
    """A plain JS object of the given values (None values left out)."""
    return to_js({k: v for k, v in values.items() if v is not None}, dict_converter=js.Object.fromEntries)


def message(value: Any) -> str | bytes:
    """A frame from JS for Python: `str` for text, `bytes` for binary (a Uint8Array or ArrayBuffer)."""
    return value if isinstance(value, str) else bytes(value.to_bytes())


def flat_bytes(data: object) -> memoryview | None:
    """`data`'s raw bytes as a flat C-contiguous memoryview (format "B"), or None when it has no buffer."""
    try:
        view = memoryview(data)  # type: ignore[arg-type]
    except TypeError:
        return None
    if not view.c_contiguous:
        view = memoryview(view.tobytes())  # cast() takes C-contiguous views only
    # cast("B") gives the raw bytes whatever the item format or shape.
    return view if view.format == "B" and view.ndim == 1 else view.cast("B")


def check_type(value: object, kinds: type | tuple[type, ...], what: str, expected: str) -> None:
    """TypeError "`what` must be `expected`, not <type>" when `value` is given and not one of `kinds` (a bool is no
    number). Python types are checked here, by their Python names; the engine checks the values' rules."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, kinds)):
        raise TypeError(f"{what} must be {expected}, not {type(value).__name__}")


def handler_key(handler: object) -> str:
    """What the engine compares to find a handler again (remove_listener, unroute): the same object, or for a bound
    method the same function on the same object (`obj.method` and `items.append` are new objects at each access,
    equal to the last)."""
    self = getattr(handler, "__self__", None)
    if self is not None:
        func = getattr(handler, "__func__", None)  # a Python method's function; a builtin method has only its name
        return f"method:{id(self)}:{getattr(handler, '__name__', '') if func is None else id(func)}"
    return f"object:{id(handler)}"


def call(fn: Any, *args: Any) -> Any:
    """Calls an engine function; its error is raised as the Python exception `from_js` maps it to."""
    try:
        return fn(*args)
    except JsException as error:
        raise from_js(error) from None


async def settle(promise: Any, cancel: Any = None) -> Any:
    """Awaits an engine Promise (its rejection mapped by `from_js`); cancelling aborts `cancel` (an AbortController)."""
    try:
        return await promise
    except JsException as error:
        raise from_js(error) from None
    except asyncio.CancelledError:
        if cancel is not None:  # the engine's wait ends too: nothing stays subscribed, a frame it took goes back
            cancel.abort()
        raise


def block_on(awaitable: Awaitable[T]) -> T:
    """Waits for `awaitable` right here, synchronously, while the page's loop runs everything else (`run_sync`).

    The outcome crosses JS in a box: a result that is itself awaitable would be taken for a thenable that never
    settles, and an exception would also be printed to the page's stderr on its way through the Promise."""
    async def boxed() -> tuple[bool, Any]:
        try:
            return True, await awaitable
        except BaseException as error:  # noqa: BLE001 - raised below, in the waiting caller
            return False, error

    ok, value = run_sync(boxed())
    if ok:
        return value  # type: ignore[no-any-return]
    raise value
