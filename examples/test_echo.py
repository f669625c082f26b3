"""Talking to a real WebSocket server from Python in the browser.

Run with:  npx wsbridge test examples

This is pytest, running inside headless Chromium with Pyodide: fixtures, parametrize and `pytest.raises`
work as usual, and `async def` tests run on the page's event loop. The runner starts a real `ws` server
for the run; the `ws_server` fixture gives its address (`/echo` echoes every frame, `/close?code=N&reason=R`
closes after the first message, `/die?after=N` drops the connection). `echo` is an async fixture from
conftest.py: a client already connected to `/echo`.
"""
import asyncio

import pytest

from wsbridge import ConnectionClosed, WebSocket, connect


@pytest.mark.parametrize("message", ["hello", "", "ünïcødé ✓", b"\x00\x01\xff", bytes(range(256)) * 64])
async def test_echo_returns_each_frame_unchanged(echo, message):
    await echo.send(message)
    assert await echo.recv(timeout=5) == message  # text comes back as str, binary as bytes


async def test_async_for_ends_on_a_normal_close(ws_server):
    async with connect(ws_server.url("/close?code=1000&reason=bye")) as ws:
        await ws.send("please close")
        received = [message async for message in ws]  # the loop ends cleanly on code 1000
    assert received == []
    assert (ws.close_code, ws.close_reason) == (1000, "bye")


async def test_an_abnormal_close_raises_connection_closed(ws_server):
    async with connect(ws_server.url("/close?code=4000&reason=nope")) as ws:
        await ws.send("x")
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv(timeout=5)
    assert (closed.value.code, closed.value.reason) == (4000, "nope")


async def test_websocket_with_handlers(ws_server):
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

    ws = WebSocket(ws_server.url("/echo"), onopen=onopen, onmessage=onmessage, onclose=onclose)
    assert await asyncio.wait_for(done, 5) == (1000, "done", True)
    assert messages == ["ping"]


async def test_server_dying_mid_stream_is_close_1006(ws_server):
    async with connect(ws_server.url("/die?after=2")) as ws:
        assert [await ws.recv(timeout=5), await ws.recv(timeout=5)] == ["0", "1"]
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv(timeout=5)
    assert closed.value.code == 1006  # no close frame: abnormal closure
