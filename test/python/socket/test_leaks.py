"""Leaks: after close, no dispatch proxy, listener or event object survives, over 10,000+ messages.

Measures, all from Python:
- `live_proxies()` counts the socket dispatchers still alive (weak references). JS holds a dispatcher only through its
  `create_proxy`; a proxy never destroyed keeps it alive (the control test leaks one on purpose and is caught).
- wsbridge's bookkeeping: `socketStats()` (BridgeSockets, their listeners, proxies) and the one proxy pool every
  Python callable handed to JS goes through (`proxyStats()`, all kinds but inspection's, which lives with the page).
- `WebSocketEvent` objects gc still finds.
Chromium's own count of the browser socket's listeners needs DevTools: test/browser/leaks.test.ts."""
from __future__ import annotations

import array
import asyncio
import gc
import sys

import _wsbridge_js  # type: ignore[import-not-found]
import js  # type: ignore[import-not-found]
import pytest
from pyodide.ffi import create_proxy  # type: ignore[import-not-found]

import wsbridge.websocket
from wsbridge import WebSocket, WebSocketEvent
from wsbridge.websocket import _SLOT_BODY, InvalidStateError, live_proxies

from support import Rec, settle, stats, wait_for

NOTHING_LEFT = {"sockets": 0, "listeners": 0, "proxies": 0, "pool": 0, "python_dispatchers": 0, "events": 0}


def live_events() -> int:
    return sum(isinstance(o, WebSocketEvent) for o in gc.get_objects())


def pool() -> int:
    """Python callables JS holds through wsbridge's proxy pool, inspection's aside."""
    counts = _wsbridge_js.proxyStats().to_py()
    return counts["total"] - counts["inspect"]


def measures() -> dict[str, int]:
    gc.collect()
    return {**stats(), "pool": pool(), "python_dispatchers": live_proxies(), "events": live_events()}


async def test_one_socket_20000_messages_handlers_reassigned_20_times_everything_released_after_close(ws_server):
    count = {"n": 0, "bytes": 0}

    def sync_handler(e: WebSocketEvent):
        count["n"] += 1
        if not isinstance(e.data, str):
            count["bytes"] += len(e.data)
        if count["n"] % 1000 == 0:
            ws.onmessage = async_handler  # a Python attribute change: no new proxy

    async def async_handler(e: WebSocketEvent):
        sync_handler(e)
        if count["n"] % 1000 == 500:
            ws.onmessage = sync_handler

    closed = asyncio.get_running_loop().create_future()
    ws = WebSocket(ws_server.url("/burst?n=10000"), onmessage=sync_handler, onclose=lambda e: closed.set_result(e.code))
    assert await wait_for(lambda: count["n"] == 10000, 30)
    ws.send("go")  # /burst echoes after its burst: a second round, binary this time
    for i in range(10000):
        ws.send(i.to_bytes(4, "big"))
    assert await wait_for(lambda: count["n"] == 20001, 30)
    assert count == {"n": 20001, "bytes": 40000}
    assert measures() == {"sockets": 1, "listeners": 4, "proxies": 1, "pool": 1, "python_dispatchers": 1, "events": 0}

    ws.close()
    assert await asyncio.wait_for(closed, 5) == 1005
    await settle()
    assert measures() == NOTHING_LEFT


