"""The socket's hot path (issue 11): a frame crosses into Python once as its data, the WebSocketEvent is built only
for a handler, a frame with nothing queued goes straight to the handler, frames arriving while a handler runs queue
behind it. Behaviour only (order, bytes, attributes, leaks), never timing."""
import asyncio
import gc
import random

from pyodide.ffi import to_js

from wsbridge import WebSocket, WebSocketEvent, connect
from wsbridge.websocket import live_proxies

from support import Rec, settle, stats, synthetic, wait_for


def live_events() -> int:
    """WebSocketEvent objects still alive after a collection."""
    gc.collect()
    return sum(isinstance(o, WebSocketEvent) for o in gc.get_objects())


# --- order on the fast path ---


async def test_mixed_handlers_and_frames_arriving_while_a_handler_runs_start_in_event_order(ws_server):
    log: list[str] = []

    async def slow(name):
        log.append("start " + name)
        await asyncio.sleep(0)  # suspends: later events go on without waiting
        log.append("after " + name)

    def onmessage(e):
        d = e.data
        name = d if isinstance(d, str) else "bin%d" % len(d)
        if name.startswith("a"):
            return slow(name)  # an awaitable: started eagerly, in order
        log.append("start " + name)
        if name == "s3":
            # Two frames delivered while this handler runs: they wait, then start in order after it returns.
            synthetic(ws, "a4")
            synthetic(ws, "s5")
        log.append("end " + name)
        return None

    r = Rec(ws_server.url("/echo"), onmessage=onmessage)
    ws = await r.open()
    for data in ["s1", "a2", "s3", "s6"]:
        synthetic(ws, data)
    synthetic(ws, to_js(b"\x01\x02\x03").buffer)
    assert await wait_for(lambda: "after a4" in log and "after a2" in log)
    assert [x for x in log if x.startswith("start")] == ["start s1", "start a2", "start s3", "start a4", "start s5", "start s6", "start bin3"]
    ws.close()
    await r.wait_closed()
    # The sync handler of s3 ran to its end before the frames it caused started.
    assert log.index("end s3") < log.index("start a4")
    # a2 suspended and let the rest go on: its second half ran after later handlers started.
    assert log.index("after a2") > log.index("start s3")
    assert [e[0] for e in r.events] == ["open", "close"]  # onmessage was replaced; open and close still reached Rec


async def test_a_2000_frame_burst_through_handlers_switched_mid_stream_is_complete_and_ordered(ws_server):
    seen: list[str] = []

    # The handlers switch through `r.ws` (set when the socket is made), never a name bound after `await r.open()`:
    # Firefox may deliver the burst's first frames before the awaited open resumes (docs/firefox.md).
    async def async_handler(e):
        seen.append(e.data)
        if len(seen) % 500 == 250:
            r.ws.onmessage = sync_handler
        await asyncio.sleep(0)

    def sync_handler(e):
        seen.append(e.data)
        if len(seen) % 500 == 0:
            r.ws.onmessage = async_handler

    r = Rec(ws_server.url("/burst?n=2000"), onmessage=sync_handler)
    ws = await r.open()
    assert await wait_for(lambda: len(seen) == 2000)
    ws.close()
    await r.wait_closed()
    assert len(seen) == 2000
    assert seen == [str(i) for i in range(2000)]


async def test_serial_handles_frames_queued_behind_an_awaitable_one_after_another(ws_server):
    log: list[str] = []

    async def onmessage(e):
        log.append("start " + e.data)
        await asyncio.sleep(0.001)
        log.append("end " + e.data)

    r = Rec(ws_server.url("/echo"), serial=True, onmessage=onmessage)
    ws = await r.open()
    for data in ["1", "2", "3"]:
        synthetic(ws, data)  # 2 and 3 queue while 1 is awaited
    assert await wait_for(lambda: len(log) == 6)
    ws.close()
    await r.wait_closed()
    assert log == ["start 1", "end 1", "start 2", "end 2", "start 3", "end 3"]


# --- payloads and events ---


async def test_binary_frames_are_memoryviews_of_exactly_the_bytes_sent_and_text_is_str(ws_server):
    payloads = [b"", bytes(range(256)) * 4, random.Random(7).randbytes(1 << 20)]
    got: list[object] = []
    r = Rec(ws_server.url("/echo"), onmessage=lambda e: got.append(e.data))
    ws = await r.open()
    for data in payloads:
        ws.send(data)
    ws.send("text é")
    assert await wait_for(lambda: len(got) == 4)
    ws.close()
    await r.wait_closed()
    assert [type(d).__name__ for d in got] == ["memoryview", "memoryview", "memoryview", "str"]
    assert [bytes(d) == want for d, want in zip(got, payloads)] == [True, True, True]
    assert [d.format for d in got[:3]] == ["B", "B", "B"]
    assert got[3] == "text é"


