"""wsbridge: WebSocket for Python in the browser (Pyodide, PyScript)."""
import sys as _sys

# Fail at import, with the reason, where wsbridge cannot run (the wheel unpacked into PyScript's MicroPython):
# the package needs Pyodide's FFI. Kept above every other import; MicroPython has no `__future__` module.
if _sys.implementation.name == "micropython":
    raise ImportError(
        'wsbridge needs Pyodide and does not run on MicroPython (<script type="mpy">): '
        'use <script type="py"> for code that imports wsbridge, or pyscript.WebSocket under MicroPython.'
    )
del _sys

__version__ = "0.1.0"

from .websocket import WebSocket, WebSocketEvent
from .client import ConnectionClosed, connect
from .route import RouteHandle, WebSocketRoute, context, page, route_web_socket, unroute_web_socket
from ._awaitable import FrameTypeError, WebSocketClosed
from .inspect import InspectedWebSocket, InspectionError
# The module itself, which is callable: `asgi(app)` works and so does `wsbridge.asgi.WebSocketDisconnect`.
from . import asgi
from .har import HarRouteHandle, WebSocketRecorder, record_web_socket, route_web_socket_from_har
