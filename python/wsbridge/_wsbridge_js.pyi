"""Types of `_wsbridge_js`, the JS module the TypeScript engine registers for this package (src/pyodide/install.ts).

The same list as `WsBridgeModule` in src/pyodide/contract.ts, and each handle's Protocol lists the members its
`HandleMembers` entry there lists: test/unit/contract.test.ts fails when a function or member is on one side only,
or when its parameters differ in number, names or types (str, int/float, bool, None, or any JS object). JS
functions take positional arguments only (hence `/`). Python calls what is declared here by name, nothing else.
Callables handed to JS are `create_proxy` proxies: JS owns them from then on and destroys them.

In Pyodide the JS types come from `pyodide.ffi`; on a host without Pyodide, small Protocols stand in for them.
"""

import sys
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeAlias, TypeVar

_T_co = TypeVar("_T_co", covariant=True)

if sys.platform == "emscripten":
    from pyodide.ffi import JsBuffer, JsPromise, JsProxy

else:

    class JsProxy(Protocol):
        """A JS object seen from Python (pyodide.ffi.JsProxy): attributes and methods are looked up in JS."""

        def to_py(self, *, depth: int = -1) -> Any: ...
        def __getattr__(self, name: str) -> Any: ...

    class JsBuffer(JsProxy, Protocol):
        """A JS ArrayBuffer or typed array (pyodide.ffi.JsBuffer)."""

        def to_bytes(self) -> bytes: ...

    class JsPromise(JsProxy, Awaitable[_T_co], Protocol[_T_co]):
        """A JS Promise (pyodide.ffi.JsPromise): awaiting it gives its value."""


# --- handles: JS engine objects Python holds and hands back ---


class SocketHandle(Protocol):
    """A BridgeSocket from `openSocket`."""

    @property
    def socket(self) -> JsProxy: ...  # the browser's WebSocket
    @property
    def origin(self) -> str: ...
    def sendFrame(self, data: str | JsProxy, /) -> int: ...  # the readyState it saw; 0 (CONNECTING): nothing sent


class RoutedSocketHandle(Protocol):
    """A routed socket's page side (WebSocketRoute), or its server side (WebSocketRouteServer): the server side has
    all but accept, reject, terminate and faults."""

    def url(self) -> str: ...
    def protocols(self) -> JsProxy: ...  # a JS array of str
    def connectToServer(self) -> "RoutedSocketHandle": ...
    # options: {timeout (ms), cancel (an AbortSignal)}; binary frames come as a Uint8Array
    def receive(self, options: JsProxy | None = ..., /) -> JsPromise[str | JsBuffer]: ...
    def receiveText(self, options: JsProxy | None = ..., /) -> JsPromise[str]: ...
    def receiveBytes(self, options: JsProxy | None = ..., /) -> JsPromise[JsBuffer]: ...
    @property
    def closeCode(self) -> int | None: ...
    @property
    def closeReason(self) -> str | None: ...
    def accept(self, options: JsProxy | None = ..., /) -> bool: ...  # {protocol}; False: the subprotocol rule failed it
    def reject(self) -> None: ...
    def terminate(self) -> None: ...
    def faults(self, options: JsProxy | None = ..., /) -> None: ...


class InspectHandle(Protocol):
    """An inspected socket (InspectedWebSocket), as a listener or wait gets it."""

    def url(self) -> str: ...
    def isRouted(self) -> bool: ...
    def isClosed(self) -> bool: ...


class RecorderHandle(Protocol):
    """A running recorder from `harRecord`: both return the HAR as JSON text; stop() also writes its path."""

    def har(self) -> str: ...
    def stop(self) -> str: ...


# --- callbacks: what JS calls each proxy with (pass `create_proxy(f)` for these) ---

SocketDispatch: TypeAlias = Callable[..., object]
"""dispatch(): messages in the frame slot; dispatch(data): one message (str or ArrayBuffer); dispatch(kind, event): 0 open, 2 error, 3 close."""
UrlPredicate: TypeAlias = Callable[[str], object]
"""Called with the URL string; truthy matches."""
RouteCallback: TypeAlias = Callable[[RoutedSocketHandle, JsProxy, JsProxy], object]
"""on_socket(route, resolve, reject): runs the handler, then calls resolve(), or reject(traceback) when it raised."""
RouteDispatch: TypeAlias = Callable[..., object]
"""(side, "message", data) or (side, "close", code, reason); side is "page" or "server"."""
InspectListener: TypeAlias = Callable[[str | JsBuffer | InspectHandle], object]
"""An inspection listener or wait predicate: gets a frame's payload (str or Uint8Array), a socket error's text, or a
socket (InspectHandle); a predicate may return an awaitable."""

