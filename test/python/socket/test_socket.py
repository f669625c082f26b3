"""wsbridge.WebSocket in real Chromium with real Pyodide against the runner's real `ws` server."""
import array
import asyncio
import logging

import pytest

from wsbridge import WebSocket, WebSocketEvent, _lifecycle
from wsbridge.websocket import InvalidStateError

from support import Rec, ServerLog, settle, stats, synthetic, wait_for

RELEASED = {"sockets": 0, "listeners": 0, "proxies": 0}


# --- text and binary ---


async def test_str_is_text_and_every_contiguous_buffer_is_its_bytes(server_log: ServerLog):
    r = Rec(server_log.url("/echo"))
    ws = await r.open()
    ws.send("héllo")
    ws.send(b"\x00\x01\xff")
    ws.send(bytearray(b"ba"))
    ws.send(memoryview(b"xxmvxx")[2:4])
    ws.send(array.array("H", [1, 258]))  # non-'B' format: raw little-endian bytes
    ws.send(memoryview(bytes(range(6))).cast("B", (2, 3)))  # 2-D
    ws.send(memoryview(b"abcdef")[::2])  # not contiguous: copied first
    ws.send(b"")
    await r.messages(8)
    ws.close()
    assert await r.wait_closed() == [
        ["open"],
        ["message", "héllo"],
        ["binary", "memoryview", [0, 1, 255]],
        ["binary", "memoryview", [98, 97]],
        ["binary", "memoryview", [109, 118]],
        ["binary", "memoryview", [1, 0, 2, 1]],
        ["binary", "memoryview", [0, 1, 2, 3, 4, 5]],
        ["binary", "memoryview", [97, 99, 101]],
        ["binary", "memoryview", []],
        ["close", 1005, "", True],
    ]
    [logged] = await server_log.received()
    assert logged.frames == [
        "héllo", b"\x00\x01\xff", b"ba", b"mv", b"\x01\x00\x02\x01", bytes(range(6)), b"ace", b"",
    ]


async def test_blob_binary_type_keeps_arrival_order_under_a_mixed_burst_close_last(ws_server):
    # /mixed sends 120 frames (every third binary: 200 kB and 10-byte Blobs alternate, so reads finish out of
    # order) and closes with 4100 right behind them: the close must wait for the last Blob.
    r = Rec(ws_server.url("/mixed?n=120"), binaryType="blob")
    events = await r.wait_closed(30)
    assert r.ws.binaryType == "blob"
    expected: list[list[object]] = [["open"]]
    for i in range(120):
        if i % 3 == 0:
            expected.append(["binary", "memoryview", 200_000 if i % 2 == 0 else 10, i, i])
        else:
            expected.append(["message", f"t{i}"])
    expected.append(["close", 4100, "done", True])
    assert [e if e[0] != "binary" else ["binary", e[1], len(e[2]), e[2][0], e[2][-1]] for e in events] == expected


# --- closing ---


async def test_client_close_with_code_and_reason_reaches_the_server(server_log: ServerLog):
    r = Rec(server_log.url("/echo"))
    ws = await r.open()
    ws.close(4000, "bye ✓")
    assert await r.wait_closed() == [["open"], ["close", 4000, "bye ✓", True]]
    [logged] = await server_log.closed()
    assert logged.closed == (4000, "bye ✓")


async def test_close_reason_without_code_sends_1000_and_123_bytes_are_allowed(server_log: ServerLog):
    reason123 = "é" * 61 + "a"
    r1 = Rec(server_log.url("/echo"))
    (await r1.open()).close(reason="just because")
    await r1.wait_closed()
    r2 = Rec(server_log.url("/echo"))
    (await r2.open()).close(3000, reason123)
    await r2.wait_closed()
    assert [c.closed for c in await server_log.closed(2)] == [(1000, "just because"), (3000, reason123)]
    assert r1.events[-1] == ["close", 1000, "just because", True]


