"""Inspection from Python: `page.on("websocket")`, `context.on`, `expect_websocket`, `wait_for_event`, `expect_event`,
with sockets opened from Python and from page JS, native and routed; its errors, and the JS subscriptions and
proxies it holds."""
from __future__ import annotations

import asyncio
import re
from typing import Any

import _wsbridge_js  # type: ignore[import-not-found]
import js  # type: ignore[import-not-found]
import pytest
from pyodide.code import run_js  # type: ignore[import-not-found]

import wsbridge
from wsbridge import InspectionError, WebSocket, _lifecycle, connect, route_web_socket
from wsbridge.inspect import InspectedWebSocket

from support import wait_for


def payload(p: Any) -> Any:
    """A frame payload as a comparable value: str stays, bytes become a list of ints."""
    return p if isinstance(p, str) else list(p)


def record(ws: InspectedWebSocket, log: list[list[Any]]) -> None:
    """Appends every inspection event of `ws` to `log`."""
    ws.on("framesent", lambda p: log.append(["framesent", payload(p)]))
    ws.on("framereceived", lambda p: log.append(["framereceived", payload(p)]))
    ws.on("socketerror", lambda e: log.append(["socketerror", e]))
    ws.on("close", lambda w: log.append(["close", w is ws, w.is_closed()]))


def timeout_text(ms: int, event: str) -> str:
    return "^" + re.escape(f'Timeout {ms}ms exceeded while waiting for event "{event}"') + "$"


async def opened(ws: WebSocket) -> None:
    # A frame sent while the socket is still connecting would raise: wait for OPEN.
    assert await wait_for(lambda: ws.readyState == 1)


async def open_inspected(page, url: str) -> tuple[WebSocket, InspectedWebSocket]:
    """A socket to `url`, open, and the InspectedWebSocket `page` announced for it."""
    async with page.expect_websocket(timeout=5000) as info:
        ws = WebSocket(url)
    inspected = await info.value
    await opened(ws)
    return ws, inspected


# --- listeners ---


async def test_page_on_websocket_sees_a_native_python_socket_its_frames_in_order_and_its_close(page, ws_server):
    log: list[list[Any]] = []
    seen: list[list[Any]] = []

    def on_ws(ws: InspectedWebSocket) -> None:
        seen.append([ws.url, ws.is_routed, ws.is_closed()])
        record(ws, log)

    page.on("websocket", on_ws)
    url = ws_server.url("/echo?py=1")
    async with connect(url) as ws:
        await ws.send("hi")
        assert await ws.recv(timeout=5) == "hi"
        await ws.send(b"\x00\xff")
        assert await ws.recv(timeout=5) == b"\x00\xff"
    # The close event reaches the listener after connect() returned: wait for it, not for a fixed time.
    assert await wait_for(lambda: len(log) == 5), log
    assert seen == [[url, False, False]]
    assert log == [
        ["framesent", "hi"],
        ["framereceived", "hi"],
        ["framesent", [0, 255]],
        ["framereceived", [0, 255]],
        ["close", True, True],
    ]


async def test_a_page_js_socket_mocked_by_a_python_route_is_announced_routed_to_async_page_then_context_listeners(
    page, context
):
    order: list[Any] = []
    log: list[list[Any]] = []

    async def on_page(ws: InspectedWebSocket) -> None:
        order.append("page")
        record(ws, log)

    page.on("websocket", on_page)
    context.on("websocket", lambda ws: order.append(["context", ws.is_routed]))

    def handler(route: Any) -> None:
        route.send("mocked")
        route.on_message(lambda m: route.send("re:" + m))

    route_web_socket("**/mock", handler)
    # The socket is the page's own (browser JS): inspection must see it, not only sockets made from Python.
    await run_js(
        """new Promise((ok) => {
          const ws = new WebSocket("ws://mock.invalid/mock");
          ws.onmessage = (e) => { if (e.data === "mocked") ws.send("x"); else { ws.close(); ok(); } };
        })"""
    )
    assert await wait_for(lambda: len(log) == 4), log
    assert order == ["page", ["context", True]]
    assert log == [["framereceived", "mocked"], ["framesent", "x"], ["framereceived", "re:x"], ["close", True, True]]


# --- expect_websocket, expect_event, wait_for_event ---


