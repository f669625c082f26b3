"""Drop-in parity with pyscript.websocket (issue 10) and URL checks (issue 12): real Chromium, Pyodide and ws server."""
import asyncio
import math

import js
import pytest

from wsbridge import WebSocket, connect

from support import Rec, ServerLog, settle, stats, wait_for

# --- async handlers never block later events ---


async def test_async_onopen_keep_alive_loop_does_not_hold_messages_up(ws_server):
    seen: list[str] = []
    state = {"running": False, "pings": 0}

    async def onopen(e):
        state["running"] = True
        own = e.target
        while own.readyState == WebSocket.OPEN:  # a keep-alive loop: ends only with the socket
            own.send("ping")
            state["pings"] += 1
            await asyncio.sleep(0.05)
        state["running"] = False

    ws = WebSocket(ws_server.url("/echo"), onopen=onopen, onmessage=lambda e: seen.append(e.data))
    assert await wait_for(lambda: state["running"])
    ws.send("hello")
    assert await wait_for(lambda: "hello" in seen)
    assert state["running"]
    assert seen[0] == "ping"
    ws.close()
    await settle()


async def test_async_onmessage_awaiting_a_future_a_later_message_resolves_finishes(ws_server):
    log: list[str] = []
    release: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def onmessage(e):
        log.append("got " + e.data)
        if e.data == "wait":
            value = await release  # resolved by the handler of the next message
            log.append("released by " + value)
        elif e.data == "go":
            release.set_result("go")

    r = Rec(ws_server.url("/echo"), onmessage=onmessage)
    ws = await r.open()
    ws.send("wait")
    ws.send("go")
    assert await wait_for(lambda: len(log) == 3)
    ws.close()
    await r.wait_closed()
    assert log == ["got wait", "got go", "released by go"]


async def test_each_handler_call_starts_in_event_order_sync_and_async_mixed_close_last(ws_server):
    log: list[str] = []
    hold: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def onopen(e):
        log.append("open start")
        await asyncio.sleep(0)
        log.append("open end")

    async def onmessage(e):
        log.append("start " + e.data)
        if e.data == "0":
            await hold  # held until the close: later messages must not wait for it
        else:
            await asyncio.sleep(0)
        log.append("end " + e.data)

    def onclose(e):
        log.append("close")
        hold.set_result(None)

    ws = WebSocket(ws_server.url("/burst?n=6"), onopen=onopen, onclose=onclose)
    ws.onmessage = onmessage
    assert await wait_for(lambda: len([x for x in log if x.startswith("start")]) == 6)
    ws.close()
    assert await wait_for(lambda: "end 0" in log)
    starts = [x for x in log if x.startswith("start") or x in ("open start", "close")]
    assert starts == ["open start", *(f"start {i}" for i in range(6)), "close"]
    # Message 0 was still waiting when all others had finished; it ends only after the close released it.
    for i in range(1, 6):
        assert log.index(f"end {i}") < log.index("close")
    assert log.index("end 0") > log.index("close")
    # The code before the first await ran when the event came, never behind another handler's awaited work.
    assert log.index("start 0") < log.index("end 1")


@pytest.mark.allow_handler_errors
async def test_exception_after_an_await_is_reported_and_later_events_still_arrive(ws_server, reported_errors):
    seen: list[str] = []

    async def onmessage(e):
        seen.append(e.data)
        await asyncio.sleep(0)
        if e.data == "bad":
            raise KeyError("late boom")

    r = Rec(ws_server.url("/echo"), onmessage=onmessage)
    ws = await r.open()
    ws.send("bad")
    ws.send("after")
    assert await wait_for(lambda: len(seen) == 2)
    ws.close()
    await r.wait_closed()
    assert seen == ["bad", "after"]
    assert await wait_for(lambda: any("KeyError: 'late boom'" in text for text in reported_errors))


# --- pyscript.websocket surface ---


async def test_js_websocket_is_the_browsers_websocket(ws_server):
    url = ws_server.url("/echo")
    r = Rec(url)
    ws = await r.open()
    raw = ws._js_websocket
    raw.binaryType = "blob"
    assert js.Object.prototype.toString.call(raw) == "[object WebSocket]"
    assert raw.url == url
    assert raw.readyState == 1
    assert ws.binaryType == "blob"
    ws.close()
    await r.wait_closed()


