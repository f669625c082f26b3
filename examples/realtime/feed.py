"""The demo's Python half. Runs in a Web Worker (createPythonWorker), never on the page's thread.

It reads a price feed with `wsbridge.connect`, parses binary ticks and JSON text, keeps windowed statistics
(last/mean/min/max/rate over the last WINDOW seconds) and hands a small snapshot to the page ten times a second
through `publish`, a main-thread function given with `py.setGlobal("publish", fn)`.

`Feed.set_mode("mock")` registers a `route_web_socket` for the feed URL *inside the worker* and reconnects: the new
socket is answered by `mock_feed` (a scripted feed, same wire format) instead of the server. `set_mode("live")`
unroutes and reconnects to the real server. Worker-local routes are checked before the main thread's, so the same
switch works whatever the page routes.
"""
from __future__ import annotations

import asyncio
import json
import math
import struct
import time
from collections import deque
from typing import Any, Callable

from wsbridge import connect, route_web_socket

TICK = struct.Struct(">BIdBd")  # kind (1), seq, t (ms since the epoch), symbol index, price
SYMBOLS = ("ALPHA", "BETA", "GAMMA")
WINDOW = 5.0  # seconds of statistics
PUBLISH_EVERY = 0.1  # seconds between snapshots
MOCK_RATE = 200  # messages a second from the scripted mock


class Window:
    """Prices that arrived in the last WINDOW seconds."""

    def __init__(self) -> None:
        self.items: deque[tuple[float, float]] = deque()
        self.last: float | None = None

    def add(self, now: float, price: float) -> None:
        self.items.append((now, price))
        self.last = price

    def stats(self, now: float, since: float) -> dict[str, Any] | None:
        cutoff = now - WINDOW
        while self.items and self.items[0][0] < cutoff:
            self.items.popleft()
        if not self.items:
            return None
        prices = [p for _, p in self.items]
        span = max(min(WINDOW, now - since), 0.25)
        return {
            "last": self.last,
            "mean": sum(prices) / len(prices),
            "min": min(prices),
            "max": max(prices),
            "rate": len(prices) / span,
            "n": len(prices),
        }


