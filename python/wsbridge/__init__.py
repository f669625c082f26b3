"""wsbridge: WebSocket for Python in the browser (Pyodide, PyScript)."""
from __future__ import annotations

__version__ = "0.1.0"

from .websocket import WebSocket, WebSocketEvent
from .client import ConnectionClosed, connect
from .route import RouteHandle, WebSocketRoute, context, page, route_web_socket, unroute_web_socket
