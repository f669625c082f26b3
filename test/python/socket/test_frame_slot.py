"""The frame slot (src/pyodide/frame-slot.ts): received frames cross into Python through a shared bytearray, several
per call in a burst; frames too large for it cross alone. Whatever the route, every frame arrives once, in order,
with exactly its bytes, also when a handler makes another socket receive at once and when Wasm memory grows."""
import js
import pyodide_js

from wsbridge import WebSocket, connect

from support import Rec, synthetic, wait_for

SLOT_BODY = 64 * 1024  # python/wsbridge/websocket.py _SLOT_BYTES minus the head

# Frames around the slot's limits: empty, multi-byte UTF-8 (2, 3 and 4 bytes: a surrogate pair in JS), just under
# and over the body size, and far over it; text and binary interleaved.
PAYLOADS: list[str | bytes] = [
    "",
    b"",
    "é",
    "€ and 😀",
    bytes(range(256)),
    "a" * (SLOT_BODY - 8),
    "é" * (SLOT_BODY // 2 + 1),  # fewer UTF-16 units than the body, more UTF-8 bytes
    bytes([7]) * (SLOT_BODY + 1),
    "z" * (3 * SLOT_BODY),
    b"\x00\xff" * (SLOT_BODY // 2),
    "😀" * 20_000,
    "tail",
]


def as_bytes(data: object) -> object:
    return bytes(data) if isinstance(data, memoryview) else data


async def test_a_burst_of_frames_around_the_slot_size_arrives_exact_and_in_order(ws_server):
    frames = PAYLOADS * 20
    got: list[object] = []
    r = Rec(ws_server.url("/echo"), onmessage=lambda e: got.append(e.data))
    ws = await r.open()
    for data in frames:
        ws.send(data)
    assert await wait_for(lambda: len(got) >= len(frames))
    ws.close()
    await r.wait_closed()
    assert len(got) == len(frames)
    assert [type(d).__name__ for d in got] == ["str" if isinstance(f, str) else "memoryview" for f in frames]
    assert [as_bytes(d) == f for d, f in zip(got, frames)] == [True] * len(frames)


async def test_the_client_gets_the_same_frames_as_bytes_and_str(ws_server):
    async with connect(ws_server.url("/echo")) as ws:
        for data in PAYLOADS:
            await ws.send(data)
        got = [await ws.recv(timeout=10) for _ in PAYLOADS]
    assert got == PAYLOADS


async def test_binary_frames_are_writable_memoryviews_that_do_not_share_the_slot(ws_server):
    got: list[memoryview] = []
    r = Rec(ws_server.url("/echo"), onmessage=lambda e: got.append(e.data))
    ws = await r.open()
    for i in range(50):
        ws.send(bytes([i]) * 10)
    assert await wait_for(lambda: len(got) == 50)
    got[0][0] = 255  # writable, as pyscript's memoryview of a bytearray
    ws.close()
    await r.wait_closed()
    assert not got[0].readonly
    assert bytes(got[0]) == b"\xff" + bytes(9)
    assert [bytes(d) for d in got[1:]] == [bytes([i]) * 10 for i in range(1, 50)]


async def test_a_handler_making_another_socket_receive_mid_burst_leaves_the_burst_intact(ws_server):
    inner: list[object] = []
    other = Rec(ws_server.url("/echo"), onmessage=lambda e: inner.append(e.data))
    b = await other.open()
    outer: list[object] = []

    def onmessage(e):
        outer.append(e.data)
        # Re-entrant delivery: JS writes the slot again while the burst's later frames are Python's already.
        synthetic(b, f"inner {e.data}")
        synthetic(b, js.Uint8Array.new([len(outer) % 256]).buffer)

    r = Rec(ws_server.url("/burst?n=3000"), onmessage=onmessage)
    ws = await r.open()
    assert await wait_for(lambda: len(outer) == 3000)
    ws.close()
    b.close()
    await r.wait_closed()
    await other.wait_closed()
    assert outer == [str(i) for i in range(3000)]
    assert inner[0::2] == [f"inner {i}" for i in range(3000)]
    assert [bytes(d) for d in inner[1::2]] == [bytes([n % 256]) for n in range(1, 3001)]


async def test_frames_stay_exact_after_wasm_memory_grows_under_the_slot(ws_server):
    memory = pyodide_js._module.HEAPU8.buffer
    before = memory.byteLength
    hold: list[bytearray] = []
    got: list[object] = []

    def onmessage(e):
        got.append(e.data)
        if len(got) == 1:
            hold.append(bytearray(before + (64 << 20)))  # more than the heap has: memory.grow detaches JS's views

    r = Rec(ws_server.url("/echo"), onmessage=onmessage)
    ws = await r.open()
    frames: list[str | bytes] = ["first", "", b"", "after", b"\x01\x02"]
    ws.send(frames[0])
    assert await wait_for(lambda: len(got) == 1)
    assert pyodide_js._module.HEAPU8.buffer.byteLength > before
    for data in frames[1:]:
        ws.send(data)
        # One at a time: each frame is written into the slot through views made after the growth.
        count = len(got)
        assert await wait_for(lambda: len(got) == count + 1)
    ws.close()
    await r.wait_closed()
    hold.clear()
    assert [as_bytes(d) for d in got] == frames


# --- sending: bytes up to the slot's body go through it, larger ones are read in place ---

SENDS: list[bytes] = [
    b"",
    b"\x01",
    bytes(range(256)) * 4,
    bytes([9]) * SLOT_BODY,  # exactly the body
    bytes([8]) * (SLOT_BODY + 1),  # one more: read in place instead
    bytes(range(256)) * 1024,  # 256 KiB
]
# bytes are sent where they lie (sendHeap); other bytes-like data through the slot, or in place past it.
SENDS_BYTEARRAY: list[bytearray] = [bytearray([7]) * SLOT_BODY, bytearray([6]) * (SLOT_BODY + 1)]


async def test_sends_around_the_slot_size_reach_the_server_exact_and_in_order(server_log):
    r = Rec(server_log.url("/echo"))
    ws = await r.open()
    kept = bytearray(b"before")
    for data in [*SENDS, *SENDS_BYTEARRAY]:
        ws.send(data)
    ws.send(kept)
    kept[:] = b"after!"  # changed after send: the frame already went out with the old bytes
    ws.send(memoryview(bytes(range(200)))[::3])  # not contiguous: copied first
    await r.messages(len(SENDS) + len(SENDS_BYTEARRAY) + 2)
    ws.close()
    await r.wait_closed()
    [logged] = await server_log.received()
    assert logged.frames == [*SENDS, *SENDS_BYTEARRAY, b"before", bytes(range(200))[::3]]


async def test_a_handler_sending_while_a_burst_crosses_the_slot_keeps_both_directions_exact(server_log):
    burst: list[str] = []
    echoes: list[bytes] = []

    def onmessage(e):
        if isinstance(e.data, str):
            burst.append(e.data)
            # Sent through the same slot the burst's frames arrive in, between two of their crossings.
            e.target.send(f"re {e.data};".encode() * 40)
        else:
            echoes.append(bytes(e.data))  # the server echoes what it got once its burst is out

    r = Rec(server_log.url("/burst?n=3000"), onmessage=onmessage)
    ws = await r.open()
    assert await wait_for(lambda: len(echoes) == 3000)
    ws.close()
    await r.wait_closed()
    sent = [f"re {i};".encode() * 40 for i in range(3000)]
    assert burst == [str(i) for i in range(3000)]
    assert echoes == sent
    [logged] = await server_log.received()
    assert logged.frames == sent


async def test_a_burst_in_a_hidden_page_is_flushed_by_posted_messages_complete_and_in_order(ws_server):
    # Chromium throttles a hidden page's timers to one wake-up a second, so there a burst's flush is a posted
    # message instead of the 1 ms timer (src/pyodide/socket-bridge.ts `later`).
    js.Object.defineProperty(js.document, "visibilityState", js.JSON.parse('{"value": "hidden", "configurable": true}'))
    try:
        assert js.document.visibilityState == "hidden"
        got: list[object] = []
        r = Rec(ws_server.url("/burst?n=5000"), onmessage=lambda e: got.append(e.data))
        ws = await r.open()
        assert await wait_for(lambda: len(got) == 5000)
        ws.close()
        await r.wait_closed()
    finally:
        js.Reflect.deleteProperty(js.document, "visibilityState")
    assert js.document.visibilityState == "visible"
    assert got == [str(i) for i in range(5000)]
