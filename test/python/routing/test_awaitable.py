"""Awaitable routes from Python: receive/send_json, async for, Starlette's names, reject, terminate, faults, times.

The page end is plain page JS (the `probe` fixture) or wsbridge's own client (`connect`). Most tests take the route
from `hand_over` and drive it from the test body, so every check is a plain assert of the test."""
from __future__ import annotations

import asyncio
import json
import re

import pytest
from pyodide.code import run_js  # type: ignore[import-not-found]

from wsbridge import FrameTypeError, WebSocketClosed, WebSocketRoute, connect, route_web_socket

from support import TIMEOUT, Probe, ServerLog, hand_over, wait_for


async def next_route(routes: asyncio.Queue):
    """The next route `hand_over` queued (bounded: a socket that never reached the route fails the test)."""
    return await asyncio.wait_for(routes.get(), TIMEOUT)


async def test_a_scripted_conversation_with_json_async_for_and_the_close_code(probe: Probe):
    seen: dict[str, object] = {}
    done = asyncio.get_running_loop().create_future()

    async def handler(route: WebSocketRoute):
        route.send_json({"hello": "you", "n": [1, 2]})
        seen["login"] = await route.receive_json(timeout=2000)
        await route.send_json({"ok": True, "é": "✓"})
        seen["rest"] = [m async for m in route]  # ends on the page's close
        seen["close"] = (route.close_code, route.close_reason)
        done.set_result(None)

    route_web_socket("**/chat", handler)
    log = await probe("/chat", ['{"user":"ann"}', "a", [1, 2]], 2, (4000, "bye"))
    await asyncio.wait_for(done, TIMEOUT)
    # send_json is compact and keeps non-ASCII text as is.
    assert log == [["open", ""], '{"hello":"you","n":[1,2]}', '{"ok":true,"é":"✓"}', ["close", 4000, "bye", True]]
    assert seen == {"login": {"user": "ann"}, "rest": ["a", b"\x01\x02"], "close": (4000, "bye")}


async def test_receive_timeout_raises_timeout_error_and_a_later_receive_gets_the_frame(ws_server):
    routes = hand_over("**/quiet")
    async with connect(ws_server.url("/quiet")) as ws:
        route = await next_route(routes)
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(TimeoutError, match="^Timeout 150ms exceeded while waiting for a message from the page$"):
            await route.receive(timeout=150)
        assert loop.time() - started >= 0.14
        with pytest.raises(ValueError, match="^timeout must be a number of ms >= 0 or null, got -1$"):  # the engine's RangeError
            await route.receive(timeout=-1)
        await ws.send("late")
        assert await route.receive(timeout=3000) == "late"


async def test_starlette_names_accept_subprotocol_typed_receives_iter_text_and_awaited_sends(probe: Probe):
    routes: asyncio.Queue[WebSocketRoute] = asyncio.Queue()

    async def handler(route: WebSocketRoute):
        await route.accept("v2")
        routes.put_nowait(route)

    route_web_socket("**/star", handler)
    page_log = asyncio.ensure_future(probe("/star", [[9], "txt", "a", "b"], 2, (4001, "x"), ["v1", "v2"]))
    route = await next_route(routes)
    with pytest.raises(FrameTypeError, match=re.escape("expected a text frame, got a binary frame (1 bytes)")) as binary:
        await route.receive_text(timeout=2000)
    assert binary.value.frame == b"\x09"
    with pytest.raises(FrameTypeError, match=re.escape("expected a binary frame, got a text frame (3 characters)")) as text:
        await route.receive_bytes(timeout=2000)
    assert text.value.frame == "txt"
    await route.send_text("t")
    await route.send_bytes(b"\x01")
    assert [m async for m in route.iter_text()] == ["a", "b"]
    with pytest.raises(TypeError, match=re.escape("send_text() takes str, not bytes")):
        route.send_text(b"x")
    assert await page_log == [["open", "v2"], "t", "bin:1", ["close", 4001, "x", True]]