async def test_90_sockets_closed_by_the_client_the_server_or_a_dropped_connection_leave_nothing(ws_server):
    received = {"n": 0, "dropped": 0}
    peak = {"sockets": 0, "proxies": 0}

    async def one(i: int) -> int:
        done = asyncio.get_running_loop().create_future()
        kind = i % 3  # 0: we close after a burst of 100; 1: the server closes with 4000; 2: 100 frames, then TCP drop
        path = ["/burst?n=100", "/close?code=4000&reason=x", "/die?after=100"][kind]
        ws = WebSocket(ws_server.url(path), onclose=lambda e: done.set_result(e.code))
        got = {"n": 0}

        async def onopen(e: WebSocketEvent):
            if kind == 1:
                await asyncio.sleep(0)
                ws.send("close please")

        def onmessage(e: WebSocketEvent):
            got["n"] += 1
            received["dropped" if kind == 2 else "n"] += 1
            if kind == 0 and got["n"] == 100:
                ws.close(4001)

        ws.onopen = onopen
        ws.onmessage = onmessage
        s = stats()
        peak["sockets"] = max(peak["sockets"], s["sockets"])
        peak["proxies"] = max(peak["proxies"], s["proxies"])
        return await asyncio.wait_for(done, 10)

    codes: list[int] = []
    for batch in range(6):
        codes += await asyncio.gather(*(one(batch * 15 + i) for i in range(15)))
    await settle()
    assert sorted(set(codes)) == [1006, 4000, 4001]
    assert received["n"] == 30 * 100
    # Chromium delivers every frame a server sent before its connection dropped; Firefox at times discards a dropped
    # connection's frames it has not dispatched yet (a native socket: the browser's behaviour, docs/firefox.md).
    if "Firefox" in str(js.navigator.userAgent):
        assert received["dropped"] <= 30 * 100
    else:
        assert received["dropped"] == 30 * 100
    assert peak == {"sockets": 15, "proxies": 15}
    assert measures() == NOTHING_LEFT


@pytest.mark.timeout(90)  # 256 MB each way: generous on a loaded machine
async def test_binary_sends_through_the_slot_or_in_place_are_intact_and_hold_nothing_after_2000_of_each(ws_server):
    big = bytes(i % 251 for i in range(_SLOT_BODY + 3))  # just over the slot: read in place
    slot_sized = big[:_SLOT_BODY]
    payloads = [
        slot_sized,  # up to the frame slot's body: copied into the slot
        big[:_SLOT_BODY + 1],  # from here on: read in place
        bytearray(big),
        memoryview(big)[1::2],  # not contiguous: made contiguous first
        array.array("H", range(_SLOT_BODY // 2)),  # another item format: its raw bytes
    ]
    echoes: list[bytes] = []
    r = Rec(ws_server.url("/echo"), onmessage=lambda e: echoes.append(bytes(e.data)))
    with pytest.raises(InvalidStateError):  # still CONNECTING: nothing is sent
        r.ws.send(big)
    ws = await r.open()
    refs = sys.getrefcount(big), sys.getrefcount(slot_sized)
    for payload in payloads:
        ws.send(payload)
    assert await wait_for(lambda: len(echoes) == len(payloads), 20)
    assert echoes == [bytes(memoryview(p).cast("B")) if isinstance(p, array.array) else bytes(p) for p in payloads]
    r.ws.onmessage = None  # the echoes of what follows are not kept (they would hold 250 MB)
    for _ in range(2000):  # many sends each way: no proxy, buffer or reference may stay behind
        ws.send(big)
        ws.send(slot_sized)
    assert await wait_for(lambda: ws.bufferedAmount == 0, 60)  # generous: 256 MB through a loaded machine
    gc.collect()
    assert (sys.getrefcount(big), sys.getrefcount(slot_sized)) == refs
    assert pool() == 1
    ws.close()
    await r.wait_closed()
    await settle()
    assert measures() == NOTHING_LEFT


async def test_control_the_python_measure_catches_a_proxy_that_is_never_destroyed(ws_server):
    r = Rec(ws_server.url("/echo"))
    await r.open()
    # A second create_proxy of the socket's dispatcher that nobody destroys keeps the dispatcher alive.
    leaked = create_proxy(next(iter(wsbridge.websocket._live_dispatchers)))
    r.ws.close()
    await r.wait_closed()
    await settle()
    gc.collect()
    assert live_proxies() == 1
    leaked.destroy()
    gc.collect()
    assert live_proxies() == 0
