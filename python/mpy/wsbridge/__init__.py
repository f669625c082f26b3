"""wsbridge under MicroPython (PyScript's `mpy`): the socket and routing faces over wsbridge's JS engine.

Installed by wsbridge's PyScript plugin (src/pyodide/micropython/install.ts), with the same public names as the
Pyodide face where MicroPython allows; the names it cannot carry fail at the call with a message naming the
alternative (docs/pyscript.md lists them, with the reason).
"""
__version__ = "0.1.0"

from .websocket import InvalidStateError, WebSocket, WebSocketEvent
from .route import RouteHandle, WebSocketRoute, context, page, route_web_socket, unroute_web_socket

__all__ = [
    "WebSocket", "WebSocketEvent", "InvalidStateError", "RouteHandle", "WebSocketRoute", "context", "page",
    "route_web_socket", "unroute_web_socket", "connect", "asgi", "route_web_socket_from_har", "record_web_socket",
]


def _unsupported(name: str, why: str, alternative: str) -> "object":
    """A stand-in for a name the MicroPython face lacks: calling it raises NotImplementedError naming the alternative."""
    def stand_in(*args: "object", **kwargs: "object") -> "object":
        raise NotImplementedError("wsbridge." + name + " is not available under MicroPython: " + why + "; " + alternative)
    return stand_in


connect = _unsupported(
    "connect", "the asyncio client needs awaitable receiving across JS promises, which wsbridge builds on Pyodide",
    "use wsbridge.WebSocket with onmessage (an asyncio.Event or a list to wait on), or a <script type=\"py\"> (Pyodide)",
)
asgi = _unsupported(
    "asgi", "ASGI applications (Starlette...) need CPython's standard library",
    "route_web_socket with a handler that uses route.on_message/route.send, or a <script type=\"py\"> (Pyodide)",
)
route_web_socket_from_har = _unsupported(
    "route_web_socket_from_har", "HAR replay is in the Pyodide face only",
    "use routeWebSocketFromHAR from wsbridge.mjs in a <script type=\"module\"> (it routes MicroPython's sockets too)",
)
record_web_socket = _unsupported(
    "record_web_socket", "HAR recording is in the Pyodide face only",
    "use recordWebSocket from wsbridge.mjs in a <script type=\"module\">",
)