# A proxy made with pyodide.ffi.create_proxy; JS calls it as the callback type named in each signature.
PyProxy: TypeAlias = JsProxy

# --- socket (websocket.py) ---


def openSocket(url: str, protocols: str | JsProxy | None, dispatch: PyProxy, /) -> SocketHandle: ...  # dispatch: SocketDispatch
def closeSocket(socket: SocketHandle, code: int | None, reason: str | None, /) -> None: ...  # TypeError/RangeError naming the rule
def abortSocket(socket: SocketHandle, code: int | None = ..., reason: str | None = ..., /) -> None: ...
def sendSlot(socket: SocketHandle, length: int, /) -> int: ...  # the first `length` bytes of the frame slot's body; the readyState seen
def sendHeap(socket: SocketHandle, address: int, length: int, /) -> int: ...  # `length` bytes of the Wasm heap at `address`, read in place; the readyState seen
def sendBytes(socket: SocketHandle, data: memoryview, /) -> int: ...  # read in place in the Wasm heap; the readyState seen
def socketStats() -> JsProxy: ...  # {sockets, listeners, proxies}
def checkUrl(url: str, /) -> str: ...  # a JsException named SyntaxError for a refused URL
def useFrameSlot(slot: PyProxy, /) -> None: ...  # a create_proxy'd memoryview over a bytearray, kept by JS for good
def proxyStats() -> JsProxy: ...  # {socket, route, predicate, inspect, total}: every Python callable JS holds


# --- routing (route.py) ---


def routeAdd(scope: str, url: str | PyProxy, times: int | None, onSocket: PyProxy, urlKey: str, handlerKey: str, onUnroute: PyProxy | None, /) -> int: ...  # url: UrlPredicate; onSocket: RouteCallback
def routeRemove(token: int, /) -> None: ...  # calls the route's onUnroute first
def routeUnroute(scope: str, urlKey: str, handlerKey: str | None, /) -> None: ...  # every route registered with these keys
def routeAlive(token: int, /) -> bool: ...
def routeBind(route: RoutedSocketHandle, proxy: PyProxy, /) -> None: ...  # destroys `proxy` when the socket is released
def routeListen(target: RoutedSocketHandle, side: str, kind: str, dispatch: PyProxy, /) -> None: ...  # dispatch: RouteDispatch
def routeSend(target: RoutedSocketHandle, message: str | JsProxy, /) -> None: ...  # a fresh Uint8Array: put on the wire without a copy
def routeClose(target: RoutedSocketHandle, code: int | None, reason: str | None, /) -> None: ...
def routeReset() -> None: ...
def routeStats() -> JsProxy: ...  # {proxies, routes, sockets}


# --- inspection (inspect.py) ---


# target: an InspectHandle, or a scope name ("page", "context"); listener and predicate: InspectListener.
def inspectOn(target: InspectHandle | str, event: str, listener: PyProxy, once: bool, key: str, /) -> None: ...  # key: _js.handler_key(handler)
def inspectOff(target: InspectHandle | str, event: str, key: str, /) -> None: ...  # the oldest such listener
def inspectWait(target: InspectHandle | str, event: str, predicate: PyProxy | None, timeout: float | None, signal: JsProxy, /) -> JsProxy: ...  # a Promise
def inspectKey(ws: InspectHandle, /) -> int: ...
def inspectReset() -> None: ...


# --- replay and recording (har.py) ---


def harRoute(har: JsProxy | str, url: str | PyProxy | None, match: str, timing: str, strict: bool, /) -> int: ...  # har: a HAR, a file path or a URL; url: UrlPredicate
def harRemove(token: int, /) -> None: ...
def harAlive(token: int, /) -> bool: ...
def harReady(token: int, /) -> JsPromise[None]: ...  # settles once a URL's HAR loaded and registered
def harRecord(url: str | PyProxy | None, path: str | None, /) -> RecorderHandle: ...  # stop() writes the HAR to `path`
def harReset() -> None: ...
def harFailures() -> str: ...  # JSON list of the replay mismatches since the last call (cleared)


# --- a test's WebSocket trace (_ws_trace.py) ---


def traceStart() -> None: ...
def traceText(last: int, /) -> str: ...
def traceHar() -> str: ...
def traceStop() -> None: ...


# --- page.evaluate (route.py, _evaluate.py) ---


# arg: Playwright's serialized value as JSON; gives {"value": serialized} or {"error": text} as JSON, at once or, for a
# thenable result, once it settles. Never raises for what the expression threw.
def pageEvaluate(expression: str, arg: str, /) -> str | JsPromise[str]: ...