class Feed:
    """One feed connection at a time, reconnecting; statistics restart with each connection."""

    def __init__(self, url: str, publish: Callable[[dict[str, Any]], Any]) -> None:
        self.url = url
        self.publish = publish
        self.mode = "live"
        self.route: Any = None
        self.ws: Any = None
        self.label = "connecting"
        self.source = ""
        self.error = ""
        self._reset()

    def _reset(self) -> None:
        self.windows = {s: Window() for s in SYMBOLS}
        self.arrivals: deque[tuple[float, int, bool]] = deque()  # (time, bytes, binary)
        self.latency: deque[float] = deque(maxlen=200)
        self.since = time.time()
        self.messages = 0

    # --- the socket ---

    async def run(self) -> None:
        asyncio.ensure_future(self._publisher())
        while True:
            try:
                async with connect(self.url) as ws:
                    self.ws = ws
                    self.error = ""
                    self._reset()
                    async for message in ws:
                        self.handle(message)
            except Exception as error:  # server gone, handshake refused...: show it, retry
                self.error = f"{type(error).__name__}: {error}"
                self.label = "disconnected"
                self.ws = None
                await asyncio.sleep(1.0)
            self.ws = None

    def handle(self, message: str | bytes) -> None:
        now = time.time()
        self.messages += 1
        self.arrivals.append((now, len(message), isinstance(message, bytes)))
        if isinstance(message, bytes):
            _kind, _seq, t, sym, price = TICK.unpack_from(message)
            self._tick(now, t, SYMBOLS[sym], price)
            return
        data = json.loads(message)
        kind = data.get("type")
        if kind == "tick":
            self._tick(now, data["t"], data["sym"], data["price"])
        elif kind == "hello":
            self.label = data.get("feed", "?")
            self.source = data.get("source", "")

    def _tick(self, now: float, t_ms: float, symbol: str, price: float) -> None:
        window = self.windows.get(symbol)
        if window is None:
            return
        window.add(now, float(price))
        self.latency.append(now * 1000 - t_ms)

    # --- the page ---

    def snapshot(self) -> dict[str, Any]:
        now = time.time()
        cutoff = now - WINDOW
        while self.arrivals and self.arrivals[0][0] < cutoff:
            self.arrivals.popleft()
        span = max(min(WINDOW, now - self.since), 0.25)
        n = len(self.arrivals)
        binary = sum(1 for _, _, b in self.arrivals if b)
        return {
            "t": now * 1000,
            "feed": self.label,
            "source": self.source,
            "mode": self.mode,
            "connected": self.ws is not None,
            "error": self.error,
            "window": WINDOW,
            "rate": n / span,
            "bytesRate": sum(size for _, size, _ in self.arrivals) / span,
            "binaryShare": binary / n if n else 0.0,
            "latency": sorted(self.latency)[len(self.latency) // 2] if self.latency else None,
            "messages": self.messages,
            "symbols": {s: w.stats(now, self.since) for s, w in self.windows.items()},
        }

    async def _publisher(self) -> None:
        while True:
            started = time.time()
            try:
                await self.publish(self.snapshot())
            except Exception as error:  # the page went away mid-call; keep going
                self.error = f"publish: {error}"
            await asyncio.sleep(max(0.0, PUBLISH_EVERY - (time.time() - started)))

    def set_mode(self, mode: str) -> str:
        """Switches between the live server and the scripted mock; reconnects. Returns the new mode."""
        if mode not in ("live", "mock"):
            raise ValueError(f"mode must be 'live' or 'mock', got {mode!r}")
        if mode != self.mode:
            self.mode = mode
            if mode == "mock":
                self.route = route_web_socket(self.url, mock_feed)
            elif self.route is not None:
                self.route.unroute()
                self.route = None
            if self.ws is not None:
                asyncio.ensure_future(self.ws.close(1000, f"switching to {mode}"))
        return self.mode


# --- the scripted mock ---

def mock_price(symbol: int, t: float) -> float:
    """The script, `t` seconds in: ALPHA a square wave 42/58 (2 s), BETA a sine 100..140 (4 s), GAMMA a triangle 70..80 (3 s)."""
    if symbol == 0:
        return 58.0 if (t % 2.0) < 1.0 else 42.0
    if symbol == 1:
        return round(120.0 + 20.0 * math.sin(2 * math.pi * t / 4.0), 2)
    return round(70.0 + 10.0 * (1 - abs((t % 3.0) / 1.5 - 1)), 2)


async def _mock_stream(route: Any, stopped: asyncio.Event) -> None:
    route.send(json.dumps({"type": "hello", "feed": "mock", "source": "scripted: route_web_socket in the worker"}))
    start = time.time()
    seq = 0
    while not stopped.is_set():
        due = int((time.time() - start) * MOCK_RATE)
        while seq < due:
            symbol = seq % len(SYMBOLS)
            t = start + seq / MOCK_RATE
            price = mock_price(symbol, seq / MOCK_RATE)
            if seq % 4 == 3:
                route.send(json.dumps({"type": "tick", "seq": seq, "t": t * 1000, "sym": SYMBOLS[symbol], "price": price}))
            else:
                route.send(TICK.pack(1, seq, t * 1000, symbol, price))
            seq += 1
        await asyncio.sleep(0.02)


def mock_feed(route: Any) -> None:
    """The route handler: stream the script until the page closes, then close with the page's code."""
    stopped = asyncio.Event()

    def on_close(code: int | None, reason: str | None) -> None:
        stopped.set()
        route.close(code, reason)

    route.on_message(lambda message: None)  # the page sends nothing the mock needs
    route.on_close(on_close)
    asyncio.ensure_future(_mock_stream(route, stopped))


def start(url: str, publish: Callable[[dict[str, Any]], Any]) -> Feed:
    feed = Feed(url, publish)
    asyncio.ensure_future(feed.run())
    return feed