async def test_server_side_receive_times_out_then_raises_websocket_closed_with_the_servers_close(probe: Probe):
    routes: asyncio.Queue[tuple[WebSocketRoute, WebSocketRoute]] = asyncio.Queue()

    def handler(route: WebSocketRoute):
        routes.put_nowait((route, route.connect_to_server()))

    route_web_socket("**/close*", handler)
    page_log = asyncio.ensure_future(probe("/close?code=4002&reason=srv", [], 2))
    route, server = await next_route(routes)
    with pytest.raises(TimeoutError, match="^Timeout 100ms exceeded while waiting for a message from the server$"):
        await server.receive(timeout=100)
    route.send("ask")
    server.send("trigger")  # the server closes after its first message
    with pytest.raises(WebSocketClosed, match="^WebSocket closed with code 4002: srv$") as closed:
        await server.receive(timeout=3000)
    assert (closed.value.code, closed.value.reason) == (4002, "srv")
    assert (server.close_code, server.close_reason) == (4002, "srv")
    assert await page_log == [["open", ""], "ask", ["close", 4002, "srv", True]]


async def test_receive_after_the_page_closed_raises_websocket_closed_with_its_code_and_reason(probe: Probe):
    routes = hand_over("**/pc")
    page_log = asyncio.ensure_future(probe("/pc", [], 1, (4005, "done")))
    route = await next_route(routes)
    route.send("hi")
    assert await page_log == [["open", ""], "hi", ["close", 4005, "done", True]]
    with pytest.raises(WebSocketClosed, match="^WebSocket closed with code 4005: done$") as closed:
        await route.receive(timeout=3000)
    assert (closed.value.code, closed.value.reason) == (4005, "done")


async def test_a_page_close_without_a_code_raises_websocket_closed_1005_with_an_empty_reason(ws_server):
    """What the page's own close event and a server report for a close without a status code (not None)."""
    routes = hand_over("**/nocode")
    run_js("(url) => { const ws = new WebSocket(url); ws.onmessage = () => ws.close(); }")(ws_server.url("/nocode"))
    route = await next_route(routes)
    route.send("bye")
    with pytest.raises(WebSocketClosed, match="^WebSocket closed with code 1005$") as closed:
        await route.receive(timeout=3000)
    assert (closed.value.code, closed.value.reason) == (1005, "")


async def test_accept_is_true_when_the_page_opened_and_false_when_the_subprotocol_failed_the_handshake(probe: Probe):
    results: list[object] = []

    async def handler(route: WebSocketRoute):
        accepted = route.accept(route.protocols[0] if route.url.endswith("/good") else "nope")
        results.append(bool(accepted))
        assert await accepted is None  # Starlette's `await websocket.accept()`

    route_web_socket("**/good", handler)
    route_web_socket("**/bad", handler)
    assert await probe("/good", [], 0, (1000, ""), ["v1"]) == [["open", "v1"], ["close", 1000, "", True]]
    assert await probe("/bad", [], 0, None, ["v1"]) == [["error"], ["close", 1006, "", False]]
    assert results == [True, False]


async def test_reject_fails_the_handshake_never_opening_the_page_socket(probe: Probe):
    route_web_socket("**/no", lambda route: route.reject())
    assert await probe("/no") == [["error"], ["close", 1006, "", False]]


async def test_terminate_after_open_closes_the_page_with_1006_and_no_error(probe: Probe):
    route_web_socket("**/term", lambda route: route.on_message(lambda m: route.terminate()))
    assert await probe("/term", ["x"]) == [["open", ""], ["close", 1006, "", False]]


async def test_times_n_routes_n_sockets_then_the_real_server_takes_them(probe: Probe):
    handle = route_web_socket("**/echo?times", lambda route: route.send("mock"), times=2)
    logs = [await probe("/echo?times", ["ping"], 1) for _ in range(3)]
    # The mock has no on_message: "ping" goes nowhere; the third socket reaches the echo server.
    assert logs == [[["open", ""], "mock"], [["open", ""], "mock"], [["open", ""], "ping"]]
    assert not handle.active