async def test_server_close_with_code_and_reason_reaches_python(ws_server):
    r = Rec(ws_server.url("/close?code=4001&reason=server%20says%20no&now=1"))
    assert await r.wait_closed() == [["open"], ["close", 4001, "server says no", True]]


async def test_server_dying_mid_stream_gives_every_frame_then_error_and_unclean_1006(ws_server):
    # Chromium fires only close 1006 when the TCP connection drops after the handshake; wsbridge promises Python
    # an error before every unclean close, so it supplies the error event.
    r = Rec(ws_server.url("/die?after=5"))
    assert await r.wait_closed() == [
        ["open"], *(["message", str(i)] for i in range(5)), ["error"], ["close", 1006, "", False],
    ]
    assert await settle() == RELEASED


# --- bad input: exact exception types, the rule in the message, nothing sent ---

SEND_TYPES = (
    "WebSocket.send() takes str, a bytes-like object (bytes, bytearray, memoryview), a JS ArrayBuffer or typed array, "
    "or a sized iterable of ints 0-255, not "
)


async def rejected_on_open_socket(server_log: ServerLog, call, error: type[Exception], message: str):
    """Runs `call(ws)` on an open socket: it must raise exactly `error` with `message` and leave the socket OPEN.
    Then closes it plainly and returns what the server logged for the connection."""
    r = Rec(server_log.url("/echo"))
    ws = await r.open()
    with pytest.raises(error) as caught:
        call(ws)
    assert type(caught.value) is error
    assert str(caught.value) == message
    assert ws.readyState == WebSocket.OPEN
    ws.close()
    await r.wait_closed()
    [logged] = await server_log.closed()
    return logged


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        pytest.param(None, TypeError, SEND_TYPES + "NoneType", id="None"),
        pytest.param(123, TypeError, SEND_TYPES + "int", id="int"),
        pytest.param((i for i in range(3)), TypeError, SEND_TYPES + "generator", id="generator"),
        pytest.param([1, 300], ValueError, "WebSocket.send() takes a sequence of ints only in the range 0-255", id="int over 255"),
        pytest.param(["a"], TypeError, "WebSocket.send() takes a sequence of ints 0-255, but this list holds other values", id="list of str"),
    ],
)
async def test_send_rejects_what_is_not_a_message(server_log: ServerLog, data, error, message):
    logged = await rejected_on_open_socket(server_log, lambda ws: ws.send(data), error, message)
    assert logged.frames == []  # the rejected call sent nothing


async def test_send_while_connecting_raises_invalid_state_error(server_log: ServerLog):
    assert issubclass(InvalidStateError, RuntimeError)
    r = Rec(server_log.url("/echo"))
    with pytest.raises(InvalidStateError) as caught:
        r.ws.send("x")
    assert str(caught.value) == "WebSocket.send() called while the socket is still CONNECTING; wait for onopen"
    (await r.open()).close()
    await r.wait_closed()
    [logged] = await server_log.closed()
    assert logged.frames == []


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        pytest.param((1001,), {}, ValueError, "WebSocket.close(): the close code must be 1000 or 3000-4999 (a code a page may send to the server), got 1001", id="1001"),
        pytest.param((2999,), {}, ValueError, "WebSocket.close(): the close code must be 1000 or 3000-4999 (a code a page may send to the server), got 2999", id="2999"),
        pytest.param((5000,), {}, ValueError, "WebSocket.close(): the close code must be 1000 or 3000-4999 (a code a page may send to the server), got 5000", id="5000"),
        pytest.param(("1000",), {}, TypeError, "WebSocket.close(): the close code must be an int, not str", id="str code"),
        pytest.param((True,), {}, TypeError, "WebSocket.close(): the close code must be an int, not bool", id="bool code"),
        pytest.param((1000, b"bye"), {}, TypeError, "WebSocket.close(): the close reason must be a str, not bytes", id="bytes reason"),
        pytest.param(
            (4000, "half \ud800 pair"), {}, ValueError,
            "WebSocket.close(): the close reason must not contain lone surrogates (it is sent as UTF-8)", id="lone surrogate",
        ),
        pytest.param((4000, "é" * 62), {}, ValueError, "WebSocket.close(): the close reason must be at most 123 UTF-8 bytes, got 124", id="long reason"),
        pytest.param((), {"reason": "a" * 124}, ValueError, "WebSocket.close(): the close reason must be at most 123 UTF-8 bytes, got 124", id="long reason no code"),
    ],
)
async def test_close_rejects_bad_codes_and_reasons_and_stays_open(server_log: ServerLog, args, kwargs, error, message):
    logged = await rejected_on_open_socket(server_log, lambda ws: ws.close(*args, **kwargs), error, message)
    assert logged.closed == (1005, "")  # the plain close() is the only one that reached the server


