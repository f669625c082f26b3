"""The asyncio client `connect()` against the runner's real `ws` server: send/recv, closing, errors, timeouts and the
slow-reader policy (max_queue)."""
from __future__ import annotations

import asyncio
import re

import pytest

from wsbridge import ConnectionClosed, connect
from wsbridge.client import QUEUE_OVERFLOW

from support import ServerLog, settle, wait_for

RELEASED = {"sockets": 0, "listeners": 0, "proxies": 0}


async def test_async_with_sends_and_receives_text_and_bytes_and_closes_with_1000(server_log: ServerLog):
    async with connect(server_log.url("/echo")) as ws:
        await ws.send("hi")
        text = await ws.recv()
        await ws.send(b"\x00\xff")
        binary = await ws.recv()
        await ws.send(memoryview(bytearray(b"mv")))
        view = await ws.recv()
        assert (ws.close_code, ws.close_reason) == (None, None)  # open
    assert text == "hi"
    assert type(binary) is bytes and binary == b"\x00\xff"
    assert view == b"mv"
    assert (ws.close_code, ws.close_reason) == (1000, "")
    assert await settle() == RELEASED
    [logged] = await server_log.closed()
    assert logged.closed == (1000, "")


async def test_awaited_connect_with_protocols_and_close_code_and_reason_reaching_the_server(server_log: ServerLog):
    ws = await connect(server_log.url("/echo"), ["chat", "v2"])
    assert ws.protocol == "chat"
    await ws.close(4000, "done here")
    assert (ws.close_code, ws.close_reason) == (4000, "done here")
    [logged] = await server_log.closed()
    assert logged.closed == (4000, "done here")


async def test_recv_timeout_raises_timeout_error_and_the_connection_stays_usable(ws_server):
    url = ws_server.url("/echo")
    async with connect(url) as ws:
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(TimeoutError, match="^" + re.escape(f"no message from {url} within 0.2 s") + "$"):
            await ws.recv(timeout=0.2)
        assert 0.19 <= loop.time() - started < 2
        await ws.send("still here")
        assert await ws.recv(timeout=5) == "still here"


async def test_async_for_ends_on_the_servers_normal_close(ws_server):
    async with connect(ws_server.url("/close?code=1000&now=1")) as ws:
        messages = [m async for m in ws]
    assert messages == []
    assert ws.close_code == 1000


async def test_async_for_ends_after_our_own_close(ws_server):
    messages = []
    async with connect(ws_server.url("/echo")) as ws:
        for i in range(3):
            await ws.send(f"m{i}")
        async for m in ws:
            messages.append(m)
            if len(messages) == 3:
                await ws.close()
    assert messages == ["m0", "m1", "m2"]
    assert ws.close_code == 1000


@pytest.mark.parametrize(
    ("path", "code", "reason", "text", "before"),
    [
        ("/close?code=4000&reason=go%20away&now=1", 4000, "go away", "connection closed with code 4000: go away", []),
        ("/die?after=3", 1006, "", "connection closed with code 1006 (abnormal closure, no close frame)", ["0", "1", "2"]),
    ],
    ids=["code-4000", "dropped-1006"],
)
async def test_async_for_raises_connection_closed_after_every_message_on_an_abnormal_close(
    ws_server, path, code, reason, text, before
):
    messages = []
    with pytest.raises(ConnectionClosed, match="^" + re.escape(text) + "$") as closed:
        async with connect(ws_server.url(path)) as ws:
            async for m in ws:
                messages.append(m)
    assert type(closed.value) is ConnectionClosed
    assert (closed.value.code, closed.value.reason) == (code, reason)
    assert messages == before
    assert ws.close_code == code


async def test_recv_and_send_after_close_raise_connection_closed(ws_server):
    ws = await connect(ws_server.url("/echo"))
    await ws.close(4001)
    with pytest.raises(ConnectionClosed, match="^connection closed with code 4001$") as on_recv:
        await ws.recv()
    with pytest.raises(ConnectionClosed, match="^connection closed with code 4001$") as on_send:
        await ws.send("x")
    assert on_recv.value.code == on_send.value.code == 4001


async def test_a_refused_handshake_raises_connection_error_and_leaves_nothing_behind(ws_server):
    url = ws_server.url("/reject")
    message = (
        f"could not connect to {url}: the WebSocket handshake failed (close code 1006); the browser does not say why: "
        "check that the server is up and accepts WebSocket upgrades"
    )
    with pytest.raises(ConnectionError, match="^" + re.escape(message) + "$") as caught:
        async with connect(url):
            pass
    assert type(caught.value) is ConnectionError
    assert await settle() == RELEASED


async def test_a_bad_url_raises_value_error_and_leaves_nothing_behind():
    with pytest.raises(ValueError, match="'ftp' is not allowed"):
        async with connect("ftp://127.0.0.1/"):
            pass
    assert await settle() == RELEASED


async def test_open_timeout_on_a_handshake_that_never_completes_raises_and_releases_the_socket(ws_server):
    url = ws_server.url("/hang")  # the server never answers the handshake
    with pytest.raises(TimeoutError, match="^" + re.escape(f"could not connect to {url} within 0.3 s") + "$"):
        await connect(url, open_timeout=0.3)
    assert await settle() == RELEASED


# --- a reader slower than the server ---


async def test_by_default_every_message_is_kept_in_order_while_the_reader_is_busy(ws_server):
    async with connect(ws_server.url("/burst?n=3000")) as ws:
        # The reader does nothing until the whole burst is queued.
        assert await wait_for(lambda: len(ws._messages) == 3000)
        messages = [await ws.recv(timeout=5) for _ in range(3000)]
    assert messages == [str(i) for i in range(3000)]
    assert ws.close_code == 1000


async def test_max_queue_overflow_closes_with_4009_and_the_queued_messages_stay_readable(server_log: ServerLog):
    reason = "more than max_queue=5 messages waiting"
    messages = []
    with pytest.raises(ConnectionClosed) as closed:
        async with connect(server_log.url("/burst?n=50"), max_queue=5) as ws:
            assert await wait_for(lambda: ws.close_code is not None)  # the reader is busy until the queue overflowed
            while True:
                messages.append(await ws.recv(timeout=5))
    assert messages == ["0", "1", "2", "3", "4"]
    assert (closed.value.code, closed.value.reason) == (4009, reason)
    assert ws.close_code == QUEUE_OVERFLOW == 4009
    [logged] = await server_log.closed()
    assert logged.closed == (4009, reason)


async def test_max_queue_is_not_hit_by_a_reader_that_keeps_up(ws_server):
    async with connect(ws_server.url("/echo"), max_queue=2) as ws:
        for i in range(50):
            await ws.send(str(i))
            assert await ws.recv(timeout=5) == str(i)
    assert ws.close_code == 1000