async def test_expect_websocket_with_a_predicate_then_expect_event_for_a_matching_frame(page, ws_server):
    async with page.expect_websocket(lambda ws: "/echo" in ws.url, timeout=5000) as info:
        ws = WebSocket(ws_server.url("/echo?e=1"))
    inspected = await info.value
    assert inspected.url == ws_server.url("/echo?e=1")
    await opened(ws)
    async with inspected.expect_event("framereceived", lambda p: p == "two", timeout=5000) as frame:
        ws.send("one")
        ws.send("two")
    assert await frame.value == "two"
    ws.close()


async def test_wait_for_event_times_out_with_playwrights_text_and_the_socket_stays_inspectable(page, ws_server):
    ws, inspected = await open_inspected(page, ws_server.url("/echo"))
    with pytest.raises(TimeoutError, match=timeout_text(100, "framesent")):
        await inspected.wait_for_event("framesent", timeout=100)
    async with inspected.expect_event("framesent", timeout=5000) as sent:
        ws.send("late")
    assert await sent.value == "late"
    ws.close()


async def test_a_close_fails_pending_and_later_waits_with_socket_closed_but_close_itself_resolves(page, ws_server):
    ws, inspected = await open_inspected(page, ws_server.url("/echo"))
    pending = asyncio.ensure_future(inspected.wait_for_event("framereceived"))
    ws.close()
    with pytest.raises(InspectionError, match="^Socket closed$"):
        await pending
    assert inspected.is_closed()
    with pytest.raises(InspectionError, match="^Socket closed$"):
        await inspected.wait_for_event("framesent")
    assert await inspected.wait_for_event("close") is inspected


async def test_a_refused_handshake_reports_socketerror_and_fails_pending_waits_with_socket_error(page, ws_server):
    async with page.expect_websocket(timeout=5000) as info:
        WebSocket(ws_server.url("/reject"))
    rejected = await info.value
    pending = asyncio.ensure_future(rejected.wait_for_event("framereceived"))
    assert await rejected.wait_for_event("socketerror", timeout=5000) == "Error during WebSocket handshake"
    with pytest.raises(InspectionError, match="^Socket error$"):
        await pending


async def test_waits_raise_playwrights_error_and_timeout_error_with_its_message(page, ws_server):
    """wsbridge.Error (with `.message`) and wsbridge.TimeoutError as Playwright's; a wait on a closed socket says
    "Socket closed". wsbridge's own kinds derive from Error, and the timeout is the built-in TimeoutError too."""
    ws, inspected = await open_inspected(page, ws_server.url("/echo"))
    with pytest.raises(wsbridge.TimeoutError) as timed_out:
        await inspected.wait_for_event("framesent", timeout=50)
    assert timed_out.value.message == 'Timeout 50ms exceeded while waiting for event "framesent"'
    assert isinstance(timed_out.value, wsbridge.Error) and isinstance(timed_out.value, TimeoutError)
    ws.close()
    with pytest.raises(wsbridge.Error) as closed:
        await inspected.wait_for_event("framereceived")
    assert (type(closed.value), closed.value.message, str(closed.value)) == (InspectionError, "Socket closed", "Socket closed")
    for kind in (wsbridge.InspectionError, wsbridge.WebSocketClosed, wsbridge.FrameTypeError, wsbridge.TimeoutError):
        assert issubclass(kind, wsbridge.Error), kind


async def test_an_inspected_socket_reads_as_playwrights_websocket(page, ws_server):
    ws, inspected = await open_inspected(page, ws_server.url("/echo"))
    assert repr(inspected) == "<WebSocket url=" + repr(ws_server.url("/echo")) + ">"
    ws.close()


async def test_page_wait_for_event_times_out_with_playwrights_text(page):
    with pytest.raises(TimeoutError, match=timeout_text(50, "websocket")):
        await page.wait_for_event("websocket", timeout=50)


async def test_expect_websocket_times_out_where_its_block_ends_when_no_socket_opened(page):
    with pytest.raises(TimeoutError, match=timeout_text(50, "websocket")):
        async with page.expect_websocket(timeout=50):
            pass


async def test_waiting_for_an_unknown_socket_event_is_a_value_error_naming_the_known_ones(page, ws_server):
    async with page.expect_websocket(timeout=5000) as info:
        ws = WebSocket(ws_server.url("/echo"))
    inspected = await info.value
    message = "unknown WebSocket event 'message': expected one of framesent, framereceived, close, socketerror"
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        await inspected.wait_for_event("message")
    ws.close()


