"""Helpers shared by the socket and ASGI tests (test/python is on sys.path: pyproject.toml's `pythonpath`).

- `synthetic(ws, data)` makes the socket receive `data` now, synchronously (a page-made MessageEvent: never
  deferred behind a burst), for tests that must know a frame was handled before their next line.
- `wait_for(cond)` polls until `cond()` holds; `stats()`/`settle()` read wsbridge's live sockets, listeners, proxies.
- `Rec` opens a `wsbridge.WebSocket` and records every event it gets in a comparable form (`describe`).
- `ServerLog` reads back what the runner's test server received (its `?log=KEY` and `/received?log=KEY` paths).
- `Probe` opens a plain page WebSocket (browser JS, not wsbridge) and returns what the page saw: the other end
  of a routed socket.
- `route_stats()`/`settle_routes()` read wsbridge's routing bookkeeping; `hand_over(url)` routes `url` to a queue,
  so a test drives each route from its own body.
"""
from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import _wsbridge_js  # type: ignore[import-not-found]
import js  # type: ignore[import-not-found]
from pyodide.code import run_js  # type: ignore[import-not-found]
from pyodide.ffi import to_js  # type: ignore[import-not-found]

from wsbridge import WebSocket, WebSocketEvent, WebSocketRoute, route_web_socket
from wsbridge.testing import TestServer

#: Seconds a helper waits before it gives up (generous: the machine running the suite may be busy).
TIMEOUT = 10.0


def synthetic(ws: WebSocket, data: object) -> None:
    """Dispatches a message event with `data` on the socket's browser object: handled before this returns."""
    init = to_js({"data": data}, dict_converter=js.Object.fromEntries)
    ws._js.dispatchEvent(js.MessageEvent.new("message", init))


async def wait_for(cond: Callable[[], object], timeout: float = TIMEOUT) -> bool:
    """Polls `cond()` every 10 ms until it is true (True) or `timeout` seconds passed (False): never hangs."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not cond():
        if loop.time() > end:
            return False
        await asyncio.sleep(0.01)
    return True


def stats() -> dict[str, int]:
    """wsbridge's live sockets, their JS listeners and proxies (all 0 when nothing is open)."""
    counts: dict[str, int] = _wsbridge_js.socketStats().to_py()
    return counts


async def settle(timeout: float = TIMEOUT) -> dict[str, int]:
    """Waits until every socket was released; returns `stats()`."""
    await wait_for(lambda: stats()["sockets"] == 0, timeout)
    return stats()


def route_stats() -> dict[str, int]:
    """wsbridge's routing bookkeeping: Python proxies JS holds for routes, routes registered, live routed sockets."""
    counts: dict[str, int] = _wsbridge_js.routeStats().to_py()
    return counts


#: `route_stats()` once nothing is routed: no proxy held, no route, no routed socket.
ROUTES_RELEASED = {"proxies": 0, "routes": 0, "sockets": 0}


async def settle_routes(expected: dict[str, int] = ROUTES_RELEASED, timeout: float = TIMEOUT) -> dict[str, int]:
    """Waits until `route_stats()` equals `expected` (a closed socket's proxies go after its close); returns it."""
    await wait_for(lambda: route_stats() == expected, timeout)
    return route_stats()


def hand_over(url: Any, **kw: Any) -> asyncio.Queue[WebSocketRoute]:
    """Routes `url` (with `route_web_socket`'s `kw`) to a handler that only queues each route: `await q.get()`."""
    routes: asyncio.Queue[WebSocketRoute] = asyncio.Queue()
    route_web_socket(url, routes.put_nowait, **kw)
    return routes


Event = list[Any]


def describe(e: WebSocketEvent) -> Event:
    """An event as a list: `["message", str]`, `["binary", type name, [bytes]]`, `["close", code, reason, clean]`, `[type]`."""
    if e.type == "message":
        d = e.data
        if isinstance(d, str):
            return ["message", d]
        assert d is not None
        return ["binary", type(d).__name__, list(d)]
    if e.type == "close":
        return ["close", e.code, e.reason, e.wasClean]
    return [e.type]


class Rec:
    """A `WebSocket(url, protocols, **kw)` whose four handlers record every event (`kw` may replace them)."""

    def __init__(self, url: str, protocols: str | list[str] | None = None, **kw: Any) -> None:
        loop = asyncio.get_running_loop()
        self.events: list[Event] = []
        self.opened: asyncio.Future[None] = loop.create_future()
        self.closed: asyncio.Future[None] = loop.create_future()
        handlers = {"onopen": self.on, "onmessage": self.on, "onerror": self.on, "onclose": self.on, **kw}
        self.ws = WebSocket(url, protocols, **handlers)

    def on(self, e: WebSocketEvent) -> None:
        self.events.append(describe(e))
        if e.type == "open" and not self.opened.done():
            self.opened.set_result(None)
        if e.type == "close" and not self.closed.done():
            self.closed.set_result(None)

    async def open(self, timeout: float = TIMEOUT) -> WebSocket:
        """Waits for the open event; returns the socket."""
        await asyncio.wait_for(asyncio.shield(self.opened), timeout)
        return self.ws

    async def wait_closed(self, timeout: float = TIMEOUT) -> list[Event]:
        """Waits for the close event; returns every event."""
        await asyncio.wait_for(asyncio.shield(self.closed), timeout)
        return self.events

    async def messages(self, n: int, timeout: float = TIMEOUT) -> list[Event]:
        """Waits until `n` messages (text or binary) arrived; returns every event."""
        if not await wait_for(lambda: sum(e[0] in ("message", "binary") for e in self.events) >= n, timeout):
            raise TimeoutError(f"{n} messages expected, got only {self.events}")
        return self.events