async def test_handler_must_be_callable_or_none(ws_server):
    r = Rec(ws_server.url("/echo"))
    ws = await r.open()
    with pytest.raises(TypeError) as caught:
        ws.onmessage = 5
    assert str(caught.value) == "onmessage must be callable or None, not int"
    assert ws.readyState == WebSocket.OPEN
    ws.close()
    await r.wait_closed()


@pytest.mark.parametrize(("kind", "pattern"), [("scheme", "'ftp' is not allowed"), ("fragment", "(?i)fragment")])
async def test_constructor_rejects_bad_urls_and_leaves_nothing_behind(ws_server, kind, pattern):
    url = "ftp://127.0.0.1/" if kind == "scheme" else ws_server.url("/echo") + "#frag"
    with pytest.raises(ValueError, match=pattern):
        WebSocket(url)
    assert await settle() == RELEASED


# --- handlers ---


async def test_serial_awaits_async_handlers_in_order(ws_server):
    """serial=True (opt-in): a sleeping handler never overlaps the next, sync handlers keep their place."""
    log: list[str] = []

    async def onmessage(e):
        log.append(f"start {e.data}")
        await asyncio.sleep(0.05 if e.data in ("0", "3") else 0)
        log.append(f"end {e.data}")

    def returns_awaitable(e):
        # a plain function returning a coroutine is awaited too
        async def later():
            await asyncio.sleep(0.02)
            log.append("open done")

        return later()

    r = Rec(
        ws_server.url("/burst?n=6"), serial=True,
        onopen=returns_awaitable, onmessage=onmessage, onclose=lambda e: log.append(f"close {e.code}"),
    )
    # Close while the handlers are still busy: the close event must wait for them all.
    assert await wait_for(lambda: "start 0" in log)
    r.ws.close(4002)
    assert await wait_for(lambda: log and log[-1].startswith("close"))
    assert log == ["open done", *(f"{step} {i}" for i in range(6) for step in ("start", "end")), "close 4002"]


async def test_reassigning_a_handler_is_an_attribute_change_and_none_or_del_clear_it(ws_server, reported_errors):
    seen: list[list[str]] = []
    r = Rec(ws_server.url("/echo"))
    ws = await r.open()

    def h1(e):
        seen.append(["h1", e.data])
        ws.onmessage = h2

    def h2(e):
        seen.append(["h2", e.data])

    ws.onmessage = h1
    assert ws.onmessage is h1
    proxies_before = stats()["proxies"]
    ws.send("a")
    ws.send("b")
    assert await wait_for(lambda: len(seen) >= 2)
    ws.onmessage = None
    # Received while no handler is set (page-made events: handled before the next line, no wait needed).
    synthetic(ws, "ignored")
    synthetic(ws, "ignored too")
    ws.onmessage = h2
    ws.send("c")
    assert await wait_for(lambda: len(seen) >= 3)
    del ws.onmessage
    synthetic(ws, "gone")
    assert seen == [["h1", "a"], ["h2", "b"], ["h2", "c"]]
    assert proxies_before == 1
    assert stats()["proxies"] == 1  # one proxy for the socket, whatever the handlers
    assert ws.onmessage is None
    ws.close()
    await r.wait_closed()
    assert reported_errors == []


