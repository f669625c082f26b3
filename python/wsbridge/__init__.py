"""wsbridge: WebSocket for Python in the browser (Pyodide, PyScript)."""
import sys as _sys

# Fail at import, with the reason, where this package cannot run (the wheel unpacked into PyScript's MicroPython):
# it is the Pyodide face; MicroPython's face comes with the PyScript plugin. Kept above every other import;
# MicroPython has no `__future__` module.
if _sys.implementation.name == "micropython":
    raise ImportError(
        "this wsbridge package is the Pyodide face and does not run on MicroPython: under MicroPython "
        '(<script type="mpy">) wsbridge comes with its PyScript plugin; add <script type="module" '
        'src=".../wsbridge/pyscript.mjs"> after PyScript\'s core.js instead of the wheel.'
    )
# Ordinary CPython (pytest run on the host out of habit): say where wsbridge runs instead of "No module named 'js'".
if _sys.platform != "emscripten":
    raise ImportError(
        "wsbridge runs inside Pyodide (Python in the browser), not in this " + _sys.implementation.name + " on "
        + _sys.platform + ": run its tests with `npx wsbridge test [PATH...]`, which runs pytest in headless Chromium."
    )
del _sys

__version__ = "0.1.0"

import importlib as _importlib
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

#: Public name → the submodule that defines it. Submodules load on first use (PEP 562), so `import wsbridge` (done
#: at install) costs next to nothing and a page that never routes or records never compiles route.py, har.py...
_LAZY = {name: module for module, names in {
    "websocket": "WebSocket WebSocketEvent", "client": "connect", "inspect": "InspectedWebSocket",
    "errors": "ConnectionClosed Error FrameTypeError InspectionError TimeoutError WebSocketClosed WebSocketDisconnect",
    "route": "RouteHandle WebSocketRoute context page route_web_socket unroute_web_socket",
    "har": "HarRouteHandle WebSocketRecorder record_web_socket route_web_socket_from_har",
    "_asgi": "asgi ASGIHandler",  # `wsbridge.asgi` is the function (its module is private: no name clash)
}.items() for name in names.split()}
_SUBMODULES = {"testing", "pytest_plugin"}

__all__ = list(_LAZY)


def __getattr__(name: str) -> _Any:
    """Imports the submodule behind a public name on first use and caches the name here."""
    if name in _SUBMODULES:
        return _importlib.import_module(f".{name}", __name__)
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'wsbridge' has no attribute {name!r}")
    value = getattr(_importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_LAZY) + list(_SUBMODULES))


if _TYPE_CHECKING:  # what type checkers and IDEs see: the same names, eagerly
    from ._asgi import ASGIHandler, asgi
    from .client import connect
    from .errors import ConnectionClosed, Error, FrameTypeError, InspectionError, TimeoutError, WebSocketClosed, WebSocketDisconnect
    from .har import HarRouteHandle, WebSocketRecorder, record_web_socket, route_web_socket_from_har
    from .inspect import InspectedWebSocket
    from .route import RouteHandle, WebSocketRoute, context, page, route_web_socket, unroute_web_socket
    from .websocket import WebSocket, WebSocketEvent