async def test_send_takes_js_buffers_and_sized_iterables_of_ints_as_pyscript_does(server_log: ServerLog):
    r = Rec(server_log.url("/echo"))
    ws = await r.open()
    buffer = js.Uint8Array.new([9, 8, 7, 6]).buffer
    ws.send(buffer)  # ArrayBuffer
    ws.send(js.Uint8Array.new(buffer, 1, 2))  # a view into part of a buffer: just its bytes
    ws.send(js.Uint16Array.new([1, 258]))  # non-byte items: their raw bytes
    ws.send(js.DataView.new(buffer, 2))  # DataView
    ws.send([0, 1, 255])  # list of ints
    ws.send((4, 5))  # tuple
    ws.send(range(3))  # range
    ws.send(js.Array.of(10, 20))  # a JS array of numbers
    await r.messages(8)
    ws.close()
    await r.wait_closed()
    [logged] = await server_log.received()
    assert logged.frames == [
        bytes([9, 8, 7, 6]), bytes([8, 7]), bytes([1, 0, 2, 1]), bytes([7, 6]), bytes([0, 1, 255]), bytes([4, 5]),
        bytes([0, 1, 2]), bytes([10, 20]),
    ]
    assert [e for e in r.events if e[0] == "binary"][0] == ["binary", "memoryview", [9, 8, 7, 6]]


# --- bad constructor arguments fail at the call ---

URL_TYPE = "WebSocket url must be a str, not "
TIMEOUT_RANGE = "open_timeout must be None or more than 0 seconds, got "


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        pytest.param(lambda s: WebSocket(None), TypeError, URL_TYPE + "NoneType", id="WebSocket(None)"),
        pytest.param(lambda s: WebSocket(123), TypeError, URL_TYPE + "int", id="WebSocket(int)"),
        pytest.param(lambda s: WebSocket(s.encode()), TypeError, URL_TYPE + "bytes", id="WebSocket(bytes)"),
        pytest.param(lambda s: WebSocket(s, 123), TypeError, "WebSocket protocols must be a str or a list of str, not int", id="protocols int"),
        pytest.param(lambda s: connect(None), TypeError, URL_TYPE + "NoneType", id="connect(None)"),
        pytest.param(lambda s: connect(s.encode()), TypeError, URL_TYPE + "bytes", id="connect(bytes)"),
        pytest.param(lambda s: connect(s, open_timeout=-1), ValueError, TIMEOUT_RANGE + "-1", id="open_timeout -1"),
        pytest.param(lambda s: connect(s, open_timeout=0), ValueError, TIMEOUT_RANGE + "0", id="open_timeout 0"),
        pytest.param(lambda s: connect(s, open_timeout=math.nan), ValueError, TIMEOUT_RANGE + "nan", id="open_timeout nan"),
        pytest.param(lambda s: connect(s, open_timeout="5"), TypeError, "open_timeout must be None or a number of seconds, not str", id="open_timeout str"),
        pytest.param(lambda s: connect(s, max_queue=1.5), TypeError, "max_queue must be None or an int, not float", id="max_queue float"),
    ],
)
async def test_bad_constructor_arguments_raise_and_nothing_opens(server_log: ServerLog, make, error, message):
    with pytest.raises(error) as caught:
        make(server_log.url("/echo"))
    assert type(caught.value) is error
    assert str(caught.value) == message
    assert stats() == {"sockets": 0, "listeners": 0, "proxies": 0}
    await asyncio.sleep(0.05)
    assert await server_log.received() == []  # no connection reached the server


BAD_URLS = ["", "http//nope", "ws//x/", "ws://exa mple.com/", "not a url", "ws://a<b/", "ws://a%20b/", "ftp://x/", "ws://x/#f", "ws://[::1/"]


@pytest.mark.parametrize("make", [WebSocket, connect], ids=["WebSocket", "connect"])
@pytest.mark.parametrize("url", BAD_URLS)
async def test_invalid_urls_raise_value_error(url, make):
    """Empty, whitespace, a scheme missing its ':', a forbidden host, bad scheme, fragment."""
    with pytest.raises(ValueError) as caught:
        make(url)
    assert type(caught.value) is ValueError
    assert stats()["sockets"] == 0


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/relative/path?q=1", "ws://{host}/relative/path?q=1"),
        ("relative", "ws://{host}/relative"),
        ("http://127.0.0.1:1/x", "ws://127.0.0.1:1/x"),
        ("ws://bücher.example/", "ws://xn--bcher-kva.example/"),
        ("ws://[::1]:1/", "ws://[::1]:1/"),
    ],
)
async def test_urls_the_url_standard_accepts_open(url, expected):
    """Relative to the page, http(s) mapped to ws(s), IDN and IPv6 hosts."""
    ws = WebSocket(url)
    try:
        assert ws.url == expected.format(host=js.location.host)
    finally:
        ws._abort()