@pytest.mark.allow_handler_errors
async def test_handler_exception_is_logged_with_traceback_and_the_socket_keeps_receiving(ws_server, reported_errors):
    url = ws_server.url("/burst?n=4")
    records: list[list[object]] = []

    class Capture(logging.Handler):
        def emit(self, record):
            records.append([record.name, record.levelname, record.getMessage(), record.exc_info[0].__name__ if record.exc_info else None])

    seen: list[str] = []

    def onmessage(e):
        seen.append(e.data)
        if e.data == "0":
            raise ValueError("boom in sync handler")

    async def onmessage_async(e):
        seen.append(e.data)
        if e.data == "echo":
            raise KeyError("boom in async handler")

    capture = Capture()
    logging.getLogger("wsbridge").addHandler(capture)
    try:
        r = Rec(url, onmessage=onmessage)
        assert await wait_for(lambda: len(seen) >= 4)
        r.ws.onmessage = onmessage_async
        r.ws.send("echo")
        r.ws.send("after")
        assert await wait_for(lambda: len(seen) >= 6)
    finally:
        logging.getLogger("wsbridge").removeHandler(capture)
    r.ws.close()
    await r.wait_closed()
    assert seen == ["0", "1", "2", "3", "echo", "after"]
    assert records == [
        ["wsbridge", "ERROR", f"exception in WebSocket onmessage handler ({url})", "ValueError"],
        ["wsbridge", "ERROR", f"exception in WebSocket onmessage handler ({url})", "KeyError"],
    ]
    assert r.events[-1] == ["close", 1005, "", True]
    # What the page console shows (console.error): each with its traceback.
    assert len(reported_errors) == 2
    assert "Traceback (most recent call last)" in reported_errors[0]
    assert "ValueError: boom in sync handler" in reported_errors[0]
    assert "in onmessage" in reported_errors[0]
    assert "KeyError: 'boom in async handler'" in reported_errors[1]


# --- pass-through and events ---


async def test_browser_attributes_constants_and_events(ws_server):
    ev: dict[str, object] = {}
    url = ws_server.url("/echo")

    def onmessage(e):
        ev["type"] = e.type
        ev["same data object"] = e.data is e.data
        ev["target is ws"] = e.target is ws
        ev["origin"] = e.origin
        ev["is WebSocketEvent"] = isinstance(e, WebSocketEvent)

    r = Rec(url, ["chat", "v2"], onmessage=onmessage)
    ws = r.ws
    assert ws.readyState == 0
    assert [WebSocket.CONNECTING, WebSocket.OPEN, WebSocket.CLOSING, WebSocket.CLOSED] == [0, 1, 2, 3]
    await r.open()
    assert ws.readyState == 1
    assert ws.protocol == "chat"
    assert ws.url == url
    assert ws.bufferedAmount == 0
    assert ws.binaryType == "arraybuffer"
    ws.binaryType = "blob"
    assert ws.binaryType == "blob"
    ws.send(b"x")
    assert await wait_for(lambda: ev)
    ws.close()
    assert ws.readyState == 2
    await r.wait_closed()
    assert ws.readyState == 3
    assert ev == {"type": "message", "same data object": True, "target is ws": True, "origin": ws_server.base, "is WebSocketEvent": True}


# --- reset ---


async def test_reset_closes_and_releases_every_socket_without_calling_handlers(server_log: ServerLog):
    r = Rec(server_log.url("/echo"))
    ws = await r.open()
    assert stats() == {"sockets": 1, "listeners": 4, "proxies": 1}
    _lifecycle.reset()
    assert stats() == RELEASED
    # The closing handshake completes whenever the server answers: wait for it, then check no handler ran.
    assert await wait_for(lambda: ws.readyState == 3)
    assert r.events == [["open"]]
    [logged] = await server_log.closed()
    assert logged.closed == (1000, "wsbridge reset")
