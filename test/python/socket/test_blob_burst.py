"""binaryType "blob" under bursts: Chromium fails `Blob.arrayBuffer()` once ~20,000 reads are pending, so wsbridge must
bound its reads (and not read back the Blobs it made itself). Nothing may be lost, reordered or doubled.

The JS face's own blob bursts (a JS route into a BridgeSocket, JS inspection of a page socket) stay in
test/browser/blob-burst.test.ts: they hold no Python."""
from __future__ import annotations

import asyncio
from typing import Any

import pytest

from wsbridge import WebSocket, WebSocketEvent

from support import hand_over

#: Frames per burst: above Chromium's ~20,000 pending-read limit (the issue saw losses at 200,000; each Blob the page
#: gets costs ~0.3 ms to make, so this keeps the tests short).
BURST = 25_000


class Numbered:
    """Handlers of a blob-mode socket receiving frames numbered 0, 1, ... (4-byte big-endian): counts what arrives."""

    def __init__(self, ws: WebSocket, n: int, close_at_end: bool) -> None:
        self.ws, self.n, self.close_at_end = ws, n, close_at_end
        self.next = self.bad = self.errors = 0
        self.types: set[str] = set()
        self.closed: asyncio.Future[tuple[int, str]] = asyncio.get_running_loop().create_future()
        ws.binaryType = "blob"
        ws.onmessage, ws.onerror, ws.onclose = self.on_message, self.on_error, self.on_close

    def on_message(self, e: WebSocketEvent) -> None:
        data: Any = e.data  # a memoryview in blob mode too: the Blob was read before any handler ran
        self.types.add(type(data).__name__)
        if int.from_bytes(bytes(data), "big") != self.next:
            self.bad += 1
        self.next += 1
        if self.close_at_end and self.next == self.n:
            self.ws.close(1000)

    def on_error(self, e: WebSocketEvent) -> None:
        self.errors += 1

    def on_close(self, e: WebSocketEvent) -> None:
        self.closed.set_result((e.code, e.reason))

    def outcome(self) -> dict[str, Any]:
        return {"next": self.next, "bad": self.bad, "errors": self.errors, "types": self.types}


@pytest.mark.timeout(90)
async def test_a_burst_from_a_real_server_reaches_a_blob_mode_socket_whole_and_in_order(ws_server):
    ws = WebSocket(ws_server.url(f"/burst?n={BURST}&binary=1"))
    got = Numbered(ws, BURST, close_at_end=True)
    assert await got.closed == (1000, "")
    assert got.outcome() == {"next": BURST, "bad": 0, "errors": 0, "types": {"memoryview"}}
    assert ws.binaryType == "blob"


@pytest.mark.timeout(90)
async def test_a_burst_from_a_python_route_reaches_a_blob_mode_socket_whole_and_in_order_before_its_close():
    routes = hand_over("**/mock-blob")
    ws = WebSocket("ws://mock.invalid/mock-blob")
    got = Numbered(ws, BURST, close_at_end=False)
    # The handler runs from the test body, after binaryType was set: every frame is made as a Blob.
    route = await routes.get()
    for i in range(BURST):
        route.send(i.to_bytes(4, "big"))
    route.close(4000, "done")
    assert await got.closed == (4000, "done")
    assert got.outcome() == {"next": BURST, "bad": 0, "errors": 0, "types": {"memoryview"}}