async def test_a_binary_burst_arrives_as_memoryviews_in_order_and_connect_gets_bytes(ws_server):
    url = ws_server.url("/burst?n=3000&binary=1")
    seen: list[memoryview] = []
    r = Rec(url, onmessage=lambda e: seen.append(e.data))
    ws = await r.open()
    assert await wait_for(lambda: len(seen) == 3000)
    ws.close()
    await r.wait_closed()
    assert {type(d).__name__ for d in seen} == {"memoryview"}
    assert [int.from_bytes(bytes(d), "big") for d in seen] == list(range(3000))
    client = []
    async with connect(url) as c:
        for _ in range(3000):
            client.append(await c.recv(timeout=10))
    assert {type(d).__name__ for d in client} == {"bytes"}
    assert [int.from_bytes(d, "big") for d in client] == list(range(3000))


async def test_the_event_has_type_data_target_origin_last_event_id_and_passes_other_attributes_through(ws_server):
    seen: dict[str, object] = {}

    def onmessage(e):
        seen["repr"] = repr(e)
        seen["type"] = e.type
        seen["data"] = bytes(e.data).hex()
        seen["same data"] = e.data is e.data
        seen["target is ws"] = e.target is ws
        seen["origin"] = e.origin
        seen["lastEventId"] = e.lastEventId
        seen["isinstance"] = isinstance(e, WebSocketEvent)
        seen["timeStamp is a number"] = isinstance(e.timeStamp, (int, float))
        seen["bubbles"] = e.bubbles

    r = Rec(ws_server.url("/echo"), onmessage=onmessage)
    ws = await r.open()
    ws.send(b"\xff\x00")
    assert await wait_for(lambda: seen)
    ws.close()
    await r.wait_closed()
    assert seen == {
        "repr": "<WebSocketEvent message>",
        "type": "message",
        "data": "ff00",
        "same data": True,
        "target is ws": True,
        "origin": ws_server.base,
        "lastEventId": "",
        "isinstance": True,
        "timeStamp is a number": True,
        "bubbles": False,
    }


async def test_connect_gets_binary_frames_as_bytes_and_text_as_str_in_order(ws_server):
    out = []
    async with connect(ws_server.url("/echo")) as c:
        for data in [b"\x00\x01", "two", b"", "four"]:
            await c.send(data)
        for _ in range(4):
            m = await c.recv(timeout=10)
            out.append([type(m).__name__, m.hex() if isinstance(m, bytes) else m])
    assert out == [["bytes", "0001"], ["str", "two"], ["bytes", ""], ["str", "four"]]


# --- leaks ---


async def test_20000_frames_through_fast_path_async_handlers_and_queue_leave_nothing_behind(ws_server):
    count = {"text": 0, "binary": 0, "queued": 0}

    def record(e):
        d = e.data
        if not isinstance(d, str):
            count["binary"] += 1
        elif d == "queued":
            count["queued"] += 1
        else:
            count["text"] += 1
            if count["text"] % 100 == 0:
                # r.ws, not ws: Firefox may deliver the burst's first frames before `await r.open()` resumes.
                synthetic(r.ws, "queued")  # delivered while this handler runs: goes through the queue

    async def async_record(e):
        record(e)
        await asyncio.sleep(0)

    def onmessage(e):
        if count["text"] % 3 == 0:
            return async_record(e)
        record(e)
        return None

    r = Rec(ws_server.url("/burst?n=10000"), onmessage=onmessage)
    ws = await r.open()
    assert await wait_for(lambda: count["text"] == 10000, 60)
    for i in range(10000):
        ws.send(i.to_bytes(2, "big"))  # echoed as binary frames
    assert await wait_for(lambda: count["binary"] == 10000, 60)
    assert {**stats(), "dispatchers": live_proxies()} == {"sockets": 1, "listeners": 4, "proxies": 1, "dispatchers": 1}
    ws.close()
    await r.wait_closed()
    await settle()
    del ws, r, onmessage
    assert {**stats(), "dispatchers": live_proxies(), "events": live_events()} == {
        "sockets": 0, "listeners": 0, "proxies": 0, "dispatchers": 0, "events": 0,
    }
    assert count == {"text": 10000, "binary": 10000, "queued": 100}
