"""Talking to a real WebSocket server from Python in the browser.

Run with:  npx wsbridge test examples

Each `test_*` function runs inside headless Chromium with Pyodide. The runner starts a real
`ws` server for the run; `server_url(path)` gives its address (`/echo` echoes every frame,
`/close?code=N&reason=R` closes after the first message, `/die?after=N` drops the connection).
"""
import asyncio

from wsbridge import ConnectionClosed, WebSocket, connect
from wsbridge.testing import server_url


async def test_connect_echoes_text_and_bytes():
    # `connect` is an asyncio client shaped like the `websockets` library.
    async with connect(server_url("/echo")) as ws:
        await ws.send("hello")
        assert await ws.recv(timeout=5) == "hello"
        await ws.send(b"\x00\x01\xff")
        assert await ws.recv(timeout=5) == b"\x00\x01\xff"  # binary frames come back as bytes


async def test_async_for_ends_on_a_normal_close():
    async with connect(server_url("/close?code=1000&reason=bye")) as ws:
        await ws.send("please close")
        received = [message async for message in ws]  # the loop ends cleanly on code 1000
    assert received == []
    assert (ws.close_code, ws.close_reason) == (1000, "bye")


async def test_an_abnormal_close_raises_connection_closed():
    async with connect(server_url("/close?code=4000&reason=nope")) as ws:
        await ws.send("x")
        try:
            await ws.recv(timeout=5)
        except ConnectionClosed as closed:
            assert (closed.code, closed.reason) == (4000, "nope")
        else:
            raise AssertionError("recv() should have raised ConnectionClosed")


async def test_websocket_with_handlers():
    # `WebSocket` is a drop-in for `pyscript.websocket`: browser-style handlers, plain or async.
    done = asyncio.get_running_loop().create_future()
    messages = []

    def onopen(event):
        ws.send("ping")

    async def onmessage(event):
        messages.append(event.data)  # str for text frames, memoryview for binary
        ws.close(1000, "done")

    def onclose(event):
        done.set_result((event.code, event.reason, event.wasClean))

    ws = WebSocket(server_url("/echo"), onopen=onopen, onmessage=onmessage, onclose=onclose)
    assert await asyncio.wait_for(done, 5) == (1000, "done", True)
    assert messages == ["ping"]


async def test_server_dying_mid_stream_is_close_1006():
    async with connect(server_url("/die?after=2")) as ws:
        assert [await ws.recv(timeout=5), await ws.recv(timeout=5)] == ["0", "1"]
        try:
            await ws.recv(timeout=5)
        except ConnectionClosed as closed:
            assert closed.code == 1006  # no close frame: abnormal closure
        else:
            raise AssertionError("expected ConnectionClosed")