async def test_binary_json_both_ways_and_from_page_delay_before_the_handler_sees_a_frame(probe: Probe):
    routes: asyncio.Queue[tuple[WebSocketRoute, float]] = asyncio.Queue()

    def handler(route: WebSocketRoute):
        route.faults(delay=60, direction="from_page")
        # The page sends only once open, which is after this handler returned.
        routes.put_nowait((route, asyncio.get_running_loop().time()))

    route_web_socket("**/j", handler)
    page_log = asyncio.ensure_future(probe("/j", [list(b'{"x":1}')], 1, (1000, "")))
    route, started = await next_route(routes)
    assert await route.receive_json(mode="binary", timeout=2000) == {"x": 1}
    assert asyncio.get_running_loop().time() - started >= 0.06
    route.send_json({"a": [1, None]}, mode="binary")
    assert [x async for x in route.iter_json()] == []  # the page closes after the reply
    assert await page_log == [["open", ""], "bin:" + ",".join(map(str, b'{"a":[1,null]}')), ["close", 1000, "", True]]


async def test_iter_bytes_yields_each_binary_frame_until_the_close(probe: Probe):
    routes = hand_over("**/b")
    page_log = asyncio.ensure_future(probe("/b", [[1], [2, 3]], 1, (1000, "")))
    route = await next_route(routes)
    route.send("go")
    frames = [b async for b in route.iter_bytes()]
    assert frames == [b"\x01", b"\x02\x03"]
    assert all(type(b) is bytes for b in frames)
    assert await page_log == [["open", ""], "go", ["close", 1000, "", True]]


async def test_faults_direction_must_be_one_of_three(ws_server):
    routes = hand_over("**/dir")
    async with connect(ws_server.url("/dir")):
        route = await next_route(routes)
        with pytest.raises(ValueError, match=re.escape("direction must be \"to_page\", \"from_page\" or \"both\", got 'sideways'")):
            route.faults(direction="sideways")
    with pytest.raises(ValueError, match="sideways"):  # checked before the route is used
        WebSocketRoute.faults(None, direction="sideways")  # type: ignore[arg-type]


async def test_a_receive_cancelled_by_asyncio_loses_no_frame(ws_server):
    routes = hand_over("**/cancel")
    async with connect(ws_server.url("/cancel")) as ws:
        route = await next_route(routes)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(route.receive(), 0.05)
        task = asyncio.ensure_future(route.receive())
        await asyncio.sleep(0)  # the task starts waiting for a frame
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        assert task.cancelled()
        await ws.send("one")
        await ws.send("two")
        assert [await route.receive(timeout=2000), await route.receive(timeout=2000)] == ["one", "two"]


async def test_faults_to_page_delay_per_message_keeps_order_and_drop_removes(probe: Probe):
    def handler(route: WebSocketRoute):
        route.faults(delay=lambda m: 60 if m == "slow" else 0, drop=lambda m: m == "lost", direction="to_page")
        routes.put_nowait(route)

    routes: asyncio.Queue[WebSocketRoute] = asyncio.Queue()
    route_web_socket("**/f", handler)
    page_log = asyncio.ensure_future(probe("/f", ["go"], 2))
    route = await next_route(routes)
    assert await route.receive(timeout=2000) == "go"
    for text in ["slow", "lost", "fast"]:
        route.send(text)
    assert await page_log == [["open", ""], "slow", "fast"]


async def test_faults_fixed_delay_applies_both_ways(ws_server):
    async def echo_with_delay(route: WebSocketRoute):
        route.faults(delay=50)
        async for m in route:
            route.send(m)

    route_web_socket("**/d", echo_with_delay)
    loop = asyncio.get_running_loop()
    async with connect(ws_server.url("/d")) as ws:
        for i in range(3):
            started = loop.time()
            await ws.send(str(i))
            assert await ws.recv(timeout=3) == str(i)
            # 50 ms from the page, 50 ms back.
            assert loop.time() - started >= 0.1