# --- what the test server received ---

_READ_JS = """
globalThis._wsbridgeTestRead = (url) => new Promise((resolve, reject) => {
  const ws = new WebSocket(url);
  ws.onmessage = (e) => resolve(e.data);
  ws.onerror = () => reject(new Error("could not read " + url));
});
"""


@dataclass(frozen=True)
class Logged:
    """One connection the test server logged: its path, the frames it received in order, its close (or None)."""

    path: str
    frames: list[str | bytes]
    closed: tuple[int, str] | None


class ServerLog:
    """One `log=KEY` of the test server: `url(path)` makes a connection logged, `received()` reads the log back.

    Reads go through a plain browser WebSocket, so they never show up in wsbridge's `stats()`."""

    def __init__(self, server: TestServer, key: str) -> None:
        self.server = server
        self.key = key

    def url(self, path: str = "/echo") -> str:
        """The server URL of `path` with `log=KEY` added to its query."""
        return self.server.url(path + ("&" if "?" in path else "?") + "log=" + self.key)

    async def received(self) -> list[Logged]:
        """Every connection logged under the key so far, in the order they opened."""
        if not hasattr(js, "_wsbridgeTestRead"):
            run_js(_READ_JS)
        text = await js._wsbridgeTestRead(self.server.url("/received?log=" + self.key))
        return [
            Logged(
                c["path"],
                [f if isinstance(f, str) else base64.b64decode(f["base64"]) for f in c["frames"]],
                None if c["closed"] is None else (c["closed"]["code"], c["closed"]["reason"]),
            )
            for c in json.loads(text)
        ]

    async def closed(self, count: int = 1, timeout: float = TIMEOUT) -> list[Logged]:
        """Polls until `count` connections were logged and the server saw each one close; returns them."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while True:
            log = await self.received()
            if len(log) >= count and all(c.closed is not None for c in log):
                return log
            if loop.time() > end:
                raise TimeoutError(f"the server saw {count} closed connection(s) under {self.key!r}: {log}")
            await asyncio.sleep(0.02)


# --- the page's own end of a routed socket ---

_PROBE_JS = """
globalThis._wsbridgeProbeSockets = [];
globalThis._wsbridgeProbeCloseAll = () => {
  for (const ws of globalThis._wsbridgeProbeSockets.splice(0)) if (ws.readyState < 2) ws.close();
};
globalThis._wsbridgeProbe = (url, sends, n, close, protocols) => new Promise((resolve) => {
  const log = [];
  const ws = protocols ? new WebSocket(url, protocols) : new WebSocket(url);
  globalThis._wsbridgeProbeSockets.push(ws);
  ws.binaryType = "arraybuffer";
  let got = 0;
  const finish = () => resolve(JSON.stringify(log));
  const timer = setTimeout(() => { log.push(["timeout", ws.readyState]); finish(); }, 8000);
  const closeNow = () => close ? ws.close(close[0], close[1]) : (clearTimeout(timer), finish());
  ws.onopen = () => {
    log.push(["open", ws.protocol]);
    for (const s of sends) ws.send(typeof s === "string" ? s : new Uint8Array(s));
    if (n === 0 && close) ws.close(close[0], close[1]);
  };
  ws.onmessage = (e) => {
    log.push(typeof e.data === "string" ? e.data : "bin:" + Array.from(new Uint8Array(e.data)).join(","));
    if (++got === n) closeNow();
  };
  ws.onerror = () => log.push(["error"]);
  ws.onclose = (e) => { log.push(["close", e.code, e.reason, e.wasClean]); clearTimeout(timer); finish(); };
});
"""


class Probe:
    """A plain page socket (browser JS): opens `path` on the test server (or `path` itself when it is a URL), sends `sends` once open (str as text,
    a list of ints as binary), waits for `n` messages, then closes with `close` ([code, reason]) when given, else
    stops there. Returns the page's log: `["open", protocol]`, messages (`"bin:1,2"` for binary), `["error"]`,
    `["close", code, reason, wasClean]`, `["timeout", readyState]` after 8 s."""

    def __init__(self, server: TestServer) -> None:
        self.server = server
        if not hasattr(js, "_wsbridgeProbe"):
            run_js(_PROBE_JS)

    async def __call__(
        self,
        path: str,
        sends: Sequence[str | list[int]] = (),
        n: int = 0,
        close: tuple[int, str] | None = None,
        protocols: list[str] | None = None,
    ) -> list[Any]:
        to_js = js.JSON.parse
        text = await js._wsbridgeProbe(
            path if "://" in path else self.server.url(path),
            to_js(json.dumps(list(sends))),
            n,
            to_js(json.dumps(close)),
            to_js(json.dumps(protocols)) if protocols else None,
        )
        log: list[Any] = json.loads(text)
        return log

    def close_all(self) -> None:
        """Closes the probe sockets left open (a test's page lives on: a later test must not see them)."""
        js._wsbridgeProbeCloseAll()