async def test_unknown_events_are_value_errors_from_the_engine_and_hold_no_proxy(page):
    unknown = "unknown event 'socket': only \"websocket\""
    with pytest.raises(ValueError, match="^" + re.escape(unknown) + "$"):
        page.on("socket", lambda ws: None)
    with pytest.raises(ValueError, match="^" + re.escape(unknown) + "$"):
        page.remove_listener("socket", lambda ws: None)
    with pytest.raises(ValueError, match="^" + re.escape(unknown) + "$"):
        await page.wait_for_event("socket", lambda ws: True)
    with pytest.raises(ValueError, match="^" + re.escape(unknown) + "$"):
        async with page.expect_event("socket"):  # raised on entry, before the block
            raise AssertionError("not reached")
    await asyncio.sleep(0)
    assert _wsbridge_js.proxyStats().inspect == 0


async def test_a_negative_timeout_is_a_value_error(page):
    with pytest.raises(ValueError, match="^timeout must be a number of ms >= 0, got -1$"):
        await page.wait_for_event("websocket", timeout=-1)


# --- predicates, once, off ---


async def test_a_raising_predicate_raises_its_own_exception_where_the_block_ends(page, ws_server):
    def boom(ws: InspectedWebSocket) -> bool:
        raise KeyError("from the predicate")

    sockets = []
    with pytest.raises(KeyError, match="from the predicate") as caught:
        async with page.expect_websocket(boom, timeout=5000):
            sockets.append(WebSocket(ws_server.url("/echo?p=1")))
    assert type(caught.value) is KeyError and caught.value.args == ("from the predicate",)
    # The block ran to its end: the exception came from the predicate, not from inside the block.
    assert len(sockets) == 1
    sockets[0].close()


async def test_an_async_predicate_picks_its_socket_once_fires_once_and_off_with_an_equal_bound_method_removes(
    page, ws_server
):
    async def wanted(ws: InspectedWebSocket) -> bool:
        await asyncio.sleep(0)
        return ws.url.endswith("p=3")

    class Counter:
        def __init__(self) -> None:
            self.n = 0

        def hit(self, ws: InspectedWebSocket) -> None:
            self.n += 1

    once, gone = Counter(), Counter()
    page.once("websocket", once.hit)
    # `gone.hit` makes a new bound method each time: off() must match it by equality, not identity.
    page.on("websocket", gone.hit)
    page.off("websocket", gone.hit)
    async with page.expect_websocket(wanted, timeout=5000) as info:
        b = WebSocket(ws_server.url("/echo?p=2"))
        c = WebSocket(ws_server.url("/echo?p=3"))
    assert (await info.value).url == ws_server.url("/echo?p=3")
    assert [once.n, gone.n] == [1, 0]
    b.close()
    c.close()


async def test_inspection_holds_proxies_only_while_waiting_or_listening(page, ws_server):
    def inspect_proxies() -> int:
        count: int = _wsbridge_js.proxyStats().to_py()["inspect"]
        return count

    assert inspect_proxies() == 0
    sockets = []
    async with page.expect_websocket(lambda ws: ws.url.endswith("p=2"), timeout=5000) as info:
        # The predicate is held by JS while the wait is on: the count does measure something.
        assert inspect_proxies() > 0
        sockets.append(WebSocket(ws_server.url("/echo?p=1")))
        sockets.append(WebSocket(ws_server.url("/echo?p=2")))
    await info.value
    for s in sockets:
        s.close()
    assert await wait_for(lambda: inspect_proxies() == 0), _wsbridge_js.proxyStats().to_py()


# --- JS subscriptions ---


def observer_hooks() -> list[str]:
    """The observer hooks wsbridge's JS currently has set (it subscribes only while Python listens)."""
    hooks = js.eval("globalThis[Symbol.for('wsbridge.observer')] ?? {}")
    return sorted(k for k, v in js.Object.entries(hooks).to_py() if v)


@pytest.mark.no_ws_trace  # the runner's own trace listens too (--ws-trace): this test counts subscriptions
async def test_no_python_listener_means_no_js_subscription_and_reset_drops_every_one(page):
    def listener(ws: InspectedWebSocket) -> None:
        pass

    # `nativeSent` stays while a watched native socket is open: an earlier test's socket may still be closing.
    assert await wait_for(lambda: observer_hooks() == []), observer_hooks()
    page.on("websocket", listener)
    assert observer_hooks() == ["native", "nativeSent", "routed"]
    page.remove_listener("websocket", listener)
    assert observer_hooks() == []
    page.on("websocket", listener)
    assert observer_hooks() == ["native", "nativeSent", "routed"]
    _lifecycle.reset()
    assert observer_hooks() == []