# --- Python counterparts of the JS face's scenarios (test/browser/awaitable-routes.test.ts) ---


async def test_wrong_frame_types_raise_and_queued_frames_come_before_websocket_closed(probe: Probe):
    routes = hand_over("**/types")
    # The page sends four frames at open and closes right behind them.
    page_log = asyncio.ensure_future(probe("/types", [[1, 2], "text", "{not json", "last"], 0, (4001, "gone")))
    route = await next_route(routes)
    with pytest.raises(FrameTypeError, match=re.escape("expected a text frame, got a binary frame (2 bytes)")):
        await route.receive_text(timeout=2000)
    with pytest.raises(FrameTypeError, match=re.escape("expected a binary frame, got a text frame (4 characters)")):
        await route.receive_bytes(timeout=2000)
    with pytest.raises(json.JSONDecodeError):
        await route.receive_json(timeout=2000)
    assert await page_log == [["open", ""], ["close", 4001, "gone", True]]
    assert await route.receive(timeout=2000) == "last"
    for _ in range(2):  # the close stays: every later receive raises it
        with pytest.raises(WebSocketClosed, match="^WebSocket closed with code 4001: gone$") as closed:
            await route.receive(timeout=2000)
        assert (closed.value.code, closed.value.reason) == (4001, "gone")


async def test_reject_is_reported_by_inspection_and_after_open_it_raises(probe: Probe, page):
    seen: list[str] = []

    def watch(ws):
        ws.on("socketerror", seen.append)
        ws.on("close", lambda _: seen.append("close"))

    async def reject_later(route: WebSocketRoute):
        await asyncio.sleep(0.02)
        route.reject()

    page.on("websocket", watch)
    route_web_socket("**/denied", reject_later)
    assert await probe("/denied") == [["error"], ["close", 1006, "", False]]
    assert await wait_for(lambda: len(seen) == 2)
    assert seen == ["Error during WebSocket handshake", "close"]

    routes = hand_over("**/late")
    page_log = asyncio.ensure_future(probe("/late", [], 1))
    route = await next_route(routes)
    route.send("hi")  # opens the page socket
    with pytest.raises(Exception, match="^" + re.escape("reject() must be called before the page socket opens: use terminate() or close()") + "$"):
        route.reject()
    assert await page_log == [["open", ""], "hi"]


async def test_terminate_after_open_drops_the_page_and_closes_the_server_side(probe: Probe, server_log: ServerLog):
    def handler(route: WebSocketRoute):
        server = route.connect_to_server()
        # The echo of "kill" comes after the echo of "x": the page has "x" when the route terminates.
        server.on_message(lambda m: route.terminate() if m == "kill" else route.send(m))

    route_web_socket("**/echo*", handler)
    page_log = await probe(server_log.url("/echo"), ["x", "kill"], 2)
    # 1006 and not clean, with no error event: as Chromium reports a dropped connection.
    assert page_log == [["open", ""], "x", ["close", 1006, "", False]]
    [logged] = await server_log.closed()
    assert logged.frames == ["x", "kill"]
    assert logged.closed == (1005, "")


async def test_a_close_waits_behind_frames_a_fault_holds_and_dropped_frames_go_nowhere(probe: Probe):
    from_page: list[str] = []

    def handler(route: WebSocketRoute):
        # Both ways ("both"): "lost" is only ever sent to the page, "secret" only from it.
        route.faults(delay=lambda m: 80 if m == "slow" else 0, drop=lambda m: m in ("lost", "secret"))

        def on_message(m):
            from_page.append(m)
            if m == "go":
                for text in ["slow", "lost", "fast"]:
                    route.send(text)
                route.close(4003, "end")
        route.on_message(on_message)

    route_web_socket("**/faults", handler)
    assert await probe("/faults", ["secret", "go"], 3) == [["open", ""], "slow", "fast", ["close", 4003, "end", True]]
    assert from_page == ["go"]
