"""Asserting that an app reconnects after its connection drops: `route.terminate()` and inspection.

Run with:  npx wsbridge test examples

`LiveFeed` is the code under test: it keeps a socket to a price feed open and, when the connection drops
(close code 1006), reconnects and resubscribes. The route plays the feed: the first connection is cut with
`route.terminate()` (the page sees close 1006 with no close frame, exactly like a dropped TCP connection);
the second one keeps serving. A `page.on("websocket", ...)` listener watches the sockets the app opens and the
frames they receive.
"""
import asyncio

from wsbridge import InspectedWebSocket, WebSocket, WebSocketRoute, page

FEED = "ws://feed.example/prices"


class LiveFeed:
    """Subscribes to `symbol`; on an abnormal close, reconnects after `retry_ms` and subscribes again."""

    def __init__(self, url: str, symbol: str, retry_ms: int = 50) -> None:
        self.url, self.symbol, self.retry_ms = url, symbol, retry_ms
        self.prices: list[str] = []
        self.connections = 0
        self.closed_codes: list[int] = []
        self._socket: WebSocket | None = None
        self._stopped = False
        self._connect()

    def _connect(self) -> None:
        self.connections += 1
        self._socket = WebSocket(self.url, onopen=self._on_open, onmessage=self._on_message, onclose=self._on_close)

    def _on_open(self, _event) -> None:
        self._socket.send(f"subscribe {self.symbol}")

    def _on_message(self, event) -> None:
        self.prices.append(event.data)

    def _on_close(self, event) -> None:
        self.closed_codes.append(event.code)
        if not self._stopped and event.code == 1006:
            asyncio.get_running_loop().call_later(self.retry_ms / 1000, self._connect)

    def stop(self) -> None:
        self._stopped = True
        if self._socket is not None:
            self._socket.close(1000, "stopped")


def watch_prices() -> tuple[list[InspectedWebSocket], asyncio.Queue[str]]:
    """Every socket the page opens from now on, and a queue of the frames they receive.

    The listener runs as each socket is created, before it can receive anything, so no frame slips past
    (a wait started later could miss a frame that came in meanwhile).
    """
    sockets: list[InspectedWebSocket] = []
    frames: asyncio.Queue[str] = asyncio.Queue()

    def watch(ws: InspectedWebSocket) -> None:
        sockets.append(ws)
        ws.on("framereceived", frames.put_nowait)

    page.on("websocket", watch)
    return sockets, frames


async def test_reconnects_and_resubscribes_after_the_connection_drops():
    connections: list[int] = []
    sockets, frames = watch_prices()

    async def feed(route: WebSocketRoute):
        connections.append(len(connections) + 1)
        number = len(connections)
        assert await route.receive(timeout=2000) == "subscribe ACME"
        route.send(f"ACME {100 + number}")
        if number == 1:
            await asyncio.sleep(0.05)
            route.terminate()  # abrupt: 1006 at the page, no close frame

    async with page.route_web_socket(FEED, feed):
        app = LiveFeed(FEED, "ACME")
        assert await asyncio.wait_for(frames.get(), 5) == "ACME 101"
        # The first connection drops; the app must open a second socket on its own, and subscribe again.
        assert await asyncio.wait_for(frames.get(), 5) == "ACME 102"
        first, second = sockets
        app.stop()
        await second.wait_for_event("close", timeout=2000)

    assert app.connections == 2
    assert app.prices == ["ACME 101", "ACME 102"]
    assert app.closed_codes == [1006, 1000]
    assert first.is_routed and first.is_closed()


async def test_a_handshake_that_fails_is_not_retried_forever():
    # reject() fails the handshake (error, then close 1006): this app retries only while it keeps getting 1006,
    # so the route accepts the third attempt.
    attempts: list[str] = []
    _, frames = watch_prices()

    def flaky(route: WebSocketRoute):
        attempts.append("attempt")
        if len(attempts) < 3:
            route.reject()
        else:
            route.on_message(lambda m: route.send("ACME 1"))

    async with page.route_web_socket(FEED, flaky):
        app = LiveFeed(FEED, "ACME", retry_ms=10)
        assert await asyncio.wait_for(frames.get(), 5) == "ACME 1"
        app.stop()
    assert len(attempts) == 3
    assert app.prices == ["ACME 1"]
    assert app.closed_codes[:2] == [1006, 1006]
